#include "syslog/parser.h"

#include <gtest/gtest.h>

#include <random>

#include "core/time_format.h"

namespace hokan::syslog {
namespace {

class Parser : public ::testing::Test {
 protected:
  std::shared_ptr<const core::TimeZone> tokyo = *core::TimeZone::load("Asia/Tokyo");
  int64_t received = *core::parse_rfc3339("2026-11-20T12:00:00+09:00");
  Message parse_line(std::string_view line) { return parse(line, {received, tokyo.get()}); }
  std::string time_of(const Message& m) {
    return m.time_us ? core::format_rfc3339(*m.time_us, *tokyo) : "none";
  }
};

// ---- RFC 5424 ----------------------------------------------------------------------------

// RFC 5424 section 6.5, examples 1 to 4, verbatim ("BOM" written as its bytes).
TEST_F(Parser, ReadsRfc5424Example1WithBomAndNoStructuredData) {
  auto m = parse_line(
      "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - "
      "\xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8");
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

TEST_F(Parser, ReadsRfc5424Example2WithOffsetAndMicroseconds) {
  auto m = parse_line(
      "<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make "
      "the do-nuts.");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.facility, 20);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(time_of(m), "2003-08-24T21:14:15.000003+09:00");
  EXPECT_EQ(m.host, "192.0.2.1");
  EXPECT_EQ(m.app, "myproc");
  EXPECT_EQ(m.procid, "8710");
  EXPECT_EQ(m.msgid, "");
  EXPECT_EQ(m.message, "%% It's time to make the do-nuts.");
}

TEST_F(Parser, ReadsRfc5424Example3WithStructuredDataAndBom) {
  auto m = parse_line(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"] "
      "\xEF\xBB\xBF"
      "An application event log entry...");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.app, "evntslog");
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.sd[0].id, "exampleSDID@32473");
  ASSERT_EQ(m.sd[0].params.size(), 3u);
  EXPECT_EQ(m.sd[0].params[0].name, "iut");
  EXPECT_EQ(m.sd[0].params[0].value, "3");
  EXPECT_EQ(m.sd[0].params[1].name, "eventSource");
  EXPECT_EQ(m.sd[0].params[1].value, "Application");
  EXPECT_EQ(m.sd[0].params[2].name, "eventID");
  EXPECT_EQ(m.sd[0].params[2].value, "1011");
  EXPECT_EQ(m.message, "An application event log entry...");
}

TEST_F(Parser, ReadsRfc5424Example4WithTwoElementsAndNoMessage) {
  auto m = parse_line(
      "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 "
      "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]"
      "[examplePriority@32473 class=\"high\"]");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  ASSERT_EQ(m.sd.size(), 2u);
  EXPECT_EQ(m.sd[1].id, "examplePriority@32473");
  ASSERT_EQ(m.sd[1].params.size(), 1u);
  EXPECT_EQ(m.sd[1].params[0].name, "class");
  EXPECT_EQ(m.sd[1].params[0].value, "high");
  EXPECT_EQ(m.message, "");
}

// RFC 5424 section 6.2.3.1: examples 1 to 4 are valid, example 5 (nanoseconds) is not.
TEST_F(Parser, ReadsTheRfc5424TimestampExamples) {
  auto at = [&](std::string_view ts) {
    return parse_line("<13>1 " + std::string(ts) + " h a - - - x");
  };
  EXPECT_EQ(time_of(at("1985-04-12T23:20:50.52Z")), "1985-04-13T08:20:50.520000+09:00");
  EXPECT_EQ(time_of(at("1985-04-12T19:20:50.52-04:00")), "1985-04-13T08:20:50.520000+09:00");
  EXPECT_EQ(time_of(at("2003-10-11T22:14:15.003Z")), "2003-10-12T07:14:15.003000+09:00");
  EXPECT_EQ(time_of(at("2003-08-24T05:14:15.000003-07:00")), "2003-08-24T21:14:15.000003+09:00");
  for (auto ts : {"1985-04-12T23:20:50.52Z", "2003-08-24T05:14:15.000003-07:00"})
    EXPECT_FALSE(at(ts).malformed) << ts;

  auto nanos = at("2003-08-24T05:14:15.000000003-07:00");
  EXPECT_TRUE(nanos.malformed);
  EXPECT_EQ(nanos.malformed_reason, "RFC 5424 TIMESTAMP has more than 6 fraction digits");
  EXPECT_EQ(time_of(nanos), "2003-08-24T21:14:15+09:00");  // still the best time there is
}

