// Index runs: how a bucket finds the records that carry a host, app, user or address.
//
// Writes collect their records' (field, keyed hash) hits in memory, in the bucket's
// RunBuilder; when it holds StoreOptions::index_run_hits hits, and when it closes, the builder is
// written as one sorted run in the index family:
//
//   'r' | run (u32 BE) | 'b'                               ->  block table
//   'r' | run (u32 BE) | 'v' | field | first hash (u64 BE)  ->  values chunk
//   block table   count, then per block its key as deltas from the one before (zigzag
//                 time, zigzag id); hits name blocks by their place in this table
//   values chunk  entries of one field in hash order, about kChunkBytes of them: hash
//                 delta from the one before (the first from the key's), hit count, and
//                 per hit the block number's delta and the record's ordinal in it
//
// Why runs and not a posting per value per write: a write holds a few hundred records,
// so nearly every address and user got a 26-byte key of its own per write, and postings
// were as large as the compressed records. A run names each value once, and a hit costs
// two or three bytes. A lookup reads, per run, one chunk (a SeekForPrev) and the block
// table. Keys hold keyed hashes only, never values.
//
// A bucket's runs cover every block written before its last close. A crash loses the
// builder: the bucket then has no summary file, and the next open rebuilds its runs from
// the records (Store::Impl::rebuild_index).
//
// Thread-safety: RunBuilder none (the bucket guards it); the readers are pure.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/codec.h"

namespace hokan::store::detail {

constexpr char kRunPrefix = 'r';
constexpr std::size_t kChunkBytes = 4096;

class RunBuilder {
 public:
  // Starts the next block; its records' hits follow. Returns its number in this run.
  uint32_t add_block(codec::RecordKey first);
  // A hit in the block added last.
  void add(codec::IndexField field, uint64_t hash, uint32_t ordinal);
  std::size_t hits() const { return hits_.size(); }
  bool empty() const { return blocks_.empty(); }
  // Moves `other`'s blocks and hits after this one's, leaving `other` empty.
  void append(RunBuilder& other);
  // Appends the hits of (field, hash) in the blocks added so far.
  void find(codec::IndexField field, uint64_t hash, std::vector<codec::PostingHit>& out) const;
  // Puts the run numbered `run` into `batch` and starts over.
  void put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* index, uint32_t run);
  void clear();

 private:
  struct Hit {
    uint64_t hash;
    uint32_t block;
    uint32_t field_and_ordinal;  // field in the top byte
    auto operator<=>(const Hit&) const = default;
  };
  void sort_hits();
  static uint32_t pack(codec::IndexField field, uint32_t ordinal) {
    return (static_cast<uint32_t>(static_cast<unsigned char>(field)) << 24) | (ordinal & 0xffffff);
  }
  std::vector<codec::RecordKey> blocks_;
  std::vector<Hit> hits_;
};

// How many runs the bucket's index family holds (they are numbered from 0).
[[nodiscard]] Result<uint32_t> count_runs(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index);

// Appends the hits of (field, hash) in runs [0, runs). Errors: io, corruption (the
// run's damaged part gives nothing).
[[nodiscard]] Result<void> find_in_runs(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index, uint32_t runs,
                                        codec::IndexField field, uint64_t hash,
                                        std::vector<codec::PostingHit>& out);

// Calls `visit(field, hash)` for each value of each run (repeats across runs). Errors:
// io, corruption.
[[nodiscard]] Result<void> for_each_run_value(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index,
                                              const std::function<void(char field, uint64_t hash)>& visit);

// The two values a lookup decodes, bounded by the bytes present (also fuzzed): a run's
// block table, and the hits of `hash` in a values chunk whose key names `first`, as
// (block number, ordinal) pairs (none when the chunk does not hold it). Errors:
// corruption.
[[nodiscard]] Result<std::vector<codec::RecordKey>> decode_block_table(std::string_view value);
[[nodiscard]] Result<void> find_in_chunk(std::string_view value, uint64_t first, uint64_t hash,
                                         std::vector<std::pair<uint64_t, uint32_t>>& out);

}  // namespace hokan::store::detail
