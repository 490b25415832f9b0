#include "core/time_format.h"

#include <gtest/gtest.h>

namespace hokan::core {
namespace {

constexpr int64_t kS = 1'000'000;
constexpr int64_t kNov20 = 1795132800LL * kS;  // 2026-11-20T00:00:00Z

std::shared_ptr<const TimeZone> zone(const char* name) {
  auto z = TimeZone::load(name);
  if (!z) ADD_FAILURE() << z.error().message;
  return z ? *z : TimeZone::utc();
}

int64_t utc_us(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return (days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * kS;
}

// The instant as RFC 3339 in `z`, or the error message, so failures print readably.
std::string rfc3339_or_error(const Result<int64_t>& t, const TimeZone& z) {
  return t ? format_rfc3339(*t, z) : "error: " + t.error().message;
}

TEST(FormatRfc3339, WritesTheZoneOffsetAndNeverZ) {
  EXPECT_EQ(format_rfc3339(kNov20, *TimeZone::utc()), "2026-11-20T00:00:00+00:00");
  EXPECT_EQ(format_rfc3339(kNov20, *zone("Asia/Tokyo")), "2026-11-20T09:00:00+09:00");
  EXPECT_EQ(format_rfc3339(kNov20, *zone("America/New_York")), "2026-11-19T19:00:00-05:00");
  EXPECT_EQ(format_rfc3339(kNov20, *zone("Asia/Kolkata")), "2026-11-20T05:30:00+05:30");
}

TEST(FormatRfc3339, WritesMicrosOnlyWhenThereAreAny) {
  auto tokyo = zone("Asia/Tokyo");
  EXPECT_EQ(format_rfc3339(kNov20 + 1500, *tokyo), "2026-11-20T09:00:00.001500+09:00");
  EXPECT_EQ(format_rfc3339(kNov20 + 1, *tokyo), "2026-11-20T09:00:00.000001+09:00");
  EXPECT_EQ(format_rfc3339(kNov20 + 999999, *tokyo), "2026-11-20T09:00:00.999999+09:00");
  EXPECT_EQ(format_rfc3339(kNov20 + kS, *tokyo), "2026-11-20T09:00:01+09:00");
}

TEST(FormatRfc3339, WritesInstantsBeforeTheEpoch) {
  EXPECT_EQ(format_rfc3339(-1, *TimeZone::utc()), "1969-12-31T23:59:59.999999+00:00");
  EXPECT_EQ(format_rfc3339(0, *zone("America/New_York")), "1969-12-31T19:00:00-05:00");
}

TEST(FormatRfc3339, ShowsTheOffsetInForceOnEachSideOfADstChange) {
  auto ny = zone("America/New_York");
  EXPECT_EQ(format_rfc3339(utc_us(2026, 11, 1, 6) - kS, *ny), "2026-11-01T01:59:59-04:00");
  EXPECT_EQ(format_rfc3339(utc_us(2026, 11, 1, 6), *ny), "2026-11-01T01:00:00-05:00");
}

TEST(FormatRfc3339, RoundsLocalMeanTimeToTheMinuteSoTheTextStillNamesTheInstant) {
  // New York's offset before 1883 was -4:56:02, which RFC 3339 cannot write.
  const int64_t t = utc_us(1800, 1, 1);
  const std::string text = format_rfc3339(t, *zone("America/New_York"));
  EXPECT_EQ(text, "1799-12-31T19:04:00-04:56");
  EXPECT_EQ(*parse_rfc3339(text), t);
}

TEST(ParseRfc3339, ReadsZuluAndOffsets) {
  EXPECT_EQ(parse_rfc3339("2026-11-20T00:00:00Z"), kNov20);
  EXPECT_EQ(parse_rfc3339("2026-11-20t00:00:00z"), kNov20);
  EXPECT_EQ(parse_rfc3339("2026-11-20T09:00:00+09:00"), kNov20);
  EXPECT_EQ(parse_rfc3339("2026-11-19T19:00:00-05:00"), kNov20);
  EXPECT_EQ(parse_rfc3339("2026-11-20T05:30:00+05:30"), kNov20);
  EXPECT_EQ(parse_rfc3339("2026-11-20T00:00:00-00:00"), kNov20);
}

TEST(ParseRfc3339, KeepsUpToSixFractionDigits) {
  EXPECT_EQ(parse_rfc3339("2026-11-20T00:00:00.5Z"), kNov20 + 500000);
  EXPECT_EQ(parse_rfc3339("2026-11-20T00:00:00.000001Z"), kNov20 + 1);
  EXPECT_EQ(parse_rfc3339("2026-11-20T09:00:00.123456+09:00"), kNov20 + 123456);
  EXPECT_EQ(parse_rfc3339("2026-11-20T00:00:00.123456789Z"), kNov20 + 123456);
  EXPECT_EQ(parse_rfc3339("2026-11-19T19:00:00.25-05:00"), kNov20 + 250000);
}

TEST(ParseRfc3339, ReadsALeapSecondAsTheLastMicrosecondOfItsMinute) {
  EXPECT_EQ(parse_rfc3339("2016-12-31T23:59:60Z"), utc_us(2017, 1, 1) - 1);
  EXPECT_EQ(parse_rfc3339("2017-01-01T08:59:60+09:00"), utc_us(2017, 1, 1) - 1);
}

TEST(ParseRfc3339, ReadsLeapDaysAndYearEnds) {
  EXPECT_EQ(parse_rfc3339("2024-02-29T23:59:59Z"), utc_us(2024, 2, 29, 23, 59, 59));
  EXPECT_EQ(parse_rfc3339("2027-01-01T08:00:00+09:00"), utc_us(2026, 12, 31, 23));
  EXPECT_FALSE(parse_rfc3339("2100-02-29T00:00:00Z"));
}

TEST(ParseRfc3339, RefusesAnythingLooserThanTheRfcWithTheTextQuoted) {
  const std::pair<const char*, const char*> cases[] = {
      {"2026-11-20T00:00:00", "expected Z or an offset like +09:00"},
      {"2026-11-20T00:00:00+0900", "expected Z or an offset like +09:00"},
      {"2026-11-20T00:00:00+09", "expected Z or an offset like +09:00"},
      {"2026-11-20T00:00:00,5Z", "expected Z or an offset like +09:00"},
      {"2026-11-20T00:00:00Z ", "expected Z or an offset like +09:00"},
      {"2026-11-20 00:00:00Z", "expected 'T' after the date"},
      {"2026-11-20T00:00Z", "expected hh:mm:ss after the date"},
      {"2026-11-20T0:00:00Z", "expected hh:mm:ss after the date"},
      {"2026-11-20", "expected 'T' and a time after the date"},
      {"2026-11-20T00:00:00.Z", "expected digits after the decimal point"},
      {"2026-02-30T00:00:00Z", "day out of range"},
      {"2026-13-01T00:00:00Z", "month out of range"},
      {"2026-11-20T24:00:00Z", "time of day out of range"},
      {"2026-11-20T00:00:00+24:00", "offset out of range"},
      {"20261120T000000Z", "expected RFC 3339 like 2026-11-20T03:12:00+09:00"},
      {"", "expected RFC 3339 like 2026-11-20T03:12:00+09:00"},
  };
  for (const auto& [text, why] : cases) {
    auto t = parse_rfc3339(text);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error().code, Errc::invalid_argument);
    EXPECT_EQ(t.error().message, "bad time \"" + std::string(text) + "\": " + why);
  }
}

class ParseTime : public ::testing::Test {
 protected:
  std::shared_ptr<const TimeZone> tokyo = zone("Asia/Tokyo");
  std::shared_ptr<const TimeZone> new_york = zone("America/New_York");
  const int64_t now = kNov20 + 3 * 3600 * kS;  // 2026-11-20 12:00 in Tokyo

