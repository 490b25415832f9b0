// Inside the control service: the state its request handlers share and the helpers
// they use (authorization, audit entries, request fields). Not a public header: only
// lib/api's service files include it. Handlers run on the control server's threads.
#pragma once

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "api/access.h"
#include "api/follow.h"
#include "api/service.h"
#include "audit/auditor.h"
#include "core/time_format.h"
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

  // Reads the request's "since" and "until" (as typed) into the targets they are given
  // for; keeps a target as it is when its key is absent. Errors: "bad --since: ...".
  static Result<void> read_times(const json& r, const core::TimeZone& zone, int64_t& since_us, int64_t& until_us) {
    int64_t now = core::now_us();
    for (auto [key, target] : {std::pair{"since", &since_us}, std::pair{"until", &until_us}}) {
      std::string text = string(r, key);
      if (text.empty()) continue;
      auto t = core::parse_time(text, now, zone);
      if (!t) return fail(Errc::invalid_argument, std::string("bad --") + key + ": " + t.error().message);
      *target = *t;
    }
    return {};
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

  void run_query(const Caller& caller, const json& r, Responder& out);

  // Streams live events until the client goes away or the daemon stops.
  void follow_live(FollowHub::Subscription& s, bool count_only, const core::TimeZone& zone, Responder& out,
                   uint64_t& sent);

  void report_purge(const retention::PurgeReport& report, const core::TimeZone& zone, Responder& out);

  void purge(const Caller& caller, const json& r, Responder& out);

  void case_close(const Caller& caller, const json& r, Responder& out);

  void case_list(const Caller& caller, const json& r, Responder& out);

  void hold_place(const Caller& caller, const json& r, Responder& out);

  void hold_release(const Caller& caller, const json& r, Responder& out);

  void hold_list(const Caller& caller, const json& r, Responder& out);

  void ledger(const Caller& caller, const json& r, Responder& out);

  // Tamper evidence: every selected bucket against its seal chain.
  void verify(const Caller& caller, const json& r, Responder& out);

  // Runs a query and streams each match (as `shown` presents it) to the client.
  Result<void> stream_events(const query::QueryRequest& request, const core::TimeZone& zone, Responder& out,
                             uint64_t& sent, const std::function<store::Event(const store::Event&)>& shown);

  struct Subject {
    std::vector<std::string> users, ips;
    bool matches(const store::Event& e) const {
      return (!users.empty() && std::find(users.begin(), users.end(), e.fields.user) != users.end()) ||
             (!ips.empty() && std::find(ips.begin(), ips.end(), e.fields.src_ip) != ips.end());
    }
  };

  // Everything held about a person (開示等の請求), grouped by category.
  void subject_find(const Caller& caller, const json& r, Responder& out);

  void subject_erase(const Caller& caller, const json& r, Responder& out);

  void export_records(const Caller& caller, const json& r, Responder& out);

  // Objects: reading one is an investigation, so it is role-checked and audited.
  std::optional<Decision> object_access(const Caller& caller, const std::string& op, const json& r, Responder& out);

  void object_list(const Caller& caller, const json& r, Responder& out);

  void object_get(const Caller& caller, const json& r, Responder& out);

  void status(Responder& out);
};

}  // namespace hokan::api
