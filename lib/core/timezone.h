// A named IANA time zone read from the system's TZif files (/usr/share/zoneinfo), because
// g++ 12's libstdc++ has no std::chrono::tzdb and TZ/localtime_r is process-global.
// Thread-safety: a loaded TimeZone is immutable and safe to share between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace hokan::core {

// Broken-down civil time (no zone attached).
struct CivilTime {
  int year = 1970, month = 1, day = 1;  // month 1..12, day 1..31
  int hour = 0, minute = 0, second = 0;
  int64_t micros = 0;  // 0..999999

  bool operator==(const CivilTime&) const = default;
};

class TimeZone {
 public:
  // Loads "Asia/Tokyo", "UTC", "America/New_York", ... Errors: not_found (no such zone),
  // corruption (unreadable TZif), io (the file exists but cannot be read). Reads one file;
  // call at start-up, not per message.
  [[nodiscard]] static Result<std::shared_ptr<const TimeZone>> load(std::string_view name);
  // Builds a zone from the bytes of a TZif file (RFC 8536, v1 to v4), as load() does after
  // reading /usr/share/zoneinfo/<name>; for zones kept elsewhere and for tests. Errors:
  // corruption.
  [[nodiscard]] static Result<std::shared_ptr<const TimeZone>> from_tzif(std::string_view name,
                                                                         std::string_view tzif);
  // Fixed UTC; never fails.
  static std::shared_ptr<const TimeZone> utc();

  const std::string& name() const;
  // Offset from UTC in seconds in force at the instant (UTC µs since the epoch).
  int32_t offset_at(int64_t utc_us) const;
  // Civil time in this zone at the instant.
  CivilTime to_civil(int64_t utc_us) const;
  // The instant a civil time in this zone names. In a gap (spring forward) the time is
  // read with the offset before the gap; in an overlap the earlier instant is returned.
  int64_t from_civil(const CivilTime& civil) const;

  ~TimeZone();
  struct Impl;
  explicit TimeZone(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// Days since 1970-01-01 for a proleptic Gregorian date, and back (Howard Hinnant's
// algorithms); exposed because calendar arithmetic (retention months/years) needs them.
int64_t days_from_civil(int year, int month, int day);
void civil_from_days(int64_t days, int& year, int& month, int& day);

}  // namespace hokan::core
