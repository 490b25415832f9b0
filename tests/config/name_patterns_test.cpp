#include "config/name_patterns.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace hokan::config {
namespace {

std::shared_ptr<const core::TimeZone> tokyo() { return *core::TimeZone::load("Asia/Tokyo"); }

int64_t at(std::string_view rfc3339) { return *core::parse_rfc3339(rfc3339); }

NameTime time_pattern(std::string_view text) {
  auto p = NameTime::parse(text);
  EXPECT_TRUE(p) << p.error().message;
  return *p;
}

std::string find_error(std::string_view pattern, std::string_view name) {
  auto found = time_pattern(pattern).find(name, *tokyo());
  EXPECT_FALSE(found) << name;
  return found ? "" : found.error().message;
}

// --- name_time ----------------------------------------------------------------------

TEST(NameTime, ReadsFfmpegsStrftimeSegmentNamesInTheConfiguredZone) {
  auto p = time_pattern("%Y%m%dT%H%M%S");
  EXPECT_EQ(*p.find("cam1-20261120T030000.ts", *tokyo()), at("2026-11-20T03:00:00+09:00"));
  EXPECT_EQ(*p.find("cam1-20261120T030000.ts", *core::TimeZone::utc()), at("2026-11-20T03:00:00Z"));
}

TEST(NameTime, AnOffsetInTheNameWinsOverTheZone) {
  auto p = time_pattern("%Y%m%dT%H%M%S%z");
  EXPECT_EQ(*p.find("cam1-20261120T030000+0100.ts", *tokyo()), at("2026-11-20T02:00:00Z"));
  EXPECT_EQ(*p.find("cam1-20261120T030000-0530.ts", *tokyo()), at("2026-11-20T08:30:00Z"));
  EXPECT_EQ(*p.find("cam1-20261120T030000Z.ts", *tokyo()), at("2026-11-20T03:00:00Z"));
}

TEST(NameTime, AMissingTimeOfDayIsMidnight) {
  EXPECT_EQ(*time_pattern("%Y-%m-%d").find("form-2026-11-20.pdf", *tokyo()),
            at("2026-11-20T00:00:00+09:00"));
  EXPECT_EQ(*time_pattern("%d.%m.%Y_%H%M").find("ch07_20.11.2026_0315.mp4", *tokyo()),
            at("2026-11-20T03:15:00+09:00"));
}

TEST(NameTime, TheLeftmostPlaceThatFitsIsTaken) {
  EXPECT_EQ(*time_pattern("%Y%m%dT%H%M%S").find("20261120T030000-20261120T040000.ts", *tokyo()),
            at("2026-11-20T03:00:00+09:00"));
}

TEST(NameTime, ANameThatDoesNotFitSaysHowFarTheNearestPlaceGot) {
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1-2026-11-20.ts"),
            "no time of the form \"%Y%m%dT%H%M%S\" in \"cam1-2026-11-20.ts\": after \"2026\" it "
            "expects %m (2 digits)");
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1-20261120-0300.ts"),
            "no time of the form \"%Y%m%dT%H%M%S\" in \"cam1-20261120-0300.ts\": after "
            "\"20261120\" it expects \"T\"");
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1.ts"),
            "no time of the form \"%Y%m%dT%H%M%S\" in \"cam1.ts\"");
  EXPECT_EQ(find_error("%Y%m%d%z", "x-20261120.ts"),
            "no time of the form \"%Y%m%d%z\" in \"x-20261120.ts\": after \"20261120\" it expects "
            "%z (Z, +hhmm or "
            "+hh:mm)");
}

TEST(NameTime, DigitsThatNameNoRealTimeAreRefused) {
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1-20261320T030000.ts"),
            "\"20261320T030000\" in the name is not a valid time (month 13)");
  EXPECT_EQ(find_error("%Y%m%d", "cam1-20270229.ts"),
            "\"20270229\" in the name is not a valid time (day 29 of month 2)");
  EXPECT_TRUE(time_pattern("%Y%m%d").find("cam1-20280229.ts", *tokyo()));  // a leap year
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1-20261120T240000.ts"),
            "\"20261120T240000\" in the name is not a valid time (hour 24)");
  EXPECT_EQ(find_error("%Y%m%dT%H%M%S", "cam1-20261120T036000.ts"),
            "\"20261120T036000\" in the name is not a valid time (minute 60)");
}

