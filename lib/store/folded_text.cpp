#include "store/folded_text.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace hokan::store {
namespace {

constexpr unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
constexpr bool has_case(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool equal_folded(const char* text, std::string_view folded) {
  for (std::size_t i = 0; i < folded.size(); ++i)
    if (fold(static_cast<unsigned char>(text[i])) != static_cast<unsigned char>(folded[i])) return false;
  return true;
}

}  // namespace

std::string fold_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(fold(static_cast<unsigned char>(c)));
  return out;
}

TrigramCollector::TrigramCollector() : seen_((1u << 24) / 64, 0) {}

namespace {
// Eight bytes at once, with ASCII capitals folded: a byte is a capital when its low seven
// bits are at least 'A' and below 'Z' + 1 and its high bit is clear; adding to the low
// seven bits sets each byte's high bit without carrying into the next byte.
static_assert(std::endian::native == std::endian::little, "add() reads bytes as a little-endian number");
uint64_t load_folded(const unsigned char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof w);
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full, kHigh = 0x8080808080808080ull;
  const uint64_t low = w & kLow7;
  const uint64_t at_least_a = low + 0x3f3f3f3f3f3f3f3full;    // 0x80 - 'A' in every byte
  const uint64_t past_z = low + 0x2525252525252525ull;        // 0x80 - ('Z' + 1)
  const uint64_t capital = at_least_a & ~past_z & ~w & kHigh;
  return w | (capital >> 2);                                  // 0x80 >> 2 == 'a' - 'A'
}
}  // namespace

void TrigramCollector::add(std::string_view bytes) {
  const std::size_t n = bytes.size();
  if (n < 3) return;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  uint64_t* seen = seen_.data();
  auto mark = [seen](uint32_t gram) { seen[gram >> 6] |= uint64_t{1} << (gram & 63); };
  // The trigram loop runs over every byte a bucket stores. Eight bytes read as one
  // number hold the six trigrams that start in their first six; each is a shift of it,
  // so no trigram waits on the one before (a byte at a time, each did).
  std::size_t i = 0;
  for (; i + 8 <= n; i += 6) {
    const uint64_t w = __builtin_bswap64(load_folded(p + i));  // p[i] in the top byte
    mark(static_cast<uint32_t>(w >> 40));
    mark(static_cast<uint32_t>(w >> 32) & 0xffffff);
    mark(static_cast<uint32_t>(w >> 24) & 0xffffff);
    mark(static_cast<uint32_t>(w >> 16) & 0xffffff);
    mark(static_cast<uint32_t>(w >> 8) & 0xffffff);
    mark(static_cast<uint32_t>(w) & 0xffffff);
  }
  // The last trigrams, from fewer than eight bytes: padded into a zeroed word.
  if (i + 3 <= n) {
    unsigned char tail[8] = {};
    std::memcpy(tail, p + i, n - i);
    const uint64_t w = __builtin_bswap64(load_folded(tail));
    for (std::size_t k = 0; i + k + 3 <= n; ++k) mark(static_cast<uint32_t>(w >> (40 - 8 * k)) & 0xffffff);
  }
}

std::vector<uint32_t> TrigramCollector::distinct() const {
  std::vector<uint32_t> out;
  for (std::size_t w = 0; w < seen_.size(); ++w)
    for (uint64_t bits = seen_[w]; bits; bits &= bits - 1)
      out.push_back(static_cast<uint32_t>(w * 64 + static_cast<std::size_t>(__builtin_ctzll(bits))));
  return out;
}

std::vector<uint32_t> trigrams_of(std::string_view folded) {
  std::vector<uint32_t> out;
  for (std::size_t i = 0; i + 3 <= folded.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(folded.data() + i);
    out.push_back(uint32_t{p[0]} << 16 | uint32_t{p[1]} << 8 | p[2]);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string trigram_bytes(uint32_t gram) {
  return {static_cast<char>(gram >> 16), static_cast<char>(gram >> 8), static_cast<char>(gram)};
}

FoldedNeedle::FoldedNeedle(std::string_view literal) : needle_(fold_ascii(literal)) {
  // The anchor memchr looks for: the needle's byte least common in log text, so that few
  // candidates need checking. A byte without case needs one memchr, a letter two.
  auto rarity = [](unsigned char c) {
    constexpr std::string_view kCommonFirst = " etaoinsrhldcumfpgwybvkxjqz";  // letters by English frequency
    if (c == ' ') return 0;
    if (auto at = kCommonFirst.find(static_cast<char>(c)); at != std::string_view::npos)
      return static_cast<int>(at) * 2;  // 2 (e) .. 52 (z), less one memchr's worth
    if (c >= '0' && c <= '9') return 20;
    if (c == '.' || c == ':' || c == '-' || c == '/' || c == '=' || c == '[' || c == ']') return 24;
    return 60;
  };
  for (std::size_t i = 0; i < needle_.size(); ++i)
    if (rarity(static_cast<unsigned char>(needle_[i])) > rarity(static_cast<unsigned char>(needle_[anchor_]))) anchor_ = i;
  anchor_has_case_ = !needle_.empty() && has_case(static_cast<unsigned char>(needle_[anchor_]));
}

const char* FoldedNeedle::find(std::string_view haystack) const {
  const std::size_t n = needle_.size();
  if (n == 0) return haystack.data();
  if (haystack.size() < n) return nullptr;
  const char* begin = haystack.data();
  const char* last_start = begin + (haystack.size() - n);
  const auto lower = static_cast<unsigned char>(needle_[anchor_]);
  const unsigned char upper = anchor_has_case_ ? static_cast<unsigned char>(lower - ('a' - 'A')) : lower;
  // Candidates for the anchor byte lie in [begin + anchor, last_start + anchor]. Each
  // case's next occurrence is remembered, so neither is searched for twice.
  const char* from = begin + anchor_;
  const char* const to = last_start + anchor_ + 1;
  auto next = [&](unsigned char byte, const char* at) {
    const void* hit = std::memchr(at, byte, static_cast<std::size_t>(to - at));
    return hit ? static_cast<const char*>(hit) : to;
  };
  const char* next_lower = next(lower, from);
  const char* next_upper = anchor_has_case_ ? next(upper, from) : to;
  while (true) {
    const char* hit = std::min(next_lower, next_upper);
    if (hit == to) return nullptr;
    const char* start = hit - anchor_;
    if (equal_folded(start, needle_)) return start;
    from = hit + 1;
    if (next_lower == hit) next_lower = next(lower, from);
    if (next_upper == hit) next_upper = next(upper, from);
  }
}

}  // namespace hokan::store
