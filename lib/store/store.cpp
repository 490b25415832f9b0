#include "store/store.h"

#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/perf_level.h>
#include <rocksdb/slice_transform.h>
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
#include <condition_variable>
#include <fstream>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/time_format.h"
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

constexpr char kStatsKey[] = "m";

std::string encode_stats(const BucketStats& st) {
  std::string out;
  for (uint64_t v : {st.records, st.bytes, static_cast<uint64_t>(st.min_time_us), static_cast<uint64_t>(st.max_time_us)})
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return out;
}

BucketStats decode_stats(std::string_view bytes) {
  BucketStats st;
  if (bytes.size() != 32) return st;
  uint64_t v[4] = {};
  for (int k = 0; k < 4; ++k)
    for (int i = 0; i < 8; ++i) v[k] = (v[k] << 8) | static_cast<unsigned char>(bytes[8 * k + i]);
  return {v[0], v[1], static_cast<int64_t>(v[2]), static_cast<int64_t>(v[3])};
}

void add_record(BucketStats& st, int64_t time_us, uint64_t bytes) {
  st.min_time_us = st.records == 0 ? time_us : std::min(st.min_time_us, time_us);
  st.max_time_us = st.records == 0 ? time_us : std::max(st.max_time_us, time_us);
  ++st.records;
  st.bytes += bytes;
}

BucketStats merged(BucketStats a, const BucketStats& b) {
  if (b.records == 0) return a;
  if (a.records == 0) return b;
  a.min_time_us = std::min(a.min_time_us, b.min_time_us);
  a.max_time_us = std::max(a.max_time_us, b.max_time_us);
  a.records += b.records;
  a.bytes += b.bytes;
  return a;
}

// Makes a rename or removal inside `dir` durable.
void sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

bool write_file_synced(const fs::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) return false;
  sync_directory(path.parent_path());
  return true;
}

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

fs::path with_suffix(const std::string& path, const char* suffix) { return fs::path(path + suffix); }

// Test builds can stop the process between the steps of a destruction to prove that
// recovery finishes it; release builds have no such hook.
void crash_point([[maybe_unused]] const char* name) {
#ifdef HOKAN_FAULT_INJECTION
  if (const char* at = std::getenv("HOKAN_TEST_CRASH_AT"); at && std::string_view(at) == name) std::_Exit(137);
#endif
}

struct Bucket {
  BucketId id;
  std::string path;
  std::unique_ptr<rocksdb::DB> db;
  uint64_t last_used = 0;
  std::mutex write_mutex;  // held by the writer while writing, by a purge while destroying
  BucketStats stats;       // under write_mutex
  bool dropped = false;    // under write_mutex: a purge removed it; fetch the bucket again
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
  std::mutex ids_mutex;  // the event writer and object uploads both take ids
  rocksdb::Options object_options;  // buckets of object categories: small memtables

  mutable std::mutex mutex;  // guards known, open, tick, busy
  std::set<BucketId> known;  // every bucket on disk
  mutable std::map<BucketId, std::shared_ptr<Bucket>> open_buckets;
  mutable uint64_t tick = 0;
  std::set<BucketId> busy;   // being destroyed: nobody may open them meanwhile
  mutable std::condition_variable busy_done;

  // Writer-thread state.
  std::set<BucketId> unsynced;
  const std::string default_lane{kDefaultLane};

