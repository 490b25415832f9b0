// Control-service handlers for retention and its proofs: purges, case clocks, legal
// holds, the destruction ledger and tamper verification.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <set>

#include "api/service_impl.h"

namespace hokan::api {
using nlohmann::json;
namespace {

std::string bytes_text(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1ull << 20));
  else if (bytes >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
}

uint64_t destroyed(const retention::PurgeReport& report) {
  uint64_t n = 0;
  for (const auto& c : report.categories) n += c.records;
  return n;
}

// A hold's categories as a sentence ("every category" for a hold placed before holds
// were scoped, which covers everything).
std::string categories_text(const std::vector<std::string>& categories) {
  if (categories.empty()) return "every category";
  std::string out;
  for (const auto& c : categories) out += (out.empty() ? "" : ", ") + c;
  return out;
}

}  // namespace

void Service::Impl::report_purge(const retention::PurgeReport& report, const core::TimeZone& zone, Responder& out) {
  const char* verb = report.dry_run ? "would destroy" : "destroyed";
  json categories = json::array();
  for (const auto& c : report.categories) {
    std::string line = c.category + ": " + verb + " " + std::to_string(c.records) + " records (" +
                       bytes_text(c.bytes) + ")";
    if (c.records > 0)
      line += " from " + core::format_rfc3339(c.from_us, zone) + " to " + core::format_rfc3339(c.until_us, zone);
    if (c.held_back > 0) {
      line += "; held back " + std::to_string(c.held_back) + " by";
      for (const auto& h : c.holds) line += " " + h;
    }
    out.line(line);
    categories.push_back({{"category", c.category}, {"records", c.records}, {"bytes", c.bytes},
                          {"held_back", c.held_back}, {"holds", c.holds}});
  }
  if (report.categories.empty()) out.line(report.dry_run ? "nothing has expired" : "nothing to destroy");
  for (const auto& p : report.problems) out.line("left for the next run: " + p);
  out.result(json{{"dry_run", report.dry_run}, {"categories", categories}, {"problems", report.problems}}.dump());
}