TEST(NameTime, BadPatternsAreRefusedWithTheReason) {
  auto error = [](std::string_view text) {
    auto p = NameTime::parse(text);
    return p ? std::string() : p.error().message;
  };
  EXPECT_EQ(error("%Y%m%dT%H%M%q"),
            "bad time pattern \"%Y%m%dT%H%M%q\": %q is not supported (use %Y %m %d %H %M %S %z)");
  EXPECT_EQ(error("%Y%m"), "bad time pattern \"%Y%m\": needs %d (a date needs %Y %m %d)");
  EXPECT_EQ(error("%Y%m%d%Y"), "bad time pattern \"%Y%m%d%Y\": %Y appears twice");
  EXPECT_EQ(error("%Y-%m-%d %H:%M"),
            "bad time pattern \"%Y-%m-%d %H:%M\": \" \" cannot appear in an object name (1 to 200 "
            "of A-Z a-z 0-9 . _ - +)");
  EXPECT_EQ(error("%Y%m%d%"),
            "bad time pattern \"%Y%m%d%\": a lone % at the end (write %% for a percent sign)");
  EXPECT_EQ(
      error("%Y%m%d%%"),
      "bad time pattern \"%Y%m%d%%\": %% is a percent sign, which cannot appear in an object name");
}

// --- name_camera --------------------------------------------------------------------

TEST(NameCamera, TheCameraIsThePrefixUpToTheSeparator) {
  auto dash = *NameCamera::parse("{camera}-");
  EXPECT_EQ(dash.find("cam1-20261120T030000.ts"), "cam1");
  EXPECT_EQ(dash.find("cam1.m3u8"), std::nullopt);
  EXPECT_EQ(dash.find("-20261120.ts"), std::nullopt) << "an empty camera is no camera";
  auto underscore = *NameCamera::parse("{camera}_");
  EXPECT_EQ(underscore.find("entrance-1_20261120T030000.ts"), "entrance-1");
  auto prefixed = *NameCamera::parse("ch{camera}_");
  EXPECT_EQ(prefixed.find("ch07_0315.mp4"), "07");
  EXPECT_EQ(prefixed.find("cam07_0315.mp4"), std::nullopt);
}

TEST(NameCamera, BadPatternsAreRefusedWithTheReason) {
  auto error = [](std::string_view text) {
    auto p = NameCamera::parse(text);
    return p ? std::string() : p.error().message;
  };
  EXPECT_EQ(error("-"),
            "bad camera pattern \"-\": expected {camera} and the separator after it, such as "
            "\"{camera}-\"");
  EXPECT_EQ(error("{camera}"),
            "bad camera pattern \"{camera}\": {camera} needs a separator after it (\"{camera}-\"): "
            "the camera is the "
            "name's prefix up to it");
  EXPECT_EQ(error("{camera}-{camera}-"),
            "bad camera pattern \"{camera}-{camera}-\": {camera} appears twice");
  EXPECT_EQ(error("{camera}:"),
            "bad camera pattern \"{camera}:\": \":\" cannot appear in an object name (1 to 200 of "
            "A-Z a-z 0-9 . _ - +)");
}

// --- names and globs ----------------------------------------------------------------

TEST(ObjectNames, TheAlphabetTakesAnOffsetButNotTheVersionSeparator) {
  EXPECT_TRUE(valid_object_name("cam1-20261120T030000+0900.ts"));
  EXPECT_FALSE(valid_object_name("cam1.m3u8@20261120T030000.000000Z"));
  EXPECT_FALSE(valid_object_name(".."));
  EXPECT_FALSE(valid_object_name(""));
  EXPECT_FALSE(valid_object_name(std::string(201, 'a')));
}

TEST(Globs, MatchWholeNames) {
  EXPECT_TRUE(glob_match("*.m3u8", "cam1.m3u8"));
  EXPECT_TRUE(glob_match("*.m3u8", ".m3u8"));
  EXPECT_FALSE(glob_match("*.m3u8", "cam1.m3u8.ts"));
  EXPECT_FALSE(glob_match("*.m3u8", "cam1.mpd"));
  EXPECT_TRUE(glob_match("cam?.m3u8", "cam1.m3u8"));
  EXPECT_FALSE(glob_match("cam?.m3u8", "cam12.m3u8"));
  EXPECT_TRUE(glob_match("a*b*c", "a-x-b-y-b-c"));
  EXPECT_FALSE(glob_match("a*b*c", "a-x-b-y-b-cd"));
  EXPECT_TRUE(glob_match("*", "anything"));
  EXPECT_TRUE(check_glob("cam*.m3u8"));
  EXPECT_EQ(check_glob("cam 1.m3u8").error().message,
            "bad name pattern \"cam 1.m3u8\": \" \" cannot appear in an object name (1 to 200 of "
            "A-Z a-z 0-9 . _ - +); * "
            "and ? are wildcards");
}

}  // namespace
}  // namespace hokan::config