  std::string parsed(std::string_view text) { return parsed_in(text, *tokyo, now); }
  std::string parsed_in(std::string_view text, const TimeZone& z, int64_t at) {
    return rfc3339_or_error(parse_time(text, at, z), z);
  }
};

TEST_F(ParseTime, ReadsEveryDateFormInTheConfiguredZone) {
  EXPECT_EQ(parsed("2026-11-01"), "2026-11-01T00:00:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12:00"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12:00"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12:00.25"), "2026-11-01T03:12:00.250000+09:00");
  EXPECT_EQ(parsed("2024-02-29 23:59:59"), "2024-02-29T23:59:59+09:00");
  EXPECT_EQ(parsed("2026-12-31 23:59:59"), "2026-12-31T23:59:59+09:00");
}

TEST_F(ParseTime, HonoursAnOffsetInTheText) {
  EXPECT_EQ(parsed("2026-11-01T03:12:00Z"), "2026-11-01T12:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12:00+09:00"), "2026-11-01T03:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01T03:12:00.5+00:00"), "2026-11-01T12:12:00.500000+09:00");
  EXPECT_EQ(parsed("2026-10-31T14:12:00.123456-05:00"), "2026-11-01T04:12:00.123456+09:00");
  // Looser than RFC 3339, since people type these.
  EXPECT_EQ(parsed("2026-11-01 03:12:00Z"), "2026-11-01T12:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12+0000"), "2026-11-01T12:12:00+09:00");
  EXPECT_EQ(parsed("2026-11-01 03:12:00-05"), "2026-11-01T17:12:00+09:00");
}