  Result<uint64_t> next_id() {
    std::lock_guard lock(ids_mutex);
    return ids.next();
  }

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
    // Record keys arrive in time order: let the memtable insert next to the last one
    // instead of searching the skiplist from the top for every record.
    o.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
    // Hundreds of buckets each preallocating a WAL and MANIFEST would reserve gigabytes
    // of disk for nothing.
    o.allow_fallocate = false;
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = block_cache;
    table.block_size = 16 * 1024;
    o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    // Object chunks (1 MiB) go to blob files, uncompressed (footage is compressed
    // already); events stay inline. Dropping a bucket removes its blob files with it.
    o.enable_blob_files = true;
    o.min_blob_size = 64 * 1024;
    o.blob_compression_type = rocksdb::kNoCompression;
    o.enable_blob_garbage_collection = true;
    object_options = o;
    // A 100 MB segment must not sit in memory: flush object buckets often.
    object_options.write_buffer_size = 16 << 20;
    object_options.max_write_buffer_number = 3;
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
        recover(lane.path());
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
    bool object = options.object_categories.contains(id.category);
    auto s = rocksdb::DB::Open(object ? object_options : db_options, bucket->path, &db);
    if (!s.ok()) return std::unexpected(status_error(s, "open bucket " + bucket->path));
    bucket->db.reset(db);
    std::string stats;
    if (bucket->db->Get({}, kStatsKey, &stats).ok()) bucket->stats = decode_stats(stats);
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
    std::unique_lock lock(mutex);
    busy_done.wait(lock, [&] { return !busy.contains(id); });
    return bucket_locked(id, create);
  }

  // Takes a bucket out of service for destruction: nobody can open it until release();
  // waits for running queries to let go. Returns the bucket, closed (db reset).
  Result<std::shared_ptr<Bucket>> seize(const BucketId& id) {
    std::shared_ptr<Bucket> b;
    {
      std::unique_lock lock(mutex);
      busy_done.wait(lock, [&] { return !busy.contains(id); });
      auto opened = bucket_locked(id, false);
      if (!opened) return opened;
      if (!*opened) return fail(Errc::not_found, "no bucket " + bucket_path(id));
      b = *opened;
      busy.insert(id);
      open_buckets.erase(id);
    }
    std::unique_lock write_lock(b->write_mutex);
    b->dropped = true;
    for (int i = 0; i < 3000 && b.use_count() > 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (b.use_count() > 1) {
      b->dropped = false;
      write_lock.unlock();
      std::lock_guard lock(mutex);
      open_buckets.emplace(id, b);
      release_locked(id);
      return fail(Errc::unavailable, b->path + ": a query still reads this bucket; the next purge retries");
    }
    (void)b->db->FlushWAL(true);
    (void)b->db->Close();
    b->db.reset();
    return b;
  }

  void release_locked(const BucketId& id) {
    busy.erase(id);
    busy_done.notify_all();
  }
  void release(const BucketId& id, bool still_exists) {
    std::lock_guard lock(mutex);
    if (!still_exists) known.erase(id);
    release_locked(id);
  }

  // Finishes or rolls back destructions a crash interrupted (see drop_bucket). Runs at
  // open, before anything reads or writes.
  void recover(const fs::path& lane_dir) {
    std::error_code ec;
    std::vector<fs::path> entries;
    for (const auto& e : fs::directory_iterator(lane_dir, ec)) entries.push_back(e.path());
    for (const auto& path : entries) {
      std::string name = path.filename().string();
      if (!name.ends_with(".receipt")) continue;
      std::string base = (lane_dir / name.substr(0, name.size() - 8)).string();
      auto text = read_file(path).value_or("");
      bool rewrite = text.starts_with("rewrite\n");
      std::string receipt = text.substr(text.find('\n') == std::string::npos ? text.size() : text.find('\n') + 1);
      bool happened;
      if (!rewrite) {
        happened = !fs::exists(base);
      } else if (fs::exists(with_suffix(base, ".new"))) {
        happened = !fs::exists(base);  // the old one was moved aside: finish the swap
        if (happened) fs::rename(with_suffix(base, ".new"), base, ec);
      } else {
        happened = true;  // the new bucket is already in place
      }
      fs::remove_all(with_suffix(base, ".new"), ec);
      if (happened) {
        fs::remove_all(with_suffix(base, ".old"), ec);
        sync_directory(lane_dir);
        if (options.meta) (void)options.meta->add_pending(receipt);
      }
      fs::remove(path, ec);
      sync_directory(lane_dir);
    }
    // Leftovers without a receipt: an unfinished copy, never data still promised.
    for (const auto& path : entries) {
      std::string name = path.filename().string();
      if (name.ends_with(".new") || name.ends_with(".tmp")) fs::remove_all(path, ec);
    }
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

// Collects the index postings of a batch of records: one posting per distinct value,
// written after the records so one write holds both.
class PostingBuilder {
 public:
  explicit PostingBuilder(const KeyedHash& hash) : hash_(hash) {}
  void add(const Event& e, RecordKey key) {
    add(IndexField::host, e.host, key);
    add(IndexField::app, e.app, key);
    add(IndexField::user, e.fields.user, key);
    add(IndexField::src_ip, e.fields.src_ip, key);
  }
  void put_into(rocksdb::WriteBatch& batch) {
    for (auto& [field_and_hash, keys] : postings_) {
      std::sort(keys.begin(), keys.end());
      batch.Put(codec::posting_key(field_and_hash.first, field_and_hash.second, keys.front()),
                codec::encode_posting(keys));
    }
    postings_.clear();
    for (auto& l : last_) l = Last{};
  }

 private:
  void add(IndexField field, const std::string& value, RecordKey key) {
    if (value.empty()) return;
    // Consecutive records mostly share host and app: hash and look up once per run.
    auto& last = last_[slot(field)];
    if (!last.keys || last.value != value) {
      last.value = value;
      last.keys = &postings_[{field, hash_(value)}];
    }
    last.keys->push_back(key);
  }
  static int slot(IndexField field) {
    switch (field) {
      case IndexField::host: return 0;
      case IndexField::app: return 1;
      case IndexField::user: return 2;
      case IndexField::src_ip: return 3;
    }
    return 0;
  }
  struct Last {
    std::string value;
    std::vector<RecordKey>* keys = nullptr;  // std::map nodes do not move
  };
  const KeyedHash& hash_;
  Last last_[4];
  std::map<std::pair<IndexField, uint64_t>, std::vector<RecordKey>> postings_;
};

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
  const std::string& lane() const { return bucket_->id.lane; }

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
  // RocksDB's per-thread perf counters cost a TLS lookup per operation; nobody reads them.
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  struct Pending {
    Pending(const KeyedHash& hash, std::size_t expected_bytes) : batch(expected_bytes), postings(hash) {}
    std::shared_ptr<Bucket> bucket;
    BucketStats delta;
    rocksdb::WriteBatch batch;
    PostingBuilder postings;
  };
  std::map<BucketId, Pending> pending;
  std::string value, k;
  value.reserve(1024);
  k.reserve(codec::kRecordKeySize);
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
      BucketId id{e.category, lane, day};
      // Sized for the whole batch: most batches go to one bucket, and growing a 2 MB
      // WriteBatch by doubling copies it twice over.
      auto [it, inserted] = pending.try_emplace(std::move(id), *impl.hash, pending.empty() ? events.size() * 256 : 0);
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
    RecordKey key{e.time_us, e.id};
    k.clear();
    codec::append_record_key(k, key);
    value.clear();
    codec::encode_event(e, value);
    p.batch.Put(k, value);
    add_record(p.delta, e.time_us, k.size() + value.size() + e.object_size);
    p.postings.add(e, key);
  }
  rocksdb::WriteOptions wo;
  wo.sync = impl.options.sync == SyncMode::always;
  for (auto& [bucket_id, p] : pending) {
    p.postings.put_into(p.batch);
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
      BucketStats after = merged(p.bucket->stats, p.delta);
      p.batch.Put(kStatsKey, encode_stats(after));
      auto s = p.bucket->db->Write(wo, &p.batch);
      if (!s.ok()) return std::unexpected(status_error(s, "write " + p.bucket->path));
      p.bucket->stats = after;
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
        e.lane = bucket.id.lane;
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
        e.lane = best->lane();
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

namespace hokan::store {
namespace {

BucketId id_of(const BucketInfo& b) { return {b.category, b.lane, b.year * 10000 + b.month * 100 + b.day}; }

}  // namespace

uint64_t Store::keyed_hash(std::string_view value) const { return (*impl_->hash)(value); }

Result<BucketStats> Store::bucket_stats(const BucketInfo& info) const {
  auto b = impl_->bucket(id_of(info), false);
  if (!b) return std::unexpected(b.error());
  if (!*b) return fail(Errc::not_found, "no bucket " + info.path);
  std::lock_guard lock((*b)->write_mutex);
  return (*b)->stats;
}

Result<BucketStats> Store::drop_bucket(const BucketInfo& info, const std::string& receipt) {
  auto& impl = *impl_;
  BucketId id = id_of(info);
  auto seized = impl.seize(id);
  if (!seized) return std::unexpected(seized.error());
  auto& bucket = **seized;
  BucketStats stats = bucket.stats;
  fs::path base(bucket.path);
  // The receipt reaches the disk first, so recovery can finish what a crash interrupts.
  if (!write_file_synced(with_suffix(bucket.path, ".receipt"), "drop\n" + receipt)) {
    impl.release(id, true);
    return fail(Errc::io, bucket.path + ": cannot write the destruction receipt");
  }
  crash_point("drop-after-receipt");
  std::error_code ec;
  fs::rename(base, with_suffix(bucket.path, ".old"), ec);
  if (ec) {
    fs::remove(with_suffix(bucket.path, ".receipt"));
    impl.release(id, true);
    return fail(Errc::io, bucket.path + ": " + ec.message());
  }
  sync_directory(base.parent_path());
  crash_point("drop-after-rename");
  fs::remove_all(with_suffix(bucket.path, ".old"), ec);
  sync_directory(base.parent_path());
  crash_point("drop-after-remove");
  if (impl.options.meta) {
    if (auto r = impl.options.meta->add_pending(receipt); !r) {
      impl.release(id, false);
      return std::unexpected(r.error());
    }
  }
  fs::remove(with_suffix(bucket.path, ".receipt"), ec);
  impl.release(id, false);
  return stats;
}

Result<RewriteStats> Store::rewrite_bucket(const BucketInfo& info, const Keep& keep, const MakeReceipt& make_receipt,
                                           bool dry_run) {
  auto& impl = *impl_;
  BucketId id = id_of(info);
  RewriteStats result;
  if (dry_run) {
    // Counting needs no exclusivity: read the bucket like a query does.
    auto b = impl.bucket(id, false);
    if (!b) return std::unexpected(b.error());
    if (!*b) return fail(Errc::not_found, "no bucket " + info.path);
    ScanQuery all;
    BucketCursor cursor(*b, all);
    for (; cursor.valid(); cursor.advance()) {
      Event e;
      auto key = codec::decode_record_key(std::string_view(cursor.key().data(), cursor.key().size()));
      if (!key) return std::unexpected(key.error());
      e.time_us = key->time_us;
      e.id = key->id;
      e.category = info.category;
      if (auto r = codec::decode_event(std::string_view(cursor.value().data(), cursor.value().size()), e); !r)
        return std::unexpected(r.error());
      add_record(keep(e) ? result.kept : result.destroyed, e.time_us,
                 cursor.key().size() + cursor.value().size() + e.object_size);
    }
    return result;
  }
  auto seized = impl.seize(id);
  if (!seized) return std::unexpected(seized.error());
  auto& bucket = **seized;
  auto give_back = [&](Error error) {
    std::error_code ec;
    fs::remove_all(with_suffix(bucket.path, ".new"), ec);
    impl.release(id, true);
    return std::unexpected(std::move(error));
  };
  // Read the old bucket (reopened here, privately) and write the survivors to a new one.
  rocksdb::DB* raw_old = nullptr;
  auto s = rocksdb::DB::Open(impl.db_options, bucket.path, &raw_old);
  if (!s.ok()) return give_back(status_error(s, "reopen " + bucket.path));
  std::unique_ptr<rocksdb::DB> old_db(raw_old);
  std::string new_path = bucket.path + ".new";
  std::error_code ec;
  fs::remove_all(new_path, ec);
  rocksdb::DB* raw_new = nullptr;
  s = rocksdb::DB::Open(impl.db_options, new_path, &raw_new);
  if (!s.ok()) return give_back(status_error(s, "create " + new_path));
  std::unique_ptr<rocksdb::DB> new_db(raw_new);
  {
    PostingBuilder postings(*impl.hash);
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;  // flushed and synced below before anything depends on it
    rocksdb::WriteBatch batch;
    std::unique_ptr<rocksdb::Iterator> it(old_db->NewIterator({}));
    std::string lower(1, codec::kRecordPrefix), upper(1, codec::kRecordPrefix + 1);
    for (it->Seek(lower); it->Valid() && it->key().compare(upper) < 0; it->Next()) {
      Event e;
      auto key = codec::decode_record_key(std::string_view(it->key().data(), it->key().size()));
      if (!key) return give_back(key.error());
      e.time_us = key->time_us;
      e.id = key->id;
      e.category = info.category;
      if (auto r = codec::decode_event(std::string_view(it->value().data(), it->value().size()), e); !r)
        return give_back(r.error());
      uint64_t size = it->key().size() + it->value().size();
      if (!keep(e)) {
        add_record(result.destroyed, e.time_us, size + e.object_size);
        continue;
      }
      add_record(result.kept, e.time_us, size + e.object_size);
      batch.Put(it->key(), it->value());
      if (e.is_object()) {
        // Kept objects keep their bytes: copy the chunks (into fresh blob files).
        std::string prefix = codec::object_prefix(e.id);
        std::unique_ptr<rocksdb::Iterator> chunks(old_db->NewIterator({}));
        for (chunks->Seek(prefix); chunks->Valid() && chunks->key().starts_with(prefix); chunks->Next()) {
          rocksdb::WriteBatch one;
          one.Put(chunks->key(), chunks->value());
          if (auto w = new_db->Write(wo, &one); !w.ok()) return give_back(status_error(w, "write " + new_path));
        }
      }
      postings.add(e, *key);
      if (batch.Count() >= 4096) {
        if (auto w = new_db->Write(wo, &batch); !w.ok()) return give_back(status_error(w, "write " + new_path));
        batch.Clear();
      }
    }
    if (!it->status().ok()) return give_back(status_error(it->status(), "read " + bucket.path));
    postings.put_into(batch);
    batch.Put(kStatsKey, encode_stats(result.kept));
    if (auto w = new_db->Write(wo, &batch); !w.ok()) return give_back(status_error(w, "write " + new_path));
  }
  if (auto f = new_db->Flush(rocksdb::FlushOptions()); !f.ok()) return give_back(status_error(f, "flush " + new_path));
  (void)new_db->Close();
  new_db.reset();
  (void)old_db->Close();
  old_db.reset();
  if (result.destroyed.records == 0) {
    fs::remove_all(new_path, ec);  // nothing to destroy: keep the original untouched
    impl.release(id, true);
    return result;
  }
  if (!write_file_synced(with_suffix(bucket.path, ".receipt"), "rewrite\n" + make_receipt(result)))
    return give_back(Error{Errc::io, bucket.path + ": cannot write the destruction receipt"});
  crash_point("rewrite-after-receipt");
  fs::path base(bucket.path);
  fs::rename(base, with_suffix(bucket.path, ".old"), ec);
  if (!ec) fs::rename(new_path, base, ec);
  if (ec) return give_back(Error{Errc::io, bucket.path + ": swap failed: " + ec.message()});
  sync_directory(base.parent_path());
  crash_point("rewrite-after-swap");
  fs::remove_all(with_suffix(bucket.path, ".old"), ec);
  sync_directory(base.parent_path());
  if (impl.options.meta) {
    if (auto r = impl.options.meta->add_pending(make_receipt(result)); !r) {
      impl.release(id, true);
      return std::unexpected(r.error());
    }
  }
  fs::remove(with_suffix(bucket.path, ".receipt"), ec);
  bool empty = result.kept.records == 0;
  if (empty) fs::remove_all(base, ec);  // nothing left: no empty RocksDB lingers
  impl.release(id, !empty);
  return result;
}

}  // namespace hokan::store

namespace hokan::store {
namespace {

constexpr std::size_t kChunkBytes = 1 << 20;

class BucketObjectUpload : public ObjectUpload {
 public:
  BucketObjectUpload(std::shared_ptr<Bucket> bucket, uint64_t id, SyncMode sync)
      : bucket_(std::move(bucket)), id_(id), sync_(sync) {
    chunk_.reserve(kChunkBytes);
  }
  ~BucketObjectUpload() override {
    if (!finished_) abort();
  }
  Result<void> append(std::string_view bytes) override {
    while (!bytes.empty()) {
      std::size_t take = std::min(bytes.size(), kChunkBytes - chunk_.size());
      chunk_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      size_ += take;
      if (chunk_.size() == kChunkBytes)
        if (auto r = flush_chunk(); !r) return r;
    }
    return {};
  }
  Result<void> finish() override {
    if (!chunk_.empty())
      if (auto r = flush_chunk(); !r) return r;
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped) return fail(Errc::unavailable, "the bucket was purged during the upload");
    // Chunks skip the WAL (writing 100 MB twice would halve the speed); a flush puts them
    // in synced blob files instead, which is what makes the upload durable.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    auto s = bucket_->db->Flush(flush);
    if (!s.ok()) return std::unexpected(status_error(s, "flush " + bucket_->path));
    (void)sync_;
    finished_ = true;
    return {};
  }
  void abort() override {
    finished_ = true;
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped || chunks_ == 0) return;
    std::string begin = codec::object_prefix(id_), end = codec::object_prefix(id_ + 1);
    (void)bucket_->db->DeleteRange({}, bucket_->db->DefaultColumnFamily(), begin, end);
    // Refused bytes should not wait for a compaction to disappear.
    rocksdb::Slice b(begin), e(end);
    (void)bucket_->db->CompactRange({}, &b, &e);
  }
  uint64_t id() const override { return id_; }
  uint64_t size() const override { return size_; }

 private:
  Result<void> flush_chunk() {
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped) return fail(Errc::unavailable, "the bucket was purged during the upload");
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;  // made durable by the flush in finish()
    auto s = bucket_->db->Put(wo, codec::object_chunk_key(id_, chunks_), chunk_);
    if (!s.ok()) return std::unexpected(status_error(s, "write " + bucket_->path));
    ++chunks_;
    chunk_.clear();
    return {};
  }
  std::shared_ptr<Bucket> bucket_;
  uint64_t id_;
  SyncMode sync_;
  std::string chunk_;
  uint32_t chunks_ = 0;
  uint64_t size_ = 0;
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectUpload>> Store::begin_object(const Event& metadata) {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  auto bucket = impl.bucket(id, true);
  if (!bucket) return std::unexpected(bucket.error());
  auto object_id = impl.next_id();
  if (!object_id) return std::unexpected(object_id.error());
  return std::make_unique<BucketObjectUpload>(*bucket, *object_id, impl.options.sync);
}

Result<void> Store::read_object(const Event& metadata, const std::function<bool(std::string_view)>& sink) const {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  auto bucket = impl.bucket(id, false);
  if (!bucket) return std::unexpected(bucket.error());
  if (!*bucket) return fail(Errc::not_found, "the object is no longer stored");
  std::string prefix = codec::object_prefix(metadata.id);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it((*bucket)->db->NewIterator(ro));
  uint64_t seen = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    seen += it->value().size();
    if (!sink(std::string_view(it->value().data(), it->value().size()))) return {};
  }
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "read " + (*bucket)->path));
  if (seen != metadata.object_size)
    return fail(Errc::corruption, "object " + std::to_string(metadata.id) + " has " + std::to_string(seen) +
                                      " of its " + std::to_string(metadata.object_size) + " bytes");
  return {};
}

}  // namespace hokan::store
