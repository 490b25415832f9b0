#include "store/record_block.h"

#include <algorithm>

#include "store/varint.h"

namespace hokan::store::block {
namespace {
constexpr uint8_t kBlockVersion = 2;
constexpr std::size_t kTrailerBytes = 9;
constexpr std::size_t kMinEntryBytes = 3;  // a directory entry: three varints
}  // namespace

void Builder::add(codec::RecordKey key, std::string_view record) {
  if (count_ == 0) first_ = last_ = key;
  bytes::put_varint(directory_, bytes::zigzag(key.time_us - last_.time_us));
  bytes::put_varint(directory_, bytes::zigzag(static_cast<int64_t>(key.id - last_.id)));
  bytes::put_varint(directory_, record.size());
  payload_.append(record);
  last_ = key;
  ++count_;
}

void Builder::finish(std::string& out) {
  out.clear();
  out.reserve(payload_.size() + directory_.size() + kTrailerBytes);
  out.append(payload_);
  out.append(directory_);
  bytes::put_u32_le(out, static_cast<uint32_t>(payload_.size()));
  bytes::put_u32_le(out, count_);
  out.push_back(static_cast<char>(kBlockVersion));
  payload_.clear();
  directory_.clear();
  count_ = 0;
}

std::optional<std::pair<std::string_view, uint32_t>> Reader::payload_of(std::string_view value) {
  if (value.size() < kTrailerBytes || static_cast<uint8_t>(value.back()) != kBlockVersion) return std::nullopt;
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
    return fail(Errc::corruption, "record block does not decode");
  };
  keys_.clear();
  offsets_.clear();
  if (value.size() < kTrailerBytes || static_cast<uint8_t>(value.back()) != kBlockVersion) return bad();
  const char* trailer = value.data() + value.size() - kTrailerBytes;
  uint32_t directory_at = bytes::get_u32_le(trailer), count = bytes::get_u32_le(trailer + 4);
  if (directory_at > value.size() - kTrailerBytes || count == 0) return bad();
  // Each record takes at least three directory bytes: a count the bytes cannot hold is
  // damage, and must not size an allocation.
  if (count > (value.size() - kTrailerBytes - directory_at) / 3) return bad();
  payload_ = value.substr(0, directory_at);
  const std::string_view directory = value.substr(directory_at, value.size() - kTrailerBytes - directory_at);
  // Each entry takes at least three bytes: a count the directory cannot hold is damage,
  // and must not size the vectors below (an altered trailer would ask for 64 GiB).
  if (count > directory.size() / kMinEntryBytes) return bad();
  bytes::Reader r(directory);
  keys_.reserve(count);
  offsets_.reserve(count + 1);
  codec::RecordKey key = first;
  uint64_t offset = 0;
  offsets_.push_back(0);
  for (uint32_t i = 0; i < count; ++i) {
    uint64_t dt = 0, did = 0, len = 0;
    if (!r.varint(dt) || !r.varint(did) || !r.varint(len) || !bytes::add_delta(key.time_us, dt) ||
        len > payload_.size() - offset)
      return bad();
    key.id += static_cast<uint64_t>(bytes::unzigzag(did));
    // The block's key is its first record's, and records follow in ascending key order
    // (lower_bound() and record_at() rely on both): anything else is damage.
    if (i == 0 ? key != first : !(keys_.back() < key)) return bad();
    offset += len;
    keys_.push_back(key);
    offsets_.push_back(static_cast<uint32_t>(offset));
  }
  if (!r.done() || offset != payload_.size()) return bad();
  return {};
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
