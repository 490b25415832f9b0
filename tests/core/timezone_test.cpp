#include "core/timezone.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace hokan::core {

void PrintTo(const CivilTime& c, std::ostream* os) {
  *os << c.year << '-' << c.month << '-' << c.day << ' ' << c.hour << ':' << c.minute << ':'
      << c.second << '.' << c.micros;
}

namespace {

constexpr int64_t kS = 1'000'000;
constexpr int64_t kHour = 3600 * kS;
constexpr int64_t kDay = 24 * kHour;

std::shared_ptr<const TimeZone> zone(const char* name) {
  auto z = TimeZone::load(name);
  if (!z) ADD_FAILURE() << z.error().message;
  return z ? *z : TimeZone::utc();
}

int64_t utc_us(int year, int month, int day, int hour = 0, int minute = 0, int second = 0) {
  return (days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second) * kS;
}

// Builds TZif bytes (RFC 8536) so the reader can be tested on files tzdata does not ship.
struct Transition {
  int64_t at;  // UTC seconds
  uint8_t type;
};

void put(std::string& out, uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>(value >> (8 * i) & 0xff);
}

std::string tzif_block(char version, int time_bytes, const std::vector<Transition>& transitions,
                       const std::vector<int32_t>& type_offsets) {
  std::string out = "TZif";
  out += version;
  out += std::string(15, '\0');
  for (uint64_t count : {0ul, 0ul, 0ul, transitions.size(), type_offsets.size(), 4ul})
    put(out, count, 4);
  for (const auto& t : transitions) put(out, static_cast<uint64_t>(t.at), time_bytes);
  for (const auto& t : transitions) out += static_cast<char>(t.type);
  for (int32_t offset : type_offsets) {
    put(out, static_cast<uint32_t>(offset), 4);
    out += '\0';  // isdst
    out += '\0';  // designation index
  }
  out += std::string("ZZZ\0", 4);
  return out;
}

// A v2 file whose v1 block is a decoy, so reading the wrong block shows.
std::string tzif_v2(const std::vector<Transition>& transitions,
                    const std::vector<int32_t>& type_offsets, std::string_view footer) {
  return tzif_block('2', 4, {}, {-12345}) + tzif_block('2', 8, transitions, type_offsets) + "\n" +
         std::string(footer) + "\n";
}

std::shared_ptr<const TimeZone> from_bytes(const std::string& bytes) {
  auto z = TimeZone::from_tzif("Test/Zone", bytes);
  if (!z) ADD_FAILURE() << z.error().message;
  return z ? *z : TimeZone::utc();
}

TEST(TimeZone, TokyoIsNineHoursAheadAllYear) {
  auto tokyo = zone("Asia/Tokyo");
  EXPECT_EQ(tokyo->name(), "Asia/Tokyo");
  for (int64_t t = utc_us(2026, 1, 1); t < utc_us(2027, 1, 1); t += 6 * kHour)
    ASSERT_EQ(tokyo->offset_at(t), 9 * 3600) << t;
  EXPECT_EQ(tokyo->offset_at(utc_us(2100, 7, 1)), 9 * 3600);
  EXPECT_EQ(tokyo->to_civil(utc_us(2026, 12, 31, 15)), (CivilTime{2027, 1, 1, 0, 0, 0, 0}));
}

TEST(TimeZone, UtcNeedsNoFileAndHasNoOffset) {
  auto utc = TimeZone::utc();
  EXPECT_EQ(utc->name(), "UTC");
  EXPECT_EQ(utc->offset_at(utc_us(2026, 7, 1)), 0);
  EXPECT_EQ(utc->to_civil(utc_us(2026, 7, 1, 12, 34, 56) + 7),
            (CivilTime{2026, 7, 1, 12, 34, 56, 7}));
  EXPECT_EQ(*TimeZone::load("UTC"), utc);
}

TEST(TimeZone, NewYorkSpringsForwardAtTwoOnTheSecondSundayOfMarch) {
  auto ny = zone("America/New_York");
  const int64_t change = utc_us(2026, 3, 8, 7);  // 02:00 EST
  EXPECT_EQ(ny->offset_at(change - 1), -5 * 3600);
  EXPECT_EQ(ny->offset_at(change), -4 * 3600);
  EXPECT_EQ(ny->to_civil(change - 1), (CivilTime{2026, 3, 8, 1, 59, 59, 999999}));
  EXPECT_EQ(ny->to_civil(change), (CivilTime{2026, 3, 8, 3, 0, 0, 0}));
}

TEST(TimeZone, NewYorkFallsBackAtTwoOnTheFirstSundayOfNovember) {
  auto ny = zone("America/New_York");
  const int64_t change = utc_us(2026, 11, 1, 6);  // 02:00 EDT
  EXPECT_EQ(ny->offset_at(change - 1), -4 * 3600);
  EXPECT_EQ(ny->offset_at(change), -5 * 3600);
  EXPECT_EQ(ny->to_civil(change - 1), (CivilTime{2026, 11, 1, 1, 59, 59, 999999}));
  EXPECT_EQ(ny->to_civil(change), (CivilTime{2026, 11, 1, 1, 0, 0, 0}));
}

TEST(TimeZone, ReadsATimeInTheSpringGapWithTheOffsetBeforeIt) {
  auto ny = zone("America/New_York");
  // 02:00 to 02:59 on 2026-03-08 never happen in New York; as EST they are 03:00 to 03:59 EDT.
  EXPECT_EQ(ny->from_civil({2026, 3, 8, 2, 0, 0, 0}), utc_us(2026, 3, 8, 7));
  EXPECT_EQ(ny->from_civil({2026, 3, 8, 2, 30, 0, 0}), utc_us(2026, 3, 8, 7, 30));
  EXPECT_EQ(ny->from_civil({2026, 3, 8, 1, 59, 59, 0}), utc_us(2026, 3, 8, 6, 59, 59));
  EXPECT_EQ(ny->from_civil({2026, 3, 8, 3, 0, 0, 0}), utc_us(2026, 3, 8, 7));
}

TEST(TimeZone, ReadsATimeInTheAutumnOverlapAsTheEarlierInstant) {
  auto ny = zone("America/New_York");
  // 01:00 to 01:59 on 2026-11-01 happen twice; the EDT reading comes first.
  EXPECT_EQ(ny->from_civil({2026, 11, 1, 1, 0, 0, 0}), utc_us(2026, 11, 1, 5));
  EXPECT_EQ(ny->from_civil({2026, 11, 1, 1, 30, 0, 0}), utc_us(2026, 11, 1, 5, 30));
  EXPECT_EQ(ny->from_civil({2026, 11, 1, 0, 59, 59, 0}), utc_us(2026, 11, 1, 4, 59, 59));
  EXPECT_EQ(ny->from_civil({2026, 11, 1, 2, 0, 0, 0}), utc_us(2026, 11, 1, 7));
}

TEST(TimeZone, FromCivilUndoesToCivilExceptForTheRepeatedHour) {
  auto ny = zone("America/New_York");
  const int64_t second_one_am = utc_us(2026, 11, 1, 6);
  for (int64_t t = utc_us(2026, 1, 1); t < utc_us(2027, 1, 1); t += 15 * 60 * kS + 1) {
    const bool repeated = t >= second_one_am && t < second_one_am + kHour;
    ASSERT_EQ(ny->from_civil(ny->to_civil(t)), repeated ? t - kHour : t) << t;
  }
}

TEST(TimeZone, FollowsTheFooterRuleBeyondTheLastTransition) {
  auto ny = zone("America/New_York");
  // 2060: second Sunday of March is the 14th, first Sunday of November the 7th.
  EXPECT_EQ(ny->offset_at(utc_us(2060, 3, 14, 7) - 1), -5 * 3600);
  EXPECT_EQ(ny->offset_at(utc_us(2060, 3, 14, 7)), -4 * 3600);
  EXPECT_EQ(ny->offset_at(utc_us(2060, 11, 7, 6) - 1), -4 * 3600);
  EXPECT_EQ(ny->offset_at(utc_us(2060, 11, 7, 6)), -5 * 3600);
  EXPECT_EQ(ny->from_civil({2060, 3, 14, 2, 30, 0, 0}), utc_us(2060, 3, 14, 7, 30));
  EXPECT_EQ(ny->from_civil({2060, 11, 7, 1, 30, 0, 0}), utc_us(2060, 11, 7, 5, 30));
}

TEST(TimeZone, FooterRulesAgreeWithTzdataTransitionsHourByHour) {
  // tzdata's "fat" files list every transition up to 2037; a zone with only the footer
  // must compute the same offsets. Sydney spans New Year, Dublin's DST is "negative",
  // Nuuk changes at -1:00 and Jerusalem at 26:00.
  const std::pair<const char*, const char*> zones[] = {
      {"America/New_York", "EST5EDT,M3.2.0,M11.1.0"},
      {"Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"},
      {"Europe/Dublin", "IST-1GMT0,M10.5.0,M3.5.0/1"},
      {"America/Nuuk", "<-02>2<-01>,M3.5.0/-1,M10.5.0/0"},
      {"Asia/Jerusalem", "IST-2IDT,M3.4.4/26,M10.5.0"},
      {"Asia/Kolkata", "IST-5:30"},
  };
  for (const auto& [name, rule] : zones) {
    auto tzdata = zone(name);
    auto footer_only = from_bytes(tzif_v2({}, {0}, rule));
    for (int64_t t = utc_us(2026, 1, 1); t < utc_us(2037, 1, 1); t += kHour)
      ASSERT_EQ(footer_only->offset_at(t), tzdata->offset_at(t)) << name << " at " << t / kS;
  }
}

TEST(TimeZone, UsesTheFirstTimeTypeBeforeTheFirstTransition) {
  // New York kept local mean time, -4:56:02, until 1883.
  EXPECT_EQ(zone("America/New_York")->offset_at(utc_us(1800, 1, 1)), -(4 * 3600 + 56 * 60 + 2));
}

TEST(TimeZone, ReadsVersionOneFiles) {
  auto z = from_bytes(tzif_block('\0', 4, {{0, 1}, {1000, 2}}, {-1800, 3600, 7200}));
  EXPECT_EQ(z->offset_at(-1), -1800);
  EXPECT_EQ(z->offset_at(0), 3600);
  EXPECT_EQ(z->offset_at(999 * kS), 3600);
  EXPECT_EQ(z->offset_at(1000 * kS), 7200);
  EXPECT_EQ(z->offset_at(utc_us(2100, 1, 1)), 7200);
}

TEST(TimeZone, ReadsTheSixtyFourBitBlockOfVersionTwoFiles) {
  const int64_t year_2100 = days_from_civil(2100, 1, 1) * 86400;  // past 32-bit time
  auto z = from_bytes(tzif_v2({{-100, 1}, {year_2100, 2}}, {0, 7200, 10800}, ""));
  EXPECT_EQ(z->offset_at(-101 * kS), 0);
  EXPECT_EQ(z->offset_at(0), 7200);
  EXPECT_EQ(z->offset_at(year_2100 * kS), 10800);
  // With an empty footer the last transition holds forever.
  EXPECT_EQ(z->offset_at(utc_us(2300, 1, 1)), 10800);
}

TEST(TimeZone, RefusesCorruptFilesAsCorruption) {
  const std::string good = tzif_v2({{0, 1}}, {0, 3600}, "CET-1");
  const std::vector<std::pair<const char*, std::string>> cases = {
      {"empty", ""},
      {"not TZif", "TZxf" + good.substr(4)},
      {"truncated", good.substr(0, good.size() - 20)},
      {"no footer", good.substr(0, good.size() - 7)},
      {"bad footer", tzif_v2({{0, 1}}, {0, 3600}, "CET-1CEST,nonsense")},
      {"unknown type", tzif_v2({{0, 2}}, {0, 3600}, "")},
      {"out of order", tzif_v2({{10, 1}, {5, 0}}, {0, 3600}, "")},
      {"no types", tzif_v2({}, {}, "")},
      {"offset of days", tzif_v2({}, {200000}, "")},
      {"footer offset of days", tzif_v2({}, {0}, "XXX-100")},
      {"footer offset of a day", tzif_v2({}, {0}, "XXX+24")},
      {"footer summer past a day", tzif_v2({}, {0}, "XXX-23:30YYY,M3.2.0,M11.1.0")},
      {"footer summer offset of days", tzif_v2({}, {0}, "XXX-1YYY-99,M3.2.0,M11.1.0")},
  };
  ASSERT_TRUE(TimeZone::from_tzif("Test/Zone", good));
  for (const auto& [what, bytes] : cases) {
    auto z = TimeZone::from_tzif("Test/Zone", bytes);
    ASSERT_FALSE(z) << what;
    EXPECT_EQ(z.error().code, Errc::corruption) << what;
    EXPECT_TRUE(z.error().message.starts_with("time zone \"Test/Zone\": ")) << z.error().message;
  }
}

TEST(TimeZone, RefusesUnknownNamesAndPathsOutsideZoneinfo) {
  for (const char* name :
       {"Mars/Olympus", "../../etc/passwd", "/etc/localtime", "America", "", "Asia/Tokyo\n"}) {
    auto z = TimeZone::load(name);
    ASSERT_FALSE(z) << name;
    EXPECT_EQ(z.error().code, Errc::not_found) << name;
  }
}

TEST(CivilDays, CountsFromTheUnixEpoch) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(2026, 11, 20), 20777);
  EXPECT_EQ(days_from_civil(0, 3, 1), -719468);
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);  // leap year
  EXPECT_EQ(days_from_civil(2100, 3, 1) - days_from_civil(2100, 2, 28), 1);  // century
  EXPECT_EQ(days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28), 2);  // 400 years
}

