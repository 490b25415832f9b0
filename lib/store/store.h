// The event store: the only code in hokan that includes RocksDB.
//
// Layout. Every (category, lane, local calendar day) is its own RocksDB instance under
// state_dir/buckets/<category>/<lane>/<YYYY-MM-DD>/, holding the day's records and the index
// postings that point at them. A whole-bucket purge is then "close it and remove the
// directory": its SSTs, WAL, MANIFEST, info LOG and blob files go together, nothing of
// it lingers in a WAL or MANIFEST shared with live data, and the cost does not grow with
// the record count. Days (not weeks) because a purge can only drop whole buckets: with
// weeks a record could outlive its promise by up to a week, with days by at most one.
// The day is the local day of the configured time zone, which is how retention periods
// are counted. A lane groups records that expire by the same rule (a retention period,
// or one case's closing), so that every record in a bucket expires together.
//
// Thread-safety: write() and sync_wal() are called from one writer thread; scan() may
// run concurrently on any number of other threads. All calls block on disk I/O: never
// call them from an I/O thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/timezone.h"
#include "store/event.h"
#include "store/meta.h"

namespace hokan::store {

enum class SyncMode {
  always,  // write() returns after the WAL is fsynced
  batch,   // write() returns after the OS has the bytes; sync_wal() fsyncs (every few ms)
  none,    // the OS decides when bytes reach the disk
};

// Table files a bucket open read-only keeps open (its other files are closed once read).
constexpr int kReadOnlyTables = 4;

struct StoreOptions {
  std::string state_dir;
  std::shared_ptr<const core::TimeZone> zone;
  SyncMode sync = SyncMode::batch;
  // Buckets kept open at once, and of those, open for writing (a writable one holds a WAL
  // and more tables, so more descriptors); older idle ones are closed and reopened on
  // demand. A year-wide text search reads every day that may match: it runs at the
  // speed of reading them only when they stay open.
  std::size_t max_open_buckets = 128;
  std::size_t max_writable_buckets = 128;
  // Where destruction receipts go (and where recovery finds the ones a crash left).
  std::shared_ptr<MetaStore> meta;
  // Categories of kind "object": their buckets flush small memtables into blob files.
  std::set<std::string> object_categories;
  // Free space kept back on the state directory's filesystem ([storage] reserve):
  // ordinary writes stop short of it, so that purges, which free space, and the audit
  // trail, which a purge must write first, always have room. Privileged writes (the
  // audit trail) may use half of it.
  uint64_t reserve_bytes = 0;
  // A writable bucket nobody wrote to for this long is flushed, summarised and closed
  // (a past day then opens read-only).
  std::chrono::steady_clock::duration idle_close = std::chrono::minutes(10);
  // Index hits a writable bucket holds in memory (16 bytes each) before it writes them
  // as a run (see index_run.h): about one run per 250k records.
  std::size_t index_run_hits = 1 << 20;
};

// What a scan returns. Lists are OR within a field and AND across fields; empty lists
// do not filter. Host/app/user/ip lookups use the indexes; matches are exact.
struct ScanQuery {
  std::vector<std::string> categories;  // empty: every category
  int64_t since_us = std::numeric_limits<int64_t>::min();  // inclusive
  int64_t until_us = std::numeric_limits<int64_t>::max();  // exclusive
  std::vector<std::string> hosts, apps, users;             // users: user or target_user
  // Addresses in canonical text (core::format_ip), matched against every address a
  // record names (see event_match.h); OR'ed with the prefixes. A prefix cannot use the
  // index: with one, the scan reads the whole time range.
  std::vector<std::string> ips;
  std::vector<core::IpPrefix> ip_prefixes;
  bool reverse = false;  // newest first
  // When set, records whose stored bytes do not contain it are skipped without being
  // decoded: a cheap pre-filter for substring searches of the message. The visitor
  // still sees every record that contains it anywhere (in any field) and must check.
  std::string prefilter;
  // Literals each matching record holds somewhere, in any case (ASCII letters; see
  // folded_text.h), such as the required literals of a regex: buckets whose summary
  // lacks one, and blocks and records without one, are skipped unread. The prefilter
  // counts as one too. Literals with a byte above 0x7f are ignored.
  std::vector<std::string> required_text;
};

struct ScanStats {
  uint64_t buckets = 0;   // buckets opened
  uint64_t examined = 0;  // records decoded
  uint64_t skipped = 0;   // records the prefilter ruled out unread
  uint64_t returned = 0;  // records passed to the visitor
  uint64_t corrupt = 0;   // blocks, postings or records that did not decode: skipped
};

// What the store has seen since it opened (for /metrics). Thread-safe.
struct StoreCounters {
  // Record blocks, postings and records a scan found damaged and went past (`verify`
  // tells which and where); each is also logged.
  std::atomic<uint64_t> corrupt{0};
  std::atomic<uint64_t> bucket_opens{0};  // RocksDB instances opened for buckets
};

// Called for each matching event in time order; return false to stop the scan.
using Visitor = std::function<bool(Event&)>;
using DayDone = std::function<void(const ScanStats& so_far, int64_t reached_us)>;

constexpr std::string_view kDefaultLane = "default";

struct BucketInfo {
  std::string category;
  std::string lane;
  int year = 0, month = 0, day = 0;
  std::string path;
  // The day as one number, yyyymmdd: ordered as the days are.
  int day_number() const { return year * 10000 + month * 100 + day; }
};

// A day number (yyyymmdd, BucketInfo::day_number) as YYYY-MM-DD.
std::string day_text(int day_number);

// Kept up to date by every write, so a purge knows what a whole bucket holds without
// reading it.
struct BucketStats {
  uint64_t records = 0;
  uint64_t bytes = 0;  // keys and values of the records, before compression
  int64_t min_time_us = 0, max_time_us = 0;
};

struct RewriteStats {
  BucketStats kept;
  BucketStats destroyed;
};

// An object being stored (footage segment, scanned document): its bytes go in 1 MiB
// chunks, as blobs, into the bucket of its start time; the caller then submits its
// metadata record (with this id) through the ordinary writer. Not thread-safe: one
// upload, one thread; never an I/O thread (every call may block on disk).
class ObjectUpload {
 public:
  virtual ~ObjectUpload() = default;
  // Errors: io; unavailable when a purge took the bucket meanwhile.
  [[nodiscard]] virtual Result<void> append(std::string_view bytes) = 0;
  // Writes the last chunk and makes every chunk durable under the sync mode.
  [[nodiscard]] virtual Result<void> finish() = 0;
  // Removes what was written (an upload that failed or was refused).
  virtual void abort() = 0;
  virtual uint64_t id() const = 0;
  virtual uint64_t size() const = 0;
};

// What `verify` found in one bucket (see seal.h). Times, never record contents: a
// verification report holds no personal data.
struct BucketCheck {
  BucketInfo bucket;
  uint64_t blocks = 0;  // record blocks on disk
  uint64_t links = 0;   // links of the seal chain
  std::string head;     // hex SHA-256 the chain ends at (empty: no chain)
  struct Problem {
    // "altered": a block's bytes differ from what was sealed; "removed": sealed but not
    // on disk; "inserted": on disk but never sealed; "chain": a link is missing, does
    // not decode or does not follow the one before.
    std::string kind;
    int64_t time_us = 0;  // the block's first record time (0 for chain problems)
    std::string detail;
  };
  std::vector<Problem> problems;  // empty: intact
  bool anchored = false;  // an anchor was given and the chain passes through it
};

class Store {
 public:
  // Opens (creating when needed) the store under options.state_dir. Errors: io when the
  // directory or a bucket cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<Store>> open(StoreOptions options);
  // Syncs every WAL and closes every bucket.
  ~Store();

