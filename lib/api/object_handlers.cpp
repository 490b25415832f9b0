// Control-service handlers for objects: listing and reading footage and documents.
// Reading one is an investigation: role-checked (before anything about the category is
// said) and audited like a query.
#include <nlohmann/json.hpp>

#include "api/service_impl.h"
#include "query/event_json.h"

namespace hokan::api {
using nlohmann::json;

const config::Category* Service::Impl::object_category(const config::Config& config, const std::string& name) const {
  const config::Category* c = config.find_category(name);
  return c && c->kind == config::Category::Kind::object ? c : nullptr;
}

void Service::Impl::run(const Caller& caller, const ObjectListOp& op, RequestAudit& audit, Responder& out) {
  auto grant = authorize(caller, audit, out, "query", {op.category});
  if (!grant) return;
  auto snapshot = current_config();
  if (!object_category(*snapshot, op.category))
    return audit.refuse("\"" + op.category + "\" is not an object category", out);
  RecordFilter filter;
  filter.since = op.since;
  filter.until = op.until;
  filter.hosts = op.cameras;
  auto compiled = query::CompiledQuery::compile(query_request(filter, *grant, 0, false, false), *snapshot->zone,
                                                core::now_us());
  if (!compiled) return audit.refuse(compiled.error().message, out);
  if (!audit.intent(out)) return;
  uint64_t sent = 0;
  auto ran = stream(**compiled, *snapshot->zone, out, sent);
  if (!ran) {
    audit.outcome(sent, "failed: " + ran.error().message);
    return (void)out.error(ran.error().message);
  }
  if (!audit.outcome(sent, *ran)) return (void)out.error("the audit outcome could not be written");
  out.done(json{{"count", sent}}.dump());
}

void Service::Impl::run(const Caller& caller, const ObjectGetOp& op, RequestAudit& audit, Responder& out) {
  auto grant = authorize(caller, audit, out, "query", {op.category});
  if (!grant) return;
  auto snapshot = current_config();
  if (!object_category(*snapshot, op.category))
    return audit.refuse("\"" + op.category + "\" is not an object category", out);
  if (!audit.intent(out)) return;
  // The name is the record's message: scan the category for it (names are unique). A
  // name the category replaces (a playlist) is kept as versions "NAME@<time>": newest
  // first, the first one found is the one to read.
  store::ScanQuery q;
  q.categories = {op.category};
  q.prefilter = op.name;
  q.reverse = true;
  std::optional<store::Event> found;
  const std::string version_prefix = op.name + "@";
  auto scanned = store.scan(q, [&](store::Event& e) {
    if ((e.message != op.name && !e.message.starts_with(version_prefix)) || !e.is_object()) return true;
    found = std::move(e);
    return false;
  });
  if (!scanned) {
    audit.outcome(0, "failed: " + scanned.error().message);
    return (void)out.error(scanned.error().message);
  }
  if (!found) {
    audit.outcome(0, "not found");
    return (void)out.error("no object named \"" + op.name + "\" in " + op.category);
  }
  std::string meta;
  query::append_event_json(*found, *snapshot->zone, meta);
  out.result(meta);
  auto sink = [&](std::string_view bytes) { return out.data(bytes); };
  auto read = store.read_object(*found, sink);
  // Shipped and no longer kept here: the same bytes, from the remote store, decrypted.
  if (!read && read.error().code == Errc::not_found && ctx.read_remote) read = ctx.read_remote(*found, sink);
  if (!read) {
    audit.outcome(0, "failed: " + read.error().message);
    return (void)out.error(read.error().message);
  }
  if (!audit.outcome(out.gone() ? 0 : 1, how_it_ended(out)))
    return (void)out.error("the audit outcome could not be written");
  out.done(json{{"size", found->object_size}}.dump());
}

}  // namespace hokan::api
