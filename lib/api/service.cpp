#include "api/service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "query/event_json.h"
#include "query/query.h"

namespace hokan::api {
using nlohmann::json;

struct Service::Impl {
  mutable std::mutex config_mutex;
  std::shared_ptr<const config::Config> config;
  store::Store& store;
  ingest::Writer& writer;
  std::atomic<bool> stopping{false};
  std::shared_ptr<spdlog::logger> log = spdlog::get("api");

  Impl(std::shared_ptr<const config::Config> c, store::Store& s, ingest::Writer& w)
      : config(std::move(c)), store(s), writer(w) {}

  std::shared_ptr<const config::Config> current_config() const {
    std::lock_guard lock(config_mutex);
    return config;
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

  void status(Responder& out) {
    const auto& c = writer.counters();
    json j = {{"written", c.written.load()}, {"queued", writer.queued()},
              {"buckets", store.buckets().size()}};
    out.result(j.dump());
    out.done("{}");
  }
};

Service::Service(std::shared_ptr<const config::Config> config, store::Store& store, ingest::Writer& writer)
    : impl_(std::make_unique<Impl>(std::move(config), store, writer)) {}
Service::~Service() = default;

void Service::set_config(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(impl_->config_mutex);
  impl_->config = std::move(config);
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
  out.error("unknown command \"" + op + "\"");
}

}  // namespace hokan::api