TEST_F(Parser, ScalesFractionsOfOneToSixDigits) {
  auto fraction = [&](std::string_view f) {
    return time_of(parse_line("<13>1 2026-11-20T03:00:00." + std::string(f) + "Z h a - - -"));
  };
  EXPECT_EQ(fraction("5"), "2026-11-20T12:00:00.500000+09:00");
  EXPECT_EQ(fraction("05"), "2026-11-20T12:00:00.050000+09:00");
  EXPECT_EQ(fraction("123"), "2026-11-20T12:00:00.123000+09:00");
  EXPECT_EQ(fraction("123456"), "2026-11-20T12:00:00.123456+09:00");
}

TEST_F(Parser, ReadsOffsetsEastAndWestOfUtc) {
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T12:00:00+09:00 h a - - -")),
            "2026-11-20T12:00:00+09:00");
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-19T22:30:00-05:30 h a - - -")),
            "2026-11-20T13:00:00+09:00");
}

// The second's text is read once for a run of events in the same second: what follows
// it (fraction, offset) and what precedes it (an invalid date) must still count.
TEST_F(Parser, ReadsEachTimestampOfARunInTheSameSecondOnItsOwn) {
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T01:02:03.5Z h a - - - x")), "2026-11-20T10:02:03.500000+09:00");
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T01:02:03+09:00 h a - - - x")), "2026-11-20T01:02:03+09:00");
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T01:02:03.25-01:00 h a - - - x")), "2026-11-20T11:02:03.250000+09:00");
  auto bad = parse_line("<13>1 2026-13-20T01:02:03Z h a - - - x");
  EXPECT_TRUE(bad.malformed);
  EXPECT_FALSE(parse_line("<13>1 2026-13-20T01:02:03Z h a - - - x").time_us) << "the same bad date again";
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T01:02:04Z h a - - - x")), "2026-11-20T10:02:04+09:00");
  EXPECT_EQ(time_of(parse_line("<13>1 2026-11-20T01:02:03Z h a - - - x")), "2026-11-20T10:02:03+09:00");
}

TEST_F(Parser, TakesNilvalueForEveryHeaderField) {
  auto m = parse_line("<13>1 - - - - - - only the message");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.format, Format::rfc5424);
  EXPECT_FALSE(m.time_us);
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(m.app, "");
  EXPECT_EQ(m.procid, "");
  EXPECT_EQ(m.msgid, "");
  EXPECT_TRUE(m.sd.empty());
  EXPECT_EQ(m.message, "only the message");
}

TEST_F(Parser, AcceptsAnEmptyMessageAfterTheSeparatingSpace) {
  auto m = parse_line("<13>1 - - - - - - ");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.message, "");
}

TEST_F(Parser, UnescapesQuotesBackslashesAndBracketsInParamValues) {
  auto m = parse_line(
      R"(<13>1 2026-11-20T03:00:00Z h a - - [x@1 v="say \"hi\" \\ [a\]" w="c:\dir"] msg)");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.sd[0].params[0].value, R"(say "hi" \ [a])");
  EXPECT_EQ(m.sd[0].params[1].value, R"(c:\dir)");  // other backslashes stay
  EXPECT_EQ(m.message, "msg");
}

TEST_F(Parser, KeepsRepeatedParamNamesAndEmptyValues) {
  // RFC 5424 6.3.5 example 3 repeats a PARAM-NAME; that is allowed.
  auto m = parse_line(R"(<13>1 - h a - - [exampleSDID@32473 class="high" class="low" e=""])");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  ASSERT_EQ(m.sd[0].params.size(), 3u);
  EXPECT_EQ(m.sd[0].params[1].value, "low");
  EXPECT_EQ(m.sd[0].params[2].value, "");
}

TEST_F(Parser, KeepsRepeatedOriginAddressesInOrder) {
  // RFC 5424 7.2.1: a host with several addresses repeats "ip" in its origin element.
  auto m =
      parse_line(R"(<13>1 - h a - - [origin ip="192.0.2.1" ip="2001:db8::1" ip="10.0.0.1"] x)");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  ASSERT_EQ(m.sd.size(), 1u);
  ASSERT_EQ(m.sd[0].params.size(), 3u);
  EXPECT_EQ(m.sd[0].params[0].value, "192.0.2.1");
  EXPECT_EQ(m.sd[0].params[1].value, "2001:db8::1");
  EXPECT_EQ(m.sd[0].params[2].value, "10.0.0.1");
}

