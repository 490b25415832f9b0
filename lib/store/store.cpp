#include "store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <cstring>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "store/codec.h"
#include "store/keyed_hash.h"

namespace hokan::store {
namespace fs = std::filesystem;
using codec::IndexField;
using codec::RecordKey;

namespace {

// Local calendar day as yyyymmdd; sorts like the day itself.
using DayNumber = int32_t;

DayNumber day_of(const core::TimeZone& zone, int64_t time_us) {
  auto c = zone.to_civil(time_us);
  return c.year * 10000 + c.month * 100 + c.day;
}

struct BucketId {
  std::string category;
  std::string lane;
  DayNumber day = 0;
  auto operator<=>(const BucketId&) const = default;
};

std::string day_text(DayNumber day) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
  return buf;
}

std::optional<DayNumber> parse_day_text(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (std::from_chars(s.data(), s.data() + 4, y).ec != std::errc{} ||
      std::from_chars(s.data() + 5, s.data() + 7, m).ec != std::errc{} ||
      std::from_chars(s.data() + 8, s.data() + 10, d).ec != std::errc{})
    return std::nullopt;
  return y * 10000 + m * 100 + d;
}

Error status_error(const rocksdb::Status& s, const std::string& what) {
  return Error{s.IsCorruption() ? Errc::corruption : Errc::io, what + ": " + s.ToString()};
}

struct Bucket {
  BucketId id;
  std::string path;
  std::unique_ptr<rocksdb::DB> db;
  uint64_t last_used = 0;
  ~Bucket() {
    if (db) {
      (void)db->FlushWAL(true);
      (void)db->Close();
    }
  }
};

// ids are reserved in blocks recorded in a small file, so a restart never reuses one
// without scanning the buckets.
class IdAllocator {
 public:
  static constexpr uint64_t kBlock = 1 << 20;
  Result<void> open(const std::string& path) {
    path_ = path;
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      unsigned long long v = 0;
      if (std::fscanf(f, "%llu", &v) != 1) v = 0;
      std::fclose(f);
      next_ = reserved_ = v;
    }
    return {};
  }
  Result<uint64_t> next() {
    if (next_ >= reserved_) {
      uint64_t reserve = next_ + kBlock;
      std::string tmp = path_ + ".tmp";
      int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (fd < 0) return fail(Errc::io, tmp + ": cannot write id reservation");
      std::string text = std::to_string(reserve) + "\n";
      bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                ::fsync(fd) == 0;
      ::close(fd);
      if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0)
        return fail(Errc::io, path_ + ": cannot write id reservation");
      reserved_ = reserve;
    }
    return ++next_;
  }

 private:
  std::string path_;
  uint64_t next_ = 0, reserved_ = 0;
};

}  // namespace

struct Store::Impl {
  StoreOptions options;
  fs::path buckets_dir;
  std::unique_ptr<KeyedHash> hash;
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  rocksdb::Options db_options;
  IdAllocator ids;

  mutable std::mutex mutex;  // guards known, open, tick
  std::set<BucketId> known;  // every bucket on disk
  mutable std::map<BucketId, std::shared_ptr<Bucket>> open_buckets;
  mutable uint64_t tick = 0;

  // Writer-thread state.
  std::set<BucketId> unsynced;
  std::shared_ptr<Bucket> last_written;

  void configure_rocksdb() {
    block_cache = rocksdb::NewLRUCache(64 << 20);
    // All buckets share one memtable budget, so many open days cost no more memory.
    write_buffers = std::make_shared<rocksdb::WriteBufferManager>(256 << 20, block_cache);
    auto& o = db_options;
    o.create_if_missing = true;
    o.write_buffer_manager = write_buffers;
    o.write_buffer_size = 64 << 20;
    o.max_write_buffer_number = 3;
    o.compression = rocksdb::kLZ4Compression;
    o.bottommost_compression = rocksdb::kZSTD;
    o.max_open_files = 64;
    o.max_background_jobs = 2;
    // Privacy: a recycled WAL keeps old records' bytes in its tail, and the info LOG
    // at INFO level records keys of compactions; neither is wanted.
    o.recycle_log_file_num = 0;
    o.WAL_ttl_seconds = 0;
    o.WAL_size_limit_MB = 0;
    o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
    o.keep_log_file_num = 2;
    o.stats_dump_period_sec = 0;
    o.stats_persist_period_sec = 0;
    o.max_manifest_file_size = 4 << 20;
    // Hundreds of buckets each preallocating a WAL and MANIFEST would reserve gigabytes
    // of disk for nothing.
    o.allow_fallocate = false;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = block_cache;
    table.block_size = 16 * 1024;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  }

