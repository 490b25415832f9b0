// Which time a record's retention counts from. A sender's claimed time is taken when it
// lies within [now - [storage] oldest_time, now + [storage] clock_skew]; outside it, the
// record counts from when hokand received it and keeps the claim as claimed_time. So no
// sender can stretch a retention with a clock ahead, or make a record purgeable on
// arrival with a clock far behind (a year 0001). Syslog events and objects both pass
// here. Thread-safety: immutable after construction.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.h"
#include "store/event.h"

namespace hokan::ingest {

class TimeGuard {
 public:
  explicit TimeGuard(const config::Config& config);
  // Checks e.time_us against e.received_us and replaces it when out of range.
  void apply(store::Event& e) const;

 private:
  std::shared_ptr<const core::TimeZone> zone_;
  int64_t skew_us_;
  config::Period back_;  // oldest_time, negated
  // Every time later than received minus this is inside the floor whatever the calendar
  // says, so the exact (calendar) check runs only for the rare old claim.
  int64_t surely_recent_us_;
};

}  // namespace hokan::ingest
