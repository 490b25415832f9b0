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
#include <thread>
#include <vector>

#include "core/error.h"
#include "store/bucket_batch.h"
#include "store/folded_text.h"
#include "store/index_run.h"
#include "store/keyed_hash.h"
#include "store/seal.h"
#include "store/summary.h"
#include "store/store.h"

namespace hokan::store {
namespace detail {
namespace fs = std::filesystem;

// Local calendar day as yyyymmdd; sorts like the day itself.
using DayNumber = int32_t;

DayNumber day_of(const core::TimeZone& zone, int64_t time_us);
// The first instant of the local day `days_after` days after `day`.
int64_t day_start_us(const core::TimeZone& zone, DayNumber day, int days_after = 0);
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

// Opens (creating when missing) a bucket's RocksDB instance with both families;
// `read_only` opens an existing one without writing a byte (no WAL, no OPTIONS file).
Result<BucketDb> open_bucket_db(const rocksdb::Options& options, const std::string& path, bool read_only = false);

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
  bool read_only = false;  // opened for reading: a write needs another instance
  uint64_t last_used = 0;
  // Set while open: told when the instance closes (see Store::Impl::closing).
  const Store::Impl* owner = nullptr;
  ~Bucket();
  std::mutex write_mutex;  // held by the writer while writing, by a purge while destroying
  BucketStats stats;       // under write_mutex
  seal::Head seal;         // under write_mutex: where the bucket's seal chain ends
  bool dropped = false;    // under write_mutex: a purge removed it; fetch the bucket again
  // Bytes written to its memtables (through the WAL, or object chunks) and not yet
  // flushed: what a flush will turn into tables, counted against the disk reserve.
  std::atomic<uint64_t> unflushed{0};
  // Under write_mutex: written to since it was opened for writing (its summary file was
  // removed then; closing writes a new one).
  bool dirty = false;
  std::atomic<int64_t> last_write_us{0};  // steady clock, for closing idle days
  // The index (see index_run.h): runs [0, runs) on disk, and the hits of what was
  // written since the last one. Lookups read both.
  mutable std::mutex index_mutex;
  RunBuilder run;     // under index_mutex
  uint32_t runs = 0;  // under index_mutex
  // Under index_mutex: `run` was rebuilt from every record, and its cut replaces what
  // the index family holds.
  bool replace_index = false;
  // Under write_mutex: the trigrams of every record of a bucket opened empty for
  // writing, gathered as they are written, so that its summary need not read the day
  // back (that read and its decompression were a fifth of the work of a close). Null
  // when it was opened with records in it, or when kTrigramCollectors buckets hold one.
  std::unique_ptr<TrigramCollector> trigrams;
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

// The literals a scan's records must hold (scan.cpp): the prefilter, and each required
// literal without a byte above 0x7f. Views into `q`.
std::vector<std::string_view> searched_literals(const ScanQuery& q);

struct Store::Impl {
  using BucketId = detail::BucketId;
  using Bucket = detail::Bucket;
  using DayNumber = detail::DayNumber;
  enum class Access { read, write };
  ~Impl();

  StoreOptions options;
  std::filesystem::path buckets_dir;
  std::unique_ptr<KeyedHash> hash;
  // Store::write's working buffers, kept from one write to the next (the writer thread's
  // only): a write fills megabytes, and fresh ones cost a page fault every 4 KiB.
  struct WriteScratch {
    explicit WriteScratch(const KeyedHash& hash) : records(hash) {}
    rocksdb::WriteBatch batch;
    std::vector<seal::SealedBlock> sealed;
    detail::BucketBatch records;
    detail::RunBuilder hits;
  };
  std::unique_ptr<WriteScratch> write_scratch;
  std::shared_ptr<rocksdb::Cache> block_cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
  rocksdb::Options db_options;
  rocksdb::Options object_options;  // buckets of object categories: small memtables
  detail::IdAllocator ids;
  std::mutex ids_mutex;  // the event writer and object uploads both take ids

  mutable std::mutex mutex;  // guards known, open_buckets, tick, busy, opening
  std::set<BucketId> known;  // every bucket on disk
  mutable std::map<BucketId, std::shared_ptr<Bucket>> open_buckets;
  mutable uint64_t tick = 0;
  std::set<BucketId> busy;   // being destroyed: nobody may open them meanwhile
  // Counts seizures (purges and erasures): a paused scan's place in a bucket's block
  // layout (ScanContext::resume_block) holds only while this has not moved.
  std::atomic<uint64_t> seizures{0};
  mutable std::set<BucketId> opening;  // being opened (outside the lock)
  mutable std::condition_variable busy_done;
  // Instances of each bucket alive now, cached or not (a scan may hold one the cache let
  // go): a destruction waits until none is left, so no descriptor keeps its bytes.
  mutable std::mutex instances_mutex;
  mutable std::condition_variable instances_done;
  mutable std::map<BucketId, int> instances;
  // Open instances by directory, for RocksDB's flush notices (which come on its threads,
  // possibly while the registry's lock is held by a closing bucket waiting for them).
  mutable std::mutex paths_mutex;
  mutable std::multimap<std::string, Bucket*> by_path;

