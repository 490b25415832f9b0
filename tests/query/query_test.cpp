#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/event_json.h"
#include "query/pseudonymize.h"
#include "query/query.h"
#include "store/folded_text.h"

namespace hokan::query {
namespace {

store::Event sample() {
  store::Event e;
  e.id = 7;
  e.time_us = 1795132800LL * 1'000'000;
  e.received_us = e.time_us + 5;
  e.category = "access";
  e.facility = 4;
  e.severity = 6;
  e.host = "web01";
  e.app = "sshd";
  e.message = "Accepted password for alice from 192.0.2.7 port 50022 ssh2; mail alice@example.com";
  e.fields.user = "alice";
  e.fields.src_ip = "192.0.2.7";
  return e;
}

TEST(EventJson, WritesTheDocumentedKeysAndValidUtf8) {
  auto e = sample();
  e.message += " \xff bad byte \"quoted\"";
  std::string out;
  append_event_json(e, *core::TimeZone::utc(), out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["id"], 7);
  EXPECT_EQ(j["time"], "2026-11-20T00:00:00+00:00");
  EXPECT_EQ(j["facility"], "auth");
  EXPECT_EQ(j["severity"], "info");
  EXPECT_EQ(j["user"], "alice");
  EXPECT_FALSE(j.contains("malformed"));
  EXPECT_NE(j["message"].get<std::string>().find("\"quoted\""), std::string::npos);
}

TEST(Pseudonymizer, ReplacesIdentifiersWithStableKeyedPseudonyms) {
  auto p = *Pseudonymizer::create("0123456789abcdef-secret");
  auto other_key = *Pseudonymizer::create("another key of 16+ bytes");
  auto out = p->apply(sample());
  EXPECT_EQ(out.fields.user, p->pseudonym("user", "alice"));
  EXPECT_EQ(out.fields.user, p->apply(sample()).fields.user);
  EXPECT_NE(out.fields.user, other_key->apply(sample()).fields.user);
  EXPECT_TRUE(out.fields.user.starts_with("u-"));
  EXPECT_TRUE(out.fields.src_ip.starts_with("ip-"));
  EXPECT_TRUE(out.host.starts_with("h-"));
  EXPECT_EQ(out.time_us, sample().time_us);
  EXPECT_EQ(out.category, "access");
}

TEST(Pseudonymizer, MasksFreeText) {
  auto p = *Pseudonymizer::create("0123456789abcdef-secret");
  std::string masked = p->apply(sample()).message;
  for (const char* secret : {"alice", "192.0.2.7", "50022", "example.com"})
    EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " in " << masked;
  EXPECT_NE(masked.find(p->pseudonym("user", "alice")), std::string::npos) << masked;
  EXPECT_NE(masked.find("<email>"), std::string::npos) << masked;
  EXPECT_NE(masked.find("port #"), std::string::npos) << masked;
  auto e = sample();
  e.message = "Failed password for invalid user mallory from 2001:db8::1 user=eve";
  std::string other = p->mask(e.message, e);
  for (const char* secret : {"mallory", "2001:db8::1", "eve"})
    EXPECT_EQ(other.find(secret), std::string::npos) << secret << " in " << other;
}

TEST(Pseudonymizer, RefusesShortKeys) { EXPECT_FALSE(Pseudonymizer::create("short")); }

TEST(CompiledQuery, RefusesBadTimesRegexesAndEmptyWindows) {
  auto zone = core::TimeZone::utc();
  EXPECT_EQ(CompiledQuery::compile({.since = "2026-13-01"}, *zone, 0).error().message,
            "bad --since: bad time \"2026-13-01\": month out of range");
  EXPECT_TRUE(CompiledQuery::compile({.regex = "("}, *zone, 0).error().message.starts_with("bad --regex: "));
  EXPECT_FALSE(CompiledQuery::compile({.since = "now", .until = "-1h"}, *zone, 0));
  EXPECT_TRUE(CompiledQuery::compile({.since = "now", .until = "now"}, *zone, 0));
}

TEST(CompiledQuery, MatchesGrepAndRegexOnTheMessageOrTheRawLine) {
  auto zone = core::TimeZone::utc();
  auto grep = *CompiledQuery::compile({.grep = "password for alice"}, *zone, 0);
  EXPECT_TRUE(grep->matches_text(sample()));
  auto regex = *CompiledQuery::compile({.regex = R"(port \d{5})"}, *zone, 0);
  EXPECT_TRUE(regex->matches_text(sample()));
  store::Event bad;
  bad.malformed = true;
  bad.raw = "junk with password for alice";
  EXPECT_TRUE(grep->matches_text(bad));
}

// Issue 11: a year-wide --regex reads only what holds the literals every match needs.
TEST(CompiledQuery, GivesTheStoreTheLiteralsEveryRegexMatchHolds) {
  auto zone = core::TimeZone::utc();
  auto required = [&](const std::string& regex) {
    auto q = CompiledQuery::compile({.regex = regex}, *zone, 0);
    EXPECT_TRUE(q) << regex;
    return q ? (*q)->scan().required_text : std::vector<std::string>{};
  };
  auto sshd = required(R"(Accepted publickey for [a-z]+\.yamada from 10\.2[0-3]\.)");
  EXPECT_NE(std::find(sshd.begin(), sshd.end(), "accepted publickey for "), sshd.end()) << "folded";
  EXPECT_NE(std::find(sshd.begin(), sshd.end(), ".yamada from 10.2"), sshd.end())
      << "what the four spellings of 10\\.2[0-3] share";
  EXPECT_TRUE(required("alice|bob").empty()) << "either may match alone";
  auto either = required("session (opened|closed) for alice");
  EXPECT_NE(std::find(either.begin(), either.end(), "ed for alice"), either.end());
  EXPECT_TRUE(required(".*").empty());
  EXPECT_TRUE(required("ab").empty()) << "too short to look for";
  for (const auto& literal : required("(?i)failed password for"))
    EXPECT_EQ(literal.find_first_of("ks"), std::string::npos) << literal << ": U+017F matches s under (?i)";
  // Whatever the store is told, every match holds it.
  store::Event e = sample();
  for (const char* regex : {R"(port \d{5})", "(?i)PASSWORD for", "Accepted password for (invalid user )?alice",
                            R"(password for [a-z]+ from 192\.0\.[0-9]\.)", "(Accepted|Failed) password"}) {
    auto q = *CompiledQuery::compile({.regex = regex}, *zone, 0);
    ASSERT_TRUE(q->matches_text(e)) << regex;
    for (const auto& literal : q->scan().required_text)
      EXPECT_NE(store::FoldedNeedle(literal).find(e.message), nullptr) << regex << " needs " << literal;
  }
}

// Issue 13: --ip compares addresses, not text, against every address a record names.
TEST(CompiledQuery, IpMatchesAnyAddressTheRecordNamesInAnyTextForm) {
  auto zone = core::TimeZone::utc();
  auto e = sample();
  e.fields.src_ip = "2001:db8::ab";
  e.fields.origin_ip = "10.0.0.5";
  e.fields.ips = {"10.0.0.5", "2001:db8::ab", "198.51.100.77"};
  auto matches = [&](std::vector<std::string> ips) {
    auto q = CompiledQuery::compile({.ips = std::move(ips)}, *zone, 0);
    EXPECT_TRUE(q) << q.error().message;
    return q && (*q)->matches(e);
  };
  EXPECT_TRUE(matches({"2001:DB8::AB"}));
  EXPECT_TRUE(matches({"2001:db8:0:0:0:0:0:ab"}));
  EXPECT_TRUE(matches({"[2001:db8::ab]"}));
  EXPECT_TRUE(matches({"::ffff:198.51.100.77"}));
  EXPECT_TRUE(matches({"10.0.0.5"}));  // the sender's own address
  EXPECT_TRUE(matches({"198.51.100.0/24"}));
  EXPECT_TRUE(matches({"2001:db8::/32"}));
  EXPECT_TRUE(matches({"203.0.113.1", "198.51.0.0/16"}));  // OR within --ip
  EXPECT_FALSE(matches({"198.51.101.0/24"}));
  EXPECT_FALSE(matches({"2001:db9::/32"}));
  EXPECT_FALSE(matches({"198.51.100.7"}));
  auto q = *CompiledQuery::compile({.ips = {"2001:DB8::AB", "::ffff:198.51.100.77", "10.0.0.0/8"}},
                                   *zone, 0);
  EXPECT_EQ(q->scan().ips, (std::vector<std::string>{"2001:db8::ab", "198.51.100.77"}));
  ASSERT_EQ(q->scan().ip_prefixes.size(), 1u);
  EXPECT_EQ(core::format_ip_prefix(q->scan().ip_prefixes[0]), "10.0.0.0/8");
}

TEST(CompiledQuery, RefusesAnAddressItCannotReadSayingWhy) {
  auto zone = core::TimeZone::utc();
  for (const char* bad : {"web01", "198.51.100.0/33", "2001:db8::/129", "1.2.3", "::g", ""}) {
    auto q = CompiledQuery::compile({.ips = {bad}}, *zone, 0);
    ASSERT_FALSE(q) << bad;
    EXPECT_EQ(q.error().code, Errc::invalid_argument);
    EXPECT_TRUE(q.error().message.starts_with("bad --ip: ")) << q.error().message;
    EXPECT_EQ(q.error().message.find('\n'), std::string::npos);
  }
}

TEST(CompiledQuery, UserMatchesTheInvokerAndTheTarget) {
  auto zone = core::TimeZone::utc();
  auto e = sample();
  e.fields.target_user = "root";
  EXPECT_TRUE((*CompiledQuery::compile({.users = {"root"}}, *zone, 0))->matches(e));
  EXPECT_TRUE((*CompiledQuery::compile({.users = {"alice"}}, *zone, 0))->matches(e));
  EXPECT_FALSE((*CompiledQuery::compile({.users = {"bob"}}, *zone, 0))->matches(e));
}

// Ranges are half-open, [since, until): equal ends are an empty range, not an error.
TEST(CompiledQuery, SinceEqualToUntilSelectsNothing) {
  auto zone = core::TimeZone::utc();
  auto q = CompiledQuery::compile({.since = "2026-11-20", .until = "2026-11-20"}, *zone, 0);
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_FALSE((*q)->matches(sample()));  // sample() is at 2026-11-20T00:00:00Z exactly
  auto half_open =
      *CompiledQuery::compile({.since = "2026-11-20", .until = "2026-11-21"}, *zone, 0);
  EXPECT_TRUE(half_open->matches(sample()));
  auto ends_there =
      *CompiledQuery::compile({.since = "2026-11-19", .until = "2026-11-20"}, *zone, 0);
  EXPECT_FALSE(ends_there->matches(sample()));
  EXPECT_EQ(CompiledQuery::compile({.since = "2026-11-21", .until = "2026-11-20"}, *zone, 0)
                .error()
                .message,
            "--since must not be after --until");
}

TEST(CompiledQuery, GrepFindsBytesInTheBytesReceived) {
  auto zone = core::TimeZone::utc();
  auto e = sample();
  e.raw = std::string("<38>Nov 20 00:00:00 web01 sshd[1]: bad \xff byte and a \0 NUL", 57);
  e.message = "bad \xef\xbf\xbd byte";
  auto byte = *CompiledQuery::compile({.grep = "\xff byte"}, *zone, 0);
  EXPECT_TRUE(byte->matches_text(e));
  auto nul = *CompiledQuery::compile({.grep = std::string("a \0 NUL", 7)}, *zone, 0);
  EXPECT_TRUE(nul->matches_text(e));
  auto replacement = *CompiledQuery::compile({.grep = "\xef\xbf\xbd"}, *zone, 0);
  EXPECT_FALSE(replacement->matches_text(e));  // U+FFFD was never sent
}

TEST(EventJson, CarriesTargetUserOriginIpsAndTheBytesReceivedLosslessly) {
  auto e = sample();
  e.fields.target_user = "root";
  e.fields.origin_ip = "10.0.0.5";
  e.fields.ips = {"10.0.0.5", "192.0.2.7"};
  e.raw = std::string("<38>line with a \0 NUL and \"quotes\"", 34);
  std::string out;
  append_event_json(e, *core::TimeZone::utc(), out);
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["target_user"], "root");
  EXPECT_EQ(j["origin_ip"], "10.0.0.5");
  EXPECT_EQ(j["ips"], nlohmann::json::array({"10.0.0.5", "192.0.2.7"}));
  EXPECT_EQ(j["raw"].get<std::string>(), e.raw);
  EXPECT_FALSE(j.contains("raw_b64"));
  e.raw = "<38>bad \xff\xfe bytes";
  out.clear();
  append_event_json(e, *core::TimeZone::utc(), out);
  j = nlohmann::json::parse(out);
  EXPECT_FALSE(j.contains("raw"));
  EXPECT_EQ(j["raw_b64"], "PDM4PmJhZCD//iBieXRlcw==");
  EXPECT_EQ(out.find("\xef\xbf\xbd"), std::string::npos);  // never U+FFFD in place of the bytes
}

TEST(EventJson, RepeatedSdParamsBecomeAListAndASingleOneStaysAString) {
  auto e = sample();
  e.sd = {{"origin", {{"ip", "10.0.0.5"}, {"software", "rsyslogd"}, {"ip", "10.0.0.6"}}},
          {"meta", {{"sequenceId", "1"}}}};
  std::string out;
  append_event_json(e, *core::TimeZone::utc(), out);
  EXPECT_EQ(out.find("\"ip\":\"10.0.0.6\""), std::string::npos) << "a repeated key: " << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["sd"]["origin"]["ip"], nlohmann::json::array({"10.0.0.5", "10.0.0.6"}));
  EXPECT_EQ(j["sd"]["origin"]["software"], "rsyslogd");
  EXPECT_EQ(j["sd"]["meta"]["sequenceId"], "1");
  // A repeated SD-ID (malformed) keeps each element, as a list.
  e.sd.push_back({"meta", {{"sequenceId", "2"}}});
  out.clear();
  append_event_json(e, *core::TimeZone::utc(), out);
  j = nlohmann::json::parse(out);
  EXPECT_EQ(j["sd"]["meta"], nlohmann::json::parse(R"([{"sequenceId":"1"},{"sequenceId":"2"}])"));
}

TEST(Pseudonymizer, LeavesNoRawBytesAndPseudonymizesTheNewFields) {
  auto p = *Pseudonymizer::create("0123456789abcdef-secret");
  auto e = sample();
  e.raw = "<38>" + e.message;
  e.fields.target_user = "root";
  e.fields.origin_ip = "10.0.0.5";
  e.fields.ips = {"10.0.0.5", "192.0.2.7"};
  auto out = p->apply(e);
  EXPECT_TRUE(out.raw.empty());
  EXPECT_EQ(out.fields.target_user, p->pseudonym("user", "root"));
  EXPECT_EQ(out.fields.origin_ip, p->pseudonym("ip", "10.0.0.5"));
  EXPECT_EQ(out.fields.ips, (std::vector<std::string>{p->pseudonym("ip", "10.0.0.5"),
                                                      p->pseudonym("ip", "192.0.2.7")}));
}

}  // namespace
}  // namespace hokan::query
