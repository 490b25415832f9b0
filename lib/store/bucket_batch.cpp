#include "store/bucket_batch.h"

#include <algorithm>

namespace hokan::store::detail {
namespace {
constexpr codec::IndexField kFieldOrder[] = {codec::IndexField::host, codec::IndexField::app,
                                             codec::IndexField::user, codec::IndexField::ip};
}  // namespace

void BucketBatch::add(codec::RecordKey key, std::string_view record, const Event& e) {
  Entry entry;
  entry.key = key;
  entry.offset = static_cast<uint32_t>(arena_.size());
  entry.size = static_cast<uint32_t>(record.size());
  entry.first_posted = static_cast<uint32_t>(posted_.size());
  arena_.append(record);
  // Each distinct value once per field: one posting hit per value and record. The
  // extractor caps ips at 64; past the array a duplicate only costs a hit the lookup
  // drops (it removes repeated hits).
  const std::string* seen[80] = {};
  std::size_t seen_count = 0;
  std::size_t field_start = 0;
  auto post = [&](int f, const std::string& v) {
    if (v.empty()) return;
    for (std::size_t i = field_start; i < seen_count; ++i)
      if (*seen[i] == v) return;
    if (seen_count < std::size(seen)) seen[seen_count++] = &v;
    if (!have_last_[f] || last_value_[f] != v) {
      last_value_[f] = v;
      last_hash_[f] = hash_(v);
      have_last_[f] = true;
    }
    posted_.push_back({f, last_hash_[f]});
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
  entry.posted = static_cast<uint32_t>(posted_.size() - entry.first_posted);
  entries_.push_back(entry);
}

void BucketBatch::clear() {
  values_.clear();
  hits_.clear();
  entries_.clear();
  posted_.clear();
  arena_.clear();
  for (auto& h : have_last_) h = false;
}

void BucketBatch::put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* records,
                           rocksdb::ColumnFamilyHandle* index, std::vector<seal::SealedBlock>& sealed) {
  if (entries_.empty()) return;
  auto by_key = [](const Entry& a, const Entry& b) { return a.key < b.key; };
  // Live traffic arrives in time order; back-filled or skewed senders do not.
  if (!std::is_sorted(entries_.begin(), entries_.end(), by_key))
    std::stable_sort(entries_.begin(), entries_.end(), by_key);

  auto put_block = [&] {
    key_.clear();
    builder_first_ = builder_.first_key();
    codec::append_block_key(key_, builder_first_);
    builder_.finish(block_value_);
    batch.Put(records, key_, block_value_);
    sealed.push_back({builder_first_, seal::sha256(block_value_)});
  };
  const codec::RecordKey anchor = entries_.front().key;  // names this write's postings
  uint32_t ordinal = 0;
  for (const auto& e : entries_) {
    if (!builder_.empty() && (builder_.payload_bytes() >= block::kTargetBytes ||
                              e.key.time_us - builder_.first_key().time_us > block::kMaxBlockSpanUs)) {
      put_block();
      ordinal = 0;
    }
    builder_.add(e.key, std::string_view(arena_).substr(e.offset, e.size));
    codec::RecordKey block_key = builder_.first_key();
    for (uint32_t p = e.first_posted; p < e.first_posted + e.posted; ++p) {
      auto& list = values_[ValueKey{posted_[p].field, posted_[p].hash}];
      auto at = static_cast<int32_t>(hits_.size());
      hits_.push_back(Hit{{block_key, ordinal}, -1});
      if (list.tail >= 0) hits_[list.tail].next = at;
      else list.head = at;
      list.tail = at;
    }
    ++ordinal;
  }
  put_block();

  for (const auto& [value, list] : values_) {
    posting_.clear();
    for (int32_t i = list.head; i >= 0; i = hits_[i].next) posting_.push_back(hits_[i].hit);
    batch.Put(index, codec::posting_key(kFieldOrder[value.field], value.hash, anchor), codec::encode_posting(posting_));
  }
  clear();
}

}  // namespace hokan::store::detail
