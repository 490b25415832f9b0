#include "api/access.h"

#include <gtest/gtest.h>

namespace hokan::api {
namespace {

std::shared_ptr<const config::Config> roles_config() {
  auto loaded = config::load_string(R"(
default_category = "operation"
[daemon]
state_dir = "/tmp/unused"
[[category]]
name = "access"
retention = "365d"
[[category]]
name = "operation"
retention = "365d"
[[role]]
name = "ops-hold"
users = ["olga"]
actions = ["hold", "query"]
categories = ["operation"]
[[role]]
name = "investigator"
users = ["ivan"]
actions = ["query", "hold", "purge"]
categories = ["*"]
[[role]]
name = "admin"
users = ["ada"]
actions = ["admin"]
categories = ["*"]
)",
                                    "roles.toml");
  EXPECT_TRUE(loaded.config) << (loaded.errors.empty() ? "" : loaded.errors.front());
  return loaded.config;
}

Caller caller(const std::string& name, uid_t uid) { return Caller{uid, 65534, 1, name}; }

TEST(Access, AHoldRoleOverOneCategoryGetsOnlyThatOne) {
  AccessControl access(roles_config(), 0);
  auto olga = caller("olga", 5001);
  auto g = access.check(olga, "hold", {});
  ASSERT_TRUE(g);
  EXPECT_EQ(g->categories, std::vector<std::string>{"operation"});
  auto refused = access.check(olga, "hold", {"access"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, Errc::permission_denied);
  EXPECT_EQ(refused.error().message, "olga (uid 5001) may not hold category \"access\"");
}

TEST(Access, StrangersAndMissingActionsAreRefusedWithTheReason) {
  AccessControl access(roles_config(), 0);
  auto nobody = caller("nobody", 5009);
  EXPECT_FALSE(access.has_role(nobody));
  EXPECT_EQ(access.check(nobody, "any", {}).error().message,
            "nobody (uid 5009) has no role in hokan.toml; ask the administrator for one");
  auto olga = caller("olga", 5001);
  EXPECT_TRUE(access.has_role(olga));
  EXPECT_TRUE(access.check(olga, "any", {}));
  EXPECT_EQ(access.check(olga, "purge", {}).error().message, "olga (uid 5001) has no role that grants \"purge\"");
}

TEST(Access, TheAuditTrailIsReachedByNameOrByAPurge) {
  AccessControl access(roles_config(), 0);
  auto ada = caller("ada", 5002);
  auto all = access.check(ada, "admin", {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->categories, (std::vector<std::string>{"access", "operation"}));
  auto with_audit = access.check(ada, "admin", {}, true);
  ASSERT_TRUE(with_audit);
  EXPECT_EQ(with_audit->categories, (std::vector<std::string>{"access", "audit", "operation"}));
  auto ivan = caller("ivan", 5003);
  EXPECT_FALSE(access.check(ivan, "query", {"audit"}));  // not an admin
  auto daemon = caller("hokan", 0);
  EXPECT_TRUE(access.check(daemon, "query", {"audit"}));
}

}  // namespace
}  // namespace hokan::api
