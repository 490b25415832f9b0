#include "api/service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/time_format.h"
#include "query/event_json.h"
#include "query/query.h"

namespace hokan::api {
using nlohmann::json;

struct Service::Impl {
  mutable std::mutex config_mutex;
  ServiceContext ctx;
  store::Store& store;
  ingest::Writer& writer;
  std::atomic<bool> stopping{false};
  std::shared_ptr<spdlog::logger> log = spdlog::get("api");

  explicit Impl(ServiceContext c) : ctx(std::move(c)), store(*ctx.store), writer(*ctx.writer) {}

  std::shared_ptr<const config::Config> current_config() const {
    std::lock_guard lock(config_mutex);
    return ctx.config;
  }

  static std::vector<std::string> strings(const json& request, const char* name) {
    std::vector<std::string> out;
    auto it = request.find(name);
    if (it == request.end()) return out;
    if (it->is_string()) out.push_back(it->get<std::string>());
    else if (it->is_array())
      for (const auto& v : *it)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  }

  static std::string string(const json& request, const char* name) {
    auto it = request.find(name);
    return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
  }

  static query::QueryRequest query_request(const json& r) {
    query::QueryRequest q;
    q.since = string(r, "since");
    q.until = string(r, "until");
    q.categories = strings(r, "category");
    q.hosts = strings(r, "host");
    q.apps = strings(r, "app");
    q.users = strings(r, "user");
    q.ips = strings(r, "ip");
    q.grep = string(r, "grep");
    q.regex = string(r, "regex");
    q.purpose = string(r, "purpose");
    if (auto it = r.find("limit"); it != r.end() && it->is_number_unsigned()) q.limit = it->get<uint64_t>();
    if (auto it = r.find("reverse"); it != r.end() && it->is_boolean()) q.reverse = it->get<bool>();
    if (auto it = r.find("count"); it != r.end() && it->is_boolean()) q.count_only = it->get<bool>();
    return q;
  }

  void run_query(const Caller&, const json& r, Responder& out) {
    auto snapshot = current_config();
    auto request = query_request(r);
    auto compiled = query::CompiledQuery::compile(request, *snapshot->zone, core::now_us());
    if (!compiled) {
      out.error(compiled.error().message);
      return;
    }
    const auto& zone = *snapshot->zone;
    uint64_t sent = 0;
    std::string buffer;
    auto emit = [&](store::Event& e) {
      ++sent;
      if (request.count_only) return true;
      buffer.clear();
      query::append_event_json(e, zone, buffer);
      return out.event(buffer) && !stopping.load(std::memory_order_relaxed);
    };
    auto progress = [&](const query::CompiledQuery::Progress& p) {
      json j = {{"examined", p.examined}, {"matched", p.matched},
                {"at", core::format_rfc3339(p.at_us, zone)}};
      out.progress(j.dump());
    };
    auto ran = (*compiled)->run(store, emit, progress);
    if (!ran) {
      out.error(ran.error().message);
      return;
    }
    json done = {{"count", sent}, {"examined", ran->examined}};
    out.done(done.dump());
  }

  static std::string bytes_text(uint64_t bytes) {
    char buf[32];
    if (bytes >= (1ull << 30)) std::snprintf(buf, sizeof buf, "%.1f GiB", bytes / double(1ull << 30));
    else if (bytes >= (1ull << 20)) std::snprintf(buf, sizeof buf, "%.1f MiB", bytes / double(1ull << 20));
    else if (bytes >= 1024) std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
    else std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    return buf;
  }