  std::string bucket_path(const BucketId& id) const {
    return (buckets_dir / id.category / id.lane / day_text(id.day)).string();
  }

  Result<void> discover() {
    std::error_code ec;
    fs::create_directories(buckets_dir, ec);
    if (ec) return fail(Errc::io, buckets_dir.string() + ": " + ec.message());
    for (const auto& cat : fs::directory_iterator(buckets_dir, ec)) {
      if (!cat.is_directory()) continue;
      for (const auto& lane : fs::directory_iterator(cat.path(), ec)) {
        if (!lane.is_directory()) continue;
        for (const auto& day : fs::directory_iterator(lane.path(), ec)) {
          auto number = parse_day_text(day.path().filename().string());
          if (day.is_directory() && number)
            known.insert(BucketId{cat.path().filename().string(), lane.path().filename().string(), *number});
        }
      }
    }
    if (ec) return fail(Errc::io, buckets_dir.string() + ": " + ec.message());
    return {};
  }

  // Returns the open bucket, opening (and with `create`, creating) it. Caller holds mutex.
  Result<std::shared_ptr<Bucket>> bucket_locked(const BucketId& id, bool create) const {
    auto it = open_buckets.find(id);
    if (it != open_buckets.end()) {
      it->second->last_used = ++tick;
      return it->second;
    }
    if (!create && !known.contains(id)) return std::shared_ptr<Bucket>{};
    close_idle_locked();
    auto bucket = std::make_shared<Bucket>();
    bucket->id = id;
    bucket->path = bucket_path(id);
    std::error_code ec;
    fs::create_directories(bucket->path, ec);
    if (ec) return fail(Errc::io, bucket->path + ": " + ec.message());
    rocksdb::DB* db = nullptr;
    auto s = rocksdb::DB::Open(db_options, bucket->path, &db);
    if (!s.ok()) return std::unexpected(status_error(s, "open bucket " + bucket->path));
    bucket->db.reset(db);
    bucket->last_used = ++tick;
    open_buckets.emplace(id, bucket);
    const_cast<Impl*>(this)->known.insert(id);
    return bucket;
  }

  // Closes the least recently used buckets nobody is using, down to the limit.
  void close_idle_locked() const {
    while (open_buckets.size() >= options.max_open_buckets) {
      auto victim = open_buckets.end();
      for (auto it = open_buckets.begin(); it != open_buckets.end(); ++it)
        if (it->second.use_count() == 1 &&
            (victim == open_buckets.end() || it->second->last_used < victim->second->last_used))
          victim = it;
      if (victim == open_buckets.end()) return;
      open_buckets.erase(victim);
    }
  }

  Result<std::shared_ptr<Bucket>> bucket(const BucketId& id, bool create) const {
    std::lock_guard lock(mutex);
    return bucket_locked(id, create);
  }

