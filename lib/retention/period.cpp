#include "retention/period.h"


namespace hokan::retention {
namespace {

constexpr int64_t kMicros = 1'000'000;

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

core::CivilTime add_days(core::CivilTime c, int64_t days) {
  int64_t d = core::days_from_civil(c.year, c.month, c.day) + days;
  core::civil_from_days(d, c.year, c.month, c.day);
  return c;
}

core::CivilTime add_months(core::CivilTime c, int64_t months) {
  int64_t index = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  c.year = static_cast<int>(index / 12);
  c.month = static_cast<int>(index % 12) + 1;
  c.day = std::min(c.day, days_in_month(c.year, c.month));
  return c;
}

}  // namespace

int64_t expiry_of(int64_t start_us, const config::Period& period, const core::TimeZone& zone) {
  if (period.count == 0) return start_us;
  core::CivilTime c = zone.to_civil(start_us);
  switch (period.unit) {
    case config::Period::Unit::days: c = add_days(c, period.count); break;
    case config::Period::Unit::weeks: c = add_days(c, 7 * period.count); break;
    case config::Period::Unit::months: c = add_months(c, period.count); break;
    case config::Period::Unit::years: c = add_months(c, 12 * period.count); break;
  }
  return zone.from_civil(c);
}

int64_t next_run(const config::Schedule& s, int64_t after_us, const core::TimeZone& zone) {
  core::CivilTime c = zone.to_civil(after_us);
  core::CivilTime midnight{c.year, c.month, c.day, 0, 0, 0, 0};
  // Walk local days so DST days of 23 or 25 hours still run at the written local times.
  for (int day = 0; day < 3; ++day) {
    core::CivilTime d = add_days(midnight, day);
    int64_t step = s.kind == config::Schedule::Kind::daily ? 86400 : s.interval_s;
    int64_t first = s.kind == config::Schedule::Kind::daily ? s.minute_of_day * 60 : 0;
    for (int64_t sec = first; sec < 86400; sec += step) {
      core::CivilTime run = d;
      run.hour = static_cast<int>(sec / 3600);
      run.minute = static_cast<int>(sec / 60 % 60);
      run.second = static_cast<int>(sec % 60);
      int64_t at = zone.from_civil(run);
      if (at > after_us) return at;
    }
  }
  return after_us + s.interval_s * kMicros;  // not reached for valid schedules
}

}  // namespace hokan::retention