  // Assigns ids and writes the events, each into its category's bucket for the local
  // day of its time, with its index postings in the same atomic batch, one bucket at a
  // time (so a batch spanning thousands of days never holds thousands of buckets open).
  // On an error, `events` keeps exactly the events that were not written, in order, the
  // failed bucket's first, and `failed` says how many those are: the caller retries
  // (no_space, io) or gives up on them (corruption). `privileged` writes (the audit
  // trail) may use half of the reserve. Writer thread only.
  struct WriteFailure {
    Error error;
    std::size_t failed = 0;
    std::vector<Event> written;  // what did go in before the failure, for observers
  };
  [[nodiscard]] std::expected<void, WriteFailure> write(std::vector<Event>& events, bool privileged = false);
  // The same for the events of several batches, in order, as they arrived: ingest's
  // batches are written where the sessions built them (moving 600-byte events into one
  // batch first cost more than a tenth of the writer's time). On an error, the events
  // not written are in parts[0] as above, and the other parts are empty; an exception
  // thrown while writing is reported the same way (Errc::internal).
  [[nodiscard]] std::expected<void, WriteFailure> write(std::span<std::vector<Event>> parts, bool privileged = false);
  // fsyncs the WAL of every bucket written since the last call. Writer thread only.
  [[nodiscard]] Result<void> sync_wal();

  // Streams matching events in time order (or reverse). Stops early when the visitor
  // returns false. `day_done`, when set, is called on the caller's thread after each
  // day's matches were visited, with the figures so far and the time the scan has
  // reached (the next day's start; going backward, this day's): a search that finds
  // nothing for a while can still say where it is.
  [[nodiscard]] Result<ScanStats> scan(const ScanQuery& query, const Visitor& visit,
                                       const DayDone& day_done = {}) const;

