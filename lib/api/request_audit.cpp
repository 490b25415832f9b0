#include "api/request_audit.h"

#include <spdlog/spdlog.h>

namespace hokan::api {

bool RefusalLimiter::admit(uid_t uid, uint64_t& suppressed) {
  std::lock_guard lock(mutex_);
  auto now = std::chrono::steady_clock::now();
  if (buckets_.size() >= kMaxTracked && !buckets_.contains(uid)) {
    // Forget a full bucket rather than grow without bound: it starts over at kBurst.
    for (auto it = buckets_.begin(); it != buckets_.end(); ++it)
      if (it->second.suppressed == 0) {
        buckets_.erase(it);
        break;
      }
  }
  auto [it, fresh] = buckets_.try_emplace(uid);
  Bucket& b = it->second;
  if (fresh) b.last = now;
  double refill = std::chrono::duration<double>(now - b.last) / kRefill;
  b.tokens = std::min<double>(kBurst, b.tokens + refill);
  b.last = now;
  if (b.tokens < 1) {
    ++b.suppressed;
    return false;
  }
  b.tokens -= 1;
  suppressed = b.suppressed;
  b.suppressed = 0;
  return true;
}

RequestAudit::RequestAudit(audit::Auditor& auditor, RefusalLimiter& limiter, const Caller& caller, std::string op,
                           std::string purpose, std::string filter)
    : auditor_(auditor),
      limiter_(limiter),
      caller_(caller),
      op_(std::move(op)),
      purpose_(std::move(purpose)),
      filter_(std::move(filter)),
      request_(auditor.next_request()) {}

audit::Entry RequestAudit::entry(audit::Phase phase, uint64_t count, std::string why) const {
  return audit::Entry{caller_.uid, caller_.user, op_, purpose_, filter_, count, phase, std::move(why), request_};
}

void RequestAudit::refuse(const std::string& why, Responder& out, bool stranger) {
  uint64_t suppressed = 0;
  if (!stranger || limiter_.admit(caller_.uid, suppressed)) {
    std::string note = why;
    if (suppressed)
      note += " (" + std::to_string(suppressed) + " earlier refusals of this uid were not recorded: rate limit)";
    if (!auditor_.record(entry(audit::Phase::refused, 0, note)))
      if (auto log = spdlog::get("api")) log->error("audit: could not record a refusal of uid {}", caller_.uid);
  }
  out.error(why);
}

bool RequestAudit::intent(Responder& out) {
  if (auditor_.record(entry(audit::Phase::intent, 0, ""))) return true;
  out.error("refused: the audit record could not be written, and nothing is read unaudited");
  return false;
}

bool RequestAudit::outcome(uint64_t count, const std::string& how) {
  return auditor_.record(entry(audit::Phase::outcome, count, how));
}

}  // namespace hokan::api