TEST_F(Parser, FlagsARepeatedSdIdButKeepsEveryElement) {
  // RFC 5424 6.3.2: the same SD-ID must not occur more than once in a message.
  const std::string line =
      R"(<13>1 2026-11-20T03:00:00Z h a 7 m [origin ip="192.0.2.1"][x@1 k="v"][origin ip="192.0.2.2"] text)";
  auto m = parse_line(line);
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 SD-ID occurs more than once");
  ASSERT_EQ(m.sd.size(), 3u);
  EXPECT_EQ(m.sd[0].params[0].value, "192.0.2.1");
  EXPECT_EQ(m.sd[1].id, "x@1");
  EXPECT_EQ(m.sd[2].params[0].value, "192.0.2.2");
  EXPECT_EQ(m.host, "h");
  EXPECT_EQ(m.app, "a");
  EXPECT_EQ(m.procid, "7");
  EXPECT_EQ(m.msgid, "m");
  EXPECT_EQ(time_of(m), "2026-11-20T12:00:00+09:00");
  // Malformed keeps the whole line as the message, and says where the text starts.
  EXPECT_EQ(m.message, line);
  EXPECT_EQ(m.message.substr(m.msg_offset), "text");
  EXPECT_FALSE(parse_line(R"(<13>1 - h a - - [a@1][b@1][a@2] x)").malformed);
}

TEST_F(Parser, FindsRepeatedSdIdsAmongThousandsOfElementsQuickly) {
  std::string line = "<13>1 - h a - - ";
  for (int i = 0; i < 20000; ++i) line += "[e" + std::to_string(i) + "]";
  EXPECT_FALSE(parse_line(line).malformed);
  line += "[e17]";
  auto m = parse_line(line);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 SD-ID occurs more than once");
  EXPECT_EQ(m.sd.size(), 20001u);
}

TEST_F(Parser, ReadsAnElementWithoutParams) {
  auto m = parse_line("<13>1 - h a - - [origin][meta@1 seq=\"7\"] text");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  ASSERT_EQ(m.sd.size(), 2u);
  EXPECT_EQ(m.sd[0].id, "origin");
  EXPECT_TRUE(m.sd[0].params.empty());
  EXPECT_EQ(m.message, "text");
}

TEST_F(Parser, ReadsASpaceBetweenElementsAsTheStartOfTheMessage) {
  // RFC 5424 6.3.5: with a space between them, the second element is MSG.
  auto m = parse_line(
      "<13>1 - h a - - [exampleSDID@32473 iut=\"3\"] [examplePriority@32473 class=\"high\"]");
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.message, "[examplePriority@32473 class=\"high\"]");
}

TEST_F(Parser, FlagsASpaceAfterTheOpeningBracket) {
  auto m = parse_line("<13>1 - h a - - [ exampleSDID@32473 iut=\"3\"] x");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 SD-ID is not 1 to 32 printable characters");
}

TEST_F(Parser, FlagsTruncatedStructuredDataButKeepsCompleteElements) {
  const std::string line = R"(<13>1 2026-11-20T03:00:00Z h a - - [ok@1 x="1"][cut@1 y="no end)";
  auto m = parse_line(line);
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 PARAM-VALUE has no closing quote");
  EXPECT_EQ(m.message, line);
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.sd[0].id, "ok@1");
  EXPECT_EQ(m.host, "h");
  EXPECT_EQ(time_of(m), "2026-11-20T12:00:00+09:00");
}

