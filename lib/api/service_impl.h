// Inside the control service: the state its request handlers share and the helpers
// they use. Not a public header: only lib/api's service files include it. Every handler
// gets a decoded, typed request (api/request.h) and follows one order:
//   authorize → check the request's values → audit intent (durable) → execute →
//   audit outcome → the final frame,
// so nothing reaches the client before its intent is on disk, and every refusal is
// audited with the reason. Handlers run on the control server's threads.
#pragma once

#include <spdlog/spdlog.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/access.h"
#include "api/follow.h"
#include "api/request.h"
#include "api/request_audit.h"
#include "api/service.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/query.h"
#include "store/event_match.h"

namespace hokan::api {

struct Service::Impl {
  mutable std::mutex config_mutex;
  ServiceContext ctx;
  store::Store& store;
  ingest::Writer& writer;
  std::atomic<bool> stopping{false};
  std::shared_ptr<spdlog::logger> log = spdlog::get("api");

  audit::Auditor auditor;
  RefusalLimiter refusals;
  FollowHub follow;
  std::shared_ptr<const AccessControl> access;

  explicit Impl(ServiceContext c)
      : ctx(std::move(c)),
        store(*ctx.store),
        writer(*ctx.writer),
        auditor(*ctx.writer, ctx.lane_for),
        access(std::make_shared<const AccessControl>(ctx.config, ctx.daemon_uid)) {
    writer.add_observer([this](const std::vector<store::Event>& batch) { follow.publish(batch); });
  }

  std::shared_ptr<const AccessControl> current_access() const {
    std::lock_guard lock(config_mutex);
    return access;
  }
  std::shared_ptr<const config::Config> current_config() const {
    std::lock_guard lock(config_mutex);
    return ctx.config;
  }

  // Checks the caller's roles for `action` over `requested` categories. On refusal it
  // is audited and answered, and the result is empty.
  std::optional<Grant> authorize(const Caller& caller, RequestAudit& audit, Responder& out, const std::string& action,
                                 const std::vector<std::string>& requested = {}, bool with_audit = false) {
    auto a = current_access();
    auto grant = a->check(caller, action, requested, with_audit);
    if (grant) return std::move(*grant);
    audit.refuse(grant.error().message, out, !a->has_role(caller));
    return std::nullopt;
  }

  // Reads "since"/"until" as typed into the targets; keeps a target when its text is
  // empty. Errors: "bad --since: ...".
  static Result<void> read_times(const std::string& since, const std::string& until, const core::TimeZone& zone,
                                 int64_t& since_us, int64_t& until_us);

  // The query a record filter asks for, limited to the granted categories.
  static query::QueryRequest query_request(const RecordFilter& f, const Grant& grant, uint64_t limit, bool reverse,
                                           bool count_only);

  // Streams the matches of a compiled query to the client, each as `shown` presents it.
  // Returns the query's outcome for the audit record.
  Result<std::string> stream(const query::CompiledQuery& compiled, const core::TimeZone& zone, Responder& out,
                             uint64_t& sent, const std::function<store::Event(const store::Event&)>& shown = {},
                             const std::function<void(const query::CompiledQuery::Progress&)>& progress = {});
  // How a stream that stopped early ended, for the audit outcome.
  std::string how_it_ended(const Responder& out) const;

  // One handler per op.
  void run(const Caller& caller, const QueryOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const ExportOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const StatusOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const CategoriesOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const PurgeOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const CaseCloseOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const CaseListOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const HoldPlaceOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const HoldReleaseOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const HoldListOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const LedgerOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const VerifyOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const SubjectFindOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const SubjectEraseOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const ObjectListOp& op, RequestAudit& audit, Responder& out);
  void run(const Caller& caller, const ObjectGetOp& op, RequestAudit& audit, Responder& out);

  // Streams live events until the client goes away or the daemon stops.
  void follow_live(FollowHub::Subscription& s, bool count_only, const core::TimeZone& zone, Responder& out,
                   uint64_t& sent);
  void report_purge(const retention::PurgeReport& report, const core::TimeZone& zone, Responder& out);
  // The object category a request names, after the caller was authorized for it.
  const config::Category* object_category(const config::Config& config, const std::string& name) const;

  struct Subject {
    std::vector<std::string> users, ips;
    bool matches(const store::Event& e) const {
      if (!users.empty() && store::matches_users(e, users)) return true;
      if (ips.empty()) return false;
      auto filter = store::parse_ip_filter(ips);  // the decoder made them canonical
      return filter && store::matches_ips(e, filter->exact, filter->prefixes);
    }
  };
};

}  // namespace hokan::api
