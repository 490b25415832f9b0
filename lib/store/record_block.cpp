#include "store/record_block.h"

#include <algorithm>

#include "store/varint.h"

namespace hokan::store::block {
namespace {
// Version 2: one interleaved entry per record (time, id, length), received times in the
// records. Version 3: the directory's four columns (see record_block.h).
constexpr uint8_t kBlockVersion2 = 2;
constexpr uint8_t kBlockVersion = 3;
constexpr std::size_t kTrailerBytes = 9;
// A record's directory entry takes at least a byte per column.
constexpr std::size_t min_entry_bytes(uint8_t version) { return version == kBlockVersion2 ? 3 : 4; }
bool known_version(std::string_view value) {
  const auto v = static_cast<uint8_t>(value.back());
  return v == kBlockVersion2 || v == kBlockVersion;
}
}  // namespace

void Builder::add(codec::RecordKey key, std::string_view record, int64_t received_us) {
  if (count_ == 0) {
    first_ = last_ = key;
    last_received_us_ = key.time_us;
  }
  bytes::put_varint(times_, bytes::zigzag(key.time_us - last_.time_us));
  bytes::put_varint(ids_, bytes::zigzag(static_cast<int64_t>(key.id - last_.id)));
  bytes::put_varint(lengths_, record.size());
  // Wrapping arithmetic: times far apart (a received time of 0 beside one near the
  // limit) must not overflow; the reader adds the same delta back with the same wrap.
  bytes::put_varint(received_, bytes::zigzag(static_cast<int64_t>(static_cast<uint64_t>(received_us) -
                                                                   static_cast<uint64_t>(last_received_us_))));
  payload_.append(record);
  last_ = key;
  last_received_us_ = received_us;
  ++count_;
}

void Builder::finish(std::string& out) {
  // The directory and trailer go after the payload where it is, and the two strings
  // trade storage: copying every stored byte once more cost more than the rest of this.
  const auto payload_size = static_cast<uint32_t>(payload_.size());
  payload_.reserve(payload_.size() + times_.size() + ids_.size() + lengths_.size() + received_.size() + kTrailerBytes);
  for (std::string* column : {&times_, &ids_, &lengths_, &received_}) {
    payload_.append(*column);
    column->clear();
  }
  bytes::put_u32_le(payload_, payload_size);
  bytes::put_u32_le(payload_, count_);
  payload_.push_back(static_cast<char>(kBlockVersion));
  out.swap(payload_);
  payload_.clear();
  count_ = 0;
}

std::optional<std::pair<std::string_view, uint32_t>> Reader::payload_of(std::string_view value) {
  if (value.size() < kTrailerBytes || !known_version(value)) return std::nullopt;
  const char* trailer = value.data() + value.size() - kTrailerBytes;
  uint32_t directory_at = bytes::get_u32_le(trailer), count = bytes::get_u32_le(trailer + 4);
  if (directory_at > value.size() - kTrailerBytes) return std::nullopt;
  return std::pair{value.substr(0, directory_at), count};
}

Result<void> Reader::open(codec::RecordKey first, std::string_view value) {
  // A reader that failed holds no records, so nothing can index a half-read directory.
  auto bad = [this] {
    keys_.clear();
    offsets_.clear();
    received_.clear();
    return fail(Errc::corruption, "record block does not decode");
  };
  keys_.clear();
  offsets_.clear();
  received_.clear();
  if (value.size() < kTrailerBytes || !known_version(value)) return bad();
  const uint8_t version = static_cast<uint8_t>(value.back());
  const char* trailer = value.data() + value.size() - kTrailerBytes;
  uint32_t directory_at = bytes::get_u32_le(trailer), count = bytes::get_u32_le(trailer + 4);
  if (directory_at > value.size() - kTrailerBytes || count == 0) return bad();
  payload_ = value.substr(0, directory_at);
  const std::string_view directory = value.substr(directory_at, value.size() - kTrailerBytes - directory_at);
  // Each entry takes at least a byte per column: a count the directory cannot hold is
  // damage, and must not size the vectors below (an altered trailer would ask for 64 GiB).
  if (count > directory.size() / min_entry_bytes(version)) return bad();
  bytes::Reader r(directory);
  keys_.resize(count);
  offsets_.resize(count + 1);
  offsets_[0] = 0;
  // Version 2 interleaves the three fields of an entry; version 3 has each in a column.
  auto key_after = [&](codec::RecordKey previous) -> std::optional<codec::RecordKey> {
    uint64_t dt = 0, did = 0;
    if (!r.varint(dt) || !bytes::add_delta(previous.time_us, dt)) return std::nullopt;
    if (version == kBlockVersion2) {
      if (!r.varint(did)) return std::nullopt;
      previous.id += static_cast<uint64_t>(bytes::unzigzag(did));
    }
    return previous;
  };
  uint64_t offset = 0;
  auto length_at = [&](uint32_t i) {
    uint64_t len = 0;
    if (!r.varint(len) || len > payload_.size() - offset) return false;
    offset += len;
    offsets_[i + 1] = static_cast<uint32_t>(offset);
    return true;
  };
  codec::RecordKey key = first;
  for (uint32_t i = 0; i < count; ++i) {
    auto next = key_after(key);
    if (!next || (version == kBlockVersion2 && !length_at(i))) return bad();
    key = *next;
    keys_[i] = key;
  }
  if (version == kBlockVersion) {
    uint64_t id = first.id;
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t did = 0;
      if (!r.varint(did)) return bad();
      id += static_cast<uint64_t>(bytes::unzigzag(did));
      keys_[i].id = id;
    }
    for (uint32_t i = 0; i < count; ++i)
      if (!length_at(i)) return bad();
    received_.resize(count);
    uint64_t received = static_cast<uint64_t>(first.time_us);
    for (uint32_t i = 0; i < count; ++i) {
      uint64_t d = 0;
      if (!r.varint(d)) return bad();
      received += static_cast<uint64_t>(bytes::unzigzag(d));
      received_[i] = static_cast<int64_t>(received);
    }
  }
  // The block's key is its first record's, and records follow in ascending key order
  // (lower_bound() and record_at() rely on both): anything else is damage.
  if (keys_[0] != first) return bad();
  for (uint32_t i = 1; i < count; ++i)
    if (!(keys_[i - 1] < keys_[i])) return bad();
  if (!r.done() || offset != payload_.size()) return bad();
  return {};
}

Result<void> Reader::decode(std::size_t i, Event& e) const {
  e.time_us = keys_[i].time_us;
  e.id = keys_[i].id;
  e.received_us = received_us(i);
  return codec::decode_event(record(i), e);
}

std::size_t Reader::record_at(std::size_t pos) const {
  // offsets_ is ascending; the record is the last one starting at or before pos.
  auto it = std::upper_bound(offsets_.begin(), offsets_.end(), static_cast<uint32_t>(pos));
  return static_cast<std::size_t>(it - offsets_.begin()) - 1;
}

std::size_t Reader::lower_bound(codec::RecordKey key) const {
  return static_cast<std::size_t>(std::lower_bound(keys_.begin(), keys_.end(), key) - keys_.begin());
}

}  // namespace hokan::store::block