void Service::Impl::run(const Caller& caller, const PurgeOp& op, RequestAudit& audit, Responder& out) {
  if (op.dry_run) audit.rename("purge_dry_run");
  // A purge covers the categories the caller's purge roles grant; the audit trail is
  // purged by its own retention, so it is among them when granted.
  auto grant = authorize(caller, audit, out, "purge", op.categories, true);
  if (!grant) return;
  if (!audit.intent(out)) return;
  auto snapshot = current_config();
  std::set<std::string> only(grant->categories.begin(), grant->categories.end());
  auto report = ctx.purger->run(core::now_us(), op.dry_run, "manual", caller.user, only);
  if (!report) {
    audit.outcome(0, "failed: " + report.error().message);
    return (void)out.error("purge failed: " + report.error().message);
  }
  audit.outcome(destroyed(*report), report->problems.empty() ? "completed" : "completed with problems left");
  report_purge(*report, *snapshot->zone, out);
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const CaseCloseOp& op, RequestAudit& audit, Responder& out) {
  if (!authorize(caller, audit, out, "admin")) return;
  if (!audit.intent(out)) return;
  auto snapshot = current_config();
  auto closed = ctx.cases->close(op.id, "", op.outcome, op.reason, caller.user, core::now_us());
  if (!closed) {
    audit.outcome(0, "failed: " + closed.error().message);
    return (void)out.error(closed.error().message);
  }
  audit.outcome(1, "closed; reason: " + op.reason);
  out.line("case " + op.id + " closed at " + core::format_rfc3339(*closed->closed_us, *snapshot->zone) +
           (op.outcome.empty() ? "" : " with outcome " + op.outcome) + "; its retention clock starts now");
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const CaseListOp& op, RequestAudit& audit, Responder& out) {
  if (!authorize(caller, audit, out, "admin")) return;
  if (!audit.intent(out)) return;
  auto snapshot = current_config();
  json cases = json::array();
  for (const auto& c : ctx.cases->list()) {
    bool closed = c.closed_us.has_value();
    if ((op.which == CaseListOp::Which::open && closed) || (op.which == CaseListOp::Which::closed && !closed))
      continue;
    json j = {{"id", c.id}, {"category", c.category}, {"state", closed ? "closed" : "open"},
              {"opened", core::format_rfc3339(c.opened_us, *snapshot->zone)}};
    if (closed) {
      j["closed"] = core::format_rfc3339(*c.closed_us, *snapshot->zone);
      j["outcome"] = c.outcome;
      j["closed_by"] = c.closed_by;
      j["reason"] = c.reason;
    }
    cases.push_back(j);
  }
  audit.outcome(cases.size(), "completed");
  out.result(json{{"cases", cases}}.dump(-1, ' ', false, json::error_handler_t::replace));
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const HoldPlaceOp& op, RequestAudit& audit, Responder& out) {
  // A hold keeps records only in the categories the caller may hold: one that names
  // none covers exactly those, never the rest.
  auto grant = authorize(caller, audit, out, "hold", op.categories);
  if (!grant) return;
  auto snapshot = current_config();
  retention::Hold hold;
  hold.name = op.name;
  hold.reason = op.reason;
  hold.placed_by = caller.user;
  hold.placed_us = core::now_us();
  hold.filter_text = op.filter_text;
  auto& f = hold.filter;
  f.categories = grant->categories;
  f.hosts = op.hosts;
  f.cameras = op.cameras;
  f.users = op.users;
  f.ips = op.ips;
  f.cases = op.cases;
  if (auto times = read_times(op.since, op.until, *snapshot->zone, f.since_us, f.until_us); !times)
    return audit.refuse(times.error().message, out);
  if (f.since_us >= f.until_us) return audit.refuse("--since must be before --until", out);
  if (op.categories.empty())
    hold.filter_text += std::string(hold.filter_text.empty() ? "" : " ") + "(categories: " +
                        categories_text(f.categories) + ")";
  if (!audit.intent(out)) return;
  if (auto placed = ctx.holds->place(hold); !placed) {
    audit.outcome(0, "failed: " + placed.error().message);
    return (void)out.error(placed.error().message);
  }
  // Count what it keeps now; a preservation order may precede the data, so none is fine.
  uint64_t matched = 0;
  (void)store.scan(f.scan_query(), [&](store::Event& e) {
    if (hold.filter.matches(e)) ++matched;
    return true;
  });
  audit.outcome(matched, "placed; reason: " + hold.reason);
  if (ctx.hold_changed) ctx.hold_changed(hold);
  out.line("hold " + hold.name + " placed over " + categories_text(f.categories) + ": " +
           (matched ? "it keeps " + std::to_string(matched) + " records now"
                    : std::string("it matches no record yet (it will keep matching records that arrive)")));
  out.done(json{{"matched", matched}}.dump());
}

