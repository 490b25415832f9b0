// syslog::parse and the field Extractor on what it returns: any bytes a sender can put in
// a datagram or a frame. Input: one option byte (bits 0-1: the RFC 3164 zone; bits 2-7:
// which received time), then the line.
// Properties: no crash, leak or UB; facility and severity in range; a malformed line's
// message is the line; every extracted user, src_ip and case is a substring of the message
// or of a structured-data value (extraction never invents text).
#include <array>
#include <memory>
#include <string>
#include <string_view>

#include "core/ip.h"
#include "core/timezone.h"
#include "support/fuzz_check.h"
#include "syslog/extract.h"
#include "syslog/parser.h"

namespace {
using namespace hokan;

std::shared_ptr<const core::TimeZone> zone_or_utc(std::string_view name) {
  auto zone = core::TimeZone::load(name);
  return zone ? *zone : core::TimeZone::utc();
}

struct Setup {
  // nullptr: the parser's own UTC default.
  std::array<std::shared_ptr<const core::TimeZone>, 4> zones{
      nullptr, core::TimeZone::utc(), zone_or_utc("Asia/Tokyo"), zone_or_utc("America/New_York")};
  std::shared_ptr<const syslog::Extractor> extractor;
  Setup() {
    // Rules like the ones conf/hokan.toml shows: a field, an extra, an app filter.
    auto made = syslog::Extractor::create(
        {{"vpn", "", R"(vpn: user (?P<user>\S+) from (?P<src_ip>[0-9.]+))"},
         {"door", "door", R"(card=(?P<card>\d+) door=(?P<door>\w+))"}});
    FUZZ_CHECK(made.has_value());
    extractor = *made;
  }
};

// Received times: around now, New Year (RFC 3164 year inference), 29 February, the epoch
// and the edges of the four-digit years the parser reads.
int64_t received_time(uint8_t selector) {
  static constexpr int64_t kSecond = 1'000'000;
  static constexpr std::array<int64_t, 8> kBase{
      1'795'000'000,   // 2026-11
      1'798'761'599,   // 2026-12-31 23:59:59
      1'798'761'600,   // 2027-01-01
      1'709'208'000,   // 2024-02-29 12:00
      0,               // 1970-01-01
      -62'135'596'800, // 0001-01-01
      253'402'300'799, // 9999-12-31 23:59:59
      951'782'400,     // 2000-02-29
  };
  return kBase[selector % kBase.size()] * kSecond + (selector / kBase.size()) * 3'600 * kSecond;
}

bool inside(std::string_view outer, std::string_view inner) {
  return outer.find(inner) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static const Setup setup;
  hokan::fuzz::Input in(data, size);
  const uint8_t options = in.byte();
  const std::string_view line = in.rest();
  syslog::ParseContext context;
  context.zone = setup.zones[options & 3].get();
  context.received_us = received_time(options >> 2);

  const syslog::Message m = syslog::parse(line, context);
  FUZZ_CHECK(m.facility >= -1 && m.facility <= 23);
  FUZZ_CHECK(m.severity >= -1 && m.severity <= 7);
  FUZZ_CHECK((m.facility == -1) == (m.severity == -1));
  FUZZ_CHECK(m.malformed == !m.malformed_reason.empty());
  if (m.malformed) FUZZ_CHECK(inside(line, m.message));
  FUZZ_CHECK(m.message.size() <= line.size());

  const syslog::Fields f = setup.extractor->extract(m);
  auto found = [&](const std::string& value) {
    if (value.empty() || inside(m.message, value)) return true;
    for (const auto& element : m.sd)
      for (const auto& param : element.params)
        if (inside(param.value, value)) return true;
    return false;
  };
  // Addresses are kept canonical (RFC 5952, mapped IPv6 as IPv4), not as written: each
  // must be an address already in its canonical form.
  auto canonical = [](const std::string& value) {
    if (value.empty()) return true;
    auto c = core::canonical_ip(value);
    return c && *c == value;
  };
  FUZZ_CHECK(found(f.user));
  FUZZ_CHECK(canonical(f.src_ip));
  FUZZ_CHECK(canonical(f.origin_ip));
  for (const auto& ip : f.ips) FUZZ_CHECK(canonical(ip));
  FUZZ_CHECK(found(f.case_id));
  for (const auto& [name, value] : f.extra) FUZZ_CHECK(found(value));
  return 0;
}
