#include "objects/rate_limit.h"

#include <iterator>

namespace hokan::objects {

WindowLimiter::WindowLimiter(Clock::duration window, std::size_t max_keys)
    : window_(window), max_keys_(max_keys) {}

std::optional<uint64_t> WindowLimiter::admit(const std::string& key, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) {
      // A key whose window has passed would be admitted anyway: forgetting it changes
      // nothing but the count of what it held back.
      for (auto e = entries_.begin(); e != entries_.end();)
        e = now - e->second.last >= window_ ? entries_.erase(e) : std::next(e);
      if (entries_.size() >= max_keys_) return std::nullopt;
    }
    entries_.emplace(key, Entry{now, 0});
    return 0;
  }
  Entry& e = it->second;
  if (now - e.last < window_) {
    ++e.held;
    return std::nullopt;
  }
  uint64_t held = e.held;
  e = Entry{now, 0};
  return held;
}

}  // namespace hokan::objects
