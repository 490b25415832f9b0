// Inside the store: what its source files share (buckets, their registry, file helpers).
// Not a public header: only lib/store/*.cpp include it. Thread-safety as store.h says;
// Store::Impl's own members note which lock guards them.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/bucket_batch.h"
#include "store/keyed_hash.h"
#include "store/seal.h"
#include "store/store.h"

namespace hokan::store {
namespace detail {
namespace fs = std::filesystem;

// Local calendar day as yyyymmdd; sorts like the day itself.
using DayNumber = int32_t;

DayNumber day_of(const core::TimeZone& zone, int64_t time_us);
std::string day_text(DayNumber day);
std::optional<DayNumber> parse_day_text(std::string_view s);

struct BucketId {
  std::string category;
  std::string lane;
  DayNumber day = 0;
  auto operator<=>(const BucketId&) const = default;
};

// A bucket's id and the public description of it, each from the other.
BucketId id_of(const BucketInfo& info);
BucketInfo info_of(const BucketId& id, const std::string& path);

Error status_error(const rocksdb::Status& s, const std::string& what);

// The bucket's own counts live under this key in its index column family.
constexpr char kStatsKey[] = "m";
std::string encode_stats(const BucketStats& stats);
BucketStats decode_stats(std::string_view bytes);
void add_record(BucketStats& stats, int64_t time_us, uint64_t bytes);
BucketStats merged(BucketStats a, const BucketStats& b);

// Makes a rename or removal inside `dir` durable.
void sync_directory(const fs::path& dir);
// Writes `text` to a temporary file, fsyncs it and renames it over `path`.
bool write_file_synced(const fs::path& path, const std::string& text);
std::optional<std::string> read_file(const fs::path& path);
inline fs::path with_suffix(const std::string& path, const char* suffix) { return fs::path(path + suffix); }

// Test builds can stop the process between the steps of a destruction to prove that
// recovery finishes it; release builds have no such hook.
void crash_point(const char* name);

// One bucket's RocksDB instance: records (blocks and object chunks) in the default
// column family, postings and stats in "index". Separate families because record
// blocks arrive in key order and move down the LSM tree without being rewritten,
// while postings spread over the whole key space and do need compaction.
struct BucketDb {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* records = nullptr;  // the default family: owned by db
  rocksdb::ColumnFamilyHandle* index = nullptr;
  // A write or WAL sync failed: the instance is closed without syncing its WAL again
  // (RocksDB asserts on a WAL writer that saw an error) and reopened afresh.
  bool failed = false;
  BucketDb() = default;
  BucketDb(BucketDb&&) = default;
  BucketDb& operator=(BucketDb&&) = default;
  ~BucketDb() { close(); }
  // Syncs the WAL (unless a write failed) and closes. Idempotent.
  void close();
  explicit operator bool() const { return db != nullptr; }
};

// Opens (creating when missing) a bucket's RocksDB instance with both families.
Result<BucketDb> open_bucket_db(const rocksdb::Options& options, const std::string& path);

// Calls `visit(key, value)` for every record block of `db` in key order (object chunks
// are not blocks). Stops at the first error `visit` returns; errors: io.
Result<void> for_each_block(const BucketDb& db,
                            const std::function<Result<void>(std::string_view key, std::string_view value)>& visit);

// Calls `visit(key, bytes)` for each chunk of object `id` in order; stops early when it
// returns false. Returns the bytes visited. Errors: io.
Result<uint64_t> for_each_chunk(const BucketDb& db, uint64_t id,
                                const std::function<bool(std::string_view key, std::string_view bytes)>& visit);

// Seals the blocks one write puts into `batch`: appends a link after `head` and moves the
// head (see seal.h). `head` is what the bucket's chain ends at once the batch is written.
void append_seal(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* index, seal::Head& head,
                 std::vector<seal::SealedBlock>& sealed);

struct Bucket {
  BucketId id;
  std::string path;
  BucketDb store;
  uint64_t last_used = 0;
  std::mutex write_mutex;  // held by the writer while writing, by a purge while destroying
  BucketStats stats;       // under write_mutex
  seal::Head seal;         // under write_mutex: where the bucket's seal chain ends
  bool dropped = false;    // under write_mutex: a purge removed it; fetch the bucket again
  // Bytes written to its memtables (through the WAL, or object chunks) and not yet
  // flushed: what a flush will turn into tables, counted against the disk reserve.
  std::atomic<uint64_t> unflushed{0};
};

// ids are reserved in blocks recorded in a small file, so a restart never reuses one
// without scanning the buckets.
class IdAllocator {
 public:
  static constexpr uint64_t kBlock = 1 << 20;
  Result<void> open(const std::string& path);
  Result<uint64_t> next();

