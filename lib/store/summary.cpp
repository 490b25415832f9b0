#include "store/summary.h"

#include <algorithm>
#include <cstring>

#include "core/sha256.h"
#include "store/varint.h"

namespace hokan::store {
namespace {

constexpr char kMagic[] = "hks2";
constexpr char kMagicV1[] = "hks1";
constexpr std::size_t kHeader = 4 + 8 * 4 + 1 + 8;
constexpr std::size_t kChecksum = 8;
// 10 bits a value and 7 hash functions: about 0.8% false positives.
constexpr uint64_t kBitsPerValue = 10;
constexpr uint8_t kHashes = 7;
// One bit a trigram, 6 bits of filter for each: about 15% of the bits set, so a literal
// of n distinct trigrams is falsely held with odds of about 0.15^n (a 15-byte ticket
// number: 1e-12). Bounded at 128 KiB a bucket: a busier day's filter saturates and says
// "may hold" more often, never wrongly "does not".
constexpr uint64_t kTextBitsPerTrigram = 6;
constexpr uint64_t kMinTextBits = 4096, kMaxTextBits = uint64_t{1} << 20;

uint64_t mix(uint64_t x) {
  // splitmix64's finalizer: the keyed hashes are already uniform, but the field tag
  // must change every bit of the key.
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t text_bit(uint64_t trigram_key, uint64_t bits) { return mix(trigram_key) & (bits - 1); }

int64_t get_i64(const char* p) { return static_cast<int64_t>(bytes::get_u64_be(p)); }

}  // namespace

uint64_t BucketSummary::key(char field, uint64_t value_hash) {
  return mix(value_hash ^ (static_cast<uint64_t>(static_cast<unsigned char>(field)) << 56));
}

BucketSummary BucketSummary::build(const std::vector<uint64_t>& keys, int64_t min_time_us, int64_t max_time_us,
                                   uint64_t records, const std::vector<uint64_t>& trigram_keys) {
  BucketSummary s;
  s.min_time_us_ = min_time_us;
  s.max_time_us_ = max_time_us;
  s.records_ = records;
  s.values_ = keys.size();
  s.hashes_ = kHashes;
  // A floor of 4096 bits (512 bytes a bucket) makes a small day's false positives
  // vanish (about 1e-9 for 30 values): a year of quiet days then never opens by chance.
  uint64_t bits = std::max<uint64_t>(4096, keys.size() * kBitsPerValue);
  s.bits_.assign((bits + 63) / 64, 0);
  const uint64_t m = s.bits_.size() * 64;
  for (uint64_t k : keys) {
    // Double hashing (Kirsch and Mitzenmacher): k hash functions from two halves.
    uint64_t h1 = k, h2 = (k >> 33) | (k << 31) | 1;
    for (uint8_t i = 0; i < s.hashes_; ++i) {
      uint64_t bit = (h1 + i * h2) % m;
      s.bits_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
  }
  uint64_t text_bits = kMinTextBits;
  while (text_bits < kMaxTextBits && text_bits < trigram_keys.size() * kTextBitsPerTrigram) text_bits *= 2;
  s.text_bits_.assign(text_bits / 64, 0);
  for (uint64_t k : trigram_keys) {
    uint64_t bit = text_bit(k, text_bits);
    s.text_bits_[bit / 64] |= uint64_t{1} << (bit % 64);
  }
  return s;
}

bool BucketSummary::may_hold_trigrams(const std::vector<uint64_t>& trigram_keys) const {
  if (text_bits_.empty()) return true;
  const uint64_t m = text_bits_.size() * 64;
  return std::all_of(trigram_keys.begin(), trigram_keys.end(), [&](uint64_t k) {
    uint64_t bit = text_bit(k, m);
    return (text_bits_[bit / 64] >> (bit % 64)) & 1;
  });
}

bool BucketSummary::may_contain(uint64_t k) const {
  if (bits_.empty()) return false;
  const uint64_t m = bits_.size() * 64;
  uint64_t h1 = k, h2 = (k >> 33) | (k << 31) | 1;
  for (uint8_t i = 0; i < hashes_; ++i) {
    uint64_t bit = (h1 + i * h2) % m;
    if (!(bits_[bit / 64] & (uint64_t{1} << (bit % 64)))) return false;
  }
  return true;
}

std::string BucketSummary::encode() const {
  std::string out(kMagic, 4);
  for (uint64_t v : {static_cast<uint64_t>(min_time_us_), static_cast<uint64_t>(max_time_us_), records_, values_})
    bytes::put_u64_be(out, v);
  out.push_back(static_cast<char>(hashes_));
  bytes::put_u64_be(out, bits_.size() * 64);
  for (uint64_t word : bits_) bytes::put_u64_be(out, word);
  bytes::put_u64_be(out, text_bits_.size() * 64);
  for (uint64_t word : text_bits_) bytes::put_u64_be(out, word);
  auto digest = core::sha256(out);
  out.append(reinterpret_cast<const char*>(digest.data()), kChecksum);
  return out;
}

Result<BucketSummary> BucketSummary::decode(std::string_view in) {
  auto bad = [](const char* why) { return fail(Errc::corruption, std::string("bucket summary: ") + why); };
  if (in.size() < kHeader + kChecksum) return bad("not a summary");
  const bool v1 = in.substr(0, 4) == std::string_view(kMagicV1, 4);
  if (!v1 && in.substr(0, 4) != std::string_view(kMagic, 4)) return bad("not a summary");
  auto body = in.substr(0, in.size() - kChecksum);
  auto digest = core::sha256(body);
  if (std::memcmp(digest.data(), in.data() + body.size(), kChecksum) != 0) return bad("checksum mismatch");
  BucketSummary s;
  const char* p = in.data() + 4;
  s.min_time_us_ = get_i64(p);
  s.max_time_us_ = get_i64(p + 8);
  s.records_ = bytes::get_u64_be(p + 16);
  s.values_ = bytes::get_u64_be(p + 24);
  s.hashes_ = static_cast<uint8_t>(p[32]);
  uint64_t bits = bytes::get_u64_be(p + 33);
  std::size_t rest = body.size() - kHeader;
  if (s.hashes_ == 0 || s.hashes_ > 32 || bits % 64 != 0 || bits == 0 || bits / 8 > rest)
    return bad("sizes do not add up");
  s.bits_.resize(bits / 64);
  for (std::size_t i = 0; i < s.bits_.size(); ++i) s.bits_[i] = bytes::get_u64_be(in.data() + kHeader + 8 * i);
  rest -= bits / 8;
  const char* text = in.data() + kHeader + bits / 8;
  if (v1) {
    if (rest != 0) return bad("sizes do not add up");
    return s;
  }
  if (rest < 8) return bad("sizes do not add up");
  uint64_t text_bits = bytes::get_u64_be(text);
  if (text_bits < 64 || (text_bits & (text_bits - 1)) != 0 || text_bits > kMaxTextBits || text_bits / 8 != rest - 8)
    return bad("sizes do not add up");
  s.text_bits_.resize(text_bits / 64);
  for (std::size_t i = 0; i < s.text_bits_.size(); ++i) s.text_bits_[i] = bytes::get_u64_be(text + 8 + 8 * i);
  return s;
}

}  // namespace hokan::store
