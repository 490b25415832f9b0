#include "config/config.h"

#include <gtest/gtest.h>

namespace hokan::config {
namespace {

std::vector<std::string> errors_of(std::string_view toml) { return load_string(toml, "t.toml").errors; }

TEST(Config, TheShippedReferenceFileLoads) {
  auto loaded = load_file(HOKAN_SOURCE_DIR "/conf/hokan.toml");
  ASSERT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors.front());
  const Config& c = *loaded.config;
  EXPECT_EQ(c.daemon.state_dir, "/var/lib/hokan");
  EXPECT_EQ(c.listen.control, "/run/hokan/hokan.sock");
  ASSERT_NE(c.find_category("cctv"), nullptr);
  EXPECT_EQ(c.find_category("cctv")->kind, Category::Kind::object);
  EXPECT_EQ(c.find_category("cctv")->retention_by_camera.at("vault-door").count, 90);
  EXPECT_EQ(c.find_category("applicant")->retention_by_outcome.at("rejected").count, 0);
  EXPECT_EQ(c.find_category("access")->match.facility, (std::vector<int>{4, 10}));
  EXPECT_FALSE(c.find_category("access")->disclosable);
}

TEST(Config, TheEmbeddedDefaultKeepsStateUnderVar) {
  auto c = embedded_default();
  EXPECT_EQ(c->daemon.state_dir, "./var");
  EXPECT_EQ(c->listen.control, "./var/hokan.sock");
  EXPECT_EQ(c->listen.tcp, std::vector<std::string>{"127.0.0.1:5514"});
  EXPECT_EQ(c->source_name, "<embedded default>");
}

TEST(Config, DefaultsApplyToAnEmptyFile) {
  auto loaded = load_string("", "empty.toml");
  ASSERT_TRUE(loaded.config);
  EXPECT_EQ(loaded.config->storage.sync, Config::Storage::Sync::batch);
  EXPECT_EQ(loaded.config->storage.clock_skew_seconds, 300);
  EXPECT_EQ(loaded.config->purge.schedule.minute_of_day, 180);
  // default_category exists implicitly.
  ASSERT_NE(loaded.config->find_category("operation"), nullptr);
  EXPECT_EQ(loaded.config->find_category("operation")->retention->text, "365d");
}

TEST(Config, NamesFileLineColumnAndKeyOfABadValue) {
  EXPECT_EQ(errors_of("[storage]\nsync = \"sometimes\"\n"),
            std::vector<std::string>{"t.toml:2:8: storage.sync: expected \"always\", \"batch\" or \"none\", got \"sometimes\""});
}

TEST(Config, ReportsEveryErrorNotJustTheFirst) {
  auto errors = errors_of(
      "[storage]\n"
      "sync = \"sometimes\"\n"
      "max_message_bytes = 10\n"
      "[daemon]\n"
      "timezone = \"Mars/Olympus\"\n"
      "[[category]]\n"
      "name = \"web\"\n"
      "retention = \"10 days\"\n");
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_TRUE(errors[0].starts_with("t.toml:5:12: daemon.timezone: unknown time zone")) << errors[0];
  EXPECT_TRUE(errors[1].starts_with("t.toml:2:8: storage.sync")) << errors[1];
  EXPECT_TRUE(errors[2].starts_with("t.toml:3:21: storage.max_message_bytes")) << errors[2];
  EXPECT_TRUE(errors[3].starts_with("t.toml:8:13: category[0].retention: bad period \"10 days\"")) << errors[3];
}

TEST(Config, RefusesUnknownKeysWithAHint) {
  EXPECT_EQ(errors_of("[storage]\nsyncc = \"batch\"\n"),
            std::vector<std::string>{"t.toml:2:1: storage.syncc: unknown key (did you mean \"sync\"?)"});
  EXPECT_EQ(errors_of("colour = 1\n"), std::vector<std::string>{"t.toml:1:1: colour: unknown key"});
}

TEST(Config, ReportsTomlSyntaxErrorsWithTheirPosition) {
  auto errors = errors_of("[daemon]\nstate_dir = \"unterminated\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(errors[0].starts_with("t.toml:2:")) << errors[0];
}

TEST(Config, ChecksCategoriesAndTheirMatchRules) {
  auto errors = errors_of(
      "[[category]]\nname = \"web\"\nretention = \"30d\"\n"
      "match = { facility = [\"auth\", \"nosuch\"], source = [\"10.0.0.0/33\"] }\n"
      "[[category]]\nname = \"web\"\nretention = \"30d\"\n"
      "[[category]]\nname = \"audit\"\nretention = \"30d\"\n"
      "[[category]]\nname = \"noretention\"\n");
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("category[0].match.facility[1]: unknown facility \"nosuch\""), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("category[0].match.source[0]: bad network \"10.0.0.0/33\""), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("category[1].name: category \"web\" is defined twice"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("category[2].name: \"audit\" is the built-in"), std::string::npos) << errors[3];
  EXPECT_NE(errors[4].find("category[3].retention: required"), std::string::npos) << errors[4];
}

TEST(Config, ParsesCidrNetworksOfBothFamilies) {
  auto v4 = parse_network("192.168.10.0/24");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->prefix, 24);
  EXPECT_EQ(v4->bytes[2], 10);
  auto v6 = parse_network("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(parse_network("192.0.2.7")->prefix, 32);
  EXPECT_FALSE(parse_network("2001:db8::/129"));
  EXPECT_FALSE(parse_network("not-an-ip"));
}

TEST(Config, ParsesPeriodsSchedulesAndDurations) {
  EXPECT_EQ(parse_period("365d")->count, 365);
  EXPECT_EQ(parse_period("6m")->unit, Period::Unit::months);
  EXPECT_EQ(parse_period("0d")->count, 0);
  EXPECT_FALSE(parse_period("1 y"));
  EXPECT_FALSE(parse_period("-1d"));
  EXPECT_EQ(parse_schedule("daily 03:00")->minute_of_day, 180);
  EXPECT_EQ(parse_schedule("every 6h")->interval_s, 6 * 3600);
  EXPECT_FALSE(parse_schedule("daily 25:00"));
  EXPECT_FALSE(parse_schedule("weekly"));
  EXPECT_EQ(*parse_duration_seconds("5min"), 300);
  EXPECT_FALSE(parse_duration_seconds("5 parsecs"));
}

TEST(Config, ChecksRolesAgainstActionsAndCategories) {
  auto errors = errors_of(
      "[[role]]\nname = \"sec\"\nusers = [\"alice\"]\nactions = [\"query\", \"fly\"]\ncategories = [\"nosuch\"]\n"
      "[[role]]\nname = \"nobody\"\nactions = [\"query\"]\n");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("role[0].actions[1]: unknown action \"fly\""), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("role[1]: a role needs users or groups"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("role[0].categories[0]: no category named \"nosuch\""), std::string::npos) << errors[2];
}

TEST(Config, StoresOnlyHashesOfSenderTokens) {
  auto errors = errors_of("[[sender]]\nname = \"nvr\"\ntoken_sha256 = \"secret-token\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("sender[0].token_sha256: expected 64 hex digits"), std::string::npos);
}

}  // namespace
}  // namespace hokan::config
