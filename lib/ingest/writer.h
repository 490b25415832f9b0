// The single writer: listeners hand it batches of events through a bounded queue; its
// thread group-commits them to the store and syncs the WAL per [storage] sync.
// Backpressure, not loss: when the queue is full, or the store refuses writes (a full
// disk), try_submit() refuses and TCP sessions wait before reading more; UDP counts a
// drop; RELP and HTTP answer that nothing was stored.
// A write the store refuses for a passing reason (disk full, I/O error, a bucket that
// cannot be opened now) is kept and retried with backoff until it goes in: nothing
// handed to the writer is dropped for it. Only a permanent error of one bucket (data
// that does not decode) costs that bucket's events, logged with their count.
// Urgent batches (the audit trail) go ahead of the queue and may use half of the disk
// reserve, so purges — which free space and must be audited first — still run on a
// full disk.
// Thread-safety: try_submit(), accepting(), trouble(), healthy() and counters are safe
// from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store/event.h"
#include "store/store.h"

namespace hokan::ingest {

struct WriterCounters {
  std::atomic<uint64_t> written{0};
  // Records given up on: a permanent error of their bucket. Never a full disk.
  std::atomic<uint64_t> write_errors{0};
  std::atomic<uint64_t> batches{0};
  // Failed attempts that were kept and retried (full disk, I/O errors).
  std::atomic<uint64_t> write_retries{0};
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
  enum class Priority { normal, urgent };
  // When `on_durable` runs: once the batch is synced under the sync mode, or as soon as
  // it is written (readable, in the WAL) with the sync to follow within the batch
  // interval — for a record whose loss in a crash costs less than an fsync per request.
  enum class Wait { synced, written };

  // `max_queued` bounds the events waiting for the writer thread.
  Writer(store::Store& store, store::SyncMode sync, std::size_t max_queued = 200'000);
  ~Writer();  // stop()

  // Queues a batch; returns false (leaving `events` untouched) when the queue is full or
  // the store refuses writes now. `on_durable`, when given, runs on the writer thread
  // once the batch is durable under the sync mode (for acknowledging protocols), with
  // false when it could not be written. Urgent batches may wait only until `written`.
  bool try_submit(std::vector<store::Event>& events, std::function<void(bool)> on_durable = {},
                  Priority priority = Priority::normal, Wait wait = Wait::synced);

  // Writes everything queued, syncs and stops the thread. Idempotent. A batch the store
  // still refuses is given up on then, with a log line that counts it.
  void stop();

  // Parts that act on new events (case clocks, live follow) register here; called on
  // the writer thread after each durable batch, in registration order. Keep them cheap.
  using Observer = std::function<void(const std::vector<store::Event>&)>;
  void add_observer(Observer observer);

  std::size_t queued() const;
  // Whether normal batches are taken now: false while a refused write waits to be retried.
  bool accepting() const;
  // Why the writer cannot store what it is given ("disk full: ..."), or nothing.
  std::optional<std::string> trouble() const;
  // False when events wait and the writer thread has not finished a batch for `stall`:
  // stuck on the disk or deadlocked. What the systemd watchdog asks. A writer waiting
  // out a full disk is not stuck: it keeps making its attempts.
  bool healthy(std::chrono::steady_clock::duration stall) const;
  const WriterCounters& counters() const { return counters_; }

 private:
  struct Item {
    std::vector<store::Event> events;
    std::function<void(bool)> on_durable;
    Wait wait = Wait::synced;
  };
  using Acks = std::vector<std::function<void(bool)>>;
  void run();
  // One attempt at the batches in `parts`, written as they were submitted: what went in
  // is counted and observed; what did not is left in parts[0], in order, and the other
  // parts are empty. True when all of it went in.
  bool attempt(std::vector<std::vector<store::Event>>& parts, bool privileged, Acks& acks,
               const std::vector<Observer>& observers);
  void observe(const std::vector<store::Event>& written, const std::vector<Observer>& observers);
  void set_trouble(std::optional<std::string> why);
  std::string failure_text;  // the store's last refusal (writer thread only)

  store::Store& store_;
  store::SyncMode sync_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Item> queue_, urgent_;
  // Storage of batches the writer has emptied, handed back to submitters: a session's
  // next batch then fills memory already mapped instead of fresh pages.
  std::vector<std::vector<store::Event>> spares_;
  std::size_t queued_events_ = 0;
  bool stopping_ = false;
  bool refusing_ = false;             // a refused batch waits for its retry
  std::optional<std::string> trouble_;
  std::vector<Observer> observers_;
  WriterCounters counters_;
  std::atomic<std::chrono::steady_clock::rep> last_progress_{std::chrono::steady_clock::now().time_since_epoch().count()};
  std::thread thread_;
};

}  // namespace hokan::ingest
