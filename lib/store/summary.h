// A bucket's summary: which indexed values it may hold (a Bloom filter over the keyed
// hashes of its host, app, user and IP values), which text it may hold (a bitmap of the
// keyed hashes of its records' case-folded trigrams, folded_text.h) and the time range
// of its records. A lookup reads the summaries (small files, cached in memory) to open
// only the buckets that may match, so a year-wide "everything user X did" or "--grep
// ticket-4471" opens a handful of the year's buckets, not all of them.
//
// File: state_dir/buckets/<category>/<lane>/<day>/summary, inside the bucket's own
// directory, so it is destroyed with the bucket; it holds keyed hashes, never a name or
// an address. Written when a bucket that was written to closes (after its memtables
// are flushed), removed before the first write of a bucket reopened for writing, so a
// summary on disk never misses a value its bucket holds: a bucket without one is opened.
//
// Layout: "hks2" | min_time_us (i64 BE) | max_time_us | records (u64 BE) | values (u64
// BE) | hash functions (u8) | bits (u64 BE, a multiple of 64) | the bits | text bits
// (u64 BE, a power of two) | the text bits | the first 8 bytes of SHA-256 over everything
// before them. "hks1" (before the text filter) ends after the value bits: such a bucket
// may hold any text.
// Pure functions and value types; thread-safe once built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace hokan::store {

class BucketSummary {
 public:
  // The filter key of one indexed value: its field ('h', 'a', 'u', 'p') and keyed hash.
  static uint64_t key(char field, uint64_t value_hash);

  // A filter for `keys` (duplicates are fine) at about 1% false positives, and a text
  // filter for `trigram_keys` (the keyed hashes of distinct trigrams).
  static BucketSummary build(const std::vector<uint64_t>& keys, int64_t min_time_us, int64_t max_time_us,
                             uint64_t records, const std::vector<uint64_t>& trigram_keys = {});

  // False only when the bucket surely holds no record with this value.
  bool may_contain(uint64_t key) const;
  // False only when the bucket surely holds no record with every one of these trigrams
  // (keyed hashes): a literal made of them is nowhere in it.
  bool may_hold_trigrams(const std::vector<uint64_t>& trigram_keys) const;
  // False only when no record of the bucket lies in [since_us, until_us).
  bool may_overlap(int64_t since_us, int64_t until_us) const {
    return records_ > 0 && min_time_us_ < until_us && max_time_us_ >= since_us;
  }
  uint64_t records() const { return records_; }
  std::size_t memory() const { return (bits_.size() + text_bits_.size()) * sizeof(uint64_t) + sizeof(*this); }

  std::string encode() const;
  // Errors: corruption (wrong magic, size or checksum).
  [[nodiscard]] static Result<BucketSummary> decode(std::string_view bytes);

 private:
  int64_t min_time_us_ = 0, max_time_us_ = 0;
  uint64_t records_ = 0, values_ = 0;
  uint8_t hashes_ = 0;
  std::vector<uint64_t> bits_;
  std::vector<uint64_t> text_bits_;  // empty: no text filter (an "hks1" summary)
};

}  // namespace hokan::store
