#include "api/service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <optional>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

#include "api/access.h"
#include "api/follow.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/event_json.h"
#include "query/pseudonymize.h"
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

  audit::Auditor auditor;
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

  // The filter part of a request, for the audit record.
  static std::string filter_of(const json& r) {
    json f = json::object();
    for (const char* key : {"since", "until", "category", "host", "app", "user", "ip", "grep", "regex", "camera", "case",
                            "limit", "name", "id", "outcome", "dry_run"})
      if (auto it = r.find(key); it != r.end() && !(it->is_string() && it->get<std::string>().empty()) &&
                                 !(it->is_array() && it->empty()))
        f[key] = *it;
    return f.dump();
  }

  audit::Entry entry(const Caller& caller, const std::string& action, const json& r) {
    return audit::Entry{caller.uid, caller.user, action, string(r, "purpose"), filter_of(r), 0, true, ""};
  }

  // Checks role and purpose; on refusal audits it and answers with the reason.
  std::optional<Decision> authorize(const Caller& caller, const std::string& op, const std::string& action,
                                    const json& r, bool purpose_required, std::vector<std::string> categories = {}) {
    if (categories.empty()) categories = strings(r, "category");
    Decision d = current_access()->check(caller, action, categories);
    if (d.allowed && purpose_required && string(r, "purpose").empty()) {
      d.allowed = false;
      d.why = "a purpose is required for every read: add --purpose TEXT (an incident or request number)";
    }
    if (d.allowed) return d;
    auto e = entry(caller, op, r);
    e.allowed = false;
    e.why = d.why;
    auditor.record(e);
    out_error_ = d.why;
    return std::nullopt;
  }
  static thread_local std::string out_error_;

  bool audited(audit::Entry e, Responder& out) {
    if (auditor.record(e)) return true;
    out.error("refused: the audit record could not be written, and nothing is read unaudited");
    return false;
  }

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

  void run_query(const Caller& caller, const json& r, Responder& out) {
    auto decision = authorize(caller, "query", "query", r, true);
    if (!decision) return (void)out.error(out_error_);
    auto snapshot = current_config();
    auto request = query_request(r);
    request.categories = decision->categories;
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
    bool following = r.value("follow", false);
    // Subscribe before the history scan so nothing falls between the two.
    std::shared_ptr<FollowHub::Subscription> subscription;
    if (following) {
      auto filter = *compiled;
      subscription = follow.subscribe([filter](const store::Event& e) { return filter->matches(e); });
    }
    auto ran = (*compiled)->run(store, emit, progress);
    auto record = entry(caller, following ? "follow" : "query", r);
    record.count = sent;
    if (!ran) {
      if (subscription) follow.unsubscribe(subscription);
      record.why = "failed: " + ran.error().message;
      auditor.record(record);
      out.error(ran.error().message);
      return;
    }
    if (!audited(record, out)) {
      if (subscription) follow.unsubscribe(subscription);
      return;
    }
    if (subscription) {
      follow_live(*subscription, request.count_only, zone, out, sent);
      follow.unsubscribe(subscription);
      return;
    }
    json done = {{"count", sent}, {"examined", ran->examined}};
    out.done(done.dump());
  }

  // Streams live events until the client goes away or the daemon stops.
  void follow_live(FollowHub::Subscription& s, bool count_only, const core::TimeZone& zone, Responder& out,
                   uint64_t& sent) {
    out.flush();
    std::string buffer;
    while (!stopping.load() && !out.gone()) {
      std::deque<store::Event> events;
      {
        std::unique_lock lock(s.mutex);
        s.ready.wait_for(lock, std::chrono::milliseconds(200), [&] { return !s.events.empty(); });
        events.swap(s.events);
        if (s.dropped) {
          out.line("hokand: " + std::to_string(s.dropped) + " live events were skipped: the reader fell behind");
          s.dropped = 0;
        }
      }
      for (auto& e : events) {
        ++sent;
        if (count_only) continue;
        buffer.clear();
        query::append_event_json(e, zone, buffer);
        if (!out.event(buffer)) return;
      }
      if (!out.flush()) return;
      // A client that hung up shows as readable with nothing to read.
      pollfd p{out.fd(), POLLIN, 0};
      if (::poll(&p, 1, 0) > 0) {
        char c;
        if ((p.revents & (POLLHUP | POLLERR)) || ::recv(out.fd(), &c, 1, MSG_DONTWAIT) == 0) return;
      }
    }
    out.done(json{{"count", sent}}.dump());
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

  void case_close(const Caller& caller, const json& r, Responder& out) {
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

  void case_list(const Caller& caller, const json& r, Responder& out) {
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

  void hold_place(const Caller& caller, const json& r, Responder& out) {
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

  void hold_release(const Caller& caller, const json& r, Responder& out) {
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

  void hold_list(const Caller& caller, const json& r, Responder& out) {
    if (!authorize(caller, "hold_list", "hold", r, false)) return (void)out.error(out_error_);
    auto snapshot = current_config();
    json holds = json::array();
    for (const auto& h : ctx.holds->list())
      holds.push_back({{"name", h.name}, {"reason", h.reason}, {"placed_by", h.placed_by},
                       {"placed", core::format_rfc3339(h.placed_us, *snapshot->zone)}, {"filter", h.filter_text}});
    out.result(json{{"holds", holds}}.dump());
    out.done("{}");
  }

  void ledger(const Caller& caller, const json& r, Responder& out) {
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

  // Runs a query and streams each match (as `shown` presents it) to the client.
  Result<void> stream_events(const query::QueryRequest& request, const core::TimeZone& zone, Responder& out,
                             uint64_t& sent, const std::function<store::Event(const store::Event&)>& shown) {
    auto compiled = query::CompiledQuery::compile(request, zone, core::now_us());
    if (!compiled) return std::unexpected(compiled.error());
    std::string buffer;
    auto ran = (*compiled)->run(store, [&](store::Event& e) {
      ++sent;
      buffer.clear();
      query::append_event_json(shown(e), zone, buffer);
      return out.event(buffer);
    });
    if (!ran) return std::unexpected(ran.error());
    return {};
  }

  struct Subject {
    std::vector<std::string> users, ips;
    bool matches(const store::Event& e) const {
      return (!users.empty() && std::find(users.begin(), users.end(), e.fields.user) != users.end()) ||
             (!ips.empty() && std::find(ips.begin(), ips.end(), e.fields.src_ip) != ips.end());
    }
  };

  // Everything held about a person (開示等の請求), grouped by category.
  void subject_find(const Caller& caller, const json& r, Responder& out) {
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

  void subject_erase(const Caller& caller, const json& r, Responder& out) {
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

  void export_records(const Caller& caller, const json& r, Responder& out) {
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

  // Objects: reading one is an investigation, so it is role-checked and audited.
  std::optional<Decision> object_access(const Caller& caller, const std::string& op, const json& r, Responder& out) {
    std::string category = string(r, "category");
    auto snapshot = current_config();
    const config::Category* c = snapshot->find_category(category);
    if (!c || c->kind != config::Category::Kind::object) {
      out.error("no object category \"" + category + "\"");
      return std::nullopt;
    }
    auto d = authorize(caller, op, "query", r, true, {category});
    if (!d) out.error(out_error_);
    return d;
  }

  void object_list(const Caller& caller, const json& r, Responder& out) {
    if (!object_access(caller, "object_list", r, out)) return;
    auto snapshot = current_config();
    query::QueryRequest request;
    request.since = string(r, "since");
    request.until = string(r, "until");
    request.categories = {string(r, "category")};
    request.hosts = strings(r, "camera");
    uint64_t sent = 0;
    auto ran = stream_events(request, *snapshot->zone, out, sent, [](const store::Event& e) { return e; });
    if (!ran) return (void)out.error(ran.error().message);
    auto record = entry(caller, "object_list", r);
    record.count = sent;
    if (!audited(record, out)) return;
    out.done(json{{"count", sent}}.dump());
  }

  void object_get(const Caller& caller, const json& r, Responder& out) {
    if (!object_access(caller, "object_get", r, out)) return;
    auto snapshot = current_config();
    std::string name = string(r, "name");
    // The name is the record's message: scan the category for it (names are unique).
    store::ScanQuery q;
    q.categories = {string(r, "category")};
    q.prefilter = name;
    std::optional<store::Event> found;
    auto scanned = store.scan(q, [&](store::Event& e) {
      if (e.message != name || !e.is_object()) return true;
      found = std::move(e);
      return false;
    });
    if (!scanned) return (void)out.error(scanned.error().message);
    auto record = entry(caller, "object_get", r);
    if (!found) {
      record.why = "not found";
      auditor.record(record);
      return (void)out.error("no object named \"" + name + "\" in " + string(r, "category"));
    }
    record.count = 1;
    if (!audited(record, out)) return;
    std::string meta;
    query::append_event_json(*found, *snapshot->zone, meta);
    out.result(meta);
    auto read = store.read_object(*found, [&](std::string_view bytes) { return out.data(bytes); });
    if (!read) return (void)out.error(read.error().message);
    out.done(json{{"size", found->object_size}}.dump());
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
  impl_->access = std::make_shared<const AccessControl>(config, impl_->ctx.daemon_uid);
  impl_->ctx.config = std::move(config);
}

void Service::audit_daemon_action(const std::string& action, const std::string& note, uint64_t count) {
  impl_->auditor.record(audit::Entry{impl_->ctx.daemon_uid, "hokand", action, "", "", count, true, note});
}

thread_local std::string Service::Impl::out_error_;

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
  if (op == "case_list") return impl_->case_list(caller, request, out);
  if (op == "hold_place") return impl_->hold_place(caller, request, out);
  if (op == "hold_release") return impl_->hold_release(caller, request, out);
  if (op == "hold_list") return impl_->hold_list(caller, request, out);
  if (op == "ledger") return impl_->ledger(caller, request, out);
  if (op == "subject_find") return impl_->subject_find(caller, request, out);
  if (op == "subject_erase") return impl_->subject_erase(caller, request, out);
  if (op == "export") return impl_->export_records(caller, request, out);
  if (op == "object_list") return impl_->object_list(caller, request, out);
  if (op == "object_get") return impl_->object_get(caller, request, out);
  out.error("unknown command \"" + op + "\"");
}

}  // namespace hokan::api
