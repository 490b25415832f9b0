#include "retention/holds.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "store/event_match.h"

namespace hokan::retention {
using nlohmann::json;
namespace {

constexpr char kSpace[] = "hold";

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

json to_json(const Hold& h) {
  const auto& f = h.filter;
  return {{"name", h.name},           {"reason", h.reason},    {"placed_by", h.placed_by},
          {"placed_us", h.placed_us}, {"filter_text", h.filter_text},
          {"categories", f.categories}, {"hosts", f.hosts},    {"cameras", f.cameras},
          {"users", f.users},         {"ips", f.ips},          {"cases", f.cases},
          {"since_us", f.since_us},   {"until_us", f.until_us}};
}

Hold from_json(const json& j) {
  Hold h;
  h.name = j.value("name", "");
  h.reason = j.value("reason", "");
  h.placed_by = j.value("placed_by", "");
  h.placed_us = j.value("placed_us", int64_t{0});
  h.filter_text = j.value("filter_text", "");
  auto& f = h.filter;
  f.categories = j.value("categories", std::vector<std::string>{});
  f.hosts = j.value("hosts", std::vector<std::string>{});
  f.cameras = j.value("cameras", std::vector<std::string>{});
  f.users = j.value("users", std::vector<std::string>{});
  f.ips = j.value("ips", std::vector<std::string>{});
  f.cases = j.value("cases", std::vector<std::string>{});
  f.since_us = j.value("since_us", std::numeric_limits<int64_t>::min());
  f.until_us = j.value("until_us", std::numeric_limits<int64_t>::max());
  return h;
}

bool valid_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

std::string hold_to_text(const Hold& hold) { return to_json(hold).dump(); }

Result<Hold> hold_from_text(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::corruption, "a stored hold is not JSON");
  return from_json(j);
}

bool HoldFilter::matches(const store::Event& e) const {
  // Footage names its camera in `host` (objects have no other source name).
  bool camera_ok = cameras.empty() || std::find(cameras.begin(), cameras.end(), e.host) != cameras.end();
  return e.time_us >= since_us && e.time_us < until_us && listed(categories, e.category) &&
         listed(hosts, e.host) && camera_ok && store::matches_users(e, users) && matches_ips(e) &&
         listed(cases, e.fields.case_id);
}

bool HoldFilter::matches_ips(const store::Event& e) const {
  if (ips.empty()) return true;
  // Placed through the request decoder, the texts are canonical and parse; a hold stored
  // before prefixes were read compares its texts as exact addresses.
  auto filter = store::parse_ip_filter(ips);
  if (!filter) return store::matches_ips(e, ips, {});
  return store::matches_ips(e, filter->exact, filter->prefixes);
}

bool HoldFilter::may_match(const std::string& category, int64_t from_us, int64_t to_us) const {
  return listed(categories, category) && from_us < until_us && to_us >= since_us;
}

store::ScanQuery HoldFilter::scan_query(int64_t from_us, int64_t to_us) const {
  store::ScanQuery q;
  q.categories = categories;
  q.since_us = std::max(from_us, since_us);
  q.until_us = std::min(to_us, until_us);
  q.hosts = hosts;
  q.users = users;
  if (auto filter = store::parse_ip_filter(ips)) {
    q.ips = std::move(filter->exact);
    q.ip_prefixes = std::move(filter->prefixes);
  } else {
    q.ips = ips;
  }
  return q;
}

Holds::Holds(std::shared_ptr<store::MetaStore> meta) : meta_(std::move(meta)) {}

Result<std::unique_ptr<Holds>> Holds::load(std::shared_ptr<store::MetaStore> meta) {
  auto holds = std::make_unique<Holds>(meta);
  auto all = meta->list(kSpace);
  if (!all) return std::unexpected(all.error());
  for (const auto& [name, value] : *all) {
    json j = json::parse(value, nullptr, false);
    if (!j.is_discarded()) holds->holds_.push_back(from_json(j));
  }
  return holds;
}

Result<void> Holds::place(const Hold& hold) {
  if (!valid_name(hold.name))
    return fail(Errc::invalid_argument, "bad hold name \"" + hold.name + "\": use 1 to 64 of A-Z a-z 0-9 . _ -");
  std::lock_guard lock(mutex_);
  for (const auto& h : holds_)
    if (h.name == hold.name) return fail(Errc::already_exists, "a hold named \"" + hold.name + "\" is already in place");
  if (auto r = meta_->put(kSpace, hold.name, to_json(hold).dump()); !r) return r;
  holds_.push_back(hold);
  return {};
}

Result<Hold> Holds::release(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(holds_.begin(), holds_.end(), [&](const Hold& h) { return h.name == name; });
  if (it == holds_.end()) return fail(Errc::not_found, "no hold named \"" + name + "\"");
  if (auto r = meta_->erase(kSpace, name); !r) return std::unexpected(r.error());
  Hold released = *it;
  holds_.erase(it);
  return released;
}

std::vector<Hold> Holds::list() const {
  std::lock_guard lock(mutex_);
  return holds_;
}

std::vector<std::string> Holds::holding(const store::Event& e) const {
  std::vector<std::string> names;
  std::lock_guard lock(mutex_);
  for (const auto& h : holds_)
    if (h.filter.matches(e)) names.push_back(h.name);
  return names;
}

bool Holds::any_may_match(const std::string& category, int64_t from_us, int64_t until_us) const {
  std::lock_guard lock(mutex_);
  return std::any_of(holds_.begin(), holds_.end(),
                     [&](const Hold& h) { return h.filter.may_match(category, from_us, until_us); });
}

}  // namespace hokan::retention
