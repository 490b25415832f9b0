// Issue 12: a bucket's index is written in sorted runs (index_run.h). Lookups read the
// runs and the hits still in memory, and a crash, which loses the latter, loses no record
// to a lookup.
#include <gtest/gtest.h>
#include <rocksdb/db.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>

#include "store/index_run.h"
#include "store/store.h"

namespace hokan::store {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kNov20 = 1763596800;  // 2025-11-20T00:00:00Z

class IndexRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hokan-index-run-" + std::to_string(std::random_device{}()));
    fs::remove_all(dir_);
  }
  void TearDown() override {
    fs::remove_all(dir_);
    fs::remove_all(copy_);
  }

  std::unique_ptr<Store> open(const fs::path& dir, std::size_t run_hits) {
    StoreOptions options{dir.string(), core::TimeZone::utc(), SyncMode::always};
    options.index_run_hits = run_hits;
    auto s = Store::open(options);
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  // Batch `b` of ten records: users u0..u6 and addresses 10.0.0.0..10.0.0.12 in turn.
  static std::vector<Event> batch(int b) {
    std::vector<Event> events;
    for (int i = 0; i < 10; ++i) {
      int n = b * 10 + i;
      Event e;
      e.time_us = (kNov20 + n) * 1'000'000;
      e.received_us = e.time_us;
      e.category = "access";
      e.host = "web" + std::to_string(n % 3);
      e.app = "sshd";
      e.fields.user = "u" + std::to_string(n % 7);
      e.fields.src_ip = "10.0.0." + std::to_string(n % 13);
      e.message = "Accepted publickey for " + e.fields.user + " from " + e.fields.src_ip + " n=" + std::to_string(n);
      events.push_back(std::move(e));
    }
    return events;
  }

  // The messages a lookup finds, and the ones it should (every record, filtered here).
  static std::pair<std::vector<std::string>, std::vector<std::string>> found_and_expected(const Store& store,
                                                                                          ScanQuery q) {
    std::vector<std::string> found, expected;
    EXPECT_TRUE(store.scan(q, [&](Event& e) {
      found.push_back(e.message);
      return true;
    }));
    ScanQuery all;
    EXPECT_TRUE(store.scan(all, [&](Event& e) {
      bool user = q.users.empty() || std::find(q.users.begin(), q.users.end(), e.fields.user) != q.users.end();
      bool ip = q.ips.empty() || std::find(q.ips.begin(), q.ips.end(), e.fields.src_ip) != q.ips.end();
      bool host = q.hosts.empty() || std::find(q.hosts.begin(), q.hosts.end(), e.host) != q.hosts.end();
      if (user && ip && host) expected.push_back(e.message);
      return true;
    }));
    return {found, expected};
  }

  void expect_lookups_complete(const Store& store, std::size_t records) {
    ScanQuery all;
    std::size_t n = 0;
    ASSERT_TRUE(store.scan(all, [&](Event&) { return ++n, true; }));
    ASSERT_EQ(n, records);
    for (auto q : {ScanQuery{.users = {"u3"}}, ScanQuery{.ips = {"10.0.0.5"}}, ScanQuery{.hosts = {"web1"}},
                   ScanQuery{.users = {"u1", "u6"}, .ips = {"10.0.0.2"}}}) {
      auto [found, expected] = found_and_expected(store, q);
      EXPECT_FALSE(expected.empty());
      EXPECT_EQ(found, expected);
    }
  }

  fs::path dir_, copy_;
};

TEST_F(IndexRunTest, LookupsReadEveryRunAndTheHitsStillInMemory) {
  // 40 hits a run: a run every write or so, then 25 records only in memory.
  auto store = open(dir_, 40);
  for (int b = 0; b < 30; ++b) {
    auto events = batch(b);
    ASSERT_TRUE(store->write(events));
  }
  std::vector<Event> tail;
  for (auto& e : batch(30)) tail.push_back(std::move(e));
  tail.resize(5);
  ASSERT_TRUE(store->write(tail));
  expect_lookups_complete(*store, 305);
  store.reset();  // the hits in memory become a run as the bucket closes
  store = open(dir_, 40);
  expect_lookups_complete(*store, 305);
}

TEST_F(IndexRunTest, ACrashLosesNoRecordToALookup) {
  auto store = open(dir_, 1 << 20);  // nothing written as a run before the "crash"
  for (int b = 0; b < 20; ++b) {
    auto events = batch(b);
    ASSERT_TRUE(store->write(events));
  }
  // What the disk holds at this moment (sync = always) is what a crash would leave: no
  // run, no summary.
  copy_ = dir_.string() + "-crashed";
  fs::remove_all(copy_);
  fs::copy(dir_, copy_, fs::copy_options::recursive);
  store.reset();
  auto recovered = open(copy_, 1 << 20);
  expect_lookups_complete(*recovered, 200);
  // And once more, after the rebuilt bucket closed cleanly.
  recovered.reset();
  recovered = open(copy_, 1 << 20);
  expect_lookups_complete(*recovered, 200);
}

