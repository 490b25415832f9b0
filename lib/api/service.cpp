#include "api/service.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>


#include "api/service_impl.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/event_json.h"
#include "query/query.h"

namespace hokan::api {

// Runs a query and streams each match (as `shown` presents it) to the client.
Result<void> Service::Impl::stream_events(const query::QueryRequest& request, const core::TimeZone& zone, Responder& out,
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

void Service::Impl::run_query(const Caller& caller, const json& r, Responder& out) {
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
void Service::Impl::follow_live(FollowHub::Subscription& s, bool count_only, const core::TimeZone& zone, Responder& out,
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

void Service::Impl::status(Responder& out) {
  const auto& c = writer.counters();
  json j = {{"written", c.written.load()}, {"queued", writer.queued()},
            {"buckets", store.buckets().size()}};
  out.result(j.dump());
  out.done("{}");
}

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
  if (op == "verify") return impl_->verify(caller, request, out);
  if (op == "subject_find") return impl_->subject_find(caller, request, out);
  if (op == "subject_erase") return impl_->subject_erase(caller, request, out);
  if (op == "export") return impl_->export_records(caller, request, out);
  if (op == "object_list") return impl_->object_list(caller, request, out);
  if (op == "object_get") return impl_->object_get(caller, request, out);
  out.error("unknown command \"" + op + "\"");
}

}  // namespace hokan::api

