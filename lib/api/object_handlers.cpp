// Control-service handlers for objects: listing and reading footage and documents.
#include "api/service_impl.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>

#include "api/service_impl.h"
#include "audit/auditor.h"
#include "core/time_format.h"
#include "query/event_json.h"
#include "query/query.h"

namespace hokan::api {

// Objects: reading one is an investigation, so it is role-checked and audited.
std::optional<Decision> Service::Impl::object_access(const Caller& caller, const std::string& op, const json& r, Responder& out) {
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

void Service::Impl::object_list(const Caller& caller, const json& r, Responder& out) {
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

void Service::Impl::object_get(const Caller& caller, const json& r, Responder& out) {
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

}  // namespace hokan::api