  void report_purge(const retention::PurgeReport& report, const core::TimeZone& zone, Responder& out) {
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

  void purge(const Caller& caller, const json& r, Responder& out) {
    bool dry_run = r.value("dry_run", false);
    auto snapshot = current_config();
    auto report = ctx.purger->run(core::now_us(), dry_run, "manual", caller.user);
    if (!report) {
      out.error("purge failed: " + report.error().message);
      return;
    }
    report_purge(*report, *snapshot->zone, out);
    out.done("{}");
  }

  void case_close(const Caller& caller, const json& r, Responder& out) {
    std::string id = string(r, "id"), reason = string(r, "reason"), outcome = string(r, "outcome");
    if (id.empty()) return (void)out.error("case close needs a case id");
    if (reason.empty()) return (void)out.error("case close needs --reason");
    auto snapshot = current_config();
    auto closed = ctx.cases->close(id, "", outcome, reason, caller.user, core::now_us());
    if (!closed) return (void)out.error(closed.error().message);
    out.line("case " + id + " closed at " + core::format_rfc3339(*closed->closed_us, *snapshot->zone) +
             (outcome.empty() ? "" : " with outcome " + outcome) + "; its retention clock starts now");
    out.done("{}");
  }

  void case_list(const json& r, Responder& out) {
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

  void hold_place(const Caller& caller, const json& r, Responder& out) {
    auto snapshot = current_config();
    retention::Hold hold;
    hold.name = string(r, "name");
    hold.reason = string(r, "reason");
    hold.placed_by = caller.user;
    hold.placed_us = core::now_us();
    if (hold.reason.empty()) return (void)out.error("hold place needs --reason");
    auto& f = hold.filter;
    f.categories = strings(r, "category");
    f.hosts = strings(r, "host");
    f.cameras = strings(r, "camera");
    f.users = strings(r, "user");
    f.ips = strings(r, "ip");
    f.cases = strings(r, "case");
    int64_t now = core::now_us();
    for (auto [key, target] : {std::pair{"since", &f.since_us}, std::pair{"until", &f.until_us}}) {
      std::string text = string(r, key);
      if (text.empty()) continue;
      auto t = core::parse_time(text, now, *snapshot->zone);
      if (!t) return (void)out.error(std::string("bad --") + key + ": " + t.error().message);
      *target = *t;
    }
    hold.filter_text = string(r, "filter_text");
    if (auto placed = ctx.holds->place(hold); !placed) return (void)out.error(placed.error().message);
    // Count what it keeps now; a preservation order may precede the data, so none is fine.
    store::ScanQuery q;
    q.categories = f.categories;
    q.hosts = f.hosts;
    q.users = f.users;
    q.ips = f.ips;
    q.since_us = f.since_us;
    q.until_us = f.until_us;
    uint64_t matched = 0;
    (void)store.scan(q, [&](store::Event& e) {
      if (hold.filter.matches(e)) ++matched;
      return true;
    });
    out.line("hold " + hold.name + " placed: " +
             (matched ? "it keeps " + std::to_string(matched) + " records now"
                      : std::string("it matches no record yet (it will keep matching records that arrive)")));
    out.done(json{{"matched", matched}}.dump());
  }

  void hold_release(const Caller&, const json& r, Responder& out) {
    if (string(r, "reason").empty()) return (void)out.error("hold release needs --reason");
    auto released = ctx.holds->release(string(r, "name"));
    if (!released) return (void)out.error(released.error().message);
    out.line("hold " + released->name + " released; the next purge destroys what it kept if it has expired");
    out.done("{}");
  }

  void hold_list(Responder& out) {
    auto snapshot = current_config();
    json holds = json::array();
    for (const auto& h : ctx.holds->list())
      holds.push_back({{"name", h.name}, {"reason", h.reason}, {"placed_by", h.placed_by},
                       {"placed", core::format_rfc3339(h.placed_us, *snapshot->zone)}, {"filter", h.filter_text}});
    out.result(json{{"holds", holds}}.dump());
    out.done("{}");
  }

  void ledger(const json& r, Responder& out) {
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

  void status(Responder& out) {
    const auto& c = writer.counters();
    json j = {{"written", c.written.load()}, {"queued", writer.queued()},
              {"buckets", store.buckets().size()}};
    out.result(j.dump());
    out.done("{}");
  }
};

Service::Service(ServiceContext context) : impl_(std::make_unique<Impl>(std::move(context))) {}
Service::~Service() = default;

void Service::set_config(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(impl_->config_mutex);
  impl_->ctx.config = std::move(config);
}

void Service::shutdown() { impl_->stopping = true; }

void Service::handle(const Caller& caller, const std::string& text, Responder& out) {
  json request = json::parse(text, nullptr, false);
  if (request.is_discarded() || !request.is_object()) {
    out.error("bad request: not a JSON object");
    return;
  }
  std::string op = Impl::string(request, "op");
  if (op == "query") return impl_->run_query(caller, request, out);
  if (op == "status") return impl_->status(out);
  if (op == "purge") return impl_->purge(caller, request, out);
  if (op == "case_close") return impl_->case_close(caller, request, out);
  if (op == "case_list") return impl_->case_list(request, out);
  if (op == "hold_place") return impl_->hold_place(caller, request, out);
  if (op == "hold_release") return impl_->hold_release(caller, request, out);
  if (op == "hold_list") return impl_->hold_list(out);
  if (op == "ledger") return impl_->ledger(request, out);
  out.error("unknown command \"" + op + "\"");
}

}  // namespace hokan::api