TEST_F(Parser, FlagsBrokenRfc5424ButKeepsTheLineAndAReason) {
  for (const char* line :
       {"<13>1 2026-11-20T03:00:00 h a - - - no offset",
        "<13>1 2026-11-20T03:00:00Z h a - - [unterminated x=\"1\" msg",
        "<13>1 2026-11-20T03:00:00Z h", "<13>1 ", "<13>1 - - - - -",
        "<13>1 2026-13-01T00:00:00Z h a - - - month 13", "<13>1 yesterday h a - - - words",
        "<13>1 - h a - - x not sd", "<13>1 - h a - - [a@1 x=\"1\"]glued",
        "<13>1 - h a - - [a@1 x=1] unquoted", "<13>1 - h  a - - - double space"}) {
    auto m = parse_line(line);
    EXPECT_TRUE(m.malformed) << line;
    EXPECT_EQ(m.format, Format::rfc5424) << line;
    EXPECT_EQ(m.message, line);
    EXPECT_FALSE(m.malformed_reason.empty()) << line;
    EXPECT_EQ(m.malformed_reason.find('\n'), std::string::npos);
  }
}

TEST_F(Parser, ReadsTheHeaderFieldsOfALineThatStopsEarly) {
  auto m = parse_line("<13>1 2026-11-20T03:00:00Z web01 billing");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 HEADER ends before STRUCTURED-DATA");
  EXPECT_EQ(m.host, "web01");
  EXPECT_EQ(m.app, "billing");
  EXPECT_EQ(time_of(m), "2026-11-20T12:00:00+09:00");
}

TEST_F(Parser, ReadsATimestampWithoutOffsetInTheZoneButFlagsIt) {
  auto m = parse_line("<13>1 2026-11-20T03:00:00 h a - - - local time");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 TIMESTAMP has no time offset");
  EXPECT_EQ(time_of(m), "2026-11-20T03:00:00+09:00");
  EXPECT_EQ(m.app, "a");
}

TEST_F(Parser, KeepsAnOverlongAppNameButFlagsIt) {
  const std::string app(49, 'a');
  auto m = parse_line("<13>1 - h " + app + " - - - x");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 APP-NAME is not 1 to 48 printable characters");
  EXPECT_EQ(m.app, app);
  EXPECT_FALSE(parse_line("<13>1 - h " + app.substr(1) + " - - - x").malformed);
}

TEST_F(Parser, ReadsLoggenRfc5424Frames) {
  auto m = parse_line(
      "<38>1 2026-11-20T10:00:00+09:00 localhost prg00000 1234 - [meta sequenceId=\"1\"] seq: "
      "0000000000, thread: 0000, runid: 1763600000, stamp: 2026-11-20T10:00:00 PADDPADDPADD");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.app, "prg00000");
  EXPECT_EQ(m.procid, "1234");
  EXPECT_EQ(m.sd[0].params[0].value, "1");
  EXPECT_TRUE(m.message.starts_with("seq: 0000000000"));
}

// ---- RFC 3164 ----------------------------------------------------------------------------

