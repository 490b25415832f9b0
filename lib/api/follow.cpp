#include "api/follow.h"

#include <algorithm>

namespace hokan::api {

void FollowHub::publish(const std::vector<store::Event>& batch) {
  std::vector<std::shared_ptr<Subscription>> subscribers;
  {
    std::lock_guard lock(mutex_);
    if (subscriptions_.empty()) return;
    subscribers = subscriptions_;
  }
  for (auto& s : subscribers) {
    bool any = false;
    std::lock_guard lock(s->mutex);
    for (const auto& e : batch) {
      if (!s->filter(e)) continue;
      if (s->events.size() >= kMaxQueued) {
        s->events.pop_front();
        ++s->dropped;
      }
      s->events.push_back(e);
      any = true;
    }
    if (any) s->ready.notify_one();
  }
}

std::shared_ptr<FollowHub::Subscription> FollowHub::subscribe(std::function<bool(const store::Event&)> filter) {
  auto s = std::make_shared<Subscription>();
  s->filter = std::move(filter);
  std::lock_guard lock(mutex_);
  subscriptions_.push_back(s);
  return s;
}

void FollowHub::unsubscribe(const std::shared_ptr<Subscription>& subscription) {
  std::lock_guard lock(mutex_);
  subscriptions_.erase(std::remove(subscriptions_.begin(), subscriptions_.end(), subscription), subscriptions_.end());
}

}  // namespace hokan::api