 private:
  std::string path_;
  uint64_t next_ = 0, reserved_ = 0;
};

}  // namespace detail

struct Store::Impl {
  using BucketId = detail::BucketId;
  using Bucket = detail::Bucket;
  using DayNumber = detail::DayNumber;

  StoreOptions options;
  std::filesystem::path buckets_dir;
  std::unique_ptr<KeyedHash> hash;
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  rocksdb::Options db_options;
  rocksdb::Options object_options;  // buckets of object categories: small memtables
  detail::IdAllocator ids;
  std::mutex ids_mutex;  // the event writer and object uploads both take ids

  mutable std::mutex mutex;  // guards known, open_buckets, tick, busy
  std::set<BucketId> known;  // every bucket on disk
  mutable std::map<BucketId, std::shared_ptr<Bucket>> open_buckets;
  mutable uint64_t tick = 0;
  std::set<BucketId> busy;   // being destroyed: nobody may open them meanwhile
  mutable std::condition_variable busy_done;

  mutable StoreCounters counters;
  // A damaged block, posting or record met by a scan: counted, logged, skipped.
  void report_corrupt(const std::string& bucket_path, const Error& error) const;

  // Free space on the state directory's filesystem, cached for a moment (statvfs on every
  // write batch would be wasted work); `fresh` reads it now.
  Store::Space space_now(bool fresh = false) const;
  // Bytes written to open buckets' memtables and not yet flushed.
  uint64_t unflushed_bytes() const;
  // A flush finished in the instance at `path`: `bytes` of its memtables became tables.
  void flushed(const std::string& path, uint64_t bytes) const;
  // Errors: no_space when `bytes` more would eat into the reserve (half of it for
  // privileged writes), counting what the memtables will take when they flush — after
  // flushing them once to turn WAL into compressed tables, when that helps.
  Result<void> check_space(uint64_t bytes, bool privileged) const;
  mutable std::mutex space_mutex;
  mutable Store::Space cached_space;
  mutable std::chrono::steady_clock::time_point space_read_at;

  // Writes one bucket's events of a batch (see Store::write).
  Result<void> write_group(const BucketId& id, std::vector<Event>& events, const std::vector<uint32_t>& members,
                           const rocksdb::WriteOptions& wo, rocksdb::WriteBatch& batch,
                           std::vector<seal::SealedBlock>& sealed, detail::BucketBatch& records, std::string& value);
  // Takes a failed or dropped bucket out of the cache, so the next use opens it afresh.
  void retire(const BucketId& id, const std::shared_ptr<Bucket>& bucket);
  // The bucket if it is open now; never opens one.
  std::shared_ptr<Bucket> open_bucket(const BucketId& id) const;

  // Writer-thread state.
  std::set<BucketId> unsynced;
  const std::string default_lane{kDefaultLane};

  Result<uint64_t> next_id();
  void configure_rocksdb();
  const rocksdb::Options& options_for(const std::string& category) const;
  std::string bucket_path(const BucketId& id) const;
  // Finds every bucket on disk (finishing interrupted destructions first).
  Result<void> discover();
  // Returns the open bucket, opening (and with `create`, creating) it; null when it
  // does not exist and `create` is false. Waits while a purge destroys it.
  Result<std::shared_ptr<Bucket>> bucket(const BucketId& id, bool create) const;
  // Takes a bucket out of service for destruction: nobody can open it until release();
  // waits for running queries to let go. Returns the bucket, closed.
  Result<std::shared_ptr<Bucket>> seize(const BucketId& id);
  void release(const BucketId& id, bool still_exists);
  // Buckets to visit for a scan, grouped by day in scan order.
  std::vector<std::pair<DayNumber, std::vector<BucketId>>> plan(const ScanQuery& q) const;

 private:
  Result<std::shared_ptr<Bucket>> bucket_locked(const BucketId& id, bool create) const;
  void close_idle_locked() const;
  void release_locked(const BucketId& id);
  void recover(const std::filesystem::path& lane_dir);
};

}  // namespace hokan::store