// RFC 3164 section 5.4, examples 1 to 4.
TEST_F(Parser, ReadsRfc3164Example1WithHostAndTag) {
  auto m =
      parse_line("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.format, Format::rfc3164);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  EXPECT_EQ(time_of(m), "2026-10-11T22:14:15+09:00");
  EXPECT_EQ(m.host, "mymachine");
  EXPECT_EQ(m.app, "su");
  EXPECT_EQ(m.procid, "");
  EXPECT_EQ(m.message, "'su root' failed for lonvick on /dev/pts/8");
}

TEST_F(Parser, ReadsRfc3164Example2WithAnAddressForHostAndNoTag) {
  auto m = parse_line("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(time_of(m), "2026-02-05T17:32:18+09:00");
  EXPECT_EQ(m.host, "10.0.0.99");
  EXPECT_EQ(m.app, "");
  EXPECT_EQ(m.message, "Use the BFG!");
}

TEST_F(Parser, ReadsRfc3164Example3TheWayTheRfcDoes) {
  // The RFC: "CST" is taken as the HOSTNAME and the rest is the message.
  auto m = parse_line(
      "<165>Aug 24 05:34:00 CST 1987 mymachine myproc[10]: %% It's time to make the do-nuts.  %%  "
      "Ingredients: Mix=OK, Jelly=OK # Devices: Mixer=OK, Jelly_Injector=OK, Frier=OK # "
      "Transport: Conveyer1=OK, Conveyer2=OK # %%");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(time_of(m), "2026-08-24T05:34:00+09:00");
  EXPECT_EQ(m.host, "CST");
  EXPECT_TRUE(m.message.starts_with("1987 mymachine myproc[10]: %% It's time")) << m.message;
}

TEST_F(Parser, ReadsRfc3164Example4WithoutAValidTimestampAsContent) {
  auto m = parse_line(
      "<0>1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All "
      "Folks!");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.facility, 0);
  EXPECT_EQ(m.severity, 0);
  EXPECT_FALSE(m.time_us);  // the receiver uses the received time
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(
      m.message,
      "1990 Oct 22 10:52:01 TZ-6 scapegoat.dmz.example.org 10.1.2.3 sched[0]: That's All Folks!");
}

TEST_F(Parser, ReadsTagAndPidWithAndWithoutTheColon) {
  auto colon = parse_line("<38>Nov 20 03:12:00 web01 sshd[811]: Accepted publickey for alice");
  EXPECT_EQ(colon.host, "web01");
  EXPECT_EQ(colon.app, "sshd");
  EXPECT_EQ(colon.procid, "811");
  EXPECT_EQ(colon.message, "Accepted publickey for alice");
  auto no_colon = parse_line("<38>Nov 20 03:12:00 web01 sshd[811] Accepted publickey for alice");
  EXPECT_EQ(no_colon.app, "sshd");
  EXPECT_EQ(no_colon.procid, "811");
  EXPECT_EQ(no_colon.message, "Accepted publickey for alice");
  auto slash = parse_line("<22>Nov 20 03:12:00 mx1 postfix/smtpd[2231]: connect from x[192.0.2.1]");
  EXPECT_EQ(slash.app, "postfix/smtpd");
  EXPECT_EQ(slash.procid, "2231");
  EXPECT_EQ(slash.message, "connect from x[192.0.2.1]");
}

TEST_F(Parser, ReadsRfc3164WithoutHostAndWithSpacePaddedDay) {
  auto m = parse_line("<13>Nov  5 03:12:00 cron: job done");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(time_of(m), "2026-11-05T03:12:00+09:00");
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(m.app, "cron");
  EXPECT_EQ(m.message, "job done");
  EXPECT_EQ(time_of(parse_line("<13>Nov 05 03:12:00 cron: job done")), "2026-11-05T03:12:00+09:00");
}

TEST_F(Parser, ReadsUnpaddedBsdDaysAsWholeArchivesWriteThem) {
  auto m = parse_line("<86>Nov 9 12:01:01 host app[1]: session opened");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(time_of(m), "2026-11-09T12:01:01+09:00");
  EXPECT_EQ(m.host, "host");
  EXPECT_EQ(m.app, "app");
  EXPECT_EQ(m.procid, "1");
  EXPECT_EQ(m.message, "session opened");
  // With a fraction, without a PRI, and the two-digit and padded forms alongside.
  EXPECT_EQ(time_of(parse_line("<13>Jan 1 00:00:00.5 h app: x")),
            "2026-01-01T00:00:00.500000+09:00");
  auto no_pri = parse_line("Nov 9 12:01:01 host sshd[2]: Accepted password for alice");
  EXPECT_EQ(no_pri.malformed_reason, "no <PRI> at the start");
  EXPECT_EQ(time_of(no_pri), "2026-11-09T12:01:01+09:00");
  EXPECT_EQ(no_pri.app, "sshd");
  EXPECT_EQ(no_pri.message.substr(no_pri.msg_offset), "Accepted password for alice");
  EXPECT_EQ(time_of(parse_line("<13>Nov 19 12:01:01 h app: x")), "2026-11-19T12:01:01+09:00");
  EXPECT_EQ(time_of(parse_line("<13>Nov  9 12:01:01 h app: x")), "2026-11-09T12:01:01+09:00");
  // Shapes that are not a time stay message text.
  for (const char* line : {"<13>Nov 9 12:01 h app: x", "<13>Nov 9  12:01:01 h app: x",
                           "<13>Nov 123 12:01:01 h app: x", "<13>Nov x 12:01:01 h app: x"}) {
    auto other = parse_line(line);
    EXPECT_FALSE(other.time_us) << line;
    EXPECT_EQ(other.host, "") << line;
  }
}

TEST_F(Parser, KeepsTheSpacingOfTheMessageAfterTheTag) {
  auto m = parse_line(
      "<85>Nov 20 03:12:00 web01 sudo:    alice : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls");
  EXPECT_EQ(m.app, "sudo");
  EXPECT_EQ(m.message, "   alice : TTY=pts/0 ; USER=root ; COMMAND=/bin/ls");
}

TEST_F(Parser, ReadsATagWithoutTimestampOrHost) {
  auto m = parse_line("<13>myapp[42]: hello");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_FALSE(m.time_us);
  EXPECT_EQ(m.host, "");
  EXPECT_EQ(m.app, "myapp");
  EXPECT_EQ(m.procid, "42");
  EXPECT_EQ(m.message, "hello");
}

TEST_F(Parser, ReadsAHostWithoutTimestampOnlyBeforeAnUnmistakableTag) {
  auto m = parse_line("<38>web01 sshd[811]: Accepted password for alice");
  EXPECT_EQ(m.host, "web01");
  EXPECT_EQ(m.app, "sshd");
  EXPECT_EQ(m.message, "Accepted password for alice");
  // Without a [pid], "Fatal" is a word of the message, not a host.
  auto words = parse_line("<11>Fatal error: disk full");
  EXPECT_EQ(words.host, "");
  EXPECT_EQ(words.app, "");
  EXPECT_EQ(words.message, "Fatal error: disk full");
}

TEST_F(Parser, KeepsABsdLineWithoutTimestampAsItsMessage) {
  auto m = parse_line("<13>just text");
  EXPECT_FALSE(m.malformed);
  EXPECT_EQ(m.format, Format::rfc3164);
  EXPECT_FALSE(m.time_us);
  EXPECT_EQ(m.message, "just text");
}

TEST_F(Parser, ReadsFractionsAfterBsdSecondsAndMonthsInAnyCase) {
  auto m = parse_line("<13>NOV 20 03:12:00.250 web01 app: x");
  EXPECT_EQ(time_of(m), "2026-11-20T03:12:00.250000+09:00");
  EXPECT_EQ(m.host, "web01");
}

TEST_F(Parser, InfersTheYearNearestTheReceivedTime) {
  // Received 2026-01-01 00:30 Tokyo: a December timestamp is last year's.
  int64_t new_year = *core::parse_rfc3339("2026-01-01T00:30:00+09:00");
  auto m = parse("<13>Dec 31 23:59:00 h app: late", {new_year, tokyo.get()});
  EXPECT_EQ(core::format_rfc3339(*m.time_us, *tokyo), "2025-12-31T23:59:00+09:00");
  // A sender a few hours fast around New Year stays in the year it means.
  int64_t new_years_eve = *core::parse_rfc3339("2025-12-31T23:00:00+09:00");
  auto fast = parse("<13>Jan  1 01:00:00 h app: early", {new_years_eve, tokyo.get()});
  EXPECT_EQ(core::format_rfc3339(*fast.time_us, *tokyo), "2026-01-01T01:00:00+09:00");
  // More than a day ahead is last year's, not this year's.
  auto ahead = parse_line("<13>Nov 22 12:00:00 h app: x");
  EXPECT_EQ(time_of(ahead), "2025-11-22T12:00:00+09:00");
  auto tomorrow = parse_line("<13>Nov 21 11:00:00 h app: x");
  EXPECT_EQ(time_of(tomorrow), "2026-11-21T11:00:00+09:00");
}

TEST_F(Parser, ReadsTheBsdTimeInTheConfiguredZoneOrUtc) {
  auto tokyo_time = parse_line("<13>Nov 20 03:12:00 h app: x");
  EXPECT_EQ(*tokyo_time.time_us, *core::parse_rfc3339("2026-11-20T03:12:00+09:00"));
  auto utc_time = parse("<13>Nov 20 03:12:00 h app: x", {received, nullptr});
  EXPECT_EQ(*utc_time.time_us, *core::parse_rfc3339("2026-11-20T03:12:00Z"));
}

TEST_F(Parser, PutsTheTwentyNinthOfFebruaryInALeapYear) {
  int64_t march_2025 = *core::parse_rfc3339("2025-03-10T00:00:00+09:00");
  auto m = parse("<13>Feb 29 10:00:00 h app: x", {march_2025, tokyo.get()});
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(core::format_rfc3339(*m.time_us, *tokyo), "2024-02-29T10:00:00+09:00");
}

TEST_F(Parser, FlagsAnImpossibleBsdDateButReadsTheRest) {
  for (const char* line :
       {"<13>Nov 31 03:12:00 web01 app: x", "<13>Nov 20 25:12:00 web01 app: x"}) {
    auto m = parse_line(line);
    EXPECT_TRUE(m.malformed) << line;
    EXPECT_FALSE(m.time_us) << line;
    EXPECT_EQ(m.host, "web01") << line;
    EXPECT_EQ(m.app, "app") << line;
    EXPECT_EQ(m.message, line);
  }
}

TEST_F(Parser, ReadsIsoTimestampsInBsdLinesAsLoggenSends) {
  auto m = parse_line(
      "<38>2026-11-20T10:00:00+09:00 localhost prg00000[1234]: seq: 0000000001, runid: 1, stamp: "
      "x");
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.format, Format::rfc3164);
  EXPECT_EQ(time_of(m), "2026-11-20T10:00:00+09:00");
  EXPECT_EQ(m.host, "localhost");
  EXPECT_EQ(m.app, "prg00000");
  EXPECT_EQ(m.procid, "1234");
  EXPECT_EQ(m.message, "seq: 0000000001, runid: 1, stamp: x");
}

