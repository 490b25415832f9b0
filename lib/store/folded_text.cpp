#include "store/folded_text.h"

#include <algorithm>
#include <array>
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

// fold() as a table: the trigram loop runs over every byte a bucket stores.
constexpr auto kFolded = [] {
  std::array<unsigned char, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = fold(static_cast<unsigned char>(c));
  return table;
}();

void TrigramCollector::add(std::string_view bytes) {
  const std::size_t n = bytes.size();
  if (n < 3) return;
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  uint64_t* seen = seen_.data();
  auto mark = [seen](uint32_t gram) { seen[gram >> 6] |= uint64_t{1} << (gram & 63); };
  // Two halves at once: each step's trigram waits on the one before, and two chains
  // keep the core busy while one waits (a fifth less time than one chain). The first
  // takes the trigrams ending at [2, half + 2), the second those ending at [half + 2, n).
  const std::size_t half = n / 2;
  uint32_t first = uint32_t{kFolded[p[0]]} << 8 | kFolded[p[1]];
  uint32_t second = uint32_t{kFolded[p[half]]} << 8 | kFolded[p[half + 1]];
  std::size_t i = 2;
  for (; half + i < n; ++i) {
    first = (first << 8 | kFolded[p[i]]) & 0xffffff;
    second = (second << 8 | kFolded[p[half + i]]) & 0xffffff;
    mark(first);
    mark(second);
  }
  for (; i < half + 2; ++i) {
    first = (first << 8 | kFolded[p[i]]) & 0xffffff;
    mark(first);
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