TEST_F(ParseTime, ReadsLocalTimesAcrossDstLikeFromCivil) {
  EXPECT_EQ(parsed_in("2026-07-01", *new_york, now), "2026-07-01T00:00:00-04:00");
  EXPECT_EQ(parsed_in("2026-12-01", *new_york, now), "2026-12-01T00:00:00-05:00");
  EXPECT_EQ(parsed_in("2026-03-08 02:30", *new_york, now), "2026-03-08T03:30:00-04:00");
  EXPECT_EQ(parsed_in("2026-11-01 01:30", *new_york, now), "2026-11-01T01:30:00-04:00");
}

TEST_F(ParseTime, ReadsNowTodayYesterdayAndTomorrow) {
  EXPECT_EQ(parsed("now"), "2026-11-20T12:00:00+09:00");
  EXPECT_EQ(parsed("today"), "2026-11-20T00:00:00+09:00");
  EXPECT_EQ(parsed("yesterday"), "2026-11-19T00:00:00+09:00");
  EXPECT_EQ(parsed("tomorrow"), "2026-11-21T00:00:00+09:00");
  EXPECT_EQ(parse_time("now", now + 7, *tokyo), now + 7);
}

TEST_F(ParseTime, TodayIsTheDayInTheZoneNotInUtc) {
  // At 03:00 UTC it is already the 20th in Tokyo but still the 19th in New York.
  EXPECT_EQ(parsed_in("today", *new_york, now), "2026-11-19T00:00:00-05:00");
  EXPECT_EQ(parsed_in("tomorrow", *new_york, now), "2026-11-20T00:00:00-05:00");
}

TEST_F(ParseTime, DaysNamedAcrossDstStartAtLocalMidnight) {
  const int64_t saturday_noon = utc_us(2026, 3, 7, 17);
  EXPECT_EQ(parsed_in("tomorrow", *new_york, saturday_noon), "2026-03-08T00:00:00-05:00");
  const int64_t sunday_noon = utc_us(2026, 3, 8, 16);
  EXPECT_EQ(parsed_in("today", *new_york, sunday_noon), "2026-03-08T00:00:00-05:00");
  EXPECT_EQ(parsed_in("tomorrow", *new_york, sunday_noon), "2026-03-09T00:00:00-04:00");
  EXPECT_EQ(parsed_in("yesterday", *new_york, utc_us(2026, 11, 2, 17)),
            "2026-11-01T00:00:00-04:00");
}

TEST_F(ParseTime, ReadsRelativeTimesInEveryUnit) {
  EXPECT_EQ(parsed("-2h"), "2026-11-20T10:00:00+09:00");
  EXPECT_EQ(parsed("+1h"), "2026-11-20T13:00:00+09:00");
  EXPECT_EQ(parsed("-30min"), "2026-11-20T11:30:00+09:00");
  EXPECT_EQ(parsed("-15m"), "2026-11-20T11:45:00+09:00");
  EXPECT_EQ(parsed("-7d"), "2026-11-13T12:00:00+09:00");
  EXPECT_EQ(parsed("-1w"), "2026-11-13T12:00:00+09:00");
  EXPECT_EQ(parsed("+2w"), "2026-12-04T12:00:00+09:00");
  EXPECT_EQ(parsed("-10s"), "2026-11-20T11:59:50+09:00");
  EXPECT_EQ(parsed("-90sec"), "2026-11-20T11:58:30+09:00");
  EXPECT_EQ(parsed("-0s"), "2026-11-20T12:00:00+09:00");
}

