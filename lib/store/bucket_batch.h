// Records bound for one bucket in one write, turned into record blocks and index
// postings (see codec.h and record_block.h). Used by ingest writes and by bucket
// rewrites, so both lay records out the same way. Internal to lib/store.
// Thread-safety: none; one BucketBatch, one thread.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/codec.h"
#include "store/event.h"
#include "store/keyed_hash.h"
#include "store/record_block.h"
#include "store/seal.h"

namespace hokan::store::detail {

class BucketBatch {
 public:
  explicit BucketBatch(const KeyedHash& hash) : hash_(hash) {}

  // Adds one record: `record` is its encoded value (codec::encode_event), `e` gives the
  // values to index, each distinct value once: host, app, user and target_user (under
  // user), and every address the record names (src_ip, origin_ip, ips, under src_ip).
  // Records may come in any order.
  void add(codec::RecordKey key, std::string_view record, const Event& e);
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Forgets what was added (a write that could not go ahead).
  void clear();

  // Sorts the records, cuts them into blocks and puts the blocks (into `records`) and
  // one posting per distinct indexed value (into `index`) into `batch`; appends each
  // block's key and digest to `sealed` (see seal.h). Leaves the BucketBatch empty for
  // reuse.
  void put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* records,
                rocksdb::ColumnFamilyHandle* index, std::vector<seal::SealedBlock>& sealed);

 private:
  static constexpr int kFields = 4;  // host, app, user, src_ip (see codec::IndexField)
  // One indexed value of one record.
  struct Posted {
    int field;
    uint64_t hash;
  };
  struct Entry {
    codec::RecordKey key;
    uint32_t offset = 0, size = 0;
    uint32_t first_posted = 0, posted = 0;  // its values: posted_[first_posted, +posted)
  };
  struct ValueKey {
    int field;
    uint64_t hash;
    bool operator==(const ValueKey&) const = default;
  };
  struct ValueKeyHash {
    std::size_t operator()(const ValueKey& v) const { return v.hash ^ (static_cast<uint64_t>(v.field) << 61); }
  };
  // Hits of one value, as a list threaded through hits_ (no allocation per value).
  struct HitList {
    int32_t head = -1, tail = -1;
  };
  struct Hit {
    codec::PostingHit hit;
    int32_t next = -1;
  };

  const KeyedHash& hash_;
  std::string arena_;  // the records' encoded bytes
  std::vector<Entry> entries_;
  std::vector<Posted> posted_;
  // The hash of the last value seen per field: consecutive records mostly share host
  // and app, so most records hash nothing for them.
  std::string last_value_[kFields];
  uint64_t last_hash_[kFields] = {};
  bool have_last_[kFields] = {};
  std::unordered_map<ValueKey, HitList, ValueKeyHash> values_;
  std::vector<Hit> hits_;
  block::Builder builder_;
  codec::RecordKey builder_first_{};
  std::string block_value_, key_;
  std::vector<codec::PostingHit> posting_;
};

}  // namespace hokan::store::detail
