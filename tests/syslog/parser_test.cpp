#include "syslog/parser.h"

#include <gtest/gtest.h>

#include "core/time_format.h"

namespace hokan::syslog {
namespace {

class Parser : public ::testing::Test {
 protected:
  std::shared_ptr<const core::TimeZone> tokyo = *core::TimeZone::load("Asia/Tokyo");
  int64_t received = *core::parse_rfc3339("2026-11-20T12:00:00+09:00");
  Message parse_line(std::string_view line) { return parse(line, {received, tokyo.get()}); }
  std::string time_of(const Message& m) { return m.time_us ? core::format_rfc3339(*m.time_us, *tokyo) : "none"; }
};

// RFC 5424 section 6.5, examples 1 to 4.
TEST_F(Parser, ReadsRfc5424Example1WithBomAndNoStructuredData) {
  auto m = parse_line("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.format, Format::rfc5424);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  EXPECT_EQ(time_of(m), "2003-10-12T07:14:15.003000+09:00");
  EXPECT_EQ(m.host, "mymachine.example.com");
  EXPECT_EQ(m.app, "su");
  EXPECT_EQ(m.procid, "");
  EXPECT_EQ(m.msgid, "ID47");
  EXPECT_TRUE(m.sd.empty());
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
}

TEST_F(Parser, ReadsRfc5424Example2WithOffsetAndMicros) {
  auto m = parse_line("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.");
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.facility, 20);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(time_of(m), "2003-08-24T21:14:15.000003+09:00");
  EXPECT_EQ(m.procid, "8710");
  EXPECT_EQ(m.msgid, "");
  EXPECT_EQ(m.message, "%% It's time to make the do-nuts.");
}

TEST_F(Parser, ReadsRfc5424Example3StructuredData) {
  auto m = parse_line(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
      "eventSource=\"Application\" eventID=\"1011\"] \xEF\xBB\xBF" "An application event log entry...");
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.sd[0].id, "exampleSDID@32473");
  ASSERT_EQ(m.sd[0].params.size(), 3u);
  EXPECT_EQ(m.sd[0].params[1].name, "eventSource");
  EXPECT_EQ(m.sd[0].params[1].value, "Application");
  EXPECT_EQ(m.message, "An application event log entry...");
}

TEST_F(Parser, ReadsRfc5424Example4TwoElementsAndNoMessage) {
  auto m = parse_line(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" "
      "eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]");
  EXPECT_FALSE(m.malformed);
  ASSERT_EQ(m.sd.size(), 2u);
  EXPECT_EQ(m.sd[1].params[0].value, "high");
  EXPECT_EQ(m.message, "");
}

TEST_F(Parser, UnescapesQuotesBackslashesAndBracketsInParams) {
  auto m = parse_line(R"(<13>1 2026-11-20T03:00:00Z h a - - [x@1 v="say \"hi\" \\ [a\]" w="c:\dir"] msg)");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.sd[0].params[0].value, R"(say "hi" \ [a])");
  EXPECT_EQ(m.sd[0].params[1].value, R"(c:\dir)");
  EXPECT_EQ(m.message, "msg");
}

TEST_F(Parser, TakesNilvalueForEveryHeaderField) {
  auto m = parse_line("<13>1 - - - - - - only the message");
  EXPECT_FALSE(m.malformed);
  EXPECT_FALSE(m.time_us);
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(m.app, "");
  EXPECT_EQ(m.message, "only the message");
}

TEST_F(Parser, FlagsBrokenRfc5424ButKeepsTheLine) {
  for (const char* line : {"<13>1 2026-11-20T03:00:00 h a - - - no offset",
                           "<13>1 2026-11-20T03:00:00Z h a - - [unterminated x=\"1\" msg",
                           "<13>1 2026-11-20T03:00:00Z h"}) {
    auto m = parse_line(line);
    EXPECT_TRUE(m.malformed) << line;
    EXPECT_EQ(m.message, line);
    EXPECT_FALSE(m.malformed_reason.empty());
  }
}

TEST_F(Parser, ReadsRfc3164WithHostAndTagPid) {
  auto m = parse_line("<34>Oct 11 22:14:15 mymachine su[230]: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.format, Format::rfc3164);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(time_of(m), "2026-10-11T22:14:15+09:00");
  EXPECT_EQ(m.host, "mymachine");
  EXPECT_EQ(m.app, "su");
  EXPECT_EQ(m.procid, "230");
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
}

TEST_F(Parser, ReadsRfc3164WithoutHostAndWithPaddedDay) {
  auto m = parse_line("<13>Nov  5 03:12:00 cron: job done");
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(time_of(m), "2026-11-05T03:12:00+09:00");
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(m.app, "cron");
  EXPECT_EQ(m.message, "job done");
}

TEST_F(Parser, InfersTheYearNearestTheReceivedTime) {
  // Received 2026-01-01 00:30 Tokyo: a December timestamp is last year's.
  int64_t new_year = *core::parse_rfc3339("2026-01-01T00:30:00+09:00");
  auto m = parse("<13>Dec 31 23:59:00 h app: late", {new_year, tokyo.get()});
  EXPECT_EQ(core::format_rfc3339(*m.time_us, *tokyo), "2025-12-31T23:59:00+09:00");
  // A sender a few hours fast around New Year stays in the received year.
  int64_t new_years_eve = *core::parse_rfc3339("2025-12-31T23:00:00+09:00");
  auto fast = parse("<13>Jan  1 01:00:00 h app: early", {new_years_eve, tokyo.get()});
  EXPECT_EQ(core::format_rfc3339(*fast.time_us, *tokyo), "2026-01-01T01:00:00+09:00");
}

TEST_F(Parser, ReadsIsoTimestampsInBsdLinesAsLoggenSends) {
  auto m = parse_line("<38>2026-11-20T10:00:00+09:00 localhost prg00000[1234]: seq: 0000000001, runid: 1, stamp: x");
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(time_of(m), "2026-11-20T10:00:00+09:00");
  EXPECT_EQ(m.host, "localhost");
  EXPECT_EQ(m.app, "prg00000");
  EXPECT_EQ(m.procid, "1234");
}

TEST_F(Parser, KeepsABsdLineWithoutTimestampAsItsMessage) {
  auto m = parse_line("<13>just text");
  EXPECT_FALSE(m.malformed);
  EXPECT_FALSE(m.time_us);
  EXPECT_EQ(m.message, "just text");
}

TEST_F(Parser, FlagsLinesWithoutAValidPri) {
  for (const char* line : {"no pri", "<999>too big", "<>empty", "<013>leading zero", "", "<13", "\x01\x02\xff"}) {
    auto m = parse_line(line);
    EXPECT_TRUE(m.malformed) << line;
    EXPECT_EQ(m.facility, -1);
  }
}

TEST_F(Parser, SurvivesEveryPrefixOfAValidLine) {
  std::string line = "<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a@1 b=\"c\\\"d\"] message";
  for (std::size_t n = 0; n <= line.size(); ++n) (void)parse_line(std::string_view(line).substr(0, n));
}

TEST(Names, MapFacilitiesAndSeveritiesBothWays) {
  EXPECT_EQ(facility_name(4), "auth");
  EXPECT_EQ(facility_name(10), "authpriv");
  EXPECT_EQ(facility_name(23), "local7");
  EXPECT_EQ(facility_name(24), "");
  EXPECT_EQ(facility_from_name("local3"), 19);
  EXPECT_EQ(facility_from_name("nope"), -1);
  EXPECT_EQ(severity_name(4), "warning");
  EXPECT_EQ(severity_from_name("err"), 3);
}

}  // namespace
}  // namespace hokan::syslog
