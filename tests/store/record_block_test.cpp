#include "store/record_block.h"

#include <gtest/gtest.h>

#include <array>
#include <limits>
#include <string>
#include <vector>

#include "store/varint.h"

namespace hokan::store {
namespace {

using codec::RecordKey;

struct Built {
  RecordKey first;
  std::string value;
};

// Each record received 7 µs after its own time.
Built build(const std::vector<std::pair<RecordKey, std::string>>& records) {
  block::Builder builder;
  for (const auto& [key, bytes] : records) builder.add(key, bytes, key.time_us + 7);
  Built out{builder.first_key(), {}};
  builder.finish(out.value);
  return out;
}

TEST(RecordBlock, RoundTripsKeysAndRecordsInOrder) {
  std::vector<std::pair<RecordKey, std::string>> records{
      {{1000, 50}, "alpha"}, {{1000, 51}, ""}, {{2000, 10}, std::string(300, 'x')}, {{9000, 99}, "omega"}};
  auto built = build(records);
  block::Reader reader;
  ASSERT_TRUE(reader.open(built.first, built.value));
  ASSERT_EQ(reader.size(), records.size());
  for (std::size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(reader.key(i), records[i].first);
    EXPECT_EQ(reader.record(i), records[i].second);
  }
  EXPECT_EQ(reader.last_key(), (RecordKey{9000, 99}));
  EXPECT_EQ(reader.payload(), "alpha" + std::string(300, 'x') + "omega");
}

// Issue 12: the received time moved from each record into a column of the directory,
// as a delta from the record before's.
TEST(RecordBlock, KeepsEachRecordsReceivedTime) {
  block::Builder builder;
  const int64_t far = std::numeric_limits<int64_t>::max();
  builder.add({1000, 1}, "a", 1500);
  builder.add({1001, 2}, "b", 900);  // received before the record before it
  builder.add({1002, 3}, "c", far);  // and times as far apart as they come
  builder.add({1003, 4}, "d", std::numeric_limits<int64_t>::min());
  std::string value;
  builder.finish(value);
  block::Reader reader;
  ASSERT_TRUE(reader.open({1000, 1}, value));
  ASSERT_EQ(reader.size(), 4u);
  EXPECT_EQ(reader.received_us(0), 1500);
  EXPECT_EQ(reader.received_us(1), 900);
  EXPECT_EQ(reader.received_us(2), far);
  EXPECT_EQ(reader.received_us(3), std::numeric_limits<int64_t>::min());
}

TEST(RecordBlock, DecodesARecordWithItsKeyAndReceivedTime) {
  Event e;
  e.host = "web01";
  e.message = "hello";
  e.raw = "<13>1 - web01 - - - - hello";
  std::string record;
  codec::encode_event(e, record);
  block::Builder builder;
  builder.add({5000, 42}, record, 5020);
  std::string value;
  builder.finish(value);
  block::Reader reader;
  ASSERT_TRUE(reader.open({5000, 42}, value));
  Event d;
  ASSERT_TRUE(reader.decode(0, d));
  e.time_us = 5000;
  e.id = 42;
  e.received_us = 5020;
  EXPECT_EQ(d, e);
}

TEST(RecordBlock, FindsTheRecordHoldingAPayloadPosition) {
  auto built = build({{{1, 1}, "aaa"}, {{2, 2}, "bb"}, {{3, 3}, "cccc"}});
  block::Reader reader;
  ASSERT_TRUE(reader.open(built.first, built.value));
  EXPECT_EQ(reader.record_at(0), 0u);
  EXPECT_EQ(reader.record_at(2), 0u);
  EXPECT_EQ(reader.record_at(3), 1u);
  EXPECT_EQ(reader.record_at(5), 2u);
  EXPECT_EQ(reader.record_at(8), 2u);
}

TEST(RecordBlock, LowerBoundFindsTheFirstRecordAtOrAfterAKey) {
  auto built = build({{{10, 1}, "a"}, {{20, 2}, "b"}, {{20, 5}, "c"}, {{30, 3}, "d"}});
  block::Reader reader;
  ASSERT_TRUE(reader.open(built.first, built.value));
  EXPECT_EQ(reader.lower_bound({0, 0}), 0u);
  EXPECT_EQ(reader.lower_bound({20, 0}), 1u);
  EXPECT_EQ(reader.lower_bound({20, 3}), 2u);
  EXPECT_EQ(reader.lower_bound({31, 0}), 4u);
}

TEST(RecordBlock, SurvivesAMoveToACopyWithoutReparsing) {
  auto built = build({{{10, 1}, "first"}, {{20, 2}, "second"}});
  block::Reader reader;
  ASSERT_TRUE(reader.open(built.first, built.value));
  std::string copy = built.value;
  built.value.assign(built.value.size(), '\0');
  reader.rebase(copy);
  EXPECT_EQ(reader.record(1), "second");
}

TEST(RecordBlock, RejectsDamagedValues) {
  auto built = build({{{10, 1}, "first"}, {{20, 2}, "second"}});
  block::Reader reader;
  EXPECT_FALSE(reader.open(built.first, built.value.substr(0, built.value.size() - 1)));
  EXPECT_FALSE(reader.open(built.first, built.value.substr(3)));
  EXPECT_FALSE(reader.open(built.first, ""));
  std::string bad_version = built.value;
  bad_version.back() = 7;
  EXPECT_FALSE(reader.open(built.first, bad_version));
}

// Issue 9: one altered trailer made every query of its day die with std::bad_alloc, the
// reader reserving room for the count it read. The count must fit the directory's bytes.
TEST(RecordBlock, RejectsACountTheDirectoryCannotHold) {
  auto built = build({{{10, 1}, "first"}, {{20, 2}, "second"}});
  block::Reader reader;
  for (uint32_t count : {0xffffffffu, 1u << 28, 3u}) {
    std::string altered = built.value;
    const std::size_t at = altered.size() - 5;  // trailer: offset, count, version
    for (int i = 0; i < 4; ++i) altered[at + i] = static_cast<char>(count >> (8 * i) & 0xff);
    auto opened = reader.open(built.first, altered);
    ASSERT_FALSE(opened) << count;
    EXPECT_EQ(opened.error().code, Errc::corruption);
  }
}

TEST(RecordBlock, RejectsKeyTimesPastTheRangeOfTimes) {
  auto built = build({{{0, 1}, "first"}, {{100, 2}, "second"}});
  block::Reader reader;
  const int64_t last = std::numeric_limits<int64_t>::max() - 100;
  ASSERT_TRUE(reader.open({last, 1}, built.value));
  auto opened = reader.open({last + 1, 1}, built.value);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::corruption);
}

// A version 2 block value written by hand: payload, then per record (time delta, id
// delta, length) as given, without the builder's care. Blocks written before issue 12
// are of this version, and must stay readable.
std::string raw_block(std::string_view payload, const std::vector<std::array<uint64_t, 3>>& entries) {
  std::string value(payload);
  for (const auto& e : entries)
    for (uint64_t v : e) bytes::put_varint(value, v);
  bytes::put_u32_le(value, static_cast<uint32_t>(payload.size()));
  bytes::put_u32_le(value, static_cast<uint32_t>(entries.size()));
  value.push_back(2);
  return value;
}

// Found by the codecs fuzz target: damaged directories that decoded into keys out of
// order (which lower_bound() cannot search), a first key other than the block's, or
// record lengths whose sum wrapped around to the payload's size.
TEST(RecordBlock, RejectsDirectoriesNoBuilderWrites) {
  block::Reader reader;
  const RecordKey first{10, 1};
  ASSERT_TRUE(reader.open(first, raw_block("abc", {{0, 0, 1}, {bytes::zigzag(5), 0, 2}})));
  for (const auto& value :
       {raw_block("abc", {{bytes::zigzag(1), 0, 1}, {0, 2, 2}}),             // first key moved
        raw_block("abc", {{0, 0, 1}, {bytes::zigzag(-5), 2, 2}}),            // time goes back
        raw_block("abc", {{0, 0, 1}, {0, 0, 2}}),                            // same key twice
        raw_block("abc", {{0, 0, 1}, {0, 2, ~uint64_t{0}}, {0, 2, 3}})}) {   // lengths wrap
    auto opened = reader.open(first, value);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().code, Errc::corruption);
  }
  EXPECT_FALSE(reader.open(first, build({{{20, 1}, "a"}, {{10, 2}, "b"}}).value));
}

TEST(RecordBlock, AReaderThatFailedToOpenHoldsNoRecords) {
  auto built = build({{{10, 1}, "first"}, {{20, 2}, "second"}});
  std::string altered = built.value;
  // The last record's length (trailer 9 bytes, two received deltas before it): past the payload.
  altered[altered.size() - 12] = '\x7f';
  block::Reader reader;
  ASSERT_TRUE(reader.open(built.first, built.value));
  EXPECT_FALSE(reader.open(built.first, altered));
  EXPECT_EQ(reader.size(), 0u);
}

}  // namespace
}  // namespace hokan::store
