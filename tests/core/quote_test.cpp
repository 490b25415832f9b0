#include "core/quote.h"

#include <gtest/gtest.h>

namespace hokan::core {
namespace {

TEST(Quoted, WrapsPlainTextInDoubleQuotes) {
  EXPECT_EQ(core::quoted("web01"), "\"web01\"");
  EXPECT_EQ(core::quoted(""), "\"\"");
}

TEST(Quoted, EscapesQuotesBackslashesAndControlBytes) {
  EXPECT_EQ(core::quoted("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(core::quoted("1.2.3.4\n"), R"("1.2.3.4\n")");
  EXPECT_EQ(core::quoted(std::string("\r\t\0\x1b\x7f", 5)), R"("\r\t\x00\x1b\x7f")");
}

TEST(Quoted, KeepsUtf8AndEscapesBytesThatAreNot) {
  EXPECT_EQ(core::quoted("営業部"), "\"営業部\"");
  EXPECT_EQ(core::quoted("REQ-\xff"), R"("REQ-\xff")");
  EXPECT_EQ(core::quoted("\xe5\x96"), R"("\xe5\x96")");  // a character cut short
}

TEST(Quoted, CutsLongValuesAtACharacterBoundary) {
  EXPECT_EQ(core::quoted(std::string(100, 'a'), 8), "\"aaaaaaaa\"...");
  EXPECT_EQ(core::quoted("ab営業", 4), "\"ab\"...");  // 営 would end at byte 5
  EXPECT_EQ(core::quoted("abcd", 4), "\"abcd\"");
}

TEST(Quoted, NeverYieldsALineBreakOrInvalidUtf8) {
  std::string every;
  for (int c = 0; c < 256; ++c) every += static_cast<char>(c);
  const std::string q = core::quoted(every, 1000);
  EXPECT_EQ(q.find('\n'), std::string::npos);
  EXPECT_EQ(q.find('\r'), std::string::npos);
  for (unsigned char c : q) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << int(c);
}

}  // namespace
}  // namespace hokan::core
