// The store's bucket registry: opening, discovering, closing and seizing buckets, the
// RocksDB options they share, and the small file helpers destruction needs.
#include "store/store.h"

#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <rocksdb/listener.h>
#include <rocksdb/sst_file_manager.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "store/codec.h"
#include "store/folded_text.h"
#include "store/index_run.h"
#include "store/record_block.h"
#include "store/store_impl.h"
#include "store/varint.h"

namespace hokan::store {
namespace detail {

DayNumber day_of(const core::TimeZone& zone, int64_t time_us) {
  auto c = zone.to_civil(time_us);
  return c.year * 10000 + c.month * 100 + c.day;
}

int64_t day_start_us(const core::TimeZone& zone, DayNumber day, int days_after) {
  core::CivilTime midnight{};
  core::civil_from_days(core::days_from_civil(day / 10000, day / 100 % 100, day % 100) + days_after, midnight.year,
                        midnight.month, midnight.day);
  return zone.from_civil(midnight);
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

BucketId id_of(const BucketInfo& b) { return {b.category, b.lane, b.day_number()}; }

BucketInfo info_of(const BucketId& id, const std::string& path) {
  return {id.category, id.lane, id.day / 10000, id.day / 100 % 100, id.day % 100, path};
}

Error status_error(const rocksdb::Status& s, const std::string& what) {
  return Error{s.IsCorruption() ? Errc::corruption : Errc::io, what + ": " + s.ToString()};
}

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

void crash_point([[maybe_unused]] const char* name) {
#ifdef HOKAN_FAULT_INJECTION
  if (const char* at = std::getenv("HOKAN_TEST_CRASH_AT"); at && std::string_view(at) == name) std::_Exit(137);
#endif
}

Bucket::~Bucket() {
  if (owner) owner->closing(*this);
}

void BucketDb::close() {
  if (!db) return;
  if (!failed) (void)db->FlushWAL(true);
  if (index) (void)db->DestroyColumnFamilyHandle(index);
  index = nullptr;
  records = nullptr;
  (void)db->Close();
  db.reset();
}

namespace {
// Each writable open, and each SetOptions, leaves an OPTIONS file (11 KB, two kept) that
// only RocksDB's tools read and Open never does: a day of a thousand records kept twice
// that in options. They go.
void remove_options_files(const std::string& path) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path, ec))
    if (entry.path().filename().string().starts_with("OPTIONS-")) fs::remove(entry.path(), ec);
}
}  // namespace

Result<BucketDb> open_bucket_db(const rocksdb::Options& options, const std::string& path, bool read_only) {
  rocksdb::DBOptions db_options(options);
  rocksdb::ColumnFamilyOptions records(options);
  rocksdb::ColumnFamilyOptions index(options);
  // Postings and stats are small: no blob files for them.
  index.enable_blob_files = false;
  if (!records.enable_blob_files) {
    // Record blocks compress a tenth smaller against a dictionary: a sample of the
    // table's own blocks, used as it is (a trained one was 1% smaller, for a training
    // run in every flush). A table's first blocks are held until the sample is taken.
    records.compression_opts.max_dict_bytes = 128 << 10;
    records.compression_opts.zstd_max_train_bytes = 0;
    records.compression_opts.max_dict_buffer_bytes = 8 << 20;
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families{
      {rocksdb::kDefaultColumnFamilyName, records}, {"index", index}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  // A read-only day was flushed and summarised at close: a few tables, of which this
  // keeps 4 open (RocksDB keeps max_open_files - 10 table readers).
  if (read_only) db_options.max_open_files = 10 + kReadOnlyTables;
  auto s = read_only ? rocksdb::DB::OpenForReadOnly(db_options, path, families, &handles, &raw)
                     : rocksdb::DB::Open(db_options, path, families, &handles, &raw);
  if (!s.ok()) return std::unexpected(status_error(s, "open bucket " + path));
  if (!read_only) remove_options_files(path);
  BucketDb out;
  out.db.reset(raw);
  // The default family's handle is owned by the DB; only "index" must be destroyed.
  out.records = out.db->DefaultColumnFamily();
  (void)out.db->DestroyColumnFamilyHandle(handles[0]);
  out.index = handles[1];
  return out;
}

Result<void> for_each_block(const BucketDb& db,
                            const std::function<Result<void>(std::string_view key, std::string_view value)>& visit) {
  std::string lower(1, codec::kBlockPrefix), upper(1, codec::kBlockPrefix + 1);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  ro.fill_cache = false;  // whole-bucket passes would evict what lookups keep warm
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.records));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (auto r = visit(std::string_view(it->key().data(), it->key().size()),
                       std::string_view(it->value().data(), it->value().size()));
        !r)
      return r;
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "read " + db.db->GetName()));
  return {};
}

Result<uint64_t> for_each_chunk(const BucketDb& db, uint64_t id,
                                const std::function<bool(std::string_view key, std::string_view bytes)>& visit) {
  std::string prefix = codec::object_prefix(id);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // footage would evict what lookups keep warm
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.records));
  uint64_t seen = 0;
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    seen += it->value().size();
    if (!visit(std::string_view(it->key().data(), it->key().size()),
               std::string_view(it->value().data(), it->value().size())))
      break;
  }
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "read " + db.db->GetName()));
  return seen;
}

