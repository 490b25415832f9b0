#include "objects/put_request.h"

#include <gtest/gtest.h>

#include "core/sha256.h"
#include "core/time_format.h"

namespace hokan::objects {
namespace {

const std::string kNvrToken = "nvr-token", kDoorToken = "door-token";

// Two object categories as a site with recorders would write them: cctv reads time and
// camera from ffmpeg's segment names and keeps playlists as versions; docs reads nothing
// from names. Two senders: an NVR of many cameras, and a door camera of its own.
std::shared_ptr<const config::Config> site_config() {
  auto loaded = config::load_string(
      "[daemon]\ntimezone = \"Asia/Tokyo\"\n"
      "[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
      "retention_by_camera = { \"vault-door\" = \"90d\", \"door-2\" = \"60d\" }\n"
      "name_time = \"%Y%m%dT%H%M%S\"\nname_camera = \"{camera}-\"\nreplace = [\"*.m3u8\"]\n"
      "[[category]]\nname = \"docs\"\nkind = \"object\"\nretention = \"1y\"\n"
      "[[sender]]\nname = \"nvr-1\"\ntoken_sha256 = \"" +
          core::sha256_hex(kNvrToken) +
          "\"\n"
          "[[sender]]\nname = \"door\"\ntoken_sha256 = \"" +
          core::sha256_hex(kDoorToken) + "\"\ncamera = \"door-2\"\n",
      "t.toml");
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front();
  return loaded.config;
}

const int64_t kNow = *core::parse_rfc3339("2026-11-20T03:01:00+09:00");

struct Put {
  std::shared_ptr<const config::Config> config = site_config();
  retention::Policy policy{config, nullptr};
  std::string bearer = "Bearer " + kNvrToken;
  PutHeaders headers{.authorization = bearer};

  std::variant<Refusal, Ignored, PutPlan> decode(const std::string& category,
                                                 const std::string& name, int64_t now = kNow) {
    return decode_put(headers, category, name, "192.0.2.7", *config, policy, now);
  }
  PutPlan plan(const std::string& category, const std::string& name, int64_t now = kNow) {
    auto d = decode(category, name, now);
    if (auto* r = std::get_if<Refusal>(&d)) ADD_FAILURE() << r->status << " " << r->message;
    EXPECT_TRUE(std::holds_alternative<PutPlan>(d));
    return std::holds_alternative<PutPlan>(d) ? std::get<PutPlan>(d) : PutPlan{};
  }
  Refusal refusal(const std::string& category, const std::string& name) {
    auto d = decode(category, name);
    EXPECT_TRUE(std::holds_alternative<Refusal>(d)) << name;
    return std::holds_alternative<Refusal>(d) ? std::get<Refusal>(d) : Refusal{};
  }
};

std::string field(const store::Event& e, std::string_view key) {
  for (const auto& [k, v] : e.fields.extra)
    if (k == key) return v;
  return "";
}

int64_t at(std::string_view rfc3339) { return *core::parse_rfc3339(rfc3339); }

// --- The time ------------------------------------------------------------------------

TEST(PutTime, TheHeaderComesFirst) {
  Put put;
  put.headers.time = "2026-11-20T02:59:00+09:00";
  auto p = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(p.meta.time_us, at("2026-11-20T02:59:00+09:00"));
  EXPECT_EQ(field(p.meta, "time_source"), "header");
}

TEST(PutTime, ThenTheNameInTheConfiguredZone) {
  Put put;
  auto p = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(p.meta.time_us, at("2026-11-20T03:00:00+09:00"));
  EXPECT_EQ(p.meta.received_us, kNow);
  EXPECT_EQ(field(p.meta, "time_source"), "name");
}

TEST(PutTime, ThenTheReceivedTime) {
  Put put;
  auto p = put.plan("docs", "scan-0042.pdf");
  EXPECT_EQ(p.meta.time_us, kNow);
  EXPECT_EQ(field(p.meta, "time_source"), "received");
}

TEST(PutTime, ANameWithoutTheTimeIsRefusedSayingWhy) {
  Put put;
  Refusal r = put.refusal("cctv", "cam1-2026-11-20.ts");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.reason, Reason::name);
  EXPECT_EQ(r.message,
            "name: no time of the form \"%Y%m%dT%H%M%S\" in \"cam1-2026-11-20.ts\": after \"2026\" "
            "it expects %m (2 "
            "digits) (category cctv reads the time from names by name_time; or send X-Hokan-Time)");
  EXPECT_EQ(put.refusal("cctv", "cam1-20261320T030000.ts").message,
            "name: \"20261320T030000\" in the name is not a valid time (month 13) (category cctv "
            "reads the time from "
            "names by name_time; or send X-Hokan-Time)");
}

TEST(PutTime, ATimeFromTheNameIsGuardedLikeAClaimedOne) {
  Put put;
  // An hour ahead of the received time: beyond clock_skew, so the received time counts.
  auto ahead = put.plan("cctv", "cam1-20261120T040100.ts");
  EXPECT_EQ(ahead.meta.time_us, kNow);
  EXPECT_EQ(ahead.meta.claimed_time_us, at("2026-11-20T04:01:00+09:00"));
  EXPECT_EQ(field(ahead.meta, "time_source"), "received");
  // Older than oldest_time (20y): would expire on arrival.
  auto ancient = put.plan("cctv", "cam1-19990101T000000.ts");
  EXPECT_EQ(ancient.meta.time_us, kNow);
  EXPECT_EQ(ancient.meta.claimed_time_us, at("1999-01-01T00:00:00+09:00"));
}

TEST(PutTime, TheEndMayNotComeBeforeTheTimeFromTheName) {
  Put put;
  put.headers.end = "2026-11-20T02:00:00+09:00";
  EXPECT_EQ(put.refusal("cctv", "cam1-20261120T030000.ts").message,
            "X-Hokan-End: before the object's time");
  put.headers.end = "2026-11-20T03:00:02+09:00";
  EXPECT_EQ(field(put.plan("cctv", "cam1-20261120T030000.ts").meta, "end"),
            "2026-11-20T03:00:02+09:00");
}

// --- The camera ----------------------------------------------------------------------

TEST(PutCamera, TheHeaderComesFirst) {
  Put put;
  put.bearer = "Bearer " + kDoorToken;
  put.headers.authorization = put.bearer;
  put.headers.camera = "vault-door";
  auto p = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(p.meta.host, "vault-door");
  EXPECT_EQ(field(p.meta, "camera_source"), "header");
  EXPECT_EQ(p.meta.lane, "p-90d") << "per-camera retention";
}

TEST(PutCamera, ThenTheSendersCamera) {
  Put put;
  put.bearer = "Bearer " + kDoorToken;
  put.headers.authorization = put.bearer;
  auto p = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(p.meta.host, "door-2");
  EXPECT_EQ(field(p.meta, "camera"), "door-2");
  EXPECT_EQ(field(p.meta, "camera_source"), "sender");
  EXPECT_EQ(p.meta.lane, "p-60d") << "per-camera retention";
}

TEST(PutCamera, ThenTheName) {
  Put put;
  auto p = put.plan("cctv", "vault-door-20261120T030000.ts");
  EXPECT_EQ(p.meta.host, "vault") << "the prefix up to the first separator";
  auto q = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(q.meta.host, "cam1");
  EXPECT_EQ(field(q.meta, "camera_source"), "name");
  EXPECT_EQ(q.meta.lane, "p-30d");
}

TEST(PutCamera, ANameWithoutTheCameraIsRefusedSayingWhy) {
  Put put;
  Refusal r = put.refusal("cctv", "20261120T030000.ts");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.reason, Reason::name);
  EXPECT_EQ(r.message,
            "name: \"20261120T030000.ts\" does not begin with a camera of the form \"{camera}-\" "
            "(category cctv reads "
            "the camera from names by name_camera; or send X-Hokan-Camera)");
}

