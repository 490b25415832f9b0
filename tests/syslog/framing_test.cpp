#include "syslog/framing.h"

#include <gtest/gtest.h>

namespace hokan::syslog {
namespace {

std::vector<std::string> frames_of(StreamFramer& f, std::vector<bool>* truncated = nullptr) {
  std::vector<std::string> out;
  while (auto frame = f.next()) {
    out.emplace_back(frame->bytes);
    if (truncated) truncated->push_back(frame->truncated);
  }
  return out;
}

// Feeds `stream` split at `cut` and returns every frame.
std::vector<std::string> split_feed(std::string_view stream, std::size_t cut, std::size_t max = 1024) {
  StreamFramer f(max);
  f.feed(stream.substr(0, cut));
  auto out = frames_of(f);
  f.feed(stream.substr(cut));
  for (auto& s : frames_of(f)) out.push_back(s);
  if (auto last = f.finish()) out.emplace_back(last->bytes);
  return out;
}

TEST(StreamFramer, DetectsOctetCountingAndJoinsFramesSplitAtEveryByte) {
  std::string stream = "11 <13>1 - - x12 <13>1 - - xy";
  std::vector<std::string> want{"<13>1 - - x", "<13>1 - - xy"};
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) EXPECT_EQ(split_feed(stream, cut), want) << cut;
}

TEST(StreamFramer, DetectsLfFramingAndJoinsLinesSplitAtEveryByte) {
  std::string stream = "<13>first line\r\n<13>second\n\n<13>third";
  std::vector<std::string> want{"<13>first line", "<13>second", "<13>third"};
  for (std::size_t cut = 0; cut <= stream.size(); ++cut) EXPECT_EQ(split_feed(stream, cut), want) << cut;
}

TEST(StreamFramer, KeepsNewlinesInsideOctetCountedFrames) {
  StreamFramer f(1024);
  f.feed("9 <13>a\nb\nc");
  EXPECT_EQ(frames_of(f), std::vector<std::string>{"<13>a\nb\nc"});
  EXPECT_EQ(f.mode(), StreamFramer::Mode::octet_counting);
}

TEST(StreamFramer, TruncatesOverlongOctetFramesAndSkipsTheirRest) {
  StreamFramer f(8);
  std::vector<bool> truncated;
  f.feed("20 0123456789");
  auto first = frames_of(f, &truncated);
  f.feed("abcdefghij5 <13>x");
  auto rest = frames_of(f, &truncated);
  ASSERT_EQ(first, std::vector<std::string>{"01234567"});
  ASSERT_EQ(rest, std::vector<std::string>{"<13>x"});
  EXPECT_EQ(truncated, (std::vector<bool>{true, false}));
}

TEST(StreamFramer, TruncatesOverlongLinesWithoutBufferingThem) {
  StreamFramer f(8);
  std::vector<bool> truncated;
  f.feed("<13>aaaaaaaaaaaa");
  auto first = frames_of(f, &truncated);
  for (int i = 0; i < 1000; ++i) f.feed(std::string(1000, 'b'));  // a megabyte of one line
  f.feed("bbb\n<13>ok\n");
  auto rest = frames_of(f, &truncated);
  EXPECT_EQ(first, std::vector<std::string>{"<13>aaaa"});
  EXPECT_EQ(rest, std::vector<std::string>{"<13>ok"});
  EXPECT_EQ(truncated, (std::vector<bool>{true, false}));
}

TEST(StreamFramer, FallsBackToLinesWhenTheCountIsNotACount) {
  StreamFramer f(1024);
  f.feed("123abc not a frame\n<13>next\n");
  auto frame = f.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->bytes, "123abc not a frame");
  EXPECT_TRUE(frame->bad_framing);
  EXPECT_EQ(f.next()->bytes, "<13>next");
}

TEST(StreamFramer, ReturnsAnUnterminatedLastLineAtTheEnd) {
  StreamFramer f(1024);
  f.feed("<13>no newline");
  EXPECT_FALSE(f.next());
  auto last = f.finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->bytes, "<13>no newline");
}

}  // namespace
}  // namespace hokan::syslog