void Service::Impl::run(const Caller& caller, const HoldReleaseOp& op, RequestAudit& audit, Responder& out) {
  if (!authorize(caller, audit, out, "hold")) return;
  std::optional<retention::Hold> hold;
  for (auto& h : ctx.holds->list())
    if (h.name == op.name) hold = std::move(h);
  if (!hold) return audit.refuse("no hold named \"" + op.name + "\"", out);
  // Someone else's hold ends only by whoever may hold all it covers, or an admin.
  if (hold->placed_by != caller.user) {
    auto a = current_access();
    std::vector<std::string> covers = hold->filter.categories;
    if (covers.empty())
      for (const auto& c : current_config()->categories) covers.push_back(c.name);
    if (!a->check(caller, "hold", covers) && !a->check(caller, "admin", {}))
      return audit.refuse("hold " + op.name + " was placed by " + hold->placed_by + " over " +
                              categories_text(hold->filter.categories) +
                              "; releasing it needs the hold role over all of them, or admin",
                          out);
  }
  if (!audit.intent(out)) return;
  auto released = ctx.holds->release(op.name);
  if (!released) {
    audit.outcome(0, "failed: " + released.error().message);
    return (void)out.error(released.error().message);
  }
  audit.outcome(0, "released; reason: " + op.reason);
  if (ctx.hold_changed) ctx.hold_changed(*released);
  out.line("hold " + released->name + " released; the next purge destroys what it kept if it has expired");
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const HoldListOp&, RequestAudit& audit, Responder& out) {
  auto grant = authorize(caller, audit, out, "hold");
  if (!grant) return;
  if (!audit.intent(out)) return;
  auto snapshot = current_config();
  // A hold's filter names people: list those that touch a category the caller may hold.
  std::set<std::string> mine(grant->categories.begin(), grant->categories.end());
  json holds = json::array();
  for (const auto& h : ctx.holds->list()) {
    const auto& c = h.filter.categories;
    if (!c.empty() && std::none_of(c.begin(), c.end(), [&](const std::string& x) { return mine.contains(x); }))
      continue;
    holds.push_back({{"name", h.name},
                     {"reason", h.reason},
                     {"placed_by", h.placed_by},
                     {"placed", core::format_rfc3339(h.placed_us, *snapshot->zone)},
                     {"categories", c},
                     {"filter", h.filter_text}});
  }
  audit.outcome(holds.size(), "completed");
  out.result(json{{"holds", holds}}.dump(-1, ' ', false, json::error_handler_t::replace));
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const LedgerOp& op, RequestAudit& audit, Responder& out) {
  if (!authorize(caller, audit, out, "purge")) return;
  auto snapshot = current_config();
  int64_t since = 0, unused = 0;
  if (auto t = read_times(op.since, "", *snapshot->zone, since, unused); !t) return audit.refuse(t.error().message, out);
  if (!audit.intent(out)) return;
  auto receipts = ctx.meta->ledger(since);
  if (!receipts) {
    audit.outcome(0, "failed: " + receipts.error().message);
    return (void)out.error(receipts.error().message);
  }
  json all = json::array();
  for (const auto& text : *receipts) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) all.push_back(std::move(j));
  }
  audit.outcome(all.size(), "completed");
  out.result(json{{"receipts", all}}.dump(-1, ' ', false, json::error_handler_t::replace));
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const VerifyOp& op, RequestAudit& audit, Responder& out) {
  auto grant = authorize(caller, audit, out, "admin", op.categories, true);
  if (!grant) return;
  auto snapshot = current_config();
  store::ScanQuery which;
  which.categories = grant->categories;
  if (auto times = read_times(op.since, op.until, *snapshot->zone, which.since_us, which.until_us); !times)
    return audit.refuse(times.error().message, out);
  if (op.remote && !ctx.anchored_head)
    return audit.refuse("--remote: no [remote] store is configured, so no heads are anchored off this machine", out);
  if (!audit.intent(out)) return;
  store::Store::VerifyWith with;
  if (op.remote) with.anchor_of = ctx.anchored_head;
  with.shipped = ctx.object_shipped;
  auto checks = store.verify(which, with);
  if (!checks) {
    audit.outcome(0, "failed: " + checks.error().message);
    return (void)out.error(checks.error().message);
  }
  json buckets = json::array();
  uint64_t damaged = 0;
  for (const auto& c : *checks) {
    json problems = json::array();
    for (const auto& p : c.problems)
      problems.push_back({{"kind", p.kind},
                          {"time", p.time_us ? core::format_rfc3339(p.time_us, *snapshot->zone) : ""},
                          {"detail", p.detail}});
    if (!c.problems.empty()) ++damaged;
    char day[16];
    std::snprintf(day, sizeof day, "%04d-%02d-%02d", c.bucket.year, c.bucket.month, c.bucket.day);
    json b{{"category", c.bucket.category}, {"lane", c.bucket.lane}, {"day", day}, {"blocks", c.blocks},
           {"links", c.links}, {"head", c.head}, {"problems", problems}};
    if (op.remote) b["anchored"] = c.anchored;
    buckets.push_back(std::move(b));
  }
  if (!audit.outcome(checks->size(),
                     damaged ? std::to_string(damaged) + " bucket(s) failed verification" : "all intact"))
    return (void)out.error("the audit outcome could not be written");
  out.result(json{{"buckets", buckets}}.dump());
  out.done("{}");
}

}  // namespace hokan::api
