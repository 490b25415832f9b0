// Investigation queries: a request as hokanctl sends it (times as typed), compiled into
// a store scan plus text filters, and run with streaming results. Thread-safety: a
// CompiledQuery is immutable; run() may execute on many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/timezone.h"
#include "store/store.h"

namespace hokan::query {

struct QueryRequest {
  std::string since, until;  // as typed: "2026-11-01", "-2h", RFC 3339, ...; empty: open
  // ips: addresses in any text form, or CIDR prefixes (store::parse_ip_filter); users
  // match user or target_user.
  std::vector<std::string> categories, hosts, apps, users, ips;
  std::string grep;   // bytes to find in the bytes received (the message when none kept)
  std::string regex;  // RE2 over the message (or raw line)
  uint64_t limit = 0;  // 0: no limit
  bool reverse = false;
  bool count_only = false;
  std::string purpose;
};

class CompiledQuery {
 public:
  // Errors: invalid_argument for a bad time ("bad --since: ..."), a bad address or
  // prefix ("bad --ip: ..."), a bad regex ("bad --regex: ..."), or --since after --until.
  // --since equal to --until is an empty range, [since, until): no error, no match.
  [[nodiscard]] static Result<std::shared_ptr<const CompiledQuery>> compile(
      const QueryRequest& request, const core::TimeZone& zone, int64_t now_us);

  const store::ScanQuery& scan() const { return scan_; }
  uint64_t limit() const { return limit_; }
  // True when the event passes the text filters (grep, regex).
  bool matches_text(const store::Event& event) const;
  // Also the field filters, for events that did not come through the store's scan
  // (live follow).
  bool matches(const store::Event& event) const;

  struct Progress {
    uint64_t examined = 0, matched = 0;
    int64_t at_us = 0;  // time of the last examined record
    uint64_t corrupt = 0;  // damaged blocks or records the scan went past (at the end)
  };
  // Streams matches to `emit` (return false to stop) up to the limit. `progress`, when
  // set, is called about once a second during long scans. Blocking: runs on the caller's
  // thread, never an I/O thread.
  [[nodiscard]] Result<Progress> run(const store::Store& store,
                                     const std::function<bool(store::Event&)>& emit,
                                     const std::function<void(const Progress&)>& progress = {}) const;

  ~CompiledQuery();
  CompiledQuery();

 private:
  store::ScanQuery scan_;
  uint64_t limit_ = 0;
  std::string grep_;
  struct Regex;
  std::unique_ptr<Regex> regex_;
};

}  // namespace hokan::query
