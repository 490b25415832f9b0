// Case-folded text, for the parts of a text search that run before any record is read:
// a bucket summary's trigram filter (which buckets may hold a literal) and the search for
// a literal inside a block. Regex prefilters (RE2's FilteredRE2) give their required
// literals in lower case, so both sides fold: ASCII letters to lower case, every other
// byte as it is. A literal with a byte above 0x7f is never folded against: callers drop
// such literals (a non-ASCII letter's other case is other bytes).
// Pure functions and value types; thread-safe once built.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hokan::store {

std::string fold_ascii(std::string_view text);

// The distinct trigrams (three consecutive bytes, folded, as b0 << 16 | b1 << 8 | b2) of
// everything added. add() runs over every record a bucket stores: a bit per possible
// trigram (2 MiB), no hashing.
class TrigramCollector {
 public:
  TrigramCollector();
  void add(std::string_view bytes);
  std::vector<uint32_t> distinct() const;

 private:
  std::vector<uint64_t> seen_;
};

// The distinct trigrams of an already folded literal; none when it is shorter than 3.
std::vector<uint32_t> trigrams_of(std::string_view folded);

// The three bytes of a trigram, the input of its keyed hash.
std::string trigram_bytes(uint32_t gram);

// A case-insensitive search for a literal (ASCII letters match either case).
// Anchored on a byte of the literal that has no case when there is one, so memchr does
// most of the work.
class FoldedNeedle {
 public:
  explicit FoldedNeedle(std::string_view literal);
  // Where the literal first occurs in `haystack`, or nullptr.
  const char* find(std::string_view haystack) const;
  bool empty() const { return needle_.empty(); }
  std::size_t size() const { return needle_.size(); }

 private:
  std::string needle_;
  std::size_t anchor_ = 0;  // index of the byte memchr looks for
  bool anchor_has_case_ = false;
};

}  // namespace hokan::store
