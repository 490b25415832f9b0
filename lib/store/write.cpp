// The ingest write path: events into their buckets' record blocks and postings, one
// atomic RocksDB write per bucket.
#include <rocksdb/perf_level.h>
#include <rocksdb/write_batch.h>

#include <map>

#include "core/time_format.h"
#include "store/bucket_batch.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;

Result<void> Store::write(std::vector<Event>& events) {
  auto& impl = *impl_;
  // RocksDB's per-thread perf counters cost a TLS lookup per operation; nobody reads them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  struct Pending {
    explicit Pending(const KeyedHash& hash) : records(hash) {}
    std::shared_ptr<Bucket> bucket;
    BucketStats delta;
    BucketBatch records;
  };
  std::map<BucketId, Pending> pending;
  std::string value;
  value.reserve(1024);
  // Most events of a batch share a bucket with the one before: look up the bucket and
  // the local day only when they change (this loop runs for every ingested event).
  Pending* last = nullptr;
  const std::string* last_category = nullptr;
  const std::string* last_lane = nullptr;
  int64_t day_begin = 0, day_end = 0;
  DayNumber day = 0;
  for (auto& e : events) {
    if (e.id == 0) {  // objects arrive with the id their chunks were stored under
      auto next_id = impl.next_id();
      if (!next_id) return std::unexpected(next_id.error());
      e.id = *next_id;
    }
    bool same_day = e.time_us >= day_begin && e.time_us < day_end;
    if (!same_day) {
      const auto& zone = *impl.options.zone;
      auto c = zone.to_civil(e.time_us);
      day = c.year * 10000 + c.month * 100 + c.day;
      core::CivilTime midnight{c.year, c.month, c.day, 0, 0, 0, 0};
      day_begin = zone.from_civil(midnight);
      int64_t next = core::days_from_civil(c.year, c.month, c.day) + 1;
      core::civil_from_days(next, midnight.year, midnight.month, midnight.day);
      day_end = zone.from_civil(midnight);
    }
    const std::string& lane = e.lane.empty() ? impl.default_lane : e.lane;
    if (!last || !same_day || *last_category != e.category || *last_lane != lane) {
      auto [it, inserted] = pending.try_emplace(BucketId{e.category, lane, day}, *impl.hash);
      last = &it->second;
      if (inserted) {
        auto b = impl.bucket(it->first, true);
        if (!b) return std::unexpected(b.error());
        last->bucket = *b;
      }
      last_category = &it->first.category;
      last_lane = &it->first.lane;
    }
    Pending& p = *last;
    codec::RecordKey key{e.time_us, e.id};
    value.clear();
    codec::encode_event(e, value);
    p.records.add(key, value, e);
    add_record(p.delta, e.time_us, codec::kBlockKeySize + value.size() + e.object_size);
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync == SyncMode::always;
  rocksdb::WriteBatch batch;
  std::vector<seal::SealedBlock> sealed;
  for (auto& [bucket_id, p] : pending) {
    while (true) {
      std::unique_lock lock(p.bucket->write_mutex);
      if (p.bucket->dropped) {
        // A purge took this bucket while the batch was built: write to its successor.
        lock.unlock();
        auto b = impl.bucket(bucket_id, true);
        if (!b) return std::unexpected(b.error());
        p.bucket = *b;
        continue;
      }
      auto& db = p.bucket->store;
      seal::Head head = p.bucket->seal;
      if (!p.records.empty()) {
        p.records.put_into(batch, db.records, db.index, sealed);
        append_seal(batch, db.index, head, sealed);
      }
      BucketStats after = merged(p.bucket->stats, p.delta);
      batch.Put(db.index, kStatsKey, encode_stats(after));
      auto s = db.db->Write(wo, &batch);
      batch.Clear();
      if (!s.ok()) return std::unexpected(status_error(s, "write " + p.bucket->path));
      p.bucket->stats = after;
      p.bucket->seal = head;
      break;
    }
    if (impl.options.sync == SyncMode::batch) impl.unsynced.insert(bucket_id);
  }
  return {};
}

Result<void> Store::sync_wal() {
  auto& impl = *impl_;
  for (const auto& id : impl.unsynced) {
    auto b = impl.bucket(id, false);
    if (!b) return std::unexpected(b.error());
    if (!*b) continue;
    auto s = (*b)->store.db->SyncWAL();
    if (!s.ok()) return std::unexpected(status_error(s, "sync " + (*b)->path));
  }
  impl.unsynced.clear();
  return {};
}

}  // namespace hokan::store
