#include "store/folded_text.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace hokan::store {
namespace {

TEST(FoldedText, FoldsAsciiLettersOnly) {
  EXPECT_EQ(fold_ascii("Accepted FOR Root"), "accepted for root");
  EXPECT_EQ(fold_ascii("\xc3\x84-09_[]"), "\xc3\x84-09_[]");
}

TEST(FoldedText, CollectsEachTrigramOnceAcrossCalls) {
  TrigramCollector c;
  c.add("ABab");  // "aba", "bab"
  c.add("xaBa");  // "xab", "aba"
  c.add("zz");    // too short
  auto grams = c.distinct();
  std::vector<uint32_t> expected{0x616261, 0x626162, 0x786162};
  EXPECT_EQ(grams, expected);
  EXPECT_EQ(trigrams_of("abab"), (std::vector<uint32_t>{0x616261, 0x626162}));
  EXPECT_TRUE(trigrams_of("ab").empty());
  EXPECT_EQ(trigram_bytes(0x616263), "abc");
}

// Every trigram of the text, bytes above 0x7f or not, each once, in order, as
// trigrams_of() gives them; at every length, since add() reads eight bytes at a time
// and pads what is left.
TEST(FoldedText, CollectsEveryTrigramOfTextsOfAnyLength) {
  const std::string varied = "Accepted publickey for Yamada from 192.0.2.7 port 50022 ssh2: \xe5\xb1\xb1\x01";
  for (std::size_t length = 0; length <= varied.size(); ++length) {
    TrigramCollector c;
    c.add(std::string_view(varied).substr(0, length));
    EXPECT_EQ(c.distinct(), trigrams_of(fold_ascii(varied.substr(0, length)))) << length;
  }

  std::string text = "Accepted for \xe5\xb1\xb1\xe7\x94\xb0 from 10.0.0.1\x7f\x80\xff\x01Z";
  for (int c = 0; c < 256; ++c) text += {static_cast<char>(c), static_cast<char>(255 - c), 'q'};
  TrigramCollector c;
  c.add(text);
  auto grams = c.distinct();
  EXPECT_EQ(grams, trigrams_of(fold_ascii(text)));
  EXPECT_TRUE(std::is_sorted(grams.begin(), grams.end()));
  EXPECT_TRUE(std::binary_search(grams.begin(), grams.end(), 0xe5b1b1u));
  EXPECT_TRUE(std::binary_search(grams.begin(), grams.end(), 0x7f80ffu));
  EXPECT_TRUE(std::binary_search(grams.begin(), grams.end(), 0x6f6d20u));  // "om "
}

TEST(FoldedText, FindsALiteralInAnyCase) {
  const std::string text = "Nov 9 sshd: Accepted publickey for ROOT.yamada from 10.20.1.1";
  for (const char* literal : {"accepted publickey for ", "root.YAMADA from 10.2", "sshd", "10.20.1.1", "n"}) {
    const char* at = FoldedNeedle(literal).find(text);
    ASSERT_NE(at, nullptr) << literal;
    EXPECT_EQ(fold_ascii(std::string_view(at, std::strlen(literal))), fold_ascii(literal)) << literal;
  }
  EXPECT_EQ(FoldedNeedle("ACCEPTED").find(text), text.data() + 12);
  EXPECT_EQ(FoldedNeedle("yamada from 10.3").find(text), nullptr);
  EXPECT_EQ(FoldedNeedle("1.1x").find(text), nullptr) << "not past the end";
  EXPECT_EQ(FoldedNeedle("a").find(""), nullptr);
  EXPECT_EQ(FoldedNeedle("kk").find("KkK"), std::string_view("KkK").data());
}

TEST(FoldedText, FindsTheFirstOccurrenceWhicheverCaseComesFirst) {
  const std::string text = "xx KEY key Key";
  EXPECT_EQ(FoldedNeedle("key").find(text), text.data() + 3);
  EXPECT_EQ(FoldedNeedle("key").find(std::string_view(text).substr(4)), text.data() + 7);
}

}  // namespace
}  // namespace hokan::store