TEST_F(ParseTime, AddsUpCombinedUnits) {
  EXPECT_EQ(parsed("-1h30min"), "2026-11-20T10:30:00+09:00");
  EXPECT_EQ(parsed("-1d2h3m4s"), "2026-11-19T09:56:56+09:00");
  EXPECT_EQ(parsed("+1w1d"), "2026-11-28T12:00:00+09:00");
}

TEST_F(ParseTime, CountsRelativeTimesInElapsedHoursEvenAcrossDst) {
  // A day before 12:00 EDT on the spring-forward Sunday is 24 hours back: 11:00 EST.
  EXPECT_EQ(parsed_in("-1d", *new_york, utc_us(2026, 3, 8, 16)), "2026-03-07T11:00:00-05:00");
}

TEST_F(ParseTime, IgnoresSurroundingWhitespace) {
  EXPECT_EQ(parsed("  now "), "2026-11-20T12:00:00+09:00");
  EXPECT_EQ(parsed("\t-2h\n"), "2026-11-20T10:00:00+09:00");
  EXPECT_EQ(parsed(" 2026-11-01 03:12 "), "2026-11-01T03:12:00+09:00");
}

TEST_F(ParseTime, RefusesNonsenseWithTheTextQuoted) {
  const std::pair<const char*, const char*> cases[] = {
      {"2026-13-01", "month out of range"},
      {"2026-00-01", "month out of range"},
      {"2026-02-29", "day out of range"},
      {"2026-04-31", "day out of range"},
      {"2026-11-01 25:00", "time of day out of range"},
      {"2026-11-01 03:60", "time of day out of range"},
      {"2026-11-01x", "unexpected text after the date"},
      {"2026-11-01 03", "expected hh:mm[:ss]"},
      {"2026-11-01 03:12:00 UTC", "unexpected text after the time"},
      {"2026-11-01 03:12:00+25:00", "offset out of range"},
      {"-2x", "unknown unit \"x\" (use s, min, h, d or w)"},
      {"-2hours3y", "unknown unit \"y\" (use s, min, h, d or w)"},
      {"-2", "expected a unit after the number (s, min, h, d or w)"},
      {"-2h-3m", "expected a number before each unit"},
      {"-99999999999999w", "too far from now"},
      {"+4000000w", "too far from now"},
  };
  for (const auto& [text, why] : cases) {
    auto t = parse_time(text, now, *tokyo);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error().code, Errc::invalid_argument);
    EXPECT_EQ(t.error().message, "bad time \"" + std::string(text) + "\": " + why);
  }
}

TEST_F(ParseTime, NamesTheAcceptedFormsWhenItCannotTellWhatWasMeant) {
  for (const char* text : {"last tuesday", "Now", "2026/11/01", "-h", "12:00"}) {
    auto t = parse_time(text, now, *tokyo);
    ASSERT_FALSE(t) << text;
    EXPECT_EQ(t.error().message,
              "bad time \"" + std::string(text) +
                  "\": expected a date like 2026-11-01 or \"2026-11-01 03:12:00\", RFC 3339, now, "
                  "today, yesterday, tomorrow or a relative time like -2h");
  }
  EXPECT_EQ(parsed(""), "error: bad time \"\": empty");
  EXPECT_EQ(parsed("   "), "error: bad time \"\": empty");
}

TEST_F(ParseTime, KeepsHostileTextToOneShortLine) {
  EXPECT_EQ(parsed("a\"b\\c\nd\x01"),
            "error: bad time \"a\\\"b\\\\c\\nd\\x01\": expected a date like 2026-11-01 or "
            "\"2026-11-01 03:12:00\", RFC 3339, now, today, yesterday, tomorrow or a relative "
            "time like -2h");
  const std::string flood(10000, 'x');
  const std::string message = parsed(flood);
  EXPECT_TRUE(message.starts_with("error: bad time \"" + std::string(64, 'x') + "\"...: "))
      << message;
  EXPECT_LT(message.size(), 300u);
}

}  // namespace
}  // namespace hokan::core
