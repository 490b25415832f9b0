// Parsing and printing the times people type and read: RFC 3339 output with offset, and
// the journalctl-like input forms hokanctl accepts. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/timezone.h"

namespace hokan::core {

// "2026-11-20T03:12:00.123456+09:00" in the zone (micros only when non-zero;
// "Z" never used: the offset is always written so a reader sees local time).
std::string format_rfc3339(int64_t utc_us, const TimeZone& zone);

// Parses a time as hokanctl takes it, relative to `now_us` and read in `zone` unless
// the text carries an offset:
//   "2026-11-01", "2026-11-01 03:12", "2026-11-01 03:12:00", "2026-11-01T03:12:00",
//   RFC 3339 with "Z" or "+09:00" (fractions allowed), "now", "today", "yesterday",
//   "tomorrow", "-2h", "+1h", "-30min", "-15m", "-7d", "-1w", "-10s" (units: s, sec,
//   m, min, h, d, w; several may be combined: "-1h30min").
// Errors: invalid_argument with a one-line message quoting the text.
[[nodiscard]] Result<int64_t> parse_time(std::string_view text, int64_t now_us,
                                         const TimeZone& zone);

// Strict RFC 3339 (as in RFC 5424 TIMESTAMP and the X-Hokan-Time header): full date,
// 'T', time, optional fraction (up to 6 digits kept), and 'Z' or an offset.
[[nodiscard]] Result<int64_t> parse_rfc3339(std::string_view text);

// Current wall-clock time, UTC µs since the epoch.
int64_t now_us();

}  // namespace hokan::core
