#include "retention/period.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace hokan::retention {
namespace {

class Arithmetic : public ::testing::Test {
 protected:
  std::shared_ptr<const core::TimeZone> tokyo = *core::TimeZone::load("Asia/Tokyo");
  std::shared_ptr<const core::TimeZone> new_york = *core::TimeZone::load("America/New_York");

  std::string expiry(const char* start, const char* period, const core::TimeZone& zone) {
    auto t = core::parse_time(start, 0, zone);
    EXPECT_TRUE(t) << start;
    return core::format_rfc3339(expiry_of(*t, *config::parse_period(period), zone), zone);
  }
};

TEST_F(Arithmetic, CountsDaysAndWeeksOnTheLocalCalendar) {
  EXPECT_EQ(expiry("2026-11-20 03:12:00", "30d", *tokyo), "2026-12-20T03:12:00+09:00");
  EXPECT_EQ(expiry("2026-11-20 03:12:00", "2w", *tokyo), "2026-12-04T03:12:00+09:00");
  EXPECT_EQ(expiry("2026-11-20 03:12:00", "0d", *tokyo), "2026-11-20T03:12:00+09:00");
}

TEST_F(Arithmetic, CountsYearsAcrossLeapDays) {
  EXPECT_EQ(expiry("2024-02-29 12:00", "1y", *tokyo), "2025-02-28T12:00:00+09:00");
  EXPECT_EQ(expiry("2024-02-29 12:00", "4y", *tokyo), "2028-02-29T12:00:00+09:00");
  EXPECT_EQ(expiry("2023-03-01 00:00", "365d", *tokyo), "2024-02-29T00:00:00+09:00");  // 2024 is a leap year
}

TEST_F(Arithmetic, ClampsMonthsToTheirLastDay) {
  EXPECT_EQ(expiry("2026-01-31 09:00", "1m", *tokyo), "2026-02-28T09:00:00+09:00");
  EXPECT_EQ(expiry("2028-01-31 09:00", "1m", *tokyo), "2028-02-29T09:00:00+09:00");
  EXPECT_EQ(expiry("2026-08-31 09:00", "1m", *tokyo), "2026-09-30T09:00:00+09:00");
  EXPECT_EQ(expiry("2026-11-30 09:00", "3m", *tokyo), "2027-02-28T09:00:00+09:00");
}

TEST_F(Arithmetic, KeepsTheLocalTimeOfDayAcrossDst) {
  // 30 local days over the March change are 30*24-1 hours, still 03:00 local.
  EXPECT_EQ(expiry("2026-02-20 03:00", "30d", *new_york), "2026-03-22T03:00:00-04:00");
  EXPECT_EQ(expiry("2026-10-20 03:00", "1m", *new_york), "2026-11-20T03:00:00-05:00");
}

TEST_F(Arithmetic, PlansDailyAndIntervalSchedulesInLocalTime) {
  auto daily = *config::parse_schedule("daily 03:00");
  auto next = [&](const config::Schedule& s, const char* after, const core::TimeZone& z) {
    return core::format_rfc3339(next_run(s, *core::parse_time(after, 0, z), z), z);
  };
  EXPECT_EQ(next(daily, "2026-11-20 02:59", *tokyo), "2026-11-20T03:00:00+09:00");
  EXPECT_EQ(next(daily, "2026-11-20 03:00", *tokyo), "2026-11-21T03:00:00+09:00");
  auto every6 = *config::parse_schedule("every 6h");
  EXPECT_EQ(next(every6, "2026-11-20 05:00", *tokyo), "2026-11-20T06:00:00+09:00");
  EXPECT_EQ(next(every6, "2026-11-20 23:30", *tokyo), "2026-11-21T00:00:00+09:00");
  auto every15 = *config::parse_schedule("every 15m");
  EXPECT_EQ(next(every15, "2026-11-20 10:16", *tokyo), "2026-11-20T10:30:00+09:00");
  // On the spring-forward day 03:00 still comes at 03:00 local time.
  EXPECT_EQ(next(daily, "2026-03-08 01:00", *new_york), "2026-03-08T03:00:00-04:00");
}

}  // namespace
}  // namespace hokan::retention
