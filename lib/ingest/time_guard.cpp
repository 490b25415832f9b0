#include "ingest/time_guard.h"

#include "retention/period.h"

namespace hokan::ingest {
namespace {

constexpr int64_t kDayUs = 86'400'000'000;

// A span every period of this unit and count is at least as long as (a day less, for
// DST and leap seconds of nobody's concern).
int64_t shortest_span_us(const config::Period& p) {
  int64_t days = 0;
  switch (p.unit) {
    case config::Period::Unit::days: days = p.count; break;
    case config::Period::Unit::weeks: days = 7 * p.count; break;
    case config::Period::Unit::months: days = 28 * p.count; break;
    case config::Period::Unit::years: days = 365 * p.count; break;
  }
  return std::max<int64_t>(0, days - 1) * kDayUs;
}

}  // namespace

TimeGuard::TimeGuard(const config::Config& config)
    : zone_(config.zone ? config.zone : core::TimeZone::utc()),
      skew_us_(config.storage.clock_skew_seconds * 1'000'000),
      back_{-config.storage.oldest_time.count, config.storage.oldest_time.unit, config.storage.oldest_time.text},
      surely_recent_us_(shortest_span_us(config.storage.oldest_time)) {}

void TimeGuard::apply(store::Event& e) const {
  bool ahead = e.time_us > e.received_us + skew_us_;
  bool behind = e.time_us < e.received_us - surely_recent_us_ &&
                e.time_us < retention::expiry_of(e.received_us, back_, *zone_);
  if (!ahead && !behind) return;
  e.claimed_time_us = e.time_us;
  e.time_us = e.received_us;
}

}  // namespace hokan::ingest