TEST(PutCamera, AScannerNamesItsHostAndNoCamera) {
  Put put;
  put.headers.host = "scanner-2f";
  auto p = put.plan("cctv", "cam1-20261120T030000.ts");
  EXPECT_EQ(p.meta.host, "scanner-2f");
  EXPECT_EQ(field(p.meta, "camera"), "");
  put.headers.camera = "cam1";
  EXPECT_EQ(put.refusal("cctv", "cam1-20261120T030000.ts").message,
            "X-Hokan-Camera and X-Hokan-Host: give one");
}

// --- Playlists -----------------------------------------------------------------------

TEST(PutPlaylists, AReplacedNameIsStoredAsAVersionWithItsReceivedTime) {
  Put put;
  auto p = put.plan("cctv", "cam1.m3u8", kNow + 123456);
  EXPECT_EQ(p.name, "cam1.m3u8@20261119T180100.123456Z");
  EXPECT_EQ(p.meta.message, p.name);
  EXPECT_EQ(p.meta.time_us, kNow + 123456) << "a playlist's name holds no time";
  EXPECT_EQ(field(p.meta, "time_source"), "received");
  EXPECT_EQ(p.meta.host, "") << "and no camera: not a refusal";
  EXPECT_EQ(put.plan("cctv", "cam1.m3u8", kNow + 1).name, "cam1.m3u8@20261119T180100.000001Z");
}

TEST(PutPlaylists, IgnoredNamesAreNotStored) {
  Put put;
  auto d = put.decode("cctv", "cam1.mpd");
  ASSERT_TRUE(std::holds_alternative<Ignored>(d));
  EXPECT_EQ(std::get<Ignored>(d).pattern, "*.mpd");
  EXPECT_TRUE(std::holds_alternative<Ignored>(put.decode("docs", "index.m3u8")));
}

TEST(PutPlaylists, AnIgnoredNameStillNeedsAToken) {
  Put put;
  put.headers.authorization = "";
  EXPECT_EQ(put.refusal("cctv", "cam1.mpd").status, 401);
}

// --- Refusals keep their reasons -----------------------------------------------------

TEST(PutRefusals, EachHasItsReason) {
  Put put;
  EXPECT_EQ(put.refusal("nosuch", "x").reason, Reason::category);
  EXPECT_EQ(put.refusal("cctv", "a b").reason, Reason::name);
  EXPECT_EQ(put.refusal("cctv", "x@y").reason, Reason::name) << "@ is kept for versions";
  put.headers.content_type = "application/x-www-form-urlencoded";
  EXPECT_EQ(put.refusal("docs", "x").reason, Reason::content_type);
  put.headers.content_type = "";
  put.headers.content_length = (1ull << 30) + 1;
  EXPECT_EQ(put.refusal("docs", "x").reason, Reason::too_large);
  put.headers.content_length.reset();
  put.headers.time = "yesterday";
  EXPECT_EQ(put.refusal("docs", "x").reason, Reason::metadata);
  put.headers.authorization = "Bearer wrong";
  EXPECT_EQ(put.refusal("docs", "x").reason, Reason::token);
}

TEST(PutSenders, TheTokenNamesTheSender) {
  auto config = site_config();
  EXPECT_EQ(sender_of(*config, "Bearer " + kDoorToken)->name, "door");
  EXPECT_EQ(sender_of(*config, "Bearer nope"), nullptr);
  EXPECT_EQ(sender_of(*config, kDoorToken), nullptr);
}

}  // namespace
}  // namespace hokan::objects
