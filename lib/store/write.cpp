// The ingest write path: events into their buckets' record blocks and postings, one
// atomic RocksDB write per bucket, one bucket at a time.
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <map>

#include <spdlog/spdlog.h>

#include "core/time_format.h"
#include "store/bucket_batch.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;

namespace {

// The events of one write bound for one bucket, in order.
struct Group {
  BucketId id;
  std::vector<Event*> members;
};

// Moves every event of `parts` into parts[0], in order (a failed write's contract).
void gather_into_first(std::span<std::vector<Event>> parts) {
  for (std::size_t p = 1; p < parts.size(); ++p) {
    std::move(parts[p].begin(), parts[p].end(), std::back_inserter(parts[0]));
    parts[p].clear();
  }
}

}  // namespace

std::expected<void, Store::WriteFailure> Store::write(std::vector<Event>& events, bool privileged) {
  return write(std::span<std::vector<Event>>(&events, 1), privileged);
}

std::expected<void, Store::WriteFailure> Store::write(std::span<std::vector<Event>> parts, bool privileged) {
  // What is left where after a failure holds for a thrown exception too: everything is
  // kept, in order, in parts[0], for the writer to retry.
  try {
    return write_parts(parts, privileged);
  } catch (const std::exception& e) {
    gather_into_first(parts);
    return std::unexpected(WriteFailure{Error{Errc::internal, std::string("write: ") + e.what()}, 0, {}});
  }
}

std::expected<void, Store::WriteFailure> Store::write_parts(std::span<std::vector<Event>> parts, bool privileged) {
  auto& impl = *impl_;
  // RocksDB's per-thread perf counters cost a TLS lookup per operation; nobody reads them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  std::size_t count = 0;
  uint64_t bytes = 0;
  for (const auto& events : parts) {
    count += events.size();
    for (const auto& e : events) bytes += (e.raw.empty() ? e.message.size() : e.raw.size()) + 64;
  }
  auto everything_failed = [&](Error e) {
    gather_into_first(parts);
    return std::unexpected(WriteFailure{std::move(e), count, {}});
  };
  // Refused before RocksDB sees a byte: a full disk is a state to wait out, and RocksDB's
  // own handling of a failed WAL write is far harder to come back from.
  if (auto room = impl.check_space(bytes, privileged); !room) return everything_failed(room.error());

  // Which bucket each event goes to. Most events of a batch share a bucket with the one
  // before: look up the local day only when it changes (this loop runs for every event).
  std::vector<Group> groups;
  std::map<BucketId, std::size_t> group_of;
  std::size_t last = SIZE_MAX;
  int64_t day_begin = 0, day_end = 0;
  DayNumber day = 0;
  for (auto& events : parts) {
    for (auto& e : events) {
      if (e.id == 0) {  // objects arrive with the id their chunks were stored under
        auto next_id = impl.next_id();
        if (!next_id) return everything_failed(next_id.error());
        e.id = *next_id;
      }
      bool same_day = e.time_us >= day_begin && e.time_us < day_end;
      if (!same_day) {
        const auto& zone = *impl.options.zone;
        day = day_of(zone, e.time_us);
        day_begin = day_start_us(zone, day);
        day_end = day_start_us(zone, day, 1);
      }
      const std::string& lane = e.lane.empty() ? impl.default_lane : e.lane;
      if (last == SIZE_MAX || !same_day || groups[last].id.category != e.category || groups[last].id.lane != lane) {
        auto [it, inserted] = group_of.try_emplace(BucketId{e.category, lane, day}, groups.size());
        if (inserted) groups.push_back(Group{it->first, {}});
        last = it->second;
      }
      groups[last].members.push_back(&e);
    }
  }

  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync == SyncMode::always;
  if (!impl.write_scratch) impl.write_scratch = std::make_unique<Impl::WriteScratch>(*impl.hash);
  auto& [batch, sealed, records, hits] = *impl.write_scratch;
  // Whatever a failed write before left behind is not this write's.
  batch.Clear();
  sealed.clear();
  records.clear();
  hits.clear();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const auto& group = groups[g];
    auto written = impl.write_group(group.id, group.members, wo, batch, sealed, records, hits);
    if (!written) {
      // Keep what was not written, the failed bucket's events first.
      WriteFailure failure{written.error(), group.members.size(), {}};
      std::vector<Event> rest;
      for (std::size_t k = 0; k < groups.size(); ++k)
        for (Event* e : groups[k].members) (k < g ? failure.written : rest).push_back(std::move(*e));
      for (auto& events : parts) events.clear();
      parts[0] = std::move(rest);
      return std::unexpected(std::move(failure));
    }
    if (impl.options.sync == SyncMode::batch) impl.unsynced.insert(group.id);
  }
  return {};
}

