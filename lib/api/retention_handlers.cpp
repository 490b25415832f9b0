// Control-service handlers for retention and its proofs: purges, case clocks, legal
// holds, the destruction ledger and tamper verification.
#include "api/service_impl.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "api/service_impl.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/event_json.h"
#include "query/query.h"

namespace hokan::api {
namespace {

std::string bytes_text(uint64_t bytes) {
  char buf[32];
  if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(1ull << 30));
  else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1ull << 20));
  else if (bytes >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  return buf;
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

void Service::Impl::purge(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "purge", "purge", r, false)) return (void)out.error(out_error_);
  bool dry_run = r.value("dry_run", false);
  auto snapshot = current_config();
  auto report = ctx.purger->run(core::now_us(), dry_run, "manual", caller.user);
  if (!report) {
    out.error("purge failed: " + report.error().message);
    return;
  }
  auto record = entry(caller, dry_run ? "purge_dry_run" : "purge", r);
  for (const auto& c : report->categories) record.count += c.records;
  auditor.record(record);
  report_purge(*report, *snapshot->zone, out);
  out.done("{}");
}

void Service::Impl::case_close(const Caller& caller, const json& r, Responder& out) {
  std::string id = string(r, "id"), reason = string(r, "reason"), outcome = string(r, "outcome");
  if (!authorize(caller, "case_close", "admin", r, false)) return (void)out.error(out_error_);
  if (id.empty()) return (void)out.error("case close needs a case id");
  if (reason.empty()) return (void)out.error("case close needs --reason");
  auto snapshot = current_config();
  auto closed = ctx.cases->close(id, "", outcome, reason, caller.user, core::now_us());
  auto record = entry(caller, "case_close", r);
  record.why = "reason: " + reason;
  if (!closed) {
    record.allowed = false;
    record.why = closed.error().message;
    auditor.record(record);
    return (void)out.error(closed.error().message);
  }
  auditor.record(record);
  out.line("case " + id + " closed at " + core::format_rfc3339(*closed->closed_us, *snapshot->zone) +
           (outcome.empty() ? "" : " with outcome " + outcome) + "; its retention clock starts now");
  out.done("{}");
}

void Service::Impl::case_list(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "case_list", "admin", r, false)) return (void)out.error(out_error_);
  auto snapshot = current_config();
  std::string which = string(r, "which");
  json cases = json::array();
  for (const auto& c : ctx.cases->list()) {
    bool closed = c.closed_us.has_value();
    if ((which == "open" && closed) || (which == "closed" && !closed)) continue;
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
  out.result(json{{"cases", cases}}.dump());
  out.done("{}");
}

void Service::Impl::hold_place(const Caller& caller, const json& r, Responder& out) {
  auto snapshot = current_config();
  retention::Hold hold;
  hold.name = string(r, "name");
  hold.reason = string(r, "reason");
  hold.placed_by = caller.user;
  hold.placed_us = core::now_us();
  if (!authorize(caller, "hold_place", "hold", r, false)) return (void)out.error(out_error_);
  if (hold.reason.empty()) return (void)out.error("hold place needs --reason");
  auto& f = hold.filter;
  f.categories = strings(r, "category");
  f.hosts = strings(r, "host");
  f.cameras = strings(r, "camera");
  f.users = strings(r, "user");
  f.ips = strings(r, "ip");
  f.cases = strings(r, "case");
  if (auto times = read_times(r, *snapshot->zone, f.since_us, f.until_us); !times)
    return (void)out.error(times.error().message);
  hold.filter_text = string(r, "filter_text");
  if (auto placed = ctx.holds->place(hold); !placed) return (void)out.error(placed.error().message);
  // Count what it keeps now; a preservation order may precede the data, so none is fine.
  uint64_t matched = 0;
  (void)store.scan(f.scan_query(), [&](store::Event& e) {
    if (hold.filter.matches(e)) ++matched;
    return true;
  });
  auto record = entry(caller, "hold_place", r);
  record.count = matched;
  record.why = "reason: " + hold.reason;
  auditor.record(record);
  out.line("hold " + hold.name + " placed: " +
           (matched ? "it keeps " + std::to_string(matched) + " records now"
                    : std::string("it matches no record yet (it will keep matching records that arrive)")));
  out.done(json{{"matched", matched}}.dump());
}

void Service::Impl::hold_release(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "hold_release", "hold", r, false)) return (void)out.error(out_error_);
  if (string(r, "reason").empty()) return (void)out.error("hold release needs --reason");
  auto released = ctx.holds->release(string(r, "name"));
  if (!released) return (void)out.error(released.error().message);
  auto record = entry(caller, "hold_release", r);
  record.why = "reason: " + string(r, "reason");
  auditor.record(record);
  out.line("hold " + released->name + " released; the next purge destroys what it kept if it has expired");
  out.done("{}");
}

void Service::Impl::hold_list(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "hold_list", "hold", r, false)) return (void)out.error(out_error_);
  auto snapshot = current_config();
  json holds = json::array();
  for (const auto& h : ctx.holds->list())
    holds.push_back({{"name", h.name}, {"reason", h.reason}, {"placed_by", h.placed_by},
                     {"placed", core::format_rfc3339(h.placed_us, *snapshot->zone)}, {"filter", h.filter_text}});
  out.result(json{{"holds", holds}}.dump());
  out.done("{}");
}

void Service::Impl::ledger(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "ledger", "purge", r, false)) return (void)out.error(out_error_);
  auto snapshot = current_config();
  int64_t since = 0;
  if (std::string text = string(r, "since"); !text.empty()) {
    auto t = core::parse_time(text, core::now_us(), *snapshot->zone);
    if (!t) return (void)out.error("bad --since: " + t.error().message);
    since = *t;
  }
  auto receipts = ctx.meta->ledger(since);
  if (!receipts) return (void)out.error(receipts.error().message);
  json all = json::array();
  for (const auto& text : *receipts) {
    json j = json::parse(text, nullptr, false);
    if (!j.is_discarded()) all.push_back(std::move(j));
  }
  out.result(json{{"receipts", all}}.dump());
  out.done("{}");
}

void Service::Impl::verify(const Caller& caller, const json& r, Responder& out) {
  if (!authorize(caller, "verify", "admin", r, false)) return (void)out.error(out_error_);
  auto snapshot = current_config();
  store::ScanQuery which;
  which.categories = strings(r, "category");
  if (auto times = read_times(r, *snapshot->zone, which.since_us, which.until_us); !times)
    return (void)out.error(times.error().message);
  auto checks = store.verify(which);
  if (!checks) return (void)out.error(checks.error().message);
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
    buckets.push_back({{"category", c.bucket.category}, {"lane", c.bucket.lane}, {"day", day}, {"blocks", c.blocks},
                       {"links", c.links}, {"head", c.head}, {"problems", problems}});
  }
  auto e = entry(caller, "verify", r);
  e.count = checks->size();
  if (damaged) e.why = std::to_string(damaged) + " bucket(s) failed verification";
  if (!audited(e, out)) return;
  out.result(json{{"buckets", buckets}}.dump());
  out.done("{}");
}

}  // namespace hokan::api
