#include "retention/cases.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "core/time_format.h"

namespace hokan::retention {
using nlohmann::json;
namespace {
constexpr char kSpace[] = "case";

json to_json(const Case& c) {
  json j = {{"id", c.id}, {"category", c.category}, {"lane", c.lane}, {"opened_us", c.opened_us}};
  if (c.closed_us) {
    j["closed_us"] = *c.closed_us;
    j["outcome"] = c.outcome;
    j["reason"] = c.reason;
    j["closed_by"] = c.closed_by;
  }
  return j;
}

Case from_json(const json& j) {
  Case c;
  c.id = j.value("id", "");
  c.category = j.value("category", "");
  c.lane = j.value("lane", "");
  c.opened_us = j.value("opened_us", int64_t{0});
  if (j.contains("closed_us")) {
    c.closed_us = j["closed_us"].get<int64_t>();
    c.outcome = j.value("outcome", "");
    c.reason = j.value("reason", "");
    c.closed_by = j.value("closed_by", "");
  }
  return c;
}
}  // namespace

Cases::Cases(std::shared_ptr<store::MetaStore> meta, Hash hash) : meta_(std::move(meta)), hash_(std::move(hash)) {}

Result<std::unique_ptr<Cases>> Cases::load(std::shared_ptr<store::MetaStore> meta, Hash hash) {
  auto cases = std::make_unique<Cases>(meta, std::move(hash));
  auto all = meta->list(kSpace);
  if (!all) return std::unexpected(all.error());
  for (const auto& [key, value] : *all) {
    json j = json::parse(value, nullptr, false);
    if (j.is_discarded()) continue;
    Case c = from_json(j);
    cases->by_lane_[c.lane] = std::move(c);
  }
  return cases;
}

std::string Cases::lane_of(std::string_view case_id) const {
  char buf[32];
  std::snprintf(buf, sizeof buf, "case-%016llx", static_cast<unsigned long long>(hash_(case_id)));
  return buf;
}

Result<void> Cases::save(const Case& c) {
  // Case ids are checked as UTF-8 where they enter; replacing (never throwing) here keeps
  // one that slipped through from taking the writer thread down.
  return meta_->put(kSpace, c.lane, to_json(c).dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<void> Cases::seen(const std::string& case_id, const std::string& category, int64_t now_us) {
  std::string lane = lane_of(case_id);
  std::lock_guard lock(mutex_);
  if (by_lane_.contains(lane)) return {};
  Case c{case_id, category, lane, now_us, std::nullopt, "", "", ""};
  if (auto r = save(c); !r) return r;
  by_lane_[lane] = std::move(c);
  return {};
}

Result<Case> Cases::close(const std::string& case_id, const std::string& category, const std::string& outcome,
                          const std::string& reason, const std::string& by, int64_t now_us) {
  std::string lane = lane_of(case_id);
  std::lock_guard lock(mutex_);
  auto it = by_lane_.find(lane);
  Case c = it != by_lane_.end() ? it->second : Case{case_id, category, lane, now_us, std::nullopt, "", "", ""};
  if (c.closed_us)
    return fail(Errc::already_exists, "case " + case_id + " was already closed at " +
                                          core::format_rfc3339(*c.closed_us, *core::TimeZone::utc()) + " by " +
                                          c.closed_by + (c.outcome.empty() ? "" : " (outcome " + c.outcome + ")"));
  c.closed_us = now_us;
  c.outcome = outcome;
  c.reason = reason;
  c.closed_by = by;
  if (c.category.empty()) c.category = category;
  if (auto r = save(c); !r) return std::unexpected(r.error());
  by_lane_[lane] = c;
  return c;
}

std::optional<Case> Cases::by_lane(const std::string& lane) const {
  std::lock_guard lock(mutex_);
  auto it = by_lane_.find(lane);
  if (it == by_lane_.end()) return std::nullopt;
  return it->second;
}

std::vector<Case> Cases::list() const {
  std::lock_guard lock(mutex_);
  std::vector<Case> out;
  for (const auto& [lane, c] : by_lane_) out.push_back(c);
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.opened_us < b.opened_us; });
  return out;
}

}  // namespace hokan::retention