Result<void> Store::Impl::write_group(const BucketId& id, const std::vector<Event*>& members,
                                      const rocksdb::WriteOptions& wo,
                                      rocksdb::WriteBatch& batch, std::vector<seal::SealedBlock>& sealed,
                                      BucketBatch& records, RunBuilder& hits) {
  BucketStats delta;
  // The events were built on another core: their bytes are fetched a few events ahead,
  // so that encoding does not wait on each line of them in turn.
  auto prefetch = [](const std::string& s) {
    for (std::size_t at = 0; at < s.size() && at < 512; at += 64) __builtin_prefetch(s.data() + at);
  };
  constexpr std::size_t kAhead = 4;
  for (std::size_t k = 0; k < members.size(); ++k) {
    // The event itself (ten cache lines) further ahead: reading its strings' places
    // above must not wait either.
    if (k + 2 * kAhead < members.size()) {
      const char* next = reinterpret_cast<const char*>(members[k + 2 * kAhead]);
      for (std::size_t at = 0; at < sizeof(Event); at += 64) __builtin_prefetch(next + at);
    }
    if (k + kAhead < members.size()) {
      const Event& next = *members[k + kAhead];
      prefetch(next.raw);
      prefetch(next.message);
    }
    const Event& e = *members[k];
    const std::size_t size = records.encode_and_add(codec::RecordKey{e.time_us, e.id}, e);
    add_record(delta, e.time_us, codec::kBlockKeySize + size + e.object_size);
  }
  // The bucket is held only while its write runs, so the cache may close it afterwards.
  while (true) {
    auto opened = bucket(id, Access::write);
    if (!opened) {
      records.clear();
      return std::unexpected(opened.error());
    }
    auto& b = **opened;
    std::unique_lock lock(b.write_mutex);
    if (b.dropped || b.store.failed) {
      // A purge took this bucket while the batch was built, or a write failed on it: write
      // to a fresh instance.
      lock.unlock();
      retire(id, *opened);
      continue;
    }
    if (auto dirty = make_dirty(b); !dirty) {
      records.clear();
      return std::unexpected(dirty.error());
    }
    auto& db = b.store;
    seal::Head head = b.seal;
    if (b.trigrams) b.trigrams->add(records.encoded());
    records.put_into(batch, db.records, hits, sealed);
    append_seal(batch, db.index, head, sealed);
    BucketStats after = merged(b.stats, delta);
    batch.Put(db.index, kStatsKey, encode_stats(after));
    auto s = db.db->Write(wo, &batch);
    uint64_t written = batch.GetDataSize();
    batch.Clear();
    if (!s.ok()) {
      hits.clear();
      // RocksDB must not be asked to sync or flush a WAL that failed a write: the bucket
      // is closed without it and opened afresh (replaying what did reach its WAL).
      db.failed = true;
      return std::unexpected(status_error(s, "write " + b.path));
    }
    b.stats = after;
    b.seal = head;
    std::size_t collected;
    {
      // Lookups see the new records' hits only once the records are there.
      std::lock_guard index_lock(b.index_mutex);
      held_hits.fetch_add(hits.hits(), std::memory_order_relaxed);
      b.run.append(hits);
      collected = b.run.hits();
    }
    const bool pressed = held_hits.load(std::memory_order_relaxed) > held_hits_budget() &&
                         collected >= options.index_run_hits / 8;
    // The records are written whatever becomes of the run: a run that cannot be
    // written fails the instance, and its next open rebuilds the index from the records.
    if (collected >= options.index_run_hits || pressed)
      if (auto cut = cut_run(b); !cut)
        if (auto log = spdlog::get("store")) log->warn("{}", cut.error().message);
    b.unflushed.fetch_add(written, std::memory_order_relaxed);
    b.last_write_us.store(std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count(),
                          std::memory_order_relaxed);
    return {};
  }
}

Result<void> Store::sync_wal() {
  auto& impl = *impl_;
  Result<void> outcome;
  for (const auto& id : impl.unsynced) {
    // A bucket closed since its write was synced as it closed.
    auto b = impl.open_bucket(id);
    if (!b) continue;
    std::lock_guard lock(b->write_mutex);
    if (b->store.failed || b->dropped) continue;
    auto s = b->store.db->SyncWAL();
    if (!s.ok()) {
      b->store.failed = true;
      if (outcome) outcome = std::unexpected(status_error(s, "sync " + b->path));
    }
  }
  impl.unsynced.clear();
  return outcome;
}

}  // namespace hokan::store
