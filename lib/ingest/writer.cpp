#include "ingest/writer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace hokan::ingest {
namespace {
using Clock = std::chrono::steady_clock;
// "batch" promises an fsync at least this often while data flows.
constexpr auto kBatchSyncInterval = std::chrono::milliseconds(5);
// Larger batches amortise the WAL write; this bounds the latency one batch adds.
constexpr std::size_t kMaxBatchEvents = 8192;
// A refused write is tried again after this, doubling up to the maximum.
constexpr auto kFirstRetry = std::chrono::milliseconds(50);
constexpr auto kMaxRetry = std::chrono::seconds(2);
// An urgent batch (the audit trail) is not kept: its waiter is told after these tries.
constexpr int kUrgentAttempts = 3;
// Emptied batches kept for submitters to reuse.
constexpr std::size_t kSpareBatches = 8;
// The same trouble is logged at most this often.
constexpr auto kTroubleLogEvery = std::chrono::minutes(1);

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

// Errors that pass when the disk, descriptors or a bucket come back; the rest are
// properties of the data or its bucket and will not.
bool passing(Errc code) {
  return code == Errc::no_space || code == Errc::io || code == Errc::unavailable || code == Errc::internal;
}

}  // namespace

Writer::Writer(store::Store& store, store::SyncMode sync, std::size_t max_queued)
    : store_(store), sync_(sync), max_queued_(max_queued), thread_([this] { run(); }) {}

Writer::~Writer() { stop(); }

bool Writer::try_submit(std::vector<store::Event>& events, std::function<void(bool)> on_durable, Priority priority,
                        Wait wait) {
  if (events.empty() && !on_durable) return true;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    if (priority == Priority::urgent) {
      urgent_.push_back(Item{std::move(events), std::move(on_durable), wait});
    } else {
      if (refusing_) return false;
      if (queued_events_ > 0 && queued_events_ + events.size() > max_queued_) return false;
      queued_events_ += events.size();
      queue_.push_back(Item{std::move(events), std::move(on_durable)});
      if (!spares_.empty()) {
        events = std::move(spares_.back());
        spares_.pop_back();
      }
    }
  }
  events.clear();
  wake_.notify_one();
  return true;
}

std::size_t Writer::queued() const {
  std::lock_guard lock(mutex_);
  return queued_events_;
}

bool Writer::accepting() const {
  std::lock_guard lock(mutex_);
  return !refusing_ && !stopping_;
}

std::optional<std::string> Writer::trouble() const {
  std::lock_guard lock(mutex_);
  return trouble_;
}

bool Writer::healthy(std::chrono::steady_clock::duration stall) const {
  auto last = Clock::time_point(Clock::duration(last_progress_.load()));
  return queued() == 0 || Clock::now() - last < stall;
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

void Writer::set_trouble(std::optional<std::string> why) {
  std::lock_guard lock(mutex_);
  trouble_ = std::move(why);
  refusing_ = trouble_.has_value();
}

void Writer::observe(const std::vector<store::Event>& written, const std::vector<Observer>& observers) {
  if (written.empty()) return;
  counters_.written.fetch_add(written.size(), std::memory_order_relaxed);
  {
    std::lock_guard lock(counters_.mutex);
    WriterCounters::PerCategory* c = nullptr;
    const std::string* name = nullptr;
    for (const auto& e : written) {
      if (!name || *name != e.category) {
        c = &counters_.categories[e.category];
        name = &e.category;
      }
      ++c->records;
      // The message is part of raw when raw is kept (see store/codec.h).
      c->bytes += (e.raw.empty() ? e.message.size() : e.raw.size()) + e.object_size;
    }
  }
  for (const auto& observer : observers) {
    // An observer's bug must not take the writer thread, and ingest with it, down.
    try {
      observer(written);
    } catch (const std::exception& e) {
      if (auto log = spdlog::get("store")) log->error("after a write: {}", e.what());
    }
  }
}

bool Writer::attempt(std::vector<std::vector<store::Event>>& parts, bool privileged, Acks& acks,
                     const std::vector<Observer>& observers) {
  // The store reports a thrown exception as an error too, with the same promise about
  // what is left where.
  auto outcome = store_.write(std::span(parts), privileged);
  if (outcome) {
    for (const auto& part : parts) observe(part, observers);
    return true;
  }
  auto& failure = outcome.error();
  failure_text = failure.error.message;
  observe(failure.written, observers);
  auto& rest = parts[0];
  if (!passing(failure.error.code) && failure.failed > 0) {
    // This bucket's events cannot go in whatever we wait for: give them up, say so, and
    // go on with the rest. Their senders are told (acknowledging ones resend).
    std::size_t lost = std::min(failure.failed, rest.size());
    counters_.write_errors.fetch_add(lost, std::memory_order_relaxed);
    if (auto log = spdlog::get("store")) log->error("{} events lost: {}", lost, failure.error.message);
    rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(lost));
    for (auto& ack : acks) ack(false);
    acks.clear();
  }
  counters_.write_retries.fetch_add(1, std::memory_order_relaxed);
  return false;
}