void append_seal(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* index, seal::Head& head,
                 std::vector<seal::SealedBlock>& sealed) {
  if (sealed.empty()) return;
  seal::Link link{head.hash, std::move(sealed)};
  std::string encoded = seal::encode_link(link);
  batch.Put(index, seal::link_key(head.seq), encoded);
  head = seal::Head{head.seq + 1, seal::sha256(encoded)};
  batch.Put(index, seal::kHeadKey, seal::encode_head(head));
  sealed.clear();
}

Result<void> IdAllocator::open(const std::string& path) {
  path_ = path;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    unsigned long long v = 0;
    if (std::fscanf(f, "%llu", &v) != 1) v = 0;
    std::fclose(f);
    next_ = reserved_ = v;
  }
  return {};
}

Result<uint64_t> IdAllocator::next() {
  if (next_ >= reserved_) {
    uint64_t reserve = next_ + kBlock;
    if (!write_file_synced(path_, std::to_string(reserve) + "\n"))
      return fail(Errc::io, path_ + ": cannot write id reservation");
    reserved_ = reserve;
  }
  return ++next_;
}

}  // namespace detail

std::string day_text(int day_number) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", day_number / 10000, day_number / 100 % 100, day_number % 100);
  return buf;
}

using namespace detail;

Result<uint64_t> Store::Impl::next_id() {
  std::lock_guard lock(ids_mutex);
  return ids.next();
}

namespace {
// RocksDB's info log, for every bucket through hokan's "store" logger: warnings and
// errors only, and no LOG files in bucket directories (they named compactions' keys,
// and a reopened bucket left a LOG.old file each time).
class InfoLog : public rocksdb::Logger {
 public:
  InfoLog() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    if (auto log = spdlog::get("store")) {
      if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) log->error("rocksdb: {}", line);
      else log->warn("rocksdb: {}", line);
    }
  }
  void Logv(const char* format, va_list ap) override { Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap); }
};

// Tells the store when a flush turned memtable bytes into tables, so that what is still
// to be flushed — and will take disk space when it is — stays known.
class FlushListener : public rocksdb::EventListener {
 public:
  explicit FlushListener(const Store::Impl& impl) : impl_(impl) {}
  void OnFlushCompleted(rocksdb::DB* db, const rocksdb::FlushJobInfo& info) override {
    // Object chunks leave the memtable for blob files, which the table's own sizes do
    // not count: without them every upload would stay "waiting" for good.
    uint64_t bytes = info.table_properties.raw_key_size + info.table_properties.raw_value_size;
    for (const auto& blob : info.blob_file_addition_infos) bytes += blob.total_blob_bytes;
    impl_.flushed(db->GetName(), bytes);
  }

 private:
  const Store::Impl& impl_;
};
}  // namespace

void Store::Impl::configure_rocksdb() {
  block_cache = rocksdb::NewLRUCache(64 << 20);
  // All buckets share one memtable budget, so many open days cost no more memory.
  write_buffers = std::make_shared<rocksdb::WriteBufferManager>(256 << 20, block_cache);
  auto& o = db_options;
  o.listeners.push_back(std::make_shared<FlushListener>(*this));
  // Shared by every bucket, so that opening one starts no thread and writes no log file:
  // RocksDB's background work runs in the default Env's pools, one file manager tracks
  // the one filesystem, one logger takes every message.
  o.info_log = std::make_shared<InfoLog>();
  o.sst_file_manager.reset(rocksdb::NewSstFileManager(rocksdb::Env::Default()));
  // Opening a past day should cost a MANIFEST read, not a stat and a properties read of
  // every table it has.
  o.skip_stats_update_on_db_open = true;
  o.skip_checking_sst_file_sizes_on_db_open = true;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  o.write_buffer_manager = write_buffers;
  o.write_buffer_size = 64 << 20;
  o.max_write_buffer_number = 3;
  // A WAL file goes only when every family's data in it is flushed; the small index
  // family would otherwise keep gigabytes of WAL alive. Past this size RocksDB flushes
  // whichever family holds the oldest WAL back.
  o.max_total_wal_size = 256 << 20;
  // ZSTD at its fastest level on every level: LZ4 decompresses faster but took about 30%
  // more disk on log text, and a year of logs is the operator's main cost; ZSTD still
  // decompresses fast enough for year-wide text searches (bench/year).
  o.compression = rocksdb::kZSTD;
  o.bottommost_compression = rocksdb::kZSTD;
  o.compression_opts.level = 1;
  // A day bucket holds a few SST files; this bounds what one bucket may keep open, so the
  // descriptor budget (runtime/resources.h) can size the bucket cache.
  o.max_open_files = 16;
  // The table cache holds max_open_files - 10 readers; split into the default 64 shards,
  // each shard holds less than one and every query reopens its SST files.
  o.table_cache_numshardbits = 0;
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
  table.block_size = 128 * 1024;
  o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  object_options = o;
  // Object chunks (1 MiB) go to blob files, uncompressed (footage is compressed
  // already); metadata blocks stay inline. Dropping a bucket removes its blob files.
  object_options.enable_blob_files = true;
  object_options.min_blob_size = 64 * 1024;
  object_options.blob_compression_type = rocksdb::kNoCompression;
  // No blob GC: objects are never overwritten, so compactions would only copy live
  // footage from the oldest blob files into new ones — most of the CPU of an upload
  // went there. A purge drops or rewrites the whole bucket; abort() forces GC itself.
  object_options.enable_blob_garbage_collection = false;
  // A 100 MB segment must not sit in memory: flush object buckets often.
  object_options.write_buffer_size = 16 << 20;
  object_options.max_write_buffer_number = 3;
  // Flushing (blob checksums and writes) is the slowest stage of an upload: two flushes
  // at once keep a second core busy while the receiving side fills the next memtable.
  object_options.max_background_flushes = 2;
  // Start writeback as blob files grow, so the fsync that closes each one (and the
  // upload's last flush, which the 201 waits for) finds little left to write.
  object_options.bytes_per_sync = 1 << 20;
}

