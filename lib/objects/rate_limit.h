// At most one event per key per window, for what the HTTP listener tells about refusals:
// one log line per sender and reason per minute, and one audit record per minute of the
// DELETEs of a peer that no token identifies. A recorder that keeps getting 400 or a
// stranger that keeps knocking then costs a line a minute, not a line a request. What was
// held back is counted and told with the next event that goes.
// Thread-safety: admit() is safe from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace hokan::objects {

class WindowLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // At most `max_keys` keys are tracked: past that, keys whose window has passed are
  // forgotten, and while none has, new keys are held back (a flood of distinct peers).
  explicit WindowLimiter(Clock::duration window = std::chrono::minutes(1),
                         std::size_t max_keys = 4096);

  // Whether an event of `key` may go now. When it may: how many of the key's events were
  // held back since the last that went. Nothing when this one is held back.
  std::optional<uint64_t> admit(const std::string& key, Clock::time_point now = Clock::now());

 private:
  struct Entry {
    Clock::time_point last;  // when an event of the key last went
    uint64_t held = 0;
  };
  const Clock::duration window_;
  const std::size_t max_keys_;
  std::mutex mutex_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace hokan::objects
