#include "store/bucket_batch.h"

#include <algorithm>

namespace hokan::store::detail {

void BucketBatch::add(codec::RecordKey key, std::string_view record, const Event& e) {
  const std::size_t at = arena_.size();
  arena_.append(record);
  index(key, at, e);
}

std::size_t BucketBatch::encode_and_add(codec::RecordKey key, const Event& e) {
  const std::size_t at = arena_.size();
  codec::encode_event(e, arena_);
  index(key, at, e);
  return arena_.size() - at;
}

void BucketBatch::index(codec::RecordKey key, std::size_t at, const Event& e) {
  Entry entry;
  entry.key = key;
  entry.received_us = e.received_us;
  entry.offset = static_cast<uint32_t>(at);
  entry.size = static_cast<uint32_t>(arena_.size() - at);
  entry.first_posted = static_cast<uint32_t>(posted_.size());
  for_each_indexed_value(e, [&](int f, const std::string& v) { posted_.push_back({f, hash_of(f, v)}); });
  entry.posted = static_cast<uint32_t>(posted_.size() - entry.first_posted);
  entries_.push_back(entry);
}

uint64_t BucketBatch::hash_of(int field, const std::string& value) {
  // `value` is never empty (for_each_indexed_value skips empty ones).
  const auto first = static_cast<unsigned char>(value.front()), last = static_cast<unsigned char>(value.back()),
             middle = static_cast<unsigned char>(value[value.size() / 2]);
  Hashed& slot = hashed_[field][(value.size() * 7 + first * 3 + middle * 5 + last) % kHashedSlots];
  if (!slot.set || slot.value != value) {
    slot.value = value;
    slot.hash = hash_(value);
    slot.set = true;
  }
  return slot.hash;
}

void BucketBatch::clear() {
  entries_.clear();
  posted_.clear();
  arena_.clear();
  for (auto& field : hashed_)
    for (auto& slot : field) slot.set = false;
}

void BucketBatch::put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* records, RunBuilder& index,
                           std::vector<seal::SealedBlock>& sealed) {
  if (entries_.empty()) return;
  auto by_key = [](const Entry& a, const Entry& b) { return a.key < b.key; };
  // Live traffic arrives in time order; back-filled or skewed senders do not.
  if (!std::is_sorted(entries_.begin(), entries_.end(), by_key))
    std::stable_sort(entries_.begin(), entries_.end(), by_key);

  std::size_t block_begin = 0;
  auto put_block = [&](std::size_t end) {
    key_.clear();
    const codec::RecordKey first = builder_.first_key();
    codec::append_block_key(key_, first);
    builder_.finish(block_value_);
    batch.Put(records, key_, block_value_);
    sealed.push_back({first, seal::sha256(block_value_)});
    index.add_block(first);
    for (std::size_t i = block_begin; i < end; ++i) {
      const auto& e = entries_[i];
      const auto ordinal = static_cast<uint32_t>(i - block_begin);
      for (uint32_t p = e.first_posted; p < e.first_posted + e.posted; ++p)
        index.add(kFieldOrder[posted_[p].field], posted_[p].hash, ordinal);
    }
    block_begin = end;
  };
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const auto& e = entries_[i];
    if (!builder_.empty() && (builder_.payload_bytes() >= block::kTargetBytes ||
                              e.key.time_us - builder_.first_key().time_us > block::kMaxBlockSpanUs))
      put_block(i);
    builder_.add(e.key, std::string_view(arena_).substr(e.offset, e.size), e.received_us);
  }
  put_block(entries_.size());
  clear();
}

}  // namespace hokan::store::detail
