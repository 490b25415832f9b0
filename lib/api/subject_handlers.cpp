// Control-service handlers for data subjects: finding and erasing what is held about
// a person, and pseudonymized export.
#include "api/service_impl.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <optional>

#include <fstream>

#include "api/service_impl.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/event_json.h"
#include "query/pseudonymize.h"
#include "query/query.h"

namespace hokan::api {

// Everything held about a person (開示等の請求), grouped by category.
void Service::Impl::subject_find(const Caller& caller, const json& r, Responder& out) {
  Subject subject{strings(r, "user"), strings(r, "ip")};
  if (subject.users.empty() == subject.ips.empty()) return (void)out.error("subject find needs --user U or --ip ADDR");
  auto decision = authorize(caller, "subject_find", "query", r, true);
  if (!decision) return (void)out.error(out_error_);
  auto snapshot = current_config();
  const auto& zone = *snapshot->zone;
  std::map<std::string, json> groups;
  std::set<uint64_t> seen;
  uint64_t total = 0;
  std::string buffer;
  // One indexed scan per identifier: users and addresses are separate indexes.
  auto scan_for = [&](std::vector<std::string> users, std::vector<std::string> ips) {
    store::ScanQuery q;
    q.categories = decision->categories;
    q.users = std::move(users);
    q.ips = std::move(ips);
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
      return out.event(buffer);
    });
  };
  if (!subject.users.empty())
    if (auto s = scan_for(subject.users, {}); !s) return (void)out.error(s.error().message);
  if (!subject.ips.empty())
    if (auto s = scan_for({}, subject.ips); !s) return (void)out.error(s.error().message);
  json categories = json::array();
  for (auto& [name, g] : groups) categories.push_back(g);
  auto record = entry(caller, "subject_find", r);
  record.count = total;
  if (!audited(record, out)) return;
  out.result(json{{"categories", categories}, {"records", total}}.dump());
  out.done(json{{"count", total}}.dump());
}

void Service::Impl::subject_erase(const Caller& caller, const json& r, Responder& out) {
  Subject subject{strings(r, "user"), strings(r, "ip")};
  if (subject.users.empty() == subject.ips.empty()) return (void)out.error("subject erase needs --user U or --ip ADDR");
  std::string reason = string(r, "reason");
  if (reason.empty()) return (void)out.error("subject erase needs --reason TEXT");
  auto snapshot = current_config();
  std::vector<std::string> named = strings(r, "category");
  for (const auto& c : named) {
    const config::Category* cat = snapshot->find_category(c);
    if (c == "audit" || (cat && !cat->erasable)) {
      auto record = entry(caller, "subject_erase", r);
      record.allowed = false;
      record.why = "category \"" + c + "\" is not erasable" + (c == "audit" ? " (the audit trail is append-only)" : " (erasable = false)");
      auditor.record(record);
      return (void)out.error(record.why);
    }
  }
  auto decision = authorize(caller, "subject_erase", "erase", r, false);
  if (!decision) return (void)out.error(out_error_);
  std::vector<std::string> erasable;
  for (const auto& c : decision->categories) {
    const config::Category* cat = snapshot->find_category(c);
    if (c != "audit" && cat && cat->erasable) erasable.push_back(c);
  }
  auto report = ctx.purger->erase([&](const store::Event& e) { return subject.matches(e); }, erasable, caller.user,
                                  "subject erasure request: " + reason);
  if (!report) return (void)out.error("erasure failed: " + report.error().message);
  auto record = entry(caller, "subject_erase", r);
  for (const auto& c : report->categories) record.count += c.records;
  record.why = "reason: " + reason;
  auditor.record(record);
  report_purge(*report, *snapshot->zone, out);
  out.done("{}");
}

void Service::Impl::export_records(const Caller& caller, const json& r, Responder& out) {
  auto decision = authorize(caller, "export", "export", r, true);
  if (!decision) return (void)out.error(out_error_);
  std::shared_ptr<const query::Pseudonymizer> pseudonymizer;
  if (r.value("anonymize", false)) {
    std::string hex = string(r, "key_hex"), key;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) key.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    auto p = query::Pseudonymizer::create(key);
    if (!p) return (void)out.error(p.error().message);
    pseudonymizer = *p;
  }
  auto snapshot = current_config();
  auto request = query_request(r);
  request.categories = decision->categories;
  uint64_t sent = 0;
  auto ran = stream_events(request, *snapshot->zone, out, sent, [&](const store::Event& e) {
    return pseudonymizer ? pseudonymizer->apply(e) : e;
  });
  auto record = entry(caller, pseudonymizer ? "export_pseudonymized" : "export", r);
  record.count = sent;
  if (!ran) return (void)out.error(ran.error().message);
  if (!audited(record, out)) return;
  out.done(json{{"count", sent}}.dump());
}

}  // namespace hokan::api
