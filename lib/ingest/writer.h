// The single writer: listeners hand it batches of events through a bounded queue; its
// thread group-commits them to the store and syncs the WAL per [storage] sync.
// Backpressure, not loss: when the queue is full, try_submit() refuses and TCP sessions
// wait before reading more; UDP counts a drop.
// Thread-safety: try_submit(), wait_durable() and counters are safe from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <mutex>
#include <thread>
#include <vector>

#include "store/event.h"
#include "store/store.h"

namespace hokan::ingest {

struct WriterCounters {
  std::atomic<uint64_t> written{0};
  std::atomic<uint64_t> write_errors{0};
  std::atomic<uint64_t> batches{0};
  // Write batch latency (store write + sync), Prometheus-style cumulative buckets.
  static constexpr double kLatencyBounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0};
  std::atomic<uint64_t> latency_buckets[std::size(kLatencyBounds)] = {};
  std::atomic<uint64_t> latency_micros_sum{0};
  // Records and bytes written per category (for /metrics).
  struct PerCategory {
    uint64_t records = 0, bytes = 0;
  };
  std::map<std::string, PerCategory> snapshot_categories() const {
    std::lock_guard lock(mutex);
    return categories;
  }
  mutable std::mutex mutex;
  std::map<std::string, PerCategory> categories;
};

class Writer {
 public:
  // `max_queued` bounds the events waiting for the writer thread.
  Writer(store::Store& store, store::SyncMode sync, std::size_t max_queued = 200'000);
  ~Writer();  // stop()

  // Queues a batch; returns false (leaving `events` untouched) when the queue is full.
  // `on_durable`, when given, runs on the writer thread once the batch is durable under
  // the sync mode (for acknowledging protocols), with false when the write failed.
  bool try_submit(std::vector<store::Event>& events,
                  std::function<void(bool)> on_durable = {});

  // Writes everything queued, syncs and stops the thread. Idempotent.
  void stop();

  // Parts that act on new events (case clocks, live follow) register here; called on
  // the writer thread after each durable batch, in registration order. Keep them cheap.
  using Observer = std::function<void(const std::vector<store::Event>&)>;
  void add_observer(Observer observer);

  std::size_t queued() const;
  // False when events wait and the writer thread has not finished a batch for `stall`:
  // stuck on the disk or deadlocked. What the systemd watchdog asks.
  bool healthy(std::chrono::steady_clock::duration stall) const;
  const WriterCounters& counters() const { return counters_; }

 private:
  void run();
  // store.write(), with anything it throws (allocation) turned into an error.
  Result<void> write_guarded(std::vector<store::Event>& batch);

  struct Item {
    std::vector<store::Event> events;
    std::function<void(bool)> on_durable;
  };
  store::Store& store_;
  store::SyncMode sync_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  std::vector<Observer> observers_;
  WriterCounters counters_;
  std::atomic<std::chrono::steady_clock::rep> last_progress_{std::chrono::steady_clock::now().time_since_epoch().count()};
  std::thread thread_;
};

}  // namespace hokan::ingest