TEST_F(Parser, ReadsRsyslogForwardFormatWithFractionAndIsoWithoutOffsetInTheZone) {
  auto forward = parse_line("<86>2026-11-20T03:12:00.123456+00:00 web01 sshd[77]: Accepted x");
  EXPECT_EQ(time_of(forward), "2026-11-20T12:12:00.123456+09:00");
  EXPECT_EQ(forward.host, "web01");
  auto local = parse_line("<86>2026-11-20T03:12:00 web01 cron: x");
  EXPECT_FALSE(local.malformed);
  EXPECT_EQ(time_of(local), "2026-11-20T03:12:00+09:00");
}

// ---- PRI and junk ------------------------------------------------------------------------

TEST_F(Parser, FlagsAVersionOtherThanOneButReadsTheHeader) {
  const std::string line = R"(<34>2 2026-11-20T03:00:00Z web01 app 42 ID7 [x@1 k="v"] text)";
  auto m = parse_line(line);
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "RFC 5424 VERSION is 2, not 1");
  EXPECT_EQ(m.format, Format::rfc5424);
  EXPECT_EQ(m.facility, 4);
  EXPECT_EQ(m.severity, 2);
  EXPECT_EQ(time_of(m), "2026-11-20T12:00:00+09:00");
  EXPECT_EQ(m.host, "web01");
  EXPECT_EQ(m.app, "app");
  EXPECT_EQ(m.procid, "42");
  EXPECT_EQ(m.msgid, "ID7");
  ASSERT_EQ(m.sd.size(), 1u);
  EXPECT_EQ(m.message, line);
  EXPECT_EQ(m.message.substr(m.msg_offset), "text");
  EXPECT_EQ(parse_line("<13>10 - h a - - - x").malformed_reason, "RFC 5424 VERSION is 10, not 1");
  // A BSD message that merely starts with a number is not an RFC 5424 header.
  for (const char* bsd : {"<13>2 files removed", "<13>02 - h a - - - x", "<13>1234 - h a - - - x",
                          "<13>2 2026-11-20 done"}) {
    auto b = parse_line(bsd);
    EXPECT_FALSE(b.malformed) << bsd;
    EXPECT_EQ(b.format, Format::rfc3164) << bsd;
  }
}

