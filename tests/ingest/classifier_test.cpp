#include "ingest/classifier.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include "syslog/parser.h"

namespace hokan::ingest {
namespace {

std::shared_ptr<const Classifier> classifier_for(std::string_view toml) {
  auto loaded = config::load_string(toml, "t.toml");
  EXPECT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors.front());
  auto c = Classifier::create(*loaded.config);
  EXPECT_TRUE(c);
  return *c;
}

PeerAddress peer(const char* text) {
  PeerAddress p;
  if (inet_pton(AF_INET, text, p.bytes) != 1) {
    p.v6 = true;
    inet_pton(AF_INET6, text, p.bytes);
  }
  return p;
}

std::string category(const Classifier& c, std::string_view line, const char* from = "192.0.2.1") {
  return c.classify(syslog::parse(line, {0, core::TimeZone::utc().get()}), peer(from));
}

constexpr std::string_view kRules = R"(
default_category = "operation"
[[category]]
name = "access"
retention = "365d"
match = { facility = ["auth", "authpriv"], app = ["sshd", "sudo"] }
[[category]]
name = "alerts"
retention = "90d"
match = { severity = ["emerg", "alert", "crit"] }
[[category]]
name = "payments"
retention = "7y"
match = { sd_id = ["pay@32473"] }
[[category]]
name = "dmz"
retention = "30d"
match = { source = ["198.51.100.0/24", "2001:db8::/32"] }
[[category]]
name = "db"
retention = "30d"
match = { host = ["db01"], msgid = ["QUERY"] }
[[category]]
name = "secrets"
retention = "30d"
match = { regex = 'password\s*=' }
[[category]]
name = "footage"
kind = "object"
retention = "30d"
)";

TEST(Classifier, TheFirstMatchingRuleWins) {
  auto c = classifier_for(kRules);
  // auth + sshd is access, even though crit would also make it an alert.
  EXPECT_EQ(category(*c, "<34>Nov 20 03:12:00 h sshd[1]: x"), "access");
  EXPECT_EQ(category(*c, "<10>Nov 20 03:12:00 h cron: x"), "alerts");
}

TEST(Classifier, NeedsEveryConditionOfARule) {
  auto c = classifier_for(kRules);
  EXPECT_EQ(category(*c, "<38>Nov 20 03:12:00 h cron: auth facility, other app"), "operation");
  EXPECT_EQ(category(*c, "<14>1 - db01 pg - QUERY - select"), "db");
  EXPECT_EQ(category(*c, "<14>1 - db02 pg - QUERY - select"), "operation");
}

TEST(Classifier, MatchesStructuredDataIds) {
  auto c = classifier_for(kRules);
  EXPECT_EQ(category(*c, "<14>1 - h shop - - [pay@32473 amount=\"5\"] paid"), "payments");
}

TEST(Classifier, MatchesTheSenderNetworkForBothFamilies) {
  auto c = classifier_for(kRules);
  EXPECT_EQ(category(*c, "<14>1 - h app - - - x", "198.51.100.77"), "dmz");
  EXPECT_EQ(category(*c, "<14>1 - h app - - - x", "198.51.101.77"), "operation");
  EXPECT_EQ(category(*c, "<14>1 - h app - - - x", "2001:db8:1::9"), "dmz");
  EXPECT_EQ(category(*c, "<14>1 - h app - - - x", "::ffff:198.51.100.3"), "dmz");
}

TEST(Classifier, MatchesARegexOnTheMessage) {
  auto c = classifier_for(kRules);
  EXPECT_EQ(category(*c, "<14>1 - h app - - - db password = hunter2"), "secrets");
}

TEST(Classifier, SendsTheRestAndMalformedLinesToTheDefault) {
  auto c = classifier_for(kRules);
  EXPECT_EQ(category(*c, "<14>1 - h app - - - nothing special"), "operation");
  EXPECT_EQ(category(*c, "garbage without pri"), "operation");
}

TEST(Classifier, RefusesABadRegex) {
  // The config loader already refuses it, naming the key...
  auto loaded = config::load_string("[[category]]\nname = \"x\"\nretention = \"1d\"\nmatch = { regex = \"(\" }\n", "t");
  ASSERT_FALSE(loaded.config);
  EXPECT_NE(loaded.errors.front().find("category[0].match.regex"), std::string::npos) << loaded.errors.front();
  // ...and the classifier does not trust its input either.
  config::Config c;
  config::Category cat;
  cat.name = "x";
  cat.match.regex = "(";
  c.categories.push_back(cat);
  auto classifier = Classifier::create(c);
  ASSERT_FALSE(classifier);
  EXPECT_NE(classifier.error().message.find("category x: match.regex"), std::string::npos);
}

}  // namespace
}  // namespace hokan::ingest
