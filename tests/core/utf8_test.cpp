#include "core/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace hokan::core {
namespace {

TEST(Utf8Test, AcceptsAsciiAndEveryWellFormedLength) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("\xc3\xa9"));          // U+00E9
  EXPECT_TRUE(valid_utf8("\xe4\xbf\x9d\xe7\xae\xa1"));  // 保管
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x93\xb9"));  // U+1F4F9
  EXPECT_TRUE(valid_utf8("\xed\x9f\xbf"));      // U+D7FF, just below the surrogates
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));  // U+10FFFF, the last code point
}

TEST(Utf8Test, RefusesSurrogatesOverlongFormsAndOutOfRange) {
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));      // U+D800, a surrogate
  EXPECT_FALSE(valid_utf8("\xed\xbf\xbf"));      // U+DFFF
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xc1\xbf"));
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));      // overlong, three bytes
  EXPECT_FALSE(valid_utf8("\xf0\x80\x80\xaf"));  // overlong, four bytes
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(valid_utf8("\xf5\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\x80"));              // a lone continuation byte
}

TEST(Utf8Test, RefusesCutOffSequencesAndNamesWhere) {
  EXPECT_FALSE(valid_utf8("REQ-\xff"));
  EXPECT_EQ(first_invalid_utf8("REQ-\xff"), 4u);
  EXPECT_EQ(first_invalid_utf8("ab\xe4\xbf"), 2u);  // cut off at the end
  EXPECT_EQ(first_invalid_utf8(std::string("a\0b", 3)), 3u);  // NUL is valid UTF-8
}

// The ingest path skips per-field checks for a frame all_ascii() passes: a byte above
// 0x7f anywhere, in the eight-byte words or the tail after them, must fail it.
TEST(Utf8Test, AllAsciiFindsAHighByteAnywhere) {
  EXPECT_TRUE(all_ascii(""));
  EXPECT_TRUE(all_ascii(std::string("sshd[1]: Accepted \x7f\0 for root", 32)));
  const std::string line = "<38>1 2026-12-01T00:00:00Z host sshd - - - Accepted for root";
  EXPECT_TRUE(all_ascii(line));
  for (std::size_t i = 0; i < line.size(); ++i) {
    std::string bad = line;
    bad[i] = '\x80';
    EXPECT_FALSE(all_ascii(bad)) << i;
    EXPECT_FALSE(all_ascii(std::string_view(bad).substr(i))) << i;
  }
}

}  // namespace
}  // namespace hokan::core