TEST_F(Parser, ReadsTheLowestAndHighestPri) {
  auto lowest = parse_line("<0>Nov 20 03:12:00 h kernel: x");
  EXPECT_EQ(lowest.facility, 0);
  EXPECT_EQ(lowest.severity, 0);
  auto highest = parse_line("<191>Nov 20 03:12:00 h app: x");
  EXPECT_EQ(highest.facility, 23);
  EXPECT_EQ(highest.severity, 7);
}

TEST_F(Parser, FlagsLinesWithoutAValidPri) {
  for (const char* line :
       {"no pri", "<999>too big", "<192>just above", "<>empty", "<013>leading zero", "", "<13",
        "<1234>four digits", "<x>letter", "\x01\x02\xff", "<", ">"}) {
    auto m = parse_line(line);
    EXPECT_TRUE(m.malformed) << line;
    EXPECT_FALSE(m.malformed_reason.empty()) << line;
    EXPECT_EQ(m.facility, -1) << line;
    EXPECT_EQ(m.severity, -1) << line;
    EXPECT_EQ(m.message, line);
  }
  EXPECT_EQ(parse_line("").malformed_reason, "empty line");
  EXPECT_EQ(parse_line("<999>x").malformed_reason, "<PRI> is above 191");
}

TEST_F(Parser, FlagsAPriWithNothingAfterIt) {
  auto m = parse_line("<13>");
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "nothing after <PRI>");
  EXPECT_EQ(m.facility, 1);
  EXPECT_EQ(m.severity, 5);
  EXPECT_EQ(m.message, "<13>");
}

