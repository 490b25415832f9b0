// Record blocks: how a bucket stores its records. One RocksDB value holds a few dozen
// KiB of records, sorted by record key, under the key of its first record:
//
//   'b' | time_us (u64 BE, biased) | id (u64 BE)  ->  payload | directory | trailer
//   payload    the records' encoded bytes (codec::encode_event), back to back
//   directory  four columns of varints, one entry per record in each: zigzag time delta,
//              zigzag id delta (from the record before; the first from the block key),
//              byte length, zigzag received-time delta (from the record before's
//              received time; the first from the block key's time)
//   trailer    directory offset (u32 LE), record count (u32 LE), version (u8)
//
// Why blocks and not a key per record: ingest puts one value in the memtable per block
// instead of one per record, compactions move a few large values, and a text search
// runs memmem over a whole payload and decodes only the records that hold a hit. A
// block spans at most kMaxBlockSpanUs of event time, so a scan that starts at T need
// only look at blocks whose key is at or after T - kMaxBlockSpanUs.
//
// Why the received time sits in the directory (version 3): records arrive in about the
// order of their own time, so each one's received time is a few µs after the one
// before; inside a record it was a delta from the record's own time, random in its low
// bits, and five bytes of every record that no compression could shrink. Columns, not
// interleaved entries, because each column repeats its own shapes. Version 2 blocks
// (records carrying their received time) stay readable.
//
// Pure functions and value types, no RocksDB. Thread-safety: none needed (no shared state).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "store/codec.h"

namespace hokan::store::block {

// A block is closed once its payload reaches this size...
constexpr std::size_t kTargetBytes = 48 * 1024;
// ...or when the next record lies this far (in event time) after its first one.
constexpr int64_t kMaxBlockSpanUs = 60'000'000;

// Builds one block. Records must be added in ascending key order.
class Builder {
 public:
  // `received_us`: when hokand read it (Event::received_us).
  void add(codec::RecordKey key, std::string_view record, int64_t received_us);
  bool empty() const { return count_ == 0; }
  std::size_t payload_bytes() const { return payload_.size(); }
  codec::RecordKey first_key() const { return first_; }
  // Writes the finished block to `out` (replacing its contents) and starts over.
  void finish(std::string& out);

 private:
  std::string payload_;
  // The directory's columns (see above).
  std::string times_, ids_, lengths_, received_;
  codec::RecordKey first_{}, last_{};
  int64_t last_received_us_ = 0;
  uint32_t count_ = 0;
};

// Reads one block. Cheap to reuse: open() keeps the vectors' capacity.
class Reader {
 public:
  // A block's payload and record count from its trailer alone, without parsing the
  // directory: enough to rule a block out of a text search. Nothing when damaged.
  static std::optional<std::pair<std::string_view, uint32_t>> payload_of(std::string_view value);
  // `value` must outlive the reader's use of it. Errors: corruption.
  [[nodiscard]] Result<void> open(codec::RecordKey first, std::string_view value);
  std::size_t size() const { return keys_.size(); }
  codec::RecordKey key(std::size_t i) const { return keys_[i]; }
  // When hokand read record i. Version 2 blocks do not say: their records do, and
  // decode() takes it from there.
  int64_t received_us(std::size_t i) const { return received_.empty() ? keys_[i].time_us : received_[i]; }
  // Record i as an Event: its key, received time and encoded fields. `e`'s category and
  // lane are left as they are (the bucket holds those). Errors: corruption.
  [[nodiscard]] Result<void> decode(std::size_t i, Event& e) const;
  std::string_view record(std::size_t i) const {
    return payload_.substr(offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  // Every record's bytes, back to back: what a substring search scans.
  std::string_view payload() const { return payload_; }
  // Points the reader at a byte-identical copy of the value it was opened on, so the
  // original may go away without parsing the directory again.
  void rebase(std::string_view copy) { payload_ = copy.substr(0, payload_.size()); }
  // The record whose bytes hold payload position `pos` (pos < payload().size()).
  std::size_t record_at(std::size_t pos) const;
  codec::RecordKey last_key() const { return keys_.back(); }
  // The first record with key >= `key` (size() when none).
  std::size_t lower_bound(codec::RecordKey key) const;

 private:
  std::string_view payload_;
  std::vector<codec::RecordKey> keys_;
  std::vector<uint32_t> offsets_;  // size() + 1 entries
  std::vector<int64_t> received_;  // empty for version 2 blocks
};

}  // namespace hokan::store::block
