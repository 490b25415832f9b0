// Legal holds: named preservation orders that keep matching records through purges and
// erasures until released. A hold's filter is AND across fields and OR within one.
// Stored in the meta store by name. Thread-safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "store/event.h"
#include "store/meta.h"
#include "store/store.h"

namespace hokan::retention {

struct HoldFilter {
  // users match user or target_user; ips are addresses or prefixes in canonical text
  // (store::canonical_ip_filter), matched against every address a record names.
  std::vector<std::string> categories, hosts, cameras, users, ips, cases;
  int64_t since_us = std::numeric_limits<int64_t>::min();
  int64_t until_us = std::numeric_limits<int64_t>::max();
  bool matches(const store::Event& event) const;
  // Whether any record of this category and time range could match.
  bool may_match(const std::string& category, int64_t from_us, int64_t until_us) const;
  // The store scan that finds this hold's candidates within [from_us, until_us): the
  // fields the store indexes narrow it; matches() still decides (cameras, cases).
  store::ScanQuery scan_query(int64_t from_us = std::numeric_limits<int64_t>::min(),
                              int64_t until_us = std::numeric_limits<int64_t>::max()) const;

 private:
  bool matches_ips(const store::Event& event) const;
};

struct Hold {
  std::string name, reason, placed_by;
  int64_t placed_us = 0;
  HoldFilter filter;
  std::string filter_text;  // as typed, for `hold list`
};

// A hold as text (JSON, as the meta store keeps it) and back: for work that must outlive
// a hold's release, such as clearing its legal holds in a remote store.
std::string hold_to_text(const Hold& hold);
Result<Hold> hold_from_text(std::string_view text);

class Holds {
 public:
  [[nodiscard]] static Result<std::unique_ptr<Holds>> load(std::shared_ptr<store::MetaStore> meta);

  // Errors: invalid_argument for a bad name, already_exists when the name is taken.
  [[nodiscard]] Result<void> place(const Hold& hold);
  // Errors: not_found. Returns the released hold.
  [[nodiscard]] Result<Hold> release(const std::string& name);
  std::vector<Hold> list() const;
  // Names of the holds that keep this record.
  std::vector<std::string> holding(const store::Event& event) const;
  bool any_may_match(const std::string& category, int64_t from_us, int64_t until_us) const;

  explicit Holds(std::shared_ptr<store::MetaStore> meta);

 private:
  std::shared_ptr<store::MetaStore> meta_;
  mutable std::mutex mutex_;
  std::vector<Hold> holds_;
};

}  // namespace hokan::retention