TEST(CivilDays, RoundTripsEveryDayForTwoThousandYearsEitherSideOfTheEpoch) {
  int year = 0, month = 0, day = 0;
  civil_from_days(days_from_civil(-30, 1, 1) - 1, year, month, day);
  ASSERT_EQ(std::tie(year, month, day), std::make_tuple(-31, 12, 31));
  for (int64_t d = days_from_civil(-30, 1, 1); d < days_from_civil(3970, 1, 1); ++d) {
    int y = 0, m = 0, dd = 0;
    civil_from_days(d, y, m, dd);
    ASSERT_EQ(days_from_civil(y, m, dd), d);
    // Each day follows the one before it on the calendar.
    const bool next_day = y == year && m == month && dd == day + 1;
    const bool next_month = y == year && m == month + 1 && dd == 1;
    const bool next_year = y == year + 1 && m == 1 && dd == 1 && month == 12 && day == 31;
    ASSERT_TRUE(next_day || next_month || next_year) << y << '-' << m << '-' << dd;
    year = y, month = m, day = dd;
  }
}

TEST(CivilTime, RoundTripsAcrossLeapDaysAndYearEnds) {
  for (const char* name : {"UTC", "Asia/Tokyo", "America/New_York"}) {
    auto z = zone(name);
    for (CivilTime c :
         {CivilTime{2024, 2, 29, 23, 59, 59, 999999}, CivilTime{2024, 3, 1, 0, 0, 0, 0},
          CivilTime{2025, 12, 31, 23, 59, 59, 999999}, CivilTime{2026, 1, 1, 0, 0, 0, 1},
          CivilTime{2000, 2, 29, 12, 0, 0, 0}, CivilTime{1969, 12, 31, 23, 59, 59, 5},
          CivilTime{1970, 1, 1, 0, 0, 0, 0}})
      EXPECT_EQ(z->to_civil(z->from_civil(c)), c) << name;
  }
}

TEST(CivilTime, ReadsInstantsBeforeTheEpoch) {
  EXPECT_EQ(TimeZone::utc()->to_civil(-1), (CivilTime{1969, 12, 31, 23, 59, 59, 999999}));
  EXPECT_EQ(zone("Asia/Tokyo")->to_civil(-kDay), (CivilTime{1969, 12, 31, 9, 0, 0, 0}));
}

}  // namespace
}  // namespace hokan::core