const rocksdb::Options& Store::Impl::options_for(const std::string& category) const {
  return options.object_categories.contains(category) ? object_options : db_options;
}

std::string Store::Impl::bucket_path(const BucketId& id) const {
  return (buckets_dir / id.category / id.lane / day_text(id.day)).string();
}

Result<void> Store::Impl::discover() {
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

Result<std::shared_ptr<Bucket>> Store::Impl::open_new(const BucketId& id, Access access) const {
  auto b = std::make_shared<Bucket>();
  b->id = id;
  b->path = bucket_path(id);
  std::error_code ec;
  if (access == Access::write) {
    fs::create_directories(b->path, ec);
    if (ec) return fail(Errc::io, b->path + ": " + ec.message());
  }
  const auto& rocksdb_options = options_for(id.category);
  // A read of a summarised bucket opens it read-only: nothing is written, no thread or
  // file is added, however often it is read. One without a summary (written before
  // summaries existed, or not closed cleanly) is opened writable once, so that its WAL is
  // flushed into tables and its summary written; later reads open it read-only.
  bool tidy = access == Access::read && !fs::exists(fs::path(b->path) / "summary", ec);
  b->read_only = access == Access::read && !tidy;
  auto opened = open_bucket_db(rocksdb_options, b->path, b->read_only);
  if (!opened) return std::unexpected(opened.error());
  counters.bucket_opens.fetch_add(1, std::memory_order_relaxed);
  b->store = std::move(*opened);
  std::string stats;
  if (b->store.db->Get({}, b->store.index, kStatsKey, &stats).ok()) b->stats = decode_stats(stats);
  std::string head;
  if (b->store.db->Get({}, b->store.index, seal::kHeadKey, &head).ok()) {
    auto decoded = seal::decode_head(head);
    if (!decoded) return fail(Errc::corruption, b->path + ": " + decoded.error().message);
    b->seal = *decoded;
  }
  // Without a summary file, the bucket's last writer did not close it (or it predates
  // index runs): the hits of its last writes may be missing from its runs.
  if (!b->read_only && b->stats.records > 0 && !fs::exists(fs::path(b->path) / "summary", ec)) {
    if (auto r = rebuild_index(*b); !r) return std::unexpected(r.error());
  } else {
    auto runs = count_runs(*b->store.db, b->store.index);
    if (!runs) return std::unexpected(runs.error());
    b->runs = *runs;
  }
  {
    std::lock_guard lock(instances_mutex);
    ++instances[id];
  }
  {
    std::lock_guard lock(paths_mutex);
    by_path.emplace(b->path, b.get());
  }
  b->owner = this;  // from here on, closing() undoes what the instance holds
  if (access == Access::write && b->stats.records == 0) {
    if (trigram_collectors.fetch_add(1, std::memory_order_relaxed) < kTrigramCollectors)
      b->trigrams = std::make_unique<TrigramCollector>();
    else
      trigram_collectors.fetch_sub(1, std::memory_order_relaxed);
  }
  if (tidy) {
    if (auto cut = cut_run(*b); !cut) return std::unexpected(cut.error());
    rocksdb::FlushOptions flush;
    flush.wait = true;
    if (auto f = b->store.db->Flush(flush, {b->store.records, b->store.index}); !f.ok())
      return std::unexpected(status_error(f, "flush " + b->path));
    if (auto r = summarize(id, b->store, b->stats, b->path); !r) return std::unexpected(r.error());
    // Info logs of earlier versions named keys of compactions: not wanted (RocksDB now
    // logs through hokan's logger and writes none).
    for (const auto& entry : fs::directory_iterator(b->path, ec))
      if (auto name = entry.path().filename().string(); name == "LOG" || name.starts_with("LOG.old."))
        fs::remove(entry.path(), ec);
  }
  return b;
}

void Store::Impl::close_idle_locked(std::vector<std::shared_ptr<Bucket>>& evicted, bool for_writing) const {
  // Closes the least recently used instance nobody holds (of the writable ones only, when
  // `writable`); false when there is none.
  auto evict = [&](bool writable) {
    auto victim = open_buckets.end();
    for (auto it = open_buckets.begin(); it != open_buckets.end(); ++it)
      if (it->second.use_count() == 1 && !(writable && it->second->read_only) &&
          (victim == open_buckets.end() || it->second->last_used < victim->second->last_used))
        victim = it;
    if (victim == open_buckets.end()) return false;
    evicted.push_back(std::move(victim->second));
    open_buckets.erase(victim);
    return true;
  };
  while (open_buckets.size() >= options.max_open_buckets && evict(false)) {
  }
  if (!for_writing) return;
  auto writable = static_cast<std::size_t>(
      std::count_if(open_buckets.begin(), open_buckets.end(), [](const auto& e) { return !e.second->read_only; }));
  while (writable >= options.max_writable_buckets && evict(true)) --writable;
}

void Store::Impl::retire(const BucketId& id, const std::shared_ptr<Bucket>& b) {
  std::lock_guard lock(mutex);
  auto it = open_buckets.find(id);
  if (it != open_buckets.end() && it->second == b) open_buckets.erase(it);
}

std::shared_ptr<Bucket> Store::Impl::open_bucket(const BucketId& id) const {
  std::lock_guard lock(mutex);
  auto it = open_buckets.find(id);
  return it == open_buckets.end() ? nullptr : it->second;
}

std::shared_ptr<const BucketSummary> Store::Impl::summary_of(const BucketId& id) const {
  {
    std::lock_guard lock(summary_mutex);
    if (auto it = summaries.find(id); it != summaries.end()) return it->second;
    if (unsummarized.contains(id)) return nullptr;
  }
  auto bytes = read_file(fs::path(bucket_path(id)) / "summary");
  std::shared_ptr<const BucketSummary> loaded;
  if (bytes) {
    if (auto decoded = BucketSummary::decode(*bytes)) loaded = std::make_shared<const BucketSummary>(std::move(*decoded));
    else if (auto log = spdlog::get("store")) log->warn("{}: {}; the bucket will be opened and summarised again",
                                                         bucket_path(id), decoded.error().message);
  }
  std::lock_guard lock(summary_mutex);
  if (loaded) summaries[id] = loaded;
  else unsummarized.insert(id);
  return loaded;
}

void Store::Impl::forget_summary(const BucketId& id) const {
  std::lock_guard lock(summary_mutex);
  summaries.erase(id);
  unsummarized.erase(id);
}

Result<void> Store::Impl::summarize(const BucketId& id, const BucketDb& db, const BucketStats& stats,
                                    const std::string& dir, const TrigramCollector* gathered) const {
  std::vector<uint64_t> keys;
  std::string lower(1, codec::kPostingPrefix), upper(1, codec::kPostingPrefix + 1);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.index));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key();
    if (key.size() < 10) continue;
    keys.push_back(BucketSummary::key(key[1], bytes::get_u64_be(key.data() + 2)));
  }
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "summarise " + dir));
  auto in_runs = for_each_run_value(*db.db, db.index,
                                    [&](char field, uint64_t value) { keys.push_back(BucketSummary::key(field, value)); });
  if (!in_runs) return std::unexpected(Error{in_runs.error().code, dir + ": " + in_runs.error().message});
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  // Every byte of every record: the records' fields and the bytes received.
  std::unique_ptr<TrigramCollector> read;
  if (!gathered) {
    read = std::make_unique<TrigramCollector>();
    rocksdb::ReadOptions whole;
    whole.fill_cache = false;
    whole.readahead_size = 2 << 20;
    std::unique_ptr<rocksdb::Iterator> blocks(db.db->NewIterator(whole, db.records));
    for (blocks->SeekToFirst(); blocks->Valid(); blocks->Next())
      if (auto payload = block::Reader::payload_of(std::string_view(blocks->value().data(), blocks->value().size())))
        read->add(payload->first);
    if (!blocks->status().ok()) return std::unexpected(status_error(blocks->status(), "summarise " + dir));
    gathered = read.get();
  }
  std::vector<uint64_t> trigram_keys;
  for (uint32_t gram : gathered->distinct()) trigram_keys.push_back((*hash)(trigram_bytes(gram)));
  auto summary = std::make_shared<const BucketSummary>(
      BucketSummary::build(keys, stats.min_time_us, stats.max_time_us, stats.records, trigram_keys));
  if (!write_file_synced(fs::path(dir) / "summary", summary->encode()))
    return fail(Errc::io, dir + ": cannot write the bucket summary");
  std::lock_guard lock(summary_mutex);
  summaries[id] = std::move(summary);
  unsummarized.erase(id);
  return {};
}

