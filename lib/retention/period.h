// Retention arithmetic: when a record kept for a period expires, and when the purge
// schedule runs next. Periods are counted in the configured time zone on the calendar:
// "1m" from 31 January is the last day of February, "1y" from 29 February is 28
// February, "365d" is 365 local days (the same local time of day, whatever DST did in
// between). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "core/error.h"
#include "core/timezone.h"

namespace hokan::retention {

// The instant a record that starts its clock at `start_us` expires under `period`.
int64_t expiry_of(int64_t start_us, const config::Period& period, const core::TimeZone& zone);

// The first run strictly after `after_us`.
int64_t next_run(const config::Schedule& schedule, int64_t after_us, const core::TimeZone& zone);

}  // namespace hokan::retention
