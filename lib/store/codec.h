// Byte layouts inside a bucket: block keys, index posting keys and values, and the event
// value encoding. Pure functions, no RocksDB; thread-safe.
//
// Records column family (see record_block.h for the block value):
//   Block key    'b' | time_us (u64 BE, biased) | id (u64 BE)   17 bytes, time-ordered:
//                the key of the block's first record
//   Object chunk 'o' | id (u64 BE) | chunk number (u32 BE)  ->  bytes
// Index column family:
//   Posting key  'i' | field (1) | keyed hash of the value (8) | first block key's time
//                and id (16)  ->  value: where the records of one write that carry the
//                value sit: (block key, ordinal in the block) pairs, delta-encoded. One
//                posting per distinct value per write keeps index writes far below one
//                per record, and lookups cost in proportion to the matches.
// Keys hold no personal data: values appear only as keyed hashes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/event.h"

namespace hokan::store::codec {

// user holds user and target_user; ip every address a record names (src_ip, origin_ip,
// ips). The letters are on disk: 'p' was src_ip's alone before issue 13.
enum class IndexField : char { host = 'h', app = 'a', user = 'u', ip = 'p' };

struct RecordKey {
  int64_t time_us = 0;
  uint64_t id = 0;
  auto operator<=>(const RecordKey&) const = default;
};

constexpr std::size_t kBlockKeySize = 17;
constexpr char kBlockPrefix = 'b';
constexpr char kPostingPrefix = 'i';
constexpr char kObjectPrefix = 'o';

std::string object_prefix(uint64_t id);
std::string object_chunk_key(uint64_t id, uint32_t chunk);

void append_block_key(std::string& out, RecordKey first);
[[nodiscard]] Result<RecordKey> decode_block_key(std::string_view key);

// Prefix of all postings of one value: 'i' | field | hash.
std::string posting_prefix(IndexField field, uint64_t value_hash);
std::string posting_key(IndexField field, uint64_t value_hash, RecordKey first_block);

// One record a posting points at: its block (by the block's key) and place in it.
struct PostingHit {
  RecordKey block;
  uint32_t ordinal = 0;
  auto operator<=>(const PostingHit&) const = default;
};
// `hits` must be sorted ascending.
std::string encode_posting(const std::vector<PostingHit>& hits);
[[nodiscard]] Result<void> decode_posting(std::string_view value, std::vector<PostingHit>& out);

// Event value: everything but id, time, received time, category and lane (the block
// and the bucket hold those). decode_event takes `out.time_us` and `out.received_us` as
// the caller set them (block::Reader::decode does) and gives back the rest of what
// encode_event was given. Values of earlier versions still decode, and set
// received_us themselves: version 3 (the received time in the value), 2 (the message
// an offset into `raw` when it is raw's tail) and 1 (no target_user, origin_ip or ips;
// raw only when malformed).
void encode_event(const Event& event, std::string& out);
[[nodiscard]] Result<void> decode_event(std::string_view value, Event& out);

}  // namespace hokan::store::codec
