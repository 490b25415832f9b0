// core::TimeZone::from_tzif on any bytes (a damaged or foreign file in /usr/share/zoneinfo),
// then the zone at work: offsets, civil times both ways, at instants across the years the
// syslog parser can produce and around the file's own transitions.
// Properties: no crash, UB or allocation beyond the file; offsets under a day (from_civil
// relies on it); civil times in range; a civil time read back lands within two days.
#include <array>
#include <string_view>

#include "core/timezone.h"
#include "support/fuzz_check.h"

namespace {
using namespace hokan::core;

constexpr int64_t kSecond = 1'000'000;
constexpr int64_t kDay = 86'400;

void probe(const TimeZone& zone, int64_t seconds) {
  const int64_t t = seconds * kSecond + 123'456;
  const int32_t offset = zone.offset_at(t);
  FUZZ_CHECK(offset > -kDay && offset < kDay);
  const CivilTime c = zone.to_civil(t);
  FUZZ_CHECK(c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= 31);
  FUZZ_CHECK(c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59);
  FUZZ_CHECK(c.second >= 0 && c.second <= 59 && c.micros >= 0 && c.micros < kSecond);
  // Exact for a sane zone; for any zone, one of the offsets in force within a day, and
  // offsets are under a day.
  const int64_t back = zone.from_civil(c);
  FUZZ_CHECK(back > t - 2 * kDay * kSecond && back < t + 2 * kDay * kSecond);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto zone = TimeZone::from_tzif("Fuzz/Zone", bytes);
  if (!zone) return 0;
  // 0001-01-01, 1901 (32-bit TZif's edge), 1970, 2026, 2038 (the same), 9999-12-31.
  static constexpr std::array<int64_t, 8> kInstants{
      -62'135'596'800, -2'147'483'649, -1, 0, 1'795'000'000, 2'147'483'648, 4'102'444'800,
      253'402'300'799};
  for (int64_t s : kInstants) probe(**zone, s);
  // Around the transitions a v1 block names (times at byte 44 on, 4 bytes each).
  if (size >= 44 + 8) {
    for (std::size_t at = 44; at + 4 <= size && at < 44 + 4 * 4; at += 4) {
      const auto t = static_cast<int32_t>(static_cast<uint32_t>(data[at]) << 24 |
                                          static_cast<uint32_t>(data[at + 1]) << 16 |
                                          static_cast<uint32_t>(data[at + 2]) << 8 | data[at + 3]);
      probe(**zone, int64_t{t} - 1);
      probe(**zone, t);
    }
  }
  return 0;
}
