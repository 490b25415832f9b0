// Records bound for one bucket in one write, turned into record blocks and the hits of
// their indexed values (see record_block.h and index_run.h). Used by ingest writes and by bucket
// rewrites, so both lay records out the same way. Internal to lib/store.
// Thread-safety: none; one BucketBatch, one thread.
#pragma once

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/codec.h"
#include "store/event.h"
#include "store/index_run.h"
#include "store/keyed_hash.h"
#include "store/record_block.h"
#include "store/seal.h"

namespace hokan::store::detail {

// The fields a record is indexed under, by the number for_each_indexed_value gives them.
constexpr codec::IndexField kFieldOrder[] = {codec::IndexField::host, codec::IndexField::app,
                                             codec::IndexField::user, codec::IndexField::ip};

// Calls `visit(field, value)` for each value `e` is indexed under, each distinct value
// once per field: host (0), app (1), user and target_user (2), every address it names
// (3: src_ip, origin_ip, ips). `field` numbers kFieldOrder.
template <class Visit>
void for_each_indexed_value(const Event& e, Visit&& visit) {
  // The extractor caps ips at 64; past the array a duplicate only costs a hit the lookup
  // drops (it removes repeated hits).
  const std::string* seen[80] = {};
  std::size_t seen_count = 0, field_start = 0;
  auto post = [&](int field, const std::string& v) {
    if (v.empty()) return;
    for (std::size_t i = field_start; i < seen_count; ++i)
      if (*seen[i] == v) return;
    if (seen_count < std::size(seen)) seen[seen_count++] = &v;
    visit(field, v);
  };
  post(0, e.host);
  field_start = seen_count;
  post(1, e.app);
  field_start = seen_count;
  post(2, e.fields.user);
  post(2, e.fields.target_user);
  field_start = seen_count;
  post(3, e.fields.src_ip);
  post(3, e.fields.origin_ip);
  for (const auto& ip : e.fields.ips) post(3, ip);
}

class BucketBatch {
 public:
  explicit BucketBatch(const KeyedHash& hash) : hash_(hash) {}

  // Adds one record: `record` is its encoded value (codec::encode_event), `e` gives the
  // values to index, each distinct value once: host, app, user and target_user (under
  // user), and every address the record names (src_ip, origin_ip, ips, under src_ip).
  // Records may come in any order.
  void add(codec::RecordKey key, std::string_view record, const Event& e);
  // Like add(), encoding `e` (codec::encode_event) where the batch keeps it; returns the
  // encoded size.
  std::size_t encode_and_add(codec::RecordKey key, const Event& e);
  std::size_t size() const { return entries_.size(); }
  // The added records' encoded bytes, back to back.
  std::string_view encoded() const { return arena_; }
  bool empty() const { return entries_.empty(); }
  // Forgets what was added (a write that could not go ahead).
  void clear();

  // Sorts the records, cuts them into blocks, puts the blocks (into `records`) into
  // `batch` and their records' indexed values into `index`; appends each block's key and
  // digest to `sealed` (see seal.h). Leaves the BucketBatch empty for reuse.
  void put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* records, RunBuilder& index,
                std::vector<seal::SealedBlock>& sealed);

 private:
  // Records the entry of the record at arena_[at, end) and its indexed values.
  void index(codec::RecordKey key, std::size_t at, const Event& e);
  static constexpr int kFields = 4;  // host, app, user, src_ip (see codec::IndexField)
  // One indexed value of one record.
  struct Posted {
    int field;
    uint64_t hash;
  };
  struct Entry {
    codec::RecordKey key;
    int64_t received_us = 0;
    uint32_t offset = 0, size = 0;
    uint32_t first_posted = 0, posted = 0;  // its values: posted_[first_posted, +posted)
  };
  const KeyedHash& hash_;
  std::string arena_;  // the records' encoded bytes
  std::vector<Entry> entries_;
  std::vector<Posted> posted_;
  // Values hashed lately, a few per field: a bucket's records name a few hosts and apps
  // over and over and their busy users and addresses often, and finding a value here
  // costs less than its keyed hash.
  struct Hashed {
    std::string value;
    uint64_t hash = 0;
    bool set = false;
  };
  static constexpr std::size_t kHashedSlots = 16;
  Hashed hashed_[kFields][kHashedSlots];
  uint64_t hash_of(int field, const std::string& value);
  block::Builder builder_;
  std::string block_value_, key_;
};

}  // namespace hokan::store::detail
