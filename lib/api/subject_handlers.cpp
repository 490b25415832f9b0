// Control-service handlers for data subjects: finding and erasing what is held about
// a person, and pseudonymized export.
#include <nlohmann/json.hpp>

#include <map>
#include <set>

#include "api/service_impl.h"
#include "query/event_json.h"
#include "query/pseudonymize.h"

namespace hokan::api {
using nlohmann::json;

// Everything held about a person (開示等の請求), grouped by category.
void Service::Impl::run(const Caller& caller, const SubjectFindOp& op, RequestAudit& audit, Responder& out) {
  auto grant = authorize(caller, audit, out, "query");
  if (!grant) return;
  if (!audit.intent(out)) return;
  auto snapshot = current_config();
  const auto& zone = *snapshot->zone;
  std::map<std::string, json> groups;
  std::set<uint64_t> seen;
  uint64_t total = 0;
  std::string buffer;
  // One indexed scan per identifier: users and addresses are separate indexes.
  auto scan_for = [&](std::vector<std::string> users, std::vector<std::string> ips) {
    store::ScanQuery q;
    q.categories = grant->categories;
    q.users = std::move(users);
    if (auto filter = store::parse_ip_filter(ips)) {  // the decoder checked them
      q.ips = std::move(filter->exact);
      q.ip_prefixes = std::move(filter->prefixes);
    }
    return store.scan(q, [&](store::Event& e) {
      if (!seen.insert(e.id).second) return true;  // found by the other identifier already
      auto& g = groups[e.category];
      if (g.is_null()) {
        const config::Category* c = snapshot->find_category(e.category);
        g = {{"category", e.category}, {"records", 0}, {"disclosable", e.category != "audit" && (!c || c->disclosable)},
             {"from", core::format_rfc3339(e.time_us, zone)}};
      }
      g["records"] = g["records"].get<uint64_t>() + 1;
      g["until"] = core::format_rfc3339(e.time_us, zone);
      ++total;
      buffer.clear();
      query::append_event_json(e, zone, buffer);
      return out.event(buffer) && !stopping.load(std::memory_order_relaxed);
    });
  };
  for (auto [users, ips] : {std::pair{op.users, std::vector<std::string>{}}, std::pair{std::vector<std::string>{}, op.ips}}) {
    if (users.empty() && ips.empty()) continue;
    if (auto s = scan_for(users, ips); !s) {
      audit.outcome(total, "failed: " + s.error().message);
      return (void)out.error(s.error().message);
    }
  }
  if (!audit.outcome(total, how_it_ended(out))) return (void)out.error("the audit outcome could not be written");
  json categories = json::array();
  for (auto& [name, g] : groups) categories.push_back(g);
  out.result(json{{"categories", categories}, {"records", total}}.dump());
  out.done(json{{"count", total}}.dump());
}

void Service::Impl::run(const Caller& caller, const SubjectEraseOp& op, RequestAudit& audit, Responder& out) {
  auto snapshot = current_config();
  for (const auto& c : op.categories) {
    const config::Category* cat = snapshot->find_category(c);
    if (c == audit::kCategory || (cat && !cat->erasable))
      return audit.refuse("category \"" + c + "\" is not erasable" +
                              (c == audit::kCategory ? " (the audit trail is append-only)" : " (erasable = false)"),
                          out);
  }
  auto grant = authorize(caller, audit, out, "erase", op.categories);
  if (!grant) return;
  std::vector<std::string> erasable;
  for (const auto& c : grant->categories) {
    const config::Category* cat = snapshot->find_category(c);
    if (c != audit::kCategory && cat && cat->erasable) erasable.push_back(c);
  }
  if (!audit.intent(out)) return;
  Subject subject{op.users, op.ips};
  auto report = ctx.purger->erase([&](const store::Event& e) { return subject.matches(e); }, erasable, caller.user,
                                  "subject erasure request: " + op.reason);
  if (!report) {
    audit.outcome(0, "failed: " + report.error().message);
    return (void)out.error("erasure failed: " + report.error().message);
  }
  uint64_t count = 0;
  for (const auto& c : report->categories) count += c.records;
  audit.outcome(count, "erased; reason: " + op.reason);
  report_purge(*report, *snapshot->zone, out);
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const ExportOp& op, RequestAudit& audit, Responder& out) {
  if (op.anonymize) audit.rename("export_pseudonymized");
  auto grant = authorize(caller, audit, out, "export", op.filter.categories);
  if (!grant) return;
  std::shared_ptr<const query::Pseudonymizer> pseudonymizer;
  if (op.anonymize) {
    auto p = query::Pseudonymizer::create(op.key);
    if (!p) return audit.refuse(p.error().message, out);
    pseudonymizer = *p;
  }
  auto snapshot = current_config();
  auto compiled = query::CompiledQuery::compile(query_request(op.filter, *grant, op.limit, op.reverse, false),
                                                *snapshot->zone, core::now_us());
  if (!compiled) return audit.refuse(compiled.error().message, out);
  if (!audit.intent(out)) return;
  uint64_t sent = 0;
  std::function<store::Event(const store::Event&)> shown;
  if (pseudonymizer) shown = [&](const store::Event& e) { return pseudonymizer->apply(e); };
  auto ran = stream(**compiled, *snapshot->zone, out, sent, shown);
  if (!ran) {
    audit.outcome(sent, "failed: " + ran.error().message);
    return (void)out.error(ran.error().message);
  }
  if (!audit.outcome(sent, *ran)) return (void)out.error("the audit outcome could not be written");
  out.done(json{{"count", sent}}.dump());
}

}  // namespace hokan::api