Result<void> Store::Impl::make_dirty(Bucket& b) const {
  if (b.dirty) return {};
  // Before the first byte: a summary that missed a value would hide its records.
  std::error_code ec;
  fs::path file = fs::path(b.path) / "summary";
  if (fs::remove(file, ec)) sync_directory(b.path);
  if (ec) return fail(Errc::io, file.string() + ": " + ec.message());
  forget_summary(b.id);
  b.dirty = true;
  return {};
}

Result<void> Store::Impl::cut_run(Bucket& b) const {
  std::lock_guard lock(b.index_mutex);
  if (b.run.empty()) return {};
  held_hits.fetch_sub(b.run.hits(), std::memory_order_relaxed);
  rocksdb::WriteBatch batch;
  if (b.replace_index) {
    // A rebuilt index (rebuild_index) holds every hit: it takes the place of the runs, and
    // of the postings of the layout before runs, in one write.
    batch.DeleteRange(b.store.index, std::string(1, codec::kPostingPrefix),
                      std::string(1, codec::kPostingPrefix + 1));
    batch.DeleteRange(b.store.index, std::string(1, kRunPrefix), std::string(1, kRunPrefix + 1));
    b.runs = 0;
  }
  b.run.put_into(batch, b.store.index, b.runs);
  rocksdb::WriteOptions wo;
  wo.sync = options.sync == SyncMode::always;
  if (auto s = b.store.db->Write(wo, &batch); !s.ok()) {
    b.store.failed = true;
    return std::unexpected(status_error(s, "write index run " + b.path));
  }
  ++b.runs;
  b.replace_index = false;
  return {};
}

