#include "syslog/framing.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hokan::syslog {
namespace {

// A frame as a test sees it: its bytes copied out, with its flags.
struct Seen {
  std::string bytes;
  bool truncated = false;
  bool bad_framing = false;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Seen& s) {
  return out << '"' << s.bytes << '"' << (s.truncated ? " truncated" : "")
             << (s.bad_framing ? " bad_framing" : "");
}

Seen seen(const Frame& f) { return {std::string(f.bytes), f.truncated, f.bad_framing}; }

void drain(StreamFramer& f, std::vector<Seen>& out) {
  while (auto frame = f.next()) out.push_back(seen(*frame));
}

// Feeds `stream` cut at the given points and returns every frame, finish() included.
std::vector<Seen> feed_in_pieces(std::string_view stream, std::vector<std::size_t> cuts,
                                 std::size_t max = 1024) {
  StreamFramer f(max);
  std::vector<Seen> out;
  std::size_t from = 0;
  cuts.push_back(stream.size());
  for (std::size_t cut : cuts) {
    f.feed(stream.substr(from, cut - from));
    drain(f, out);
    from = cut;
  }
  if (auto last = f.finish()) out.push_back(seen(*last));
  return out;
}

// Every way of cutting the stream once and twice gives the same frames.
void expect_same_frames_at_every_split(std::string_view stream, const std::vector<Seen>& want,
                                       std::size_t max = 1024) {
  for (std::size_t a = 0; a <= stream.size(); ++a) {
    EXPECT_EQ(feed_in_pieces(stream, {a}, max), want) << "cut at " << a;
    for (std::size_t b = a; b <= stream.size(); ++b)
      ASSERT_EQ(feed_in_pieces(stream, {a, b}, max), want) << "cut at " << a << " and " << b;
  }
  std::vector<std::size_t> every_byte;
  for (std::size_t i = 1; i < stream.size(); ++i) every_byte.push_back(i);
  EXPECT_EQ(feed_in_pieces(stream, every_byte, max), want) << "one byte at a time";
}

TEST(StreamFramer, DetectsOctetCountingAndJoinsFramesSplitAtEveryByte) {
  std::string stream =
      "11 <13>1 - - x"
      "68 <165>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - hi"
      "12 <13>1 - - xy";
  expect_same_frames_at_every_split(
      stream, {{"<13>1 - - x"},
               {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - hi"},
               {"<13>1 - - xy"}});
}

TEST(StreamFramer, DetectsLfFramingAndJoinsLinesSplitAtEveryByte) {
  std::string stream = "<13>first line\r\n<13>second\n\n\r\n<13>third";
  expect_same_frames_at_every_split(stream, {{"<13>first line"}, {"<13>second"}, {"<13>third"}});
}

TEST(StreamFramer, TruncatesAndSkipsTheSameWayAtEverySplit) {
  expect_same_frames_at_every_split("20 0123456789abcdefghij5 <13>x3 abc",
                                    {{"01234567", true}, {"<13>x"}, {"abc"}}, 8);
  expect_same_frames_at_every_split("<13>aaaaaaaaaaaa\n<13>ok\n<13>bbbbbbbbbb",
                                    {{"<13>aaaa", true}, {"<13>ok"}, {"<13>bbbb", true}}, 8);
}

// Found by the framing fuzz target: a line of exactly max bytes came out flagged truncated
// when a read ended between its CR and LF, and whole otherwise.
TEST(StreamFramer, DoesNotTruncateALineOfMaxBytesWhoseCrlfIsSplit) {
  expect_same_frames_at_every_split("<13>abcd\r\n<13>efgh\r\n<13>ijklm\r\n",
                                    {{"<13>abcd"}, {"<13>efgh"}, {"<13>ijkl", true}}, 8);
  expect_same_frames_at_every_split("<13>abcd\r\r\n", {{"<13>abcd", true}}, 8);
}

TEST(StreamFramer, KeepsNewlinesInsideOctetCountedFrames) {
  StreamFramer f(1024);
  f.feed("9 <13>a\nb\nc");
  std::vector<Seen> out;
  drain(f, out);
  EXPECT_EQ(out, std::vector<Seen>{{"<13>a\nb\nc"}});
  EXPECT_EQ(f.mode(), StreamFramer::Mode::octet_counting);
}

TEST(StreamFramer, ToleratesALineEndAfterEachOctetCountedFrame) {
  EXPECT_EQ(feed_in_pieces("5 <13>a\n5 <13>b\r\n", {}), (std::vector<Seen>{{"<13>a"}, {"<13>b"}}));
}

TEST(StreamFramer, DecidesTheModeFromTheFirstByteOnly) {
  StreamFramer f(1024);
  EXPECT_EQ(f.mode(), StreamFramer::Mode::undecided);
  f.feed("<13>a line that mentions 12 octets\n");
  EXPECT_TRUE(f.next());
  EXPECT_EQ(f.mode(), StreamFramer::Mode::lf);
}

TEST(StreamFramer, TruncatesOverlongOctetFramesAndSkipsTheirRest) {
  StreamFramer f(8);
  std::vector<Seen> out;
  f.feed("20 0123456789");
  drain(f, out);
  f.feed("abcdefghij5 <13>x");
  drain(f, out);
  EXPECT_EQ(out, (std::vector<Seen>{{"01234567", true}, {"<13>x"}}));
}

TEST(StreamFramer, SkipsAGigabyteFrameWithoutBufferingIt) {
  StreamFramer f(1024);
  std::vector<Seen> out;
  f.feed("999999999 ");
  const std::string chunk(64 * 1024, 'z');
  std::size_t sent = 0;
  for (; sent + chunk.size() <= 999'999'999; sent += chunk.size()) {
    f.feed(chunk);
    drain(f, out);
    ASSERT_LE(f.buffered_bytes(), 2 * 1024 + chunk.size());
  }
  f.feed(std::string(999'999'999 - sent, 'z') + "4 <1>x");
  drain(f, out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], (Seen{std::string(1024, 'z'), true}));
  EXPECT_EQ(out[1], (Seen{"<1>x"}));
}

TEST(StreamFramer, TruncatesOverlongLinesWithoutBufferingThem) {
  StreamFramer f(8);
  std::vector<Seen> out;
  f.feed("<13>aaaaaaaaaaaa");
  drain(f, out);
  for (int i = 0; i < 1000; ++i) {  // a megabyte of one line
    f.feed(std::string(1000, 'b'));
    drain(f, out);
    ASSERT_LE(f.buffered_bytes(), 1000u);
  }
  f.feed("bbb\n<13>ok\n");
  drain(f, out);
  EXPECT_EQ(out, (std::vector<Seen>{{"<13>aaaa", true}, {"<13>ok"}}));
}

TEST(StreamFramer, TruncatesALongLineThatArrivesWhole) {
  EXPECT_EQ(feed_in_pieces("<13>0123456789\n<13>ok\n", {}, 8),
            (std::vector<Seen>{{"<13>0123", true}, {"<13>ok"}}));
}

TEST(StreamFramer, FallsBackToLinesWhenTheCountIsNotACount) {
  StreamFramer f(1024);
  f.feed("123abc not a frame\n<13>next\n");
  auto frame = f.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(frame->bytes, "123abc not a frame");
  EXPECT_TRUE(frame->bad_framing);
  auto second = f.next();
  ASSERT_TRUE(second);
  EXPECT_EQ(second->bytes, "<13>next");
  EXPECT_FALSE(second->bad_framing);
  EXPECT_EQ(f.mode(), StreamFramer::Mode::lf);
}

TEST(StreamFramer, FlagsTheFallbackFrameEvenWhenItsLineEndComesLater) {
  expect_same_frames_at_every_split("5 <13>a12x4 junk\n<13>b\n",
                                    {{"<13>a"}, {"12x4 junk", false, true}, {"<13>b"}});
}

TEST(StreamFramer, TakesCountsWithALeadingZeroOrTooManyDigitsAsBadFraming) {
  EXPECT_EQ(feed_in_pieces("05 <13>a\n", {}), (std::vector<Seen>{{"05 <13>a", false, true}}));
  EXPECT_EQ(feed_in_pieces("1234567890 <13>a\n", {}),
            (std::vector<Seen>{{"1234567890 <13>a", false, true}}));
}

TEST(StreamFramer, ReturnsAnUnterminatedLastLineAtTheEnd) {
  StreamFramer f(1024);
  f.feed("<13>no newline\r");
  EXPECT_FALSE(f.next());
  auto last = f.finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->bytes, "<13>no newline");
  EXPECT_FALSE(last->truncated);
  EXPECT_FALSE(last->bad_framing);
}