  // Summaries of closed buckets (see summary.h), loaded from their files on first use.
  mutable std::mutex summary_mutex;
  mutable std::map<BucketId, std::shared_ptr<const BucketSummary>> summaries;
  mutable std::set<BucketId> unsummarized;  // looked for, no file: must be opened
  // The summary of a bucket, or null when it has none (never summarised, or written to
  // since): then only opening it tells what it holds.
  std::shared_ptr<const BucketSummary> summary_of(const BucketId& id) const;
  void forget_summary(const BucketId& id) const;
  // Builds a bucket's summary from its index family, stats and records' trigrams (from
  // `trigrams` when given, read from the records when not), writes the file and caches
  // it. Errors: io.
  Result<void> summarize(const BucketId& id, const detail::BucketDb& db, const BucketStats& stats,
                         const std::string& dir, const TrigramCollector* trigrams = nullptr) const;
  // A bucket instance is closing: a writable one written to since it opened has its
  // memtables flushed and its summary written first.
  void closing(Bucket& b) const;
  // The bucket's next tables are written without a compression dictionary.
  void without_dictionary(Bucket& b) const;
  // Marks a writable bucket written to (under its write_mutex): its summary file goes.
  Result<void> make_dirty(Bucket& b) const;
  // Writes the hits collected since the last run as the bucket's next run (under its
  // write_mutex). Errors: io (the instance is then failed: its next open rebuilds).
  Result<void> cut_run(Bucket& b) const;
  // Rebuilds a writable bucket's whole index from its records, in memory (its first
  // cut_run replaces what is on disk): for a bucket whose last instance did not close
  // cleanly (the hits it held in memory are gone) and for buckets written before runs
  // (their postings go then). Writes nothing. Errors: io.
  Result<void> rebuild_index(Bucket& b) const;

  // Closes writable buckets nobody wrote to for `idle`, flushing and summarising them.
  void close_idle_writers(std::chrono::steady_clock::duration idle) const;
  std::thread housekeeping;
  std::mutex housekeeping_mutex;
  std::condition_variable housekeeping_wake;
  bool housekeeping_stop = false;

  mutable StoreCounters counters;
  // Index hits held in memory across all writable buckets (see index_run.h). Past
  // kHeldHitsBudget runs, a bucket written to cuts its run early, so back-filling many
  // days at once cannot hold a run's worth of memory for each of them.
  mutable std::atomic<std::size_t> held_hits{0};
  std::size_t held_hits_budget() const { return 4 * options.index_run_hits; }
  // Buckets holding a TrigramCollector (2 MiB each); past the limit, closing reads the
  // bucket back instead.
  static constexpr int kTrigramCollectors = 16;
  mutable std::atomic<int> trigram_collectors{0};
  // A damaged block, posting or record met by a scan: counted, logged, skipped.
  void report_corrupt(const std::string& bucket_path, const Error& error) const;

  // Free space on the state directory's filesystem, cached for a moment (statvfs on every
  // write batch would be wasted work); `fresh` reads it now.
  Store::Space space_now(bool fresh = false) const;
  // Bytes written to open buckets' memtables and not yet flushed.
  uint64_t unflushed_bytes() const;
  // A flush finished in the instance at `path`: `bytes` of its memtables became tables.
  void flushed(const std::string& path, uint64_t bytes) const;
  // Errors: no_space when `bytes` more would eat into the reserve, counting what the
  // memtables will take when they flush — after flushing them once to turn WAL into
  // compressed tables, when that helps. Privileged writes may use half the reserve and
  // do not count the memtables.
  Result<void> check_space(uint64_t bytes, bool privileged) const;
  mutable std::mutex space_mutex;
  mutable Store::Space cached_space;
  mutable std::chrono::steady_clock::time_point space_read_at;

  // Writes one bucket's events of a batch (see Store::write).
  Result<void> write_group(const BucketId& id, const std::vector<Event*>& members,
                           const rocksdb::WriteOptions& wo, rocksdb::WriteBatch& batch,
                           std::vector<seal::SealedBlock>& sealed, detail::BucketBatch& records,
                           detail::RunBuilder& hits);
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
  // Returns the open bucket, opening it: for `write`, creating it when missing and
  // writable; for `read`, as it is (read-only when it has a summary; a bucket without
  // one is opened writable once, flushed and summarised); null for a read of a bucket
  // that does not exist. Waits while a purge destroys it. Opening runs outside the
  // registry's lock.
  Result<std::shared_ptr<Bucket>> bucket(const BucketId& id, Access access) const;
  // Takes a bucket out of service for destruction: nobody can open it until release();
  // waits (bounded) until no instance of it is open. Returns its path and stats.
  Result<std::pair<std::string, BucketStats>> seize(const BucketId& id);
  void release(const BucketId& id, bool still_exists);
  // Buckets to visit for a scan, grouped by day in scan order.
  std::vector<std::pair<DayNumber, std::vector<BucketId>>> plan(const ScanQuery& q) const;

 private:
  Result<std::shared_ptr<Bucket>> open_new(const BucketId& id, Access access) const;
  void close_idle_locked(std::vector<std::shared_ptr<Bucket>>& evicted, bool for_writing) const;
  void release_locked(const BucketId& id);
  void recover(const std::filesystem::path& lane_dir);
};

}  // namespace hokan::store
