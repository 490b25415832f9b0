#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "query/event_json.h"
#include "query/pseudonymize.h"
#include "query/query.h"

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

}  // namespace
}  // namespace hokan::query
