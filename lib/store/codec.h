// Byte layouts inside a bucket: record keys, index posting keys and the event value
// encoding. Pure functions, no RocksDB; thread-safe.
//
// Record key   'r' | time_us (u64 BE) | id (u64 BE)                 17 bytes, time-ordered
// Posting key  'i' | field (1) | keyed hash of the value (8) | first record key's
//              time and id (16)  ->  value: the record keys of one write batch that
//              carry that value, delta-encoded. One posting per distinct value per
//              batch keeps index writes far below one per record, and lookups cost
//              in proportion to the matches.
// Keys hold no personal data: values appear only as keyed hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/event.h"

namespace hokan::store::codec {

enum class IndexField : char { host = 'h', app = 'a', user = 'u', src_ip = 'p' };

struct RecordKey {
  int64_t time_us = 0;
  uint64_t id = 0;
  auto operator<=>(const RecordKey&) const = default;
};

constexpr std::size_t kRecordKeySize = 17;
constexpr char kRecordPrefix = 'r';
constexpr char kPostingPrefix = 'i';
constexpr char kObjectPrefix = 'o';  // 'o' | id (u64 BE) | chunk number (u32 BE) -> bytes

std::string object_prefix(uint64_t id);
std::string object_chunk_key(uint64_t id, uint32_t chunk);

void append_record_key(std::string& out, RecordKey key);
[[nodiscard]] Result<RecordKey> decode_record_key(std::string_view key);

// Prefix of all postings of one value: 'i' | field | hash.
std::string posting_prefix(IndexField field, uint64_t value_hash);
std::string posting_key(IndexField field, uint64_t value_hash, RecordKey first);
// `keys` must be sorted ascending.
std::string encode_posting(const std::vector<RecordKey>& keys);
[[nodiscard]] Result<void> decode_posting(std::string_view value, std::vector<RecordKey>& out);

// Event value: everything but id, time and category (the key and bucket hold those).
void encode_event(const Event& event, std::string& out);
[[nodiscard]] Result<void> decode_event(std::string_view value, Event& out);

}  // namespace hokan::store::codec
