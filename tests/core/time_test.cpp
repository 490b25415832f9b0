#include <gtest/gtest.h>

#include "core/time_format.h"
#include "core/timezone.h"

namespace hokan::core {
namespace {

constexpr int64_t kS = 1'000'000;

std::shared_ptr<const TimeZone> zone(const char* name) {
  auto z = TimeZone::load(name);
  EXPECT_TRUE(z) << name;
  return *z;
}

// 2026-11-20T00:00:00Z
constexpr int64_t kNov20 = 1795132800LL * kS;

TEST(TimeZone, TokyoIsNineHoursAheadAllYear) {
  auto tokyo = zone("Asia/Tokyo");
  EXPECT_EQ(tokyo->offset_at(kNov20), 9 * 3600);
  EXPECT_EQ(tokyo->offset_at(kNov20 - 150LL * 86400 * kS), 9 * 3600);
}

TEST(TimeZone, NewYorkSwitchesBetweenEstAndEdt) {
  auto ny = zone("America/New_York");
  EXPECT_EQ(ny->offset_at(kNov20), -5 * 3600);
  EXPECT_EQ(ny->offset_at(kNov20 - 150LL * 86400 * kS), -4 * 3600);
  // Far beyond the file's transitions the POSIX footer rule still applies.
  int64_t july_2060 = (days_from_civil(2060, 7, 1) * 86400) * kS;
  EXPECT_EQ(ny->offset_at(july_2060), -4 * 3600);
}

TEST(TimeZone, ReadsAGapWithTheOffsetBeforeItAndAnOverlapAsTheEarlierInstant) {
  auto ny = zone("America/New_York");
  // 2026-03-08 02:30 does not exist in New York: read as EST, i.e. 03:30 EDT.
  EXPECT_EQ(format_rfc3339(ny->from_civil({2026, 3, 8, 2, 30, 0, 0}), *ny), "2026-03-08T03:30:00-04:00");
  // 2026-11-01 01:30 happens twice: the first (EDT) is taken.
  EXPECT_EQ(format_rfc3339(ny->from_civil({2026, 11, 1, 1, 30, 0, 0}), *ny), "2026-11-01T01:30:00-04:00");
}

TEST(TimeZone, CivilRoundTripsAcrossLeapDaysAndYearEnds) {
  auto tokyo = zone("Asia/Tokyo");
  for (CivilTime c : {CivilTime{2024, 2, 29, 23, 59, 59, 999999}, CivilTime{2025, 12, 31, 23, 0, 0, 0},
                      CivilTime{2026, 1, 1, 0, 0, 0, 1}, CivilTime{1969, 12, 31, 12, 0, 0, 0}}) {
    CivilTime back = tokyo->to_civil(tokyo->from_civil(c));
    EXPECT_EQ(back.year, c.year);
    EXPECT_EQ(back.month, c.month);
    EXPECT_EQ(back.day, c.day);
    EXPECT_EQ(back.hour, c.hour);
    EXPECT_EQ(back.micros, c.micros);
  }
}

TEST(TimeZone, UnknownZonesAreRefused) {
  EXPECT_FALSE(TimeZone::load("Mars/Olympus"));
  EXPECT_FALSE(TimeZone::load("../../etc/passwd"));
  EXPECT_TRUE(TimeZone::load("UTC"));
}

TEST(Rfc3339, FormatsWithTheZoneOffsetAndMicrosOnlyWhenPresent) {
  auto tokyo = zone("Asia/Tokyo");
  EXPECT_EQ(format_rfc3339(kNov20, *tokyo), "2026-11-20T09:00:00+09:00");
  EXPECT_EQ(format_rfc3339(kNov20 + 1500, *tokyo), "2026-11-20T09:00:00.001500+09:00");
  EXPECT_EQ(format_rfc3339(kNov20, *TimeZone::utc()), "2026-11-20T00:00:00+00:00");
}

TEST(Rfc3339, ParsesZuluOffsetsAndFractions) {
  EXPECT_EQ(*parse_rfc3339("2026-11-20T00:00:00Z"), kNov20);
  EXPECT_EQ(*parse_rfc3339("2026-11-20T09:00:00+09:00"), kNov20);
  EXPECT_EQ(*parse_rfc3339("2026-11-19T19:00:00.25-05:00"), kNov20 + 250000);
  EXPECT_FALSE(parse_rfc3339("2026-11-20T00:00:00"));  // no offset
  EXPECT_FALSE(parse_rfc3339("2026-11-20 00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-02-30T00:00:00Z"));
}

class ParseTime : public ::testing::Test {
 protected:
  std::shared_ptr<const TimeZone> tokyo = zone("Asia/Tokyo");
  const int64_t now = kNov20 + 3 * 3600 * kS;  // 2026-11-20 12:00 in Tokyo
  std::string parsed(const char* text) {
    auto t = parse_time(text, now, *tokyo);
    return t ? format_rfc3339(*t, *tokyo) : "error: " + t.error().message;
  }
};

TEST_F(ParseTime, ReadsDatesAndTimesInTheConfiguredZone) {
  EXPECT_EQ(parsed("2026-11-01"), "2026-11-01T00:00:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12:00"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12:00"), "2026-11-01T03:12:00+09:00");
}

TEST_F(ParseTime, HonoursAnExplicitOffset) {
  EXPECT_EQ(parsed("2026-11-01T03:12:00Z"), "2026-11-01T12:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12:00.5+00:00"), "2026-11-01T12:12:00.500000+09:00");
}

TEST_F(ParseTime, ReadsWordsAndRelativeTimes) {
  EXPECT_EQ(parsed("now"), "2026-11-20T12:00:00+09:00");
  EXPECT_EQ(parsed("today"), "2026-11-20T00:00:00+09:00");
  EXPECT_EQ(parsed("yesterday"), "2026-11-19T00:00:00+09:00");
  EXPECT_EQ(parsed("tomorrow"), "2026-11-21T00:00:00+09:00");
  EXPECT_EQ(parsed("-2h"), "2026-11-20T10:00:00+09:00");
  EXPECT_EQ(parsed("+1h"), "2026-11-20T13:00:00+09:00");
  EXPECT_EQ(parsed("-30min"), "2026-11-20T11:30:00+09:00");
  EXPECT_EQ(parsed("-1h30min"), "2026-11-20T10:30:00+09:00");
  EXPECT_EQ(parsed("-7d"), "2026-11-13T12:00:00+09:00");
  EXPECT_EQ(parsed("-1w"), "2026-11-13T12:00:00+09:00");
  EXPECT_EQ(parsed("-10s"), "2026-11-20T11:59:50+09:00");
}

TEST_F(ParseTime, RefusesNonsenseWithTheTextQuoted) {
  EXPECT_EQ(parsed("2026-13-01"), "error: bad time \"2026-13-01\": month out of range");
  EXPECT_EQ(parsed("2026-02-29"), "error: bad time \"2026-02-29\": day out of range");
  EXPECT_EQ(parsed("2026-11-01 25:00"), "error: bad time \"2026-11-01 25:00\": time of day out of range");
  EXPECT_TRUE(parsed("last tuesday").starts_with("error: bad time \"last tuesday\""));
  EXPECT_TRUE(parsed("-2x").starts_with("error:"));
  EXPECT_TRUE(parsed("").starts_with("error:"));
}

}  // namespace
}  // namespace hokan::core