Result<void> Store::Impl::rebuild_index(Bucket& b) const {
  // Into memory only: an open writes nothing (the disk may be full, and a write RocksDB
  // fails leaves the instance unusable). The runs already there stay readable meanwhile
  // (lookups drop the hits both give twice); the first cut replaces them.
  auto runs = count_runs(*b.store.db, b.store.index);
  if (!runs) return std::unexpected(runs.error());
  std::lock_guard lock(b.index_mutex);
  held_hits.fetch_sub(b.run.hits(), std::memory_order_relaxed);
  b.run.clear();
  b.runs = *runs;
  block::Reader reader;
  Event e;
  auto indexed = for_each_block(b.store, [&](std::string_view key, std::string_view value) -> Result<void> {
    // A damaged block is left out (verify reports it); the rest of the day stays findable.
    auto first = codec::decode_block_key(key);
    if (!first || !reader.open(*first, value)) return {};
    b.run.add_block(*first);
    for (std::size_t i = 0; i < reader.size(); ++i) {
      e = Event{};
      if (!reader.decode(i, e)) continue;
      for_each_indexed_value(e, [&](int field, const std::string& v) {
        b.run.add(kFieldOrder[field], (*hash)(v), static_cast<uint32_t>(i));
      });
    }
    return {};
  });
  held_hits.fetch_add(b.run.hits(), std::memory_order_relaxed);
  b.replace_index = true;
  return indexed;
}

// A table's dictionary (open_bucket_db) is up to 128 KiB of samples kept as they are,
// and saves about a tenth of the compressed data: for the small table of a quiet day's
// close it would cost more than it saves (a day of 14,000 dpkg lines took twice the disk).
constexpr uint64_t kDictionaryWorthBytes = 16 << 20;

void Store::Impl::without_dictionary(Bucket& b) const {
  auto s = b.store.db->SetOptions(b.store.records, {{"compression_opts", "{max_dict_bytes=0}"}});
  if (!s.ok()) {
    if (auto log = spdlog::get("store")) log->warn("{}: {}", b.path, s.ToString());
    return;
  }
  remove_options_files(b.path);
}

void Store::Impl::closing(Bucket& b) const {
  if (b.store && !b.read_only && b.dirty && !b.dropped && !b.store.failed) {
    // The hits held in memory become a run; a day's data should not sit uncompressed in
    // a WAL for months, and the next reader should find a summary: flush, then summarise.
    auto log = spdlog::get("store");
    rocksdb::Status f;
    if (b.unflushed.load(std::memory_order_relaxed) < kDictionaryWorthBytes &&
        !options.object_categories.contains(b.id.category))
      without_dictionary(b);
    if (auto cut = cut_run(b); !cut)
      f = rocksdb::Status::IOError(cut.error().message);
    else
      f = b.store.db->Flush(rocksdb::FlushOptions(), {b.store.records, b.store.index});
    if (!f.ok()) {
      if (log) log->warn("{}: flush at close: {}", b.path, f.ToString());
    } else if (auto r = summarize(b.id, b.store, b.stats, b.path, b.trigrams.get()); !r && log) {
      log->warn("{}", r.error().message);
    }
  }
  {
    // What a failed or dropped instance still held is gone with it (its next open
    // rebuilds the index from the records).
    std::lock_guard lock(b.index_mutex);
    held_hits.fetch_sub(b.run.hits(), std::memory_order_relaxed);
    b.run.clear();
  }
  if (b.trigrams) {
    b.trigrams.reset();
    trigram_collectors.fetch_sub(1, std::memory_order_relaxed);
  }
  b.store.close();
  {
    std::lock_guard lock(paths_mutex);
    auto [first, last] = by_path.equal_range(b.path);
    for (auto it = first; it != last; ++it)
      if (it->second == &b) {
        by_path.erase(it);
        break;
      }
  }
  std::lock_guard lock(instances_mutex);
  if (--instances[b.id] <= 0) instances.erase(b.id);
  instances_done.notify_all();
}

void Store::Impl::close_idle_writers(std::chrono::steady_clock::duration idle) const {
  std::vector<std::shared_ptr<Bucket>> evicted;
  int64_t before = std::chrono::duration_cast<std::chrono::microseconds>(
                       (std::chrono::steady_clock::now() - idle).time_since_epoch())
                       .count();
  {
    std::lock_guard lock(mutex);
    for (auto it = open_buckets.begin(); it != open_buckets.end();) {
      auto& b = it->second;
      if (!b->read_only && b.use_count() == 1 && b->last_write_us.load() < before) {
        evicted.push_back(std::move(b));
        it = open_buckets.erase(it);
      } else {
        ++it;
      }
    }
  }
  // Closing flushes and summarises each: outside the registry's lock.
}

