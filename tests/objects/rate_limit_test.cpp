#include "objects/rate_limit.h"

#include <gtest/gtest.h>

namespace hokan::objects {
namespace {

using namespace std::chrono_literals;
const auto t0 = WindowLimiter::Clock::time_point{} + 1000s;

TEST(WindowLimiter, OneEventPerKeyAndWindowAndTheCountOfTheRest) {
  WindowLimiter limiter(60s);
  EXPECT_EQ(limiter.admit("nvr-1\nname", t0), 0u);
  EXPECT_EQ(limiter.admit("nvr-1\nname", t0 + 1s), std::nullopt);
  EXPECT_EQ(limiter.admit("nvr-1\nname", t0 + 59s), std::nullopt);
  EXPECT_EQ(limiter.admit("nvr-1\nexists", t0 + 2s), 0u) << "another reason is another key";
  EXPECT_EQ(limiter.admit("nvr-1\nname", t0 + 60s), 2u);
  EXPECT_EQ(limiter.admit("nvr-1\nname", t0 + 121s), 0u);
}

TEST(WindowLimiter, AFloodOfKeysIsHeldBackUntilOldOnesExpire) {
  WindowLimiter limiter(60s, 2);
  EXPECT_EQ(limiter.admit("a", t0), 0u);
  EXPECT_EQ(limiter.admit("b", t0 + 1s), 0u);
  EXPECT_EQ(limiter.admit("c", t0 + 2s), std::nullopt);
  EXPECT_EQ(limiter.admit("c", t0 + 60s), 0u) << "a's window passed: it made room";
  EXPECT_EQ(limiter.admit("b", t0 + 61s), 0u);
}

}  // namespace
}  // namespace hokan::objects
