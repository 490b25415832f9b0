#include "ingest/writer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace hokan::ingest {
namespace {
// "batch" promises an fsync at least this often while data flows.
constexpr auto kBatchSyncInterval = std::chrono::milliseconds(5);
// Larger batches amortise the WAL write; this bounds the latency one batch adds.
constexpr std::size_t kMaxBatchEvents = 8192;
// Test builds can slow every write down, so that a test can kill hokand while batches
// wait in the queue (acknowledging protocols must not have answered them yet).
void test_write_delay() {
#ifdef HOKAN_FAULT_INJECTION
  static const int delay_ms = [] {
    const char* v = std::getenv("HOKAN_TEST_WRITE_DELAY_MS");
    return v ? std::atoi(v) : 0;
  }();
  if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
#endif
}
}  // namespace

Writer::Writer(store::Store& store, store::SyncMode sync, std::size_t max_queued)
    : store_(store), sync_(sync), max_queued_(max_queued), thread_([this] { run(); }) {}

Writer::~Writer() { stop(); }

bool Writer::try_submit(std::vector<store::Event>& events, std::function<void(bool)> on_durable) {
  if (events.empty() && !on_durable) return true;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    if (queued_events_ > 0 && queued_events_ + events.size() > max_queued_) return false;
    queued_events_ += events.size();
    queue_.push_back(Item{std::move(events), std::move(on_durable)});
  }
  events.clear();
  wake_.notify_one();
  return true;
}

std::size_t Writer::queued() const {
  std::lock_guard lock(mutex_);
  return queued_events_;
}

bool Writer::healthy(std::chrono::steady_clock::duration stall) const {
  auto last = std::chrono::steady_clock::time_point(std::chrono::steady_clock::duration(last_progress_.load()));
  return queued() == 0 || std::chrono::steady_clock::now() - last < stall;
}

void Writer::add_observer(Observer observer) {
  std::lock_guard lock(mutex_);
  observers_.push_back(std::move(observer));
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

Result<void> Writer::write_guarded(std::vector<store::Event>& batch) {
  try {
    return store_.write(batch);
  } catch (const std::exception& e) {
    return fail(Errc::internal, std::string("write: ") + e.what());
  }
}

void Writer::run() {
  auto logger = spdlog::get("store");
  auto last_sync = std::chrono::steady_clock::now();
  bool unsynced = false;
  std::vector<Item> items;
  std::vector<store::Event> batch;
  std::vector<std::function<void(bool)>> waiting;  // acknowledgements owed after the sync
  while (true) {
    bool stopping = false;
    std::vector<Observer> observers;
    {
      std::unique_lock lock(mutex_);
      if (queue_.empty() && !stopping_) {
        if (unsynced)
          wake_.wait_until(lock, last_sync + kBatchSyncInterval);
        else
          wake_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      }
      std::size_t taken = 0;
      while (!queue_.empty() && taken < kMaxBatchEvents) {
        taken += queue_.front().events.size();
        queued_events_ -= queue_.front().events.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stopping = stopping_ && queue_.empty();
      observers = observers_;
    }
    batch.clear();
    std::size_t total = 0;
    for (const auto& item : items) total += item.events.size();
    if (items.size() > 1) batch.reserve(total);
    for (auto& item : items) {
      if (batch.empty()) batch = std::move(item.events);
      else std::move(item.events.begin(), item.events.end(), std::back_inserter(batch));
      if (item.on_durable) waiting.push_back(std::move(item.on_durable));
    }
    items.clear();
    bool ok = true;
    auto started = std::chrono::steady_clock::now();
    test_write_delay();
    if (!batch.empty()) {
      auto written = write_guarded(batch);
      if (!written) {
        ok = false;
        counters_.write_errors.fetch_add(batch.size(), std::memory_order_relaxed);
        if (logger) logger->error("write failed, {} events lost: {}", batch.size(), written.error().message);
      } else {
        counters_.written.fetch_add(batch.size(), std::memory_order_relaxed);
        counters_.batches.fetch_add(1, std::memory_order_relaxed);
        unsynced = sync_ == store::SyncMode::batch;
      }
    }
    auto now = std::chrono::steady_clock::now();
    // Sync when the promise is due (the idle wait above wakes for it), before stopping,
    // and before acknowledging. Not after every batch: under load that would be an
    // fsync per few hundred records.
    if (unsynced && (stopping || !waiting.empty() || now - last_sync >= kBatchSyncInterval)) {
      if (auto s = store_.sync_wal(); !s) {
        ok = false;
        if (logger) logger->error("WAL sync failed: {}", s.error().message);
      }
      unsynced = false;
      last_sync = now;
    }
    if (!batch.empty() && ok) {
      double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      for (std::size_t i = 0; i < std::size(WriterCounters::kLatencyBounds); ++i)
        if (seconds <= WriterCounters::kLatencyBounds[i]) counters_.latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
      counters_.latency_micros_sum.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
      {
        std::lock_guard lock(counters_.mutex);
        WriterCounters::PerCategory* c = nullptr;
        const std::string* name = nullptr;
        for (const auto& e : batch) {
          if (!name || *name != e.category) {
            c = &counters_.categories[e.category];
            name = &e.category;
          }
          ++c->records;
          c->bytes += e.message.size() + e.raw.size() + e.object_size;
        }
      }
      for (const auto& observer : observers) {
        // An observer's bug must not take the writer thread, and ingest with it, down.
        try {
          observer(batch);
        } catch (const std::exception& e) {
          if (logger) logger->error("after a write: {}", e.what());
        }
      }
    }
    for (auto& ack : waiting) ack(ok);
    waiting.clear();
    last_progress_ = std::chrono::steady_clock::now().time_since_epoch().count();
    if (stopping) break;
  }
}

}  // namespace hokan::ingest
