// The audit side of one control request: refusal, intent and outcome records carrying
// the same request number, purpose and filter digest (see audit/auditor.h). The intent
// is durable before anything of an answer is sent: handlers call intent() and send
// nothing when it fails. Refusals of callers without any role are rate-limited per uid
// (RefusalLimiter), so a stranger with access to the socket cannot flood the trail; what
// was not recorded is counted in the next record that is.
// Thread-safety: a RequestAudit belongs to its request's thread; RefusalLimiter is
// safe from any thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "api/server.h"
#include "audit/auditor.h"

namespace hokan::api {

class RefusalLimiter {
 public:
  // Up to kBurst refusals at once per uid, then one per kRefill.
  static constexpr int kBurst = 10;
  static constexpr auto kRefill = std::chrono::seconds(6);

  // Whether this refusal is recorded; `suppressed` gets how many were not since the
  // last recorded one (for that record to say).
  bool admit(uid_t uid, uint64_t& suppressed);

 private:
  struct Bucket {
    double tokens = kBurst;
    std::chrono::steady_clock::time_point last;
    uint64_t suppressed = 0;
  };
  static constexpr std::size_t kMaxTracked = 4096;
  std::mutex mutex_;
  std::map<uid_t, Bucket> buckets_;
};

class RequestAudit {
 public:
  RequestAudit(audit::Auditor& auditor, RefusalLimiter& limiter, const Caller& caller, std::string op,
               std::string purpose, std::string filter);

  // Records a refusal and sends it to the client as the request's error frame. Callers
  // without a role (`stranger`) are rate-limited.
  void refuse(const std::string& why, Responder& out, bool stranger = false);
  // Records the intent, durably. On failure the client gets an error frame and false:
  // the caller must then send nothing else.
  [[nodiscard]] bool intent(Responder& out);
  // Records how it ended: "completed", "cut short: ..." or "failed: ...". False when the
  // record could not be written (the caller tells the client).
  bool outcome(uint64_t count, const std::string& how);
  // The op as it is audited ("follow" for a followed query).
  void rename(std::string op) { op_ = std::move(op); }

 private:
  audit::Entry entry(audit::Phase phase, uint64_t count, std::string why) const;
  audit::Auditor& auditor_;
  RefusalLimiter& limiter_;
  const Caller& caller_;
  std::string op_, purpose_, filter_;
  uint64_t request_;
};

}  // namespace hokan::api