Store::Impl::~Impl() {
  {
    std::lock_guard lock(housekeeping_mutex);
    housekeeping_stop = true;
  }
  housekeeping_wake.notify_all();
  if (housekeeping.joinable()) housekeeping.join();
}

Store::Space Store::Impl::space_now(bool fresh) const {
  std::lock_guard lock(space_mutex);
  auto now = std::chrono::steady_clock::now();
  if (fresh || now - space_read_at > std::chrono::milliseconds(100)) {
    struct statvfs st {};
    if (::statvfs(options.state_dir.c_str(), &st) == 0) cached_space.free = uint64_t{st.f_bavail} * st.f_frsize;
    space_read_at = now;
  }
  Store::Space sp = cached_space;
  sp.reserve = options.reserve_bytes;
  sp.pending = unflushed_bytes();
  sp.full = sp.free < sp.reserve + sp.pending;
  return sp;
}

uint64_t Store::Impl::unflushed_bytes() const {
  std::lock_guard lock(mutex);
  uint64_t total = 0;
  for (const auto& [id, b] : open_buckets) total += b->unflushed.load(std::memory_order_relaxed);
  return total;
}

void Store::Impl::flushed(const std::string& path, uint64_t bytes) const {
  // Not the registry's lock: a bucket closing under it waits for this very flush.
  std::lock_guard lock(paths_mutex);
  auto [first, last] = by_path.equal_range(path);
  for (auto it = first; it != last; ++it) {
    auto& unflushed = it->second->unflushed;
    uint64_t now = unflushed.load(std::memory_order_relaxed);
    unflushed.store(now > bytes ? now - bytes : 0, std::memory_order_relaxed);
  }
}

Result<void> Store::Impl::check_space(uint64_t bytes, bool privileged) const {
  if (options.reserve_bytes == 0) return {};
  uint64_t reserve = privileged ? options.reserve_bytes / 2 : options.reserve_bytes;
  auto sp = space_now();
  // The audit trail does not wait for flushes: what memtables hold is already in their
  // WAL, on disk. Counting it here could refuse the very record a purge — the one thing
  // that frees space — must write first, and nothing would ever free it.
  if (privileged && sp.free >= reserve + bytes) return {};
  if (sp.free >= reserve + sp.pending + bytes) return {};
  // Pending counts what went in, not what a flush writes (compressed tables, at least
  // half smaller for logs) nor what flushes elsewhere already took: requiring room for
  // all of it could refuse the very flush that proves most of it is not there, and a
  // full disk would stay "full" after space came back.
  if (sp.pending > 0 && sp.free > reserve / 2 && sp.free > sp.pending / 2) {
    // Flushing turns the memtables' WAL into compressed tables and frees the WAL: the
    // space they were counted for mostly comes back.
    std::vector<std::shared_ptr<Bucket>> open;
    {
      std::lock_guard lock(mutex);
      for (const auto& [id, b] : open_buckets) open.push_back(b);
    }
    for (const auto& b : open) {
      std::lock_guard lock(b->write_mutex);
      if (b->store.failed || b->dropped) continue;
      rocksdb::FlushOptions flush;
      flush.wait = true;
      if (b->unflushed.load(std::memory_order_relaxed) == 0) continue;
      if (!b->store.db->Flush(flush, {b->store.records, b->store.index}).ok()) b->store.failed = true;
      else b->unflushed.store(0, std::memory_order_relaxed);
    }
    sp = space_now(true);
    if (sp.free >= reserve + sp.pending + bytes) return {};
  }
  auto mib = [](uint64_t v) { return std::to_string(v >> 20) + " MiB"; };
  return fail(Errc::no_space, "disk full: " + mib(sp.free) + " free on " + options.state_dir + ", " + mib(reserve) +
                                  " kept for purges and the audit trail ([storage] reserve)" +
                                  (sp.pending ? ", " + mib(sp.pending) + " waiting to be flushed" : ""));
}

Store::Space Store::space() const { return impl_->space_now(); }

Result<std::shared_ptr<Bucket>> Store::Impl::bucket(const BucketId& id, Access access) const {
  // Instances let go of here close after the lock is released: closing one may flush it.
  std::vector<std::shared_ptr<Bucket>> evicted;
  std::unique_lock lock(mutex);
  busy_done.wait(lock, [&] { return !busy.contains(id) && !opening.contains(id); });
  if (auto it = open_buckets.find(id); it != open_buckets.end()) {
    if (access == Access::read || !it->second->read_only) {
      it->second->last_used = ++tick;
      return it->second;
    }
    // A write needs a writable instance; readers still holding this one keep it.
    evicted.push_back(std::move(it->second));
    open_buckets.erase(it);
  }
  if (access == Access::read && !known.contains(id)) return std::shared_ptr<Bucket>{};
  close_idle_locked(evicted, access == Access::write);
  opening.insert(id);
  lock.unlock();
  evicted.clear();
  auto opened = open_new(id, access);
  lock.lock();
  opening.erase(id);
  busy_done.notify_all();
  if (!opened) return opened;
  (*opened)->last_used = ++tick;
  open_buckets.emplace(id, *opened);
  const_cast<Impl*>(this)->known.insert(id);
  return opened;
}