// Back-filling many days at once: past the memory budget for held hits (four runs'
// worth), buckets cut their runs early; every lookup still finds every record.
TEST_F(IndexRunTest, ManyDaysWrittenAtOnceCutRunsEarlyAndLoseNothing) {
  // 40 hits a write, 200 a run: twelve days hold 480, the second round passes the budget
  // of 800 and each day's next write cuts its run at 80.
  auto store = open(dir_, 200);
  for (int round = 0; round < 3; ++round)
    for (int day = 0; day < 12; ++day) {
      auto events = batch(round * 12 + day);
      for (auto& e : events) e.time_us += int64_t{day} * 86400 * 1'000'000;
      ASSERT_TRUE(store->write(events));
    }
  expect_lookups_complete(*store, 360);
  store.reset();
  store = open(dir_, 200);
  expect_lookups_complete(*store, 360);
}

// A run sorts its hits by field and hash with a radix sort that keeps them in the order
// they were added (index_run.cpp): each value's hits must come back in block and
// ordinal order, every one of them, in runs large enough to take that path.
TEST(RunBuilderTest, ALargeRunGivesEachValueItsHitsInBlockOrder) {
  const auto dir = fs::temp_directory_path() / ("hokan-run-sort-" + std::to_string(std::random_device{}()));
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(rocksdb::DB::Open(options, dir.string(), &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  detail::RunBuilder run;
  constexpr uint32_t kBlocks = 600, kPerBlock = 20;
  // Values by hash: a few in every block, many in a few blocks each; hashes spread over
  // every 16-bit digit, and equal low digits for different values.
  auto hash_of = [](uint32_t v) { return (uint64_t{v} * 0x9e3779b97f4a7c15ULL) | 0xffff; };
  std::map<std::pair<char, uint64_t>, std::vector<codec::PostingHit>> want;
  for (uint32_t b = 0; b < kBlocks; ++b) {
    codec::RecordKey key{int64_t{1000} * b, b};
    run.add_block(key);
    for (uint32_t o = 0; o < kPerBlock; ++o) {
      const uint64_t host = hash_of(o % 3), user = hash_of(100 + (b * kPerBlock + o) % 997);
      run.add(codec::IndexField::host, host, o);
      run.add(codec::IndexField::user, user, o);
      want[{'h', host}].push_back({key, o});
      want[{'u', user}].push_back({key, o});
    }
  }
  ASSERT_GE(run.hits(), 4096u);
  rocksdb::WriteBatch batch;
  run.put_into(batch, db->DefaultColumnFamily(), 0);
  ASSERT_TRUE(db->Write({}, &batch).ok());
  for (const auto& [value, hits] : want) {
    std::vector<codec::PostingHit> found;
    ASSERT_TRUE(detail::find_in_runs(*db, db->DefaultColumnFamily(), 1, static_cast<codec::IndexField>(value.first),
                                     value.second, found));
    ASSERT_EQ(found, hits) << value.first << " " << value.second;
  }
  db.reset();
  fs::remove_all(dir);
}

// What a damaged run's values give is an error, never a read past them.
TEST(IndexRunDecoders, FindHitsAndRefuseTruncatedValues) {
  // Hash 1000: ordinal 3 of block 0 and 7 of block 1; hash 1500: ordinal 0 of block 4.
  const std::string chunk("\x00\x02\x00\x03\x01\x07\xf4\x03\x01\x04\x00", 11);
  std::vector<std::pair<uint64_t, uint32_t>> hits;
  ASSERT_TRUE(detail::find_in_chunk(chunk, 1000, 1500, hits));
  EXPECT_EQ(hits, (std::vector<std::pair<uint64_t, uint32_t>>{{4, 0}}));
  hits.clear();
  ASSERT_TRUE(detail::find_in_chunk(chunk, 1000, 1000, hits));
  EXPECT_EQ(hits, (std::vector<std::pair<uint64_t, uint32_t>>{{0, 3}, {1, 7}}));
  hits.clear();
  ASSERT_TRUE(detail::find_in_chunk(chunk, 1000, 1200, hits));
  EXPECT_TRUE(hits.empty());
  for (std::size_t n = 1; n < chunk.size(); ++n) {
    hits.clear();
    auto r = detail::find_in_chunk(std::string_view(chunk).substr(0, n), 1000, 1500, hits);
    EXPECT_TRUE(!r || hits.empty()) << n;
  }
  EXPECT_FALSE(detail::decode_block_table(std::string("\x05\x02\x02", 3))) << "five blocks in three bytes";
  auto two = detail::decode_block_table(std::string("\x02\x02\x04\x02\x02", 5));
  ASSERT_TRUE(two);
  EXPECT_EQ(*two, (std::vector<codec::RecordKey>{{1, 2}, {2, 3}}));
}

}  // namespace
}  // namespace hokan::store