TEST(StreamFramer, ReturnsWhatArrivedOfAnOctetFrameCutOffByTheEnd) {
  StreamFramer f(1024);
  f.feed("30 <13>1 - h a - - - cut");
  EXPECT_FALSE(f.next());
  auto last = f.finish();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->bytes, "<13>1 - h a - - - cut");
  EXPECT_TRUE(last->truncated);
}

TEST(StreamFramer, ReturnsNothingAtTheEndOfACleanStream) {
  StreamFramer f(1024);
  EXPECT_FALSE(f.finish());
  StreamFramer lines(1024);
  lines.feed("<13>a\n\n");
  EXPECT_TRUE(lines.next());
  EXPECT_FALSE(lines.next());
  EXPECT_FALSE(lines.finish());
}

TEST(StreamFramer, KeepsEveryFrameOfOneReadValidUntilTheNextFeed) {
  StreamFramer f(1024);
  f.feed("<13>one\n<13>two\n<13>three\n");
  std::vector<std::string_view> views;
  while (auto frame = f.next()) views.push_back(frame->bytes);
  EXPECT_EQ(views, (std::vector<std::string_view>{"<13>one", "<13>two", "<13>three"}));
}

TEST(StreamFramer, StaysSmallWhileManyFramesTrickleInAByteAtATime) {
  StreamFramer f(1024);
  std::string stream;
  for (int i = 0; i < 2000; ++i)
    stream += "<13>1 - host app - - - message number " + std::to_string(i) + "\n";
  std::size_t frames = 0;
  std::size_t largest = 0;
  for (char c : stream) {
    f.feed(std::string_view(&c, 1));
    while (f.next()) ++frames;
    largest = std::max(largest, f.buffered_bytes());
  }
  EXPECT_EQ(frames, 2000u);
  EXPECT_LE(largest, 2 * 64u);  // about one line: consumed bytes do not pile up
}

}  // namespace
}  // namespace hokan::syslog