TEST_F(Parser, ReadsTheBsdHeaderOfALineThatLacksOnlyThePri) {
  const std::string line = "Nov 20 03:12:00 web01 sshd[811]: Accepted password for alice";
  auto m = parse_line(line);
  EXPECT_TRUE(m.malformed);
  EXPECT_EQ(m.malformed_reason, "no <PRI> at the start");
  EXPECT_EQ(m.format, Format::unknown);
  EXPECT_EQ(m.facility, -1);
  EXPECT_EQ(time_of(m), "2026-11-20T03:12:00+09:00");
  EXPECT_EQ(m.host, "web01");
  EXPECT_EQ(m.app, "sshd");
  EXPECT_EQ(m.message, line);
}

TEST_F(Parser, IgnoresTrailingLineEndsAndNuls) {
  auto m = parse_line(std::string_view("<13>1 - h a - - - text\r\n\0", 25));
  EXPECT_FALSE(m.malformed) << m.malformed_reason;
  EXPECT_EQ(m.message, "text");
}

TEST_F(Parser, SurvivesEveryPrefixOfValidLines) {
  for (std::string line :
       {"<165>1 2003-10-11T22:14:15.003Z host app 1 ID [a@1 b=\"c\\\"d\" e=\"\\]\"][f@2] message",
        "<34>Oct 11 22:14:15.5 mymachine su[230]: 'su root' failed",
        "<38>2026-11-20T10:00:00+09:00 localhost prg00000[1234]: seq"}) {
    // A copy per prefix, so a read past its end is a read past the allocation (ASan).
    for (std::size_t n = 0; n <= line.size(); ++n) {
      std::string prefix = line.substr(0, n);
      auto m = parse_line(prefix);
      if (m.malformed) {
        EXPECT_EQ(m.message, prefix);
      }
    }
  }
}

TEST_F(Parser, SurvivesRandomBytesAndRandomSyslogShapedJunk) {
  std::mt19937 random(20261120);
  using namespace std::string_literals;
  const std::string alphabet = "<>0123456789 -[]=\"\\:TZ.+abcNovJan\xEF\xBB\xBF\x00\xff\n"s;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    const std::size_t length = random() % 64;
    const bool shaped = i % 2 == 0;
    if (shaped) line = i % 4 == 0 ? "<13>1 " : "<13>";
    for (std::size_t j = 0; j < length; ++j)
      line.push_back(shaped ? alphabet[random() % alphabet.size()] : static_cast<char>(random()));
    auto m = parse_line(line);
    if (m.malformed) {
      EXPECT_FALSE(m.malformed_reason.empty());
    }
  }
}

TEST(Names, MapFacilitiesAndSeveritiesBothWays) {
  EXPECT_EQ(facility_name(0), "kern");
  EXPECT_EQ(facility_name(4), "auth");
  EXPECT_EQ(facility_name(10), "authpriv");
  EXPECT_EQ(facility_name(23), "local7");
  EXPECT_EQ(facility_name(24), "");
  EXPECT_EQ(facility_name(-1), "");
  for (int f = 0; f < 24; ++f) EXPECT_EQ(facility_from_name(facility_name(f)), f);
  EXPECT_EQ(facility_from_name("local3"), 19);
  EXPECT_EQ(facility_from_name("nope"), -1);
  EXPECT_EQ(severity_name(0), "emerg");
  EXPECT_EQ(severity_name(4), "warning");
  EXPECT_EQ(severity_name(8), "");
  for (int s = 0; s < 8; ++s) EXPECT_EQ(severity_from_name(severity_name(s)), s);
  EXPECT_EQ(severity_from_name("err"), 3);
  EXPECT_EQ(severity_from_name("warn"), 4);
  EXPECT_EQ(severity_from_name("loud"), -1);
}

}  // namespace
}  // namespace hokan::syslog
