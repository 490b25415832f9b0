// The control service's dispatch and its read handlers: queries (with live follow),
// status and the category list.
#include "api/service.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "api/service_impl.h"
#include "query/event_json.h"

namespace hokan::api {
using nlohmann::json;

Result<void> Service::Impl::read_times(const std::string& since, const std::string& until,
                                       const core::TimeZone& zone, int64_t& since_us, int64_t& until_us) {
  int64_t now = core::now_us();
  for (auto [key, text, target] : {std::tuple{"since", &since, &since_us}, std::tuple{"until", &until, &until_us}}) {
    if (text->empty()) continue;
    auto t = core::parse_time(*text, now, zone);
    if (!t) return fail(Errc::invalid_argument, std::string("bad --") + key + ": " + t.error().message);
    *target = *t;
  }
  return {};
}

query::QueryRequest Service::Impl::query_request(const RecordFilter& f, const Grant& grant, uint64_t limit,
                                                 bool reverse, bool count_only) {
  query::QueryRequest q;
  q.since = f.since;
  q.until = f.until;
  q.categories = grant.categories;
  q.hosts = f.hosts;
  q.apps = f.apps;
  q.users = f.users;
  q.ips = f.ips;
  q.grep = f.grep;
  q.regex = f.regex;
  q.limit = limit;
  q.reverse = reverse;
  q.count_only = count_only;
  return q;
}

std::string Service::Impl::how_it_ended(const Responder& out) const {
  if (out.gone()) return "cut short: the client stopped reading";
  if (stopping.load()) return "cut short: the daemon is stopping";
  return "completed";
}

Result<std::string> Service::Impl::stream(const query::CompiledQuery& compiled, const core::TimeZone& zone,
                                          Responder& out, uint64_t& sent,
                                          const std::function<store::Event(const store::Event&)>& shown,
                                          const std::function<void(const query::CompiledQuery::Progress&)>& progress) {
  std::string buffer;
  auto ran = compiled.run(
      store,
      [&](store::Event& e) {
        ++sent;
        buffer.clear();
        query::append_event_json(shown ? shown(e) : e, zone, buffer);
        return out.event(buffer) && !stopping.load(std::memory_order_relaxed);
      },
      progress);
  if (!ran) return std::unexpected(ran.error());
  return how_it_ended(out);
}

void Service::Impl::run(const Caller& caller, const QueryOp& op, RequestAudit& audit, Responder& out) {
  if (op.follow) audit.rename("follow");
  auto grant = authorize(caller, audit, out, "query", op.filter.categories);
  if (!grant) return;
  auto snapshot = current_config();
  const auto& zone = *snapshot->zone;
  auto request = query_request(op.filter, *grant, op.limit, op.reverse, op.count);
  auto compiled = query::CompiledQuery::compile(request, zone, core::now_us());
  if (!compiled) return audit.refuse(compiled.error().message, out);
  if (!audit.intent(out)) return;
  uint64_t sent = 0;
  std::string buffer;
  auto emit = [&](store::Event& e) {
    ++sent;
    if (op.count) return !stopping.load(std::memory_order_relaxed);
    buffer.clear();
    query::append_event_json(e, zone, buffer);
    return out.event(buffer) && !stopping.load(std::memory_order_relaxed);
  };
  auto progress = [&](const query::CompiledQuery::Progress& p) {
    json j = {{"examined", p.examined}, {"matched", p.matched}, {"at", core::format_rfc3339(p.at_us, zone)}};
    out.progress(j.dump());
  };
  // Subscribe before the history scan so nothing falls between the two.
  std::shared_ptr<FollowHub::Subscription> subscription;
  if (op.follow) {
    auto filter = *compiled;
    subscription = follow.subscribe([filter](const store::Event& e) { return filter->matches(e); });
  }
  auto ran = (*compiled)->run(store, emit, progress);
  if (!ran) {
    if (subscription) follow.unsubscribe(subscription);
    audit.outcome(sent, "failed: " + ran.error().message);
    return (void)out.error(ran.error().message);
  }
  if (subscription) {
    follow_live(*subscription, op.count, zone, out, sent);
    follow.unsubscribe(subscription);
  }
  std::string how = how_it_ended(out);
  if (ran->corrupt) how += "; went past " + std::to_string(ran->corrupt) + " damaged blocks or records";
  if (!audit.outcome(sent, how)) return (void)out.error("the audit outcome could not be written");
  if (subscription) return (void)out.done(json{{"count", sent}}.dump());
  json done = {{"count", sent}, {"examined", ran->examined}};
  if (ran->corrupt) done["corrupt"] = ran->corrupt;
  out.done(done.dump());
}

void Service::Impl::follow_live(FollowHub::Subscription& s, bool count_only, const core::TimeZone& zone,
                                Responder& out, uint64_t& sent) {
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
}

void Service::Impl::run(const Caller& caller, const StatusOp&, RequestAudit& audit, Responder& out) {
  // Counters only, no record and no personal data: allowed to any role and not audited
  // when allowed, so that monitoring can poll it without flooding the trail.
  if (!authorize(caller, audit, out, "any")) return;
  const auto& c = writer.counters();
  json j = {{"written", c.written.load()}, {"queued", writer.queued()}, {"buckets", store.buckets().size()}};
  out.result(j.dump());
  out.done("{}");
}

void Service::Impl::run(const Caller& caller, const CategoriesOp&, RequestAudit& audit, Responder& out) {
  // The names the caller may query (for shell completion); not audited when allowed,
  // like status: it reveals nothing the caller's roles do not already say.
  if (!authorize(caller, audit, out, "any")) return;
  auto names = current_access()->permitted(caller, "query");
  out.result(json{{"categories", std::vector<std::string>(names.begin(), names.end())}}.dump());
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
  impl_->auditor.record(
      audit::Entry{impl_->ctx.daemon_uid, "hokand", action, "", "", count, audit::Phase::action, note, 0});
}

void Service::shutdown() { impl_->stopping = true; }

void Service::handle(const Caller& caller, const std::string& text, Responder& out) {
  auto request = decode_request(text);
  if (!request) {
    RequestAudit audit(impl_->auditor, impl_->refusals, caller, "request", "", "");
    audit.refuse("bad request: " + request.error().message, out, !impl_->current_access()->has_role(caller));
    return;
  }
  RequestAudit audit(impl_->auditor, impl_->refusals, caller, request->op, std::string(purpose_of(request->body)),
                     audit_digest(request->body));
  std::visit([&](const auto& op) { impl_->run(caller, op, audit, out); }, request->body);
}

}  // namespace hokan::api
