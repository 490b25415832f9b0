// Live follow: queries with --follow subscribe here and receive, as the writer makes
// them durable, the new events that pass their filter. Bounded per subscriber: a
// follower that cannot keep up loses the oldest events and is told how many.
// Thread-safety: publish() runs on the writer thread, the rest on request threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "store/event.h"

namespace hokan::api {

class FollowHub {
 public:
  struct Subscription {
    std::function<bool(const store::Event&)> filter;
    std::mutex mutex;
    std::condition_variable ready;
    std::deque<store::Event> events;
    uint64_t dropped = 0;
  };

  void publish(const std::vector<store::Event>& batch);
  std::shared_ptr<Subscription> subscribe(std::function<bool(const store::Event&)> filter);
  void unsubscribe(const std::shared_ptr<Subscription>& subscription);

 private:
  static constexpr std::size_t kMaxQueued = 100'000;
  std::mutex mutex_;
  std::vector<std::shared_ptr<Subscription>> subscriptions_;
};

}  // namespace hokan::api