  // Checks every bucket `which` selects (its categories and time range; the other fields
  // are ignored) against its seal chain. Blocking; reads whole buckets. Errors: io.
  [[nodiscard]] Result<std::vector<BucketCheck>> verify(const ScanQuery& which) const;
  // A chain head kept off the machine: after `links` links the chain hashed to `head`;
  // or, when `etag` is set, some link's seal::anchor_text has that MD5 (links and head
  // are then unknown until a link matches).
  struct Anchor {
    uint64_t links = 0;
    std::string head;  // hex
    std::string at;    // when it was anchored, for the report
    std::string etag;  // hex
  };
  // Also checks each bucket's chain against the anchors `anchor_of` gives for it (none:
  // not anchored): a chain that does not pass through each is reported as an "anchor"
  // problem — what a forger who recomputes a whole chain cannot hide. Errors: as verify,
  // and what `anchor_of` fails with.
  using AnchorOf = std::function<Result<std::vector<Anchor>>(const BucketInfo&)>;
  struct VerifyWith {
    AnchorOf anchor_of;  // empty: no anchors
    // Whether an object's bytes left for the remote store: none of them here is then
    // not a removal. Empty: every object is expected here whole.
    std::function<bool(uint64_t id)> shipped;
  };
  [[nodiscard]] Result<std::vector<BucketCheck>> verify(const ScanQuery& which, const VerifyWith& with) const;
  // The bucket's chain head now: its links and the hex hash they end at (nothing for a
  // bucket without a chain or no longer kept). Errors: io.
  [[nodiscard]] Result<std::optional<Anchor>> seal_head(const BucketInfo& bucket) const;

  // Every bucket on disk, oldest first.
  std::vector<BucketInfo> buckets() const;
  [[nodiscard]] Result<BucketStats> bucket_stats(const BucketInfo& bucket) const;

  // Destroys a whole bucket: waits for queries reading it (up to 30 s, then Errc::
  // unavailable), closes it and removes its directory — SSTs, WAL, MANIFEST, LOG — so no
  // byte of it stays on disk. Writes that arrive for it meanwhile wait and then go to a
  // fresh bucket. `receipt` is filed as pending (MetaStore::add_pending) once the bytes
  // are gone; it is written to disk before anything is removed, so a crash at any point
  // ends either with the bucket intact and no receipt, or with the bucket gone and the
  // receipt pending (completed by recovery on the next open).
  [[nodiscard]] Result<BucketStats> drop_bucket(const BucketInfo& bucket, const std::string& receipt);

  // Destroys some records of a bucket: copies the records `keep` accepts (with their
  // index postings) into a new RocksDB instance, swaps it in and removes the old
  // directory whole, so destroyed records leave no bytes behind. `make_receipt` gets the
  // counts and returns the ledger receipt (same crash guarantees as drop_bucket). With
  // `dry_run` nothing is written and the counts say what would happen.
  using Keep = std::function<bool(const Event&)>;
  using MakeReceipt = std::function<std::string(const RewriteStats&)>;
  [[nodiscard]] Result<RewriteStats> rewrite_bucket(const BucketInfo& bucket, const Keep& keep,
                                                    const MakeReceipt& make_receipt, bool dry_run = false);

  // Starts storing an object whose metadata record will be `metadata` (category, lane,
  // time_us decide the bucket). The returned upload's id() is the id its metadata record
  // must carry.
  [[nodiscard]] Result<std::unique_ptr<ObjectUpload>> begin_object(const Event& metadata);
  // Streams an object's bytes in order; `metadata` as a scan returned it. Stops when
  // `sink` returns false. Errors: not_found when the object was destroyed.
  [[nodiscard]] Result<void> read_object(const Event& metadata,
                                         const std::function<bool(std::string_view)>& sink) const;
  // Whether the object's bytes are on this machine (not yet removed after shipping).
  [[nodiscard]] Result<bool> object_is_local(const Event& metadata) const;
  // Removes an object's bytes, keeping its record (the remote tier holds them now):
  // deleted and compacted away, so the blob files that held them go. Errors: io.
  [[nodiscard]] Result<void> remove_object_bytes(const Event& metadata);

  const StoreCounters& counters() const;
  // Free bytes on the state directory's filesystem now, and whether ordinary writes are
  // refused for lack of them (below the reserve, counting what memtables will flush).
  struct Space {
    uint64_t free = 0, reserve = 0, pending = 0;
    bool full = false;
  };
  Space space() const;

  // The keyed hash used for index keys, for callers that must name things (cases) in
  // directory names without writing them in plain text.
  uint64_t keyed_hash(std::string_view value) const;

  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);

 private:
  // write()'s work; write() turns what it throws into an error.
  std::expected<void, WriteFailure> write_parts(std::span<std::vector<Event>> parts, bool privileged);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::store
