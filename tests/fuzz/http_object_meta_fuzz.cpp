// objects::decode_put over any header values a recorder can send: it never crashes; what
// it accepts carries only valid UTF-8 text without control characters into the record
// (JSON and the meta store will carry it), and a refusal is a 4xx with one line. Input:
// seven NUL-separated header values (time, end, camera, host, case, content type,
// authorization), then the object's name.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/utf8.h"
#include "objects/put_request.h"
#include "retention/cases.h"
#include "retention/policy.h"
#include "support/fuzz_check.h"

namespace {

const hokan::config::Config& config() {
  static const auto loaded = hokan::config::load_string(R"(
default_category = "operation"
[daemon]
state_dir = "/tmp/unused"
timezone = "Asia/Tokyo"
[[category]]
name = "cctv"
kind = "object"
retention = "30d"
retention_by_camera = { "vault" = "90d" }
[[category]]
name = "disclosure_request"
kind = "object"
starts = "case_closed"
retention = "1y"
[[category]]
name = "operation"
retention = "365d"
)",
                                                        "fuzz.toml");
  return *loaded.config;
}

bool clean(std::string_view s) {
  if (!hokan::core::valid_utf8(s)) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (parts.size() < 8) {
    auto nul = in.find('\0');
    parts.push_back(in.substr(0, nul));
    if (nul == std::string_view::npos) {
      in = {};
    } else {
      in.remove_prefix(nul + 1);
    }
  }
  hokan::objects::PutHeaders h{parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], parts[6], std::nullopt};
  std::string name(parts[7]);
  static const auto cfg = std::shared_ptr<const hokan::config::Config>(&config(), [](auto*) {});
  // Case lanes need only the hash; nothing here reads or writes the meta store.
  static const auto cases = std::make_shared<const hokan::retention::Cases>(
      nullptr, [](std::string_view v) { return std::hash<std::string_view>{}(v); });
  static const hokan::retention::Policy policy(cfg, cases);
  for (const char* category : {"cctv", "disclosure_request", "operation", "nope"}) {
    auto decided = hokan::objects::decode_put(h, category, name, "192.0.2.1", *cfg, policy, 1'790'000'000'000'000);
    if (auto* refusal = std::get_if<hokan::objects::Refusal>(&decided)) {
      FUZZ_CHECK(refusal->status >= 400 && refusal->status < 500);
      FUZZ_CHECK(refusal->message.find('\n') == std::string::npos);
      continue;
    }
    const auto& meta = std::get<hokan::objects::PutPlan>(decided).meta;
    FUZZ_CHECK(clean(meta.host) && clean(meta.fields.case_id) && clean(meta.message));
    for (const auto& [k, v] : meta.fields.extra) FUZZ_CHECK(clean(k) && clean(v));
    FUZZ_CHECK(meta.time_us <= meta.received_us + config().storage.clock_skew_seconds * 1'000'000);
  }
  return 0;
}