void Writer::run() {
  auto logger = spdlog::get("store");
  auto last_sync = Clock::now();
  bool unsynced = false;
  // A normal batch the store refused, with the acknowledgements it owes, retried until
  // it goes in.
  std::vector<store::Event> refused;
  Acks refused_acks;
  std::chrono::milliseconds retry_delay = kFirstRetry;
  Clock::time_point retry_at{};
  std::string last_trouble;
  Clock::time_point trouble_logged{}, urgent_logged{};
  // The batches of one write, as they were submitted (see Store::write).
  std::vector<std::vector<store::Event>> parts;
  auto event_count = [&parts] {
    std::size_t n = 0;
    for (const auto& part : parts) n += part.size();
    return n;
  };
  Acks waiting;  // acknowledgements owed after the next sync
  std::vector<std::vector<store::Event>> emptied;  // for spares_
  // Written or given up: the batches' storage goes back to the sessions.
  auto recycle_parts = [&parts, &emptied] {
    for (auto& part : parts) {
      part.clear();
      if (part.capacity() > 0) emptied.push_back(std::move(part));
    }
    parts.clear();
  };
  while (true) {
    bool stopping = false, stop_requested = false, retry_now = false;
    std::vector<Item> urgent, items;
    std::vector<Observer> observers;
    {
      std::unique_lock lock(mutex_);
      while (!emptied.empty() && spares_.size() < kSpareBatches) {
        spares_.push_back(std::move(emptied.back()));
        emptied.pop_back();
      }
      emptied.clear();
      auto due = [&] {
        return !urgent_.empty() || stopping_ || (refused.empty() && !queue_.empty()) ||
               (!refused.empty() && Clock::now() >= retry_at);
      };
      if (!due()) {
        auto until = Clock::time_point::max();
        if (unsynced) until = last_sync + kBatchSyncInterval;
        if (!refused.empty()) until = std::min(until, retry_at);
        if (until == Clock::time_point::max()) wake_.wait(lock, due);
        else wake_.wait_until(lock, until, due);
      }
      while (!urgent_.empty()) {
        urgent.push_back(std::move(urgent_.front()));
        urgent_.pop_front();
      }
      std::size_t taken = 0;
      while (refused.empty() && !queue_.empty() && taken < kMaxBatchEvents) {
        taken += queue_.front().events.size();
        queued_events_ -= queue_.front().events.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      stop_requested = stopping_;
      retry_now = !refused.empty() && (Clock::now() >= retry_at || stop_requested);
      if (stop_requested && !refused.empty()) {
        // Stopping on a disk that still refuses: one last try below, then what is left
        // of the queue is given up with the refused batch.
        for (auto& item : queue_) items.push_back(std::move(item));
        queue_.clear();
        queued_events_ = 0;
      }
      stopping = stopping_ && queue_.empty() && urgent_.empty();
      observers = observers_;
    }
    auto started = Clock::now();
    test_write_delay();
    bool ok = true;
    bool wrote = false;

    // The audit trail first: a purge that frees space waits on its intent record.
    if (!urgent.empty()) {
      Acks acks, when_written;
      for (auto& item : urgent) {
        parts.push_back(std::move(item.events));
        if (item.on_durable) (item.wait == Wait::written ? when_written : acks).push_back(std::move(item.on_durable));
      }
      bool in = false;
      for (int tries = 0; tries < kUrgentAttempts && !in; ++tries) {
        if (tries) std::this_thread::sleep_for(kFirstRetry);
        in = attempt(parts, true, acks, observers);
      }
      if (!in && event_count() > 0) {
        // Nobody is told these went in: their waiters refuse what they were to audit.
        if (logger && Clock::now() - urgent_logged > kTroubleLogEvery) {
          logger->error("{} urgent (audit) records not written: {}", event_count(), failure_text);
          urgent_logged = Clock::now();
        }
        for (auto& ack : acks) ack(false);
        acks.clear();
      }
      for (auto& ack : when_written) ack(in);
      wrote = true;
      std::move(acks.begin(), acks.end(), std::back_inserter(waiting));
      recycle_parts();
    }

    // Then the refused batch, when its retry is due, or new work.
    Acks acks;
    if (retry_now) {
      parts.push_back(std::move(refused));
      refused.clear();
      acks = std::move(refused_acks);
      refused_acks.clear();
      if (stop_requested)
        for (auto& item : items) {
          parts.push_back(std::move(item.events));
          if (item.on_durable) acks.push_back(std::move(item.on_durable));
        }
    } else {
      for (auto& item : items) {
        parts.push_back(std::move(item.events));
        if (item.on_durable) acks.push_back(std::move(item.on_durable));
      }
    }
    if (event_count() > 0) {
      if (attempt(parts, false, acks, observers)) {
        counters_.batches.fetch_add(1, std::memory_order_relaxed);
        wrote = true;
        retry_delay = kFirstRetry;
        if (!last_trouble.empty()) {
          if (logger) logger->info("writing again: {} no longer holds", last_trouble);
          last_trouble.clear();
          set_trouble(std::nullopt);
        }
        std::move(acks.begin(), acks.end(), std::back_inserter(waiting));
      } else if (stop_requested) {
        // Nothing more can wait: say what is given up.
        if (logger) logger->error("stopping with {} events not written", event_count());
        for (auto& ack : acks) ack(false);
      } else {
        refused = std::move(parts[0]);
        refused_acks = std::move(acks);
        retry_at = Clock::now() + retry_delay;
        retry_delay = std::min<std::chrono::milliseconds>(retry_delay * 2, kMaxRetry);
        auto space = store_.space();
        std::string trouble = (space.full ? std::string("disk full") : std::string("store refuses writes")) + ": " +
                              std::to_string(refused.size()) + " events wait to be written (" + failure_text + ")";
        set_trouble(trouble);
        if (logger && (trouble.substr(0, 9) != last_trouble.substr(0, 9) || Clock::now() - trouble_logged > kTroubleLogEvery)) {
          logger->error("{}; retrying (nothing is dropped; senders are held back)", trouble);
          trouble_logged = Clock::now();
        }
        last_trouble = trouble;
      }
      unsynced = unsynced || (wrote && sync_ == store::SyncMode::batch);
    } else {
      // Submissions without events (a RELP close) wait for what came before them: they
      // are told with the next sync, or at once when nothing waits for one. (They were
      // dropped, and a RELP client that closed in a read of its own waited forever.)
      std::move(acks.begin(), acks.end(), std::back_inserter(waiting));
      if (wrote) unsynced = unsynced || sync_ == store::SyncMode::batch;
    }
    recycle_parts();
    auto now = Clock::now();
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
    if (wrote && ok) {
      double seconds = std::chrono::duration<double>(Clock::now() - started).count();
      for (std::size_t i = 0; i < std::size(WriterCounters::kLatencyBounds); ++i)
        if (seconds <= WriterCounters::kLatencyBounds[i])
          counters_.latency_buckets[i].fetch_add(1, std::memory_order_relaxed);
      counters_.latency_micros_sum.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
    }
    if (!unsynced || !ok) {
      for (auto& ack : waiting) ack(ok);
      waiting.clear();
    }
    last_progress_ = Clock::now().time_since_epoch().count();
    if (stopping && refused.empty()) break;
  }
}

}  // namespace hokan::ingest