  // Buckets to visit for a scan, grouped by day in scan order.
  std::vector<std::pair<DayNumber, std::vector<BucketId>>> plan(const ScanQuery& q) const {
    DayNumber first = q.since_us == std::numeric_limits<int64_t>::min()
                          ? 0
                          : day_of(*options.zone, q.since_us);
    DayNumber last = q.until_us == std::numeric_limits<int64_t>::max()
                         ? 99999999
                         : day_of(*options.zone, q.until_us - 1);
    std::map<DayNumber, std::vector<BucketId>> by_day;
    std::lock_guard lock(mutex);
    for (const auto& id : known) {
      if (id.day < first || id.day > last) continue;
      if (!q.categories.empty() &&
          std::find(q.categories.begin(), q.categories.end(), id.category) == q.categories.end())
        continue;
      by_day[id.day].push_back(id);
    }
    std::vector<std::pair<DayNumber, std::vector<BucketId>>> out(by_day.begin(), by_day.end());
    if (q.reverse) std::reverse(out.begin(), out.end());
    return out;
  }
};

namespace {

bool any_equal(const std::vector<std::string>& wanted, const std::string& value) {
  return wanted.empty() || std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

bool matches_fields(const ScanQuery& q, const Event& e) {
  return any_equal(q.hosts, e.host) && any_equal(q.apps, e.app) &&
         any_equal(q.users, e.fields.user) && any_equal(q.ips, e.fields.src_ip);
}

// The index to drive a lookup: the field most likely to be rare.
std::optional<std::pair<IndexField, const std::vector<std::string>*>> driving_index(
    const ScanQuery& q) {
  if (!q.users.empty()) return std::pair{IndexField::user, &q.users};
  if (!q.ips.empty()) return std::pair{IndexField::src_ip, &q.ips};
  if (!q.hosts.empty()) return std::pair{IndexField::host, &q.hosts};
  if (!q.apps.empty()) return std::pair{IndexField::app, &q.apps};
  return std::nullopt;
}

std::string record_key_bytes(RecordKey k) {
  std::string s;
  codec::append_record_key(s, k);
  return s;
}

// One bucket's records in [since, until), in key order (or reverse).
class BucketCursor {
 public:
  BucketCursor(std::shared_ptr<Bucket> bucket, const ScanQuery& q)
      : bucket_(std::move(bucket)), reverse_(q.reverse) {
    lower_ = record_key_bytes({q.since_us, 0});
    upper_ = q.until_us == std::numeric_limits<int64_t>::max()
                 ? std::string(1, codec::kRecordPrefix + 1)
                 : record_key_bytes({q.until_us, 0});
    lower_slice_ = rocksdb::Slice(lower_);
    upper_slice_ = rocksdb::Slice(upper_);
    rocksdb::ReadOptions ro;
    ro.iterate_lower_bound = &lower_slice_;
    ro.iterate_upper_bound = &upper_slice_;
    ro.fill_cache = false;  // scans would evict the index blocks lookups need
    ro.readahead_size = 2 << 20;
    it_.reset(bucket_->db->NewIterator(ro));
    if (reverse_) it_->SeekToLast(); else it_->SeekToFirst();
  }
  bool valid() const { return it_->Valid(); }
  rocksdb::Slice key() const { return it_->key(); }
  rocksdb::Slice value() const { return it_->value(); }
  void advance() { if (reverse_) it_->Prev(); else it_->Next(); }
  rocksdb::Status status() const { return it_->status(); }
  const std::string& category() const { return bucket_->id.category; }

 private:
  std::shared_ptr<Bucket> bucket_;  // keeps the DB open while iterating
  bool reverse_;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

}  // namespace

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  if (!impl_) return;
  std::lock_guard lock(impl_->mutex);
  impl_->last_written.reset();
  impl_->open_buckets.clear();  // each Bucket syncs its WAL and closes
}

Result<std::unique_ptr<Store>> Store::open(StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.zone) options.zone = core::TimeZone::utc();
  impl->options = std::move(options);
  fs::path root(impl->options.state_dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return fail(Errc::io, root.string() + ": " + ec.message());
  impl->buckets_dir = root / "buckets";
  auto key = KeyedHash::load_or_create_key((root / "index.key").string());
  if (!key) return std::unexpected(key.error());
  impl->hash = std::make_unique<KeyedHash>(*key);
  if (auto r = impl->ids.open((root / "ids").string()); !r) return std::unexpected(r.error());
  impl->configure_rocksdb();
  if (auto r = impl->discover(); !r) return std::unexpected(r.error());
  return std::make_unique<Store>(std::move(impl));
}

Result<void> Store::write(std::vector<Event>& events) {
  auto& impl = *impl_;
  struct Pending {
    std::shared_ptr<Bucket> bucket;
    rocksdb::WriteBatch batch;
    std::unordered_map<uint64_t, std::pair<IndexField, std::vector<RecordKey>>> postings;
  };
  std::map<BucketId, Pending> pending;
  std::string value;
  BucketId id;
  const KeyedHash& hash = *impl.hash;
  auto post = [&](Pending& p, IndexField field, const std::string& v, RecordKey key) {
    if (v.empty()) return;
    uint64_t h = hash(v);
    // The field tag is mixed in so one map serves all fields without collisions.
    auto& entry = p.postings[h ^ (static_cast<uint64_t>(field) * 0x9E3779B97F4A7C15ULL)];
    entry.first = field;
    entry.second.push_back(key);
  };
  for (auto& e : events) {
    auto next_id = impl.ids.next();
    if (!next_id) return std::unexpected(next_id.error());
    e.id = *next_id;
    id.category = e.category;
    id.lane = e.lane.empty() ? std::string(kDefaultLane) : e.lane;
    id.day = day_of(*impl.options.zone, e.time_us);
    auto [it, inserted] = pending.try_emplace(id);
    Pending& p = it->second;
    if (inserted) {
      if (impl.last_written && impl.last_written->id == id) {
        p.bucket = impl.last_written;
      } else {
        auto b = impl.bucket(id, true);
        if (!b) return std::unexpected(b.error());
        p.bucket = *b;
      }
    }
    RecordKey key{e.time_us, e.id};
    std::string k;
    codec::append_record_key(k, key);
    value.clear();
    codec::encode_event(e, value);
    p.batch.Put(k, value);
    post(p, IndexField::host, e.host, key);
    post(p, IndexField::app, e.app, key);
    post(p, IndexField::user, e.fields.user, key);
    post(p, IndexField::src_ip, e.fields.src_ip, key);
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync == SyncMode::always;
  for (auto& [bucket_id, p] : pending) {
    // Hashes are per value, not per field+value, so recompute the key's hash part.
    for (auto& [mixed, entry] : p.postings) {
      auto& keys = entry.second;
      std::sort(keys.begin(), keys.end());
      uint64_t h = mixed ^ (static_cast<uint64_t>(entry.first) * 0x9E3779B97F4A7C15ULL);
      p.batch.Put(codec::posting_key(entry.first, h, keys.front()), codec::encode_posting(keys));
    }
    auto s = p.bucket->db->Write(wo, &p.batch);
    if (!s.ok()) return std::unexpected(status_error(s, "write " + p.bucket->path));
    if (impl.options.sync == SyncMode::batch) impl.unsynced.insert(bucket_id);
    impl.last_written = p.bucket;
  }
  return {};
}

Result<void> Store::sync_wal() {
  auto& impl = *impl_;
  for (const auto& id : impl.unsynced) {
    auto b = impl.bucket(id, false);
    if (!b) return std::unexpected(b.error());
    if (!*b) continue;
    auto s = (*b)->db->SyncWAL();
    if (!s.ok()) return std::unexpected(status_error(s, "sync " + (*b)->path));
  }
  impl.unsynced.clear();
  return {};
}

Result<ScanStats> Store::scan(const ScanQuery& q, const Visitor& visit) const {
  auto& impl = *impl_;
  ScanStats stats;
  auto driving = driving_index(q);
  for (auto& [day, ids] : impl.plan(q)) {
    std::vector<std::shared_ptr<Bucket>> buckets;
    for (const auto& id : ids) {
      auto b = impl.bucket(id, false);
      if (!b) return std::unexpected(b.error());
      if (*b) buckets.push_back(*b);
    }
    stats.buckets += buckets.size();
    if (driving) {
      // Index lookup: collect the day's matching record keys from every bucket, then
      // fetch and verify them (hashes may collide), and emit in time order.
      struct Hit {
        RecordKey key;
        std::size_t bucket;
      };
      std::vector<Hit> hits;
      std::vector<RecordKey> keys;
      for (std::size_t bi = 0; bi < buckets.size(); ++bi) {
        for (const auto& v : *driving->second) {
          std::string prefix = codec::posting_prefix(driving->first, (*impl.hash)(v));
          std::unique_ptr<rocksdb::Iterator> it(buckets[bi]->db->NewIterator({}));
          for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
            keys.clear();
            auto decoded = codec::decode_posting(
                std::string_view(it->value().data(), it->value().size()), keys);
            if (!decoded) return std::unexpected(decoded.error());
            for (auto k : keys)
              if (k.time_us >= q.since_us && k.time_us < q.until_us) hits.push_back({k, bi});
          }
          if (!it->status().ok())
            return std::unexpected(status_error(it->status(), "index " + buckets[bi]->path));
        }
      }
      std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
        return q.reverse ? b.key < a.key : a.key < b.key;
      });
      hits.erase(std::unique(hits.begin(), hits.end(),
                             [](const Hit& a, const Hit& b) { return a.key == b.key; }),
                 hits.end());
      std::string value;
      for (const auto& hit : hits) {
        auto& bucket = *buckets[hit.bucket];
        auto s = bucket.db->Get({}, record_key_bytes(hit.key), &value);
        if (s.IsNotFound()) continue;
        if (!s.ok()) return std::unexpected(status_error(s, "read " + bucket.path));
        Event e;
        e.time_us = hit.key.time_us;
        e.id = hit.key.id;
        if (auto r = codec::decode_event(value, e); !r) return std::unexpected(r.error());
        ++stats.examined;
        if (!matches_fields(q, e)) continue;
        e.category = bucket.id.category;
        ++stats.returned;
        if (!visit(e)) return stats;
      }
      continue;
    }
    // Full scan: merge the day's category buckets by record key.
    std::vector<std::unique_ptr<BucketCursor>> cursors;
    for (auto& b : buckets) cursors.push_back(std::make_unique<BucketCursor>(b, q));
    Event e;
    while (true) {
      BucketCursor* best = nullptr;
      for (auto& c : cursors) {
        if (!c->valid()) continue;
        if (!best) { best = c.get(); continue; }
        int cmp = c->key().compare(best->key());
        if (q.reverse ? cmp > 0 : cmp < 0) best = c.get();
      }
      if (!best) break;
      if (!q.prefilter.empty()) {
        auto v = best->value();
        if (!memmem(v.data(), v.size(), q.prefilter.data(), q.prefilter.size())) {
          ++stats.skipped;
          best->advance();
          continue;
        }
      }
      auto key = codec::decode_record_key(std::string_view(best->key().data(), best->key().size()));
      if (!key) return std::unexpected(key.error());
      e.time_us = key->time_us;
      e.id = key->id;
      auto r = codec::decode_event(std::string_view(best->value().data(), best->value().size()), e);
      if (!r) return std::unexpected(r.error());
      ++stats.examined;
      if (matches_fields(q, e)) {
        e.category = best->category();
        ++stats.returned;
        if (!visit(e)) return stats;
      }
      best->advance();
    }
    for (auto& c : cursors)
      if (!c->status().ok()) return std::unexpected(status_error(c->status(), "scan"));
  }
  return stats;
}

std::vector<BucketInfo> Store::buckets() const {
  std::vector<BucketInfo> out;
  std::lock_guard lock(impl_->mutex);
  for (const auto& id : impl_->known)
    out.push_back({id.category, id.lane, id.day / 10000, id.day / 100 % 100, id.day % 100,
                   impl_->bucket_path(id)});
  std::sort(out.begin(), out.end(), [](const BucketInfo& a, const BucketInfo& b) {
    return std::tie(a.year, a.month, a.day, a.category) < std::tie(b.year, b.month, b.day, b.category);
  });
  return out;
}

}  // namespace hokan::store