Result<std::pair<std::string, BucketStats>> Store::Impl::seize(const BucketId& id) {
  std::shared_ptr<Bucket> cached;
  {
    std::unique_lock lock(mutex);
    busy_done.wait(lock, [&] { return !busy.contains(id) && !opening.contains(id); });
    if (!known.contains(id)) return fail(Errc::not_found, "no bucket " + bucket_path(id));
    busy.insert(id);
    seizures.fetch_add(1);
    if (auto it = open_buckets.find(id); it != open_buckets.end()) {
      cached = std::move(it->second);
      open_buckets.erase(it);
    }
  }
  BucketStats stats;
  bool have_stats = false;
  if (cached) {
    {
      std::lock_guard write_lock(cached->write_mutex);
      cached->dropped = true;  // writers go to a fresh instance; closing does not summarise it
      stats = cached->stats;
      have_stats = true;
    }
    cached.reset();  // after the lock: the last owner frees the mutex with the bucket
  }
  // Readers hold an instance for a page of a scan at most (see scan.cpp): wait for them.
  {
    std::unique_lock lock(instances_mutex);
    if (!instances_done.wait_for(lock, std::chrono::seconds(30), [&] { return instances[id] == 0; })) {
      lock.unlock();
      release(id, true);
      return fail(Errc::unavailable, bucket_path(id) + ": still open by a reader; the next purge retries");
    }
  }
  if (!have_stats) {
    // Not open: its stats from a private read-only look.
    auto db = open_bucket_db(options_for(id.category), bucket_path(id), true);
    if (!db) {
      release(id, true);
      return std::unexpected(db.error());
    }
    std::string bytes;
    if (db->db->Get({}, db->index, kStatsKey, &bytes).ok()) stats = decode_stats(bytes);
  }
  forget_summary(id);
  return std::pair{bucket_path(id), stats};
}

void Store::Impl::release_locked(const BucketId& id) {
  busy.erase(id);
  busy_done.notify_all();
}

void Store::Impl::release(const BucketId& id, bool still_exists) {
  forget_summary(id);
  std::lock_guard lock(mutex);
  if (!still_exists) known.erase(id);
  release_locked(id);
}

