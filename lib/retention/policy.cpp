#include "retention/policy.h"

#include "retention/period.h"

namespace hokan::retention {
namespace {

constexpr std::string_view kPeriodLane = "p-";

// The lane of a category's events that no per-host or per-camera period names.
std::string category_lane(const config::Category& c) {
  return std::string(kPeriodLane) + (c.retention ? c.retention->text : "365d");
}

int64_t day_start(const core::TimeZone& zone, int year, int month, int day, int plus_days) {
  core::CivilTime c;
  int64_t days = core::days_from_civil(year, month, day) + plus_days;
  core::civil_from_days(days, c.year, c.month, c.day);
  return zone.from_civil(c);
}

}  // namespace

Policy::Policy(std::shared_ptr<const config::Config> config, std::shared_ptr<const Cases> cases)
    : config_(std::move(config)), cases_(std::move(cases)) {
  for (const auto& c : config_->categories)
    if (c.starts != config::Category::Starts::case_closed && c.retention_by_host.empty() &&
        c.retention_by_camera.empty())
      fixed_lanes_.emplace(c.name, category_lane(c));
}

std::string Policy::lane_for(const store::Event& e) const {
  if (e.category == kAuditCategory) return std::string(kPeriodLane) + config_->audit.retention.text;
  if (auto it = fixed_lanes_.find(e.category); it != fixed_lanes_.end()) return it->second;
  const config::Category* c = config_->find_category(e.category);
  if (!c) return std::string(kPeriodLane) + "365d";
  if (c->starts == config::Category::Starts::case_closed)
    return e.fields.case_id.empty() ? "no-case" : cases_->lane_of(e.fields.case_id);
  const auto& overrides = c->kind == config::Category::Kind::object && !c->retention_by_camera.empty()
                              ? c->retention_by_camera
                              : c->retention_by_host;
  if (auto it = overrides.find(e.host); it != overrides.end()) return std::string(kPeriodLane) + it->second.text;
  return category_lane(*c);
}

std::optional<config::Period> Policy::case_period(const std::string& category, const Case& c) const {
  const config::Category* cat = config_->find_category(category);
  if (!cat) return std::nullopt;
  if (auto it = cat->retention_by_outcome.find(c.outcome); !c.outcome.empty() && it != cat->retention_by_outcome.end())
    return it->second;
  if (auto it = cat->retention_by_outcome.find("default"); it != cat->retention_by_outcome.end()) return it->second;
  return cat->retention;
}

Policy::BucketExpiry Policy::expiry(const store::BucketInfo& b) const {
  const core::TimeZone& zone = *config_->zone;
  if (b.lane.starts_with(kPeriodLane)) {
    auto period = config::parse_period(std::string_view(b.lane).substr(kPeriodLane.size()));
    if (!period) return {};
    int64_t first = day_start(zone, b.year, b.month, b.day, 0);
    int64_t next = day_start(zone, b.year, b.month, b.day, 1);
    return {expiry_of(first, *period, zone), expiry_of(next, *period, zone),
            b.category + ": " + period->text + " from the event time"};
  }
  if (b.lane.starts_with("case-")) {
    auto c = cases_->by_lane(b.lane);
    if (!c || !c->closed_us) return {};
    auto period = case_period(b.category, *c);
    if (!period) return {};
    int64_t at = expiry_of(*c->closed_us, *period, zone);
    return {at, at,
            b.category + ": " + period->text + " after the case closed" +
                (c->outcome.empty() ? "" : " (outcome " + c->outcome + ")")};
  }
  return {};
}

std::optional<int64_t> Policy::record_expiry(const store::BucketInfo& b, const store::Event& e) const {
  if (b.lane.starts_with(kPeriodLane)) {
    auto period = config::parse_period(std::string_view(b.lane).substr(kPeriodLane.size()));
    if (!period) return std::nullopt;
    return expiry_of(e.time_us, *period, *config_->zone);
  }
  return expiry(b).earliest;
}

}  // namespace hokan::retention