// Finishes or rolls back destructions a crash interrupted (see drop_bucket). Runs at
// open, before anything reads or writes.
void Store::Impl::recover(const fs::path& lane_dir) {
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

std::vector<std::pair<DayNumber, std::vector<BucketId>>> Store::Impl::plan(const ScanQuery& q) const {
  DayNumber first = q.since_us == std::numeric_limits<int64_t>::min() ? 0 : day_of(*options.zone, q.since_us);
  DayNumber last =
      q.until_us == std::numeric_limits<int64_t>::max() ? 99999999 : day_of(*options.zone, q.until_us - 1);
  std::vector<BucketId> candidates;
  {
    std::lock_guard lock(mutex);
    for (const auto& id : known) {
      if (id.day < first || id.day > last) continue;
      if (!q.categories.empty() &&
          std::find(q.categories.begin(), q.categories.end(), id.category) == q.categories.end())
        continue;
      candidates.push_back(id);
    }
  }
  // The summaries rule buckets out without opening them: a value list none of whose
  // values the bucket may hold, or a time range its records do not touch.
  std::vector<std::pair<char, std::vector<uint64_t>>> wanted;
  for (auto [field, values] : {std::pair{'h', &q.hosts}, std::pair{'a', &q.apps}, std::pair{'u', &q.users},
                               std::pair{'p', &q.ips}}) {
    if (values->empty()) continue;
    // A prefix may match addresses no summary names: with one, any bucket may match.
    if (field == 'p' && !q.ip_prefixes.empty()) continue;
    auto& w = wanted.emplace_back(field, std::vector<uint64_t>{});
    for (const auto& v : *values) w.second.push_back(BucketSummary::key(field, (*hash)(v)));
  }
  // And text it cannot hold: a literal one of whose trigrams it lacks.
  std::vector<std::vector<uint64_t>> literals;
  for (const auto& literal : searched_literals(q)) {
    auto& keys = literals.emplace_back();
    for (uint32_t gram : trigrams_of(fold_ascii(literal))) keys.push_back((*hash)(trigram_bytes(gram)));
  }
  std::map<DayNumber, std::vector<BucketId>> by_day;
  for (const auto& id : candidates) {
    if (auto summary = summary_of(id)) {
      if (!summary->may_overlap(q.since_us, q.until_us)) continue;
      bool may = std::all_of(wanted.begin(), wanted.end(), [&](const auto& w) {
        return std::any_of(w.second.begin(), w.second.end(), [&](uint64_t k) { return summary->may_contain(k); });
      });
      may = may && std::all_of(literals.begin(), literals.end(),
                               [&](const auto& keys) { return summary->may_hold_trigrams(keys); });
      if (!may) continue;
    }
    by_day[id.day].push_back(id);
  }
  std::vector<std::pair<DayNumber, std::vector<BucketId>>> out(by_day.begin(), by_day.end());
  if (q.reverse) std::reverse(out.begin(), out.end());
  return out;
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Store::~Store() {
  if (!impl_) return;
  std::lock_guard lock(impl_->mutex);
  impl_->open_buckets.clear();  // each bucket syncs its WAL and closes
}

namespace {
// Written into the state dir so that a hokand of another on-disk layout refuses it
// instead of misreading it.
// Layout 3 (issue 12): index runs and event values of version 3. Layout 4: record blocks
// of version 3 (received times in the directory) holding event values of version 4. It
// reads layouts 2 (postings, values of versions 1 and 2) and 3, and takes the directory
// over; a hokand of an older layout then refuses it rather than misread records it
// cannot decode.
constexpr std::string_view kLayout = "hokan-store 4\n";
constexpr std::string_view kReadableLayouts[] = {"hokan-store 2\n", "hokan-store 3\n"};

Result<void> check_layout(const fs::path& root) {
  auto path = root / "layout";
  if (auto text = read_file(path)) {
    if (*text == kLayout) return {};
    for (auto older : kReadableLayouts)
      if (*text == older) {
        if (!write_file_synced(path, std::string(kLayout))) return fail(Errc::io, path.string() + ": cannot write");
        return {};
      }
    return fail(Errc::invalid_argument, path.string() + ": written by a hokan with another storage layout (" +
                                            text->substr(0, text->find('\n')) + "); this hokand reads " +
                                            std::string(kLayout.substr(0, kLayout.size() - 1)));
  }
  std::error_code ec;
  if (fs::exists(root / "buckets", ec) && !fs::is_empty(root / "buckets", ec))
    return fail(Errc::invalid_argument,
                root.string() + ": holds buckets of an older storage layout; this hokand cannot read them");
  if (!write_file_synced(path, std::string(kLayout))) return fail(Errc::io, path.string() + ": cannot write");
  return {};
}
}  // namespace

Result<std::unique_ptr<Store>> Store::open(StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  if (!options.zone) options.zone = core::TimeZone::utc();
  impl->options = std::move(options);
  fs::path root(impl->options.state_dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return fail(Errc::io, root.string() + ": " + ec.message());
  if (auto r = check_layout(root); !r) return std::unexpected(r.error());
  impl->buckets_dir = root / "buckets";
  auto key = KeyedHash::load_or_create_key((root / "index.key").string());
  if (!key) return std::unexpected(key.error());
  impl->hash = std::make_unique<KeyedHash>(*key);
  if (auto r = impl->ids.open((root / "ids").string()); !r) return std::unexpected(r.error());
  impl->configure_rocksdb();
  if (auto r = impl->discover(); !r) return std::unexpected(r.error());
  // Housekeeping: the summaries are read ahead (the first year-wide lookup after a start
  // should not wait for them), then days nobody writes to are closed.
  auto* raw = impl.get();
  impl->housekeeping = std::thread([raw] {
    std::vector<BucketId> ids;
    {
      std::lock_guard lock(raw->mutex);
      ids.assign(raw->known.begin(), raw->known.end());
    }
    for (const auto& id : ids) {
      {
        std::lock_guard lock(raw->housekeeping_mutex);
        if (raw->housekeeping_stop) return;
      }
      (void)raw->summary_of(id);
    }
    std::unique_lock lock(raw->housekeeping_mutex);
    while (!raw->housekeeping_wake.wait_for(lock, std::chrono::seconds(15), [&] { return raw->housekeeping_stop; })) {
      lock.unlock();
      raw->close_idle_writers(raw->options.idle_close);
      lock.lock();
    }
  });
  return std::make_unique<Store>(std::move(impl));
}

std::vector<BucketInfo> Store::buckets() const {
  std::vector<BucketInfo> out;
  std::lock_guard lock(impl_->mutex);
  for (const auto& id : impl_->known)
    out.push_back(info_of(id, impl_->bucket_path(id)));
  std::sort(out.begin(), out.end(), [](const BucketInfo& a, const BucketInfo& b) {
    return std::tie(a.year, a.month, a.day, a.category) < std::tie(b.year, b.month, b.day, b.category);
  });
  return out;
}

uint64_t Store::keyed_hash(std::string_view value) const { return (*impl_->hash)(value); }

const StoreCounters& Store::counters() const { return impl_->counters; }

void Store::Impl::report_corrupt(const std::string& bucket_path, const Error& error) const {
  uint64_t n = counters.corrupt.fetch_add(1, std::memory_order_relaxed);
  // Every one is counted; the log names the first ones and then one in a thousand, so a
  // badly damaged bucket cannot flood it.
  if (n < 16 || n % 1000 == 0)
    if (auto log = spdlog::get("store"))
      log->error("{}: {}; skipped it and went on (hokanctl verify says where; {} so far)", bucket_path,
                 error.message, n + 1);
}

Result<BucketStats> Store::bucket_stats(const BucketInfo& info) const {
  auto b = impl_->bucket(id_of(info), Impl::Access::read);
  if (!b) return std::unexpected(b.error());
  if (!*b) return fail(Errc::not_found, "no bucket " + info.path);
  std::lock_guard lock((*b)->write_mutex);
  return (*b)->stats;
}

}  // namespace hokan::store
