// A year of day buckets: lookups open only the buckets whose summaries may match,
// destroyed buckets and erased values leave no summary behind, and queries add no files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>

#include "core/sha256.h"
#include "store/store.h"
#include "store/summary.h"

namespace hokan::store {
namespace {
namespace fs = std::filesystem;

constexpr int64_t kDay = 86400;
constexpr int64_t kJan1 = 1735689600;  // 2025-01-01T00:00:00Z
constexpr int kDays = 365;
constexpr int kPerDay = 12;
const std::set<int> kRareUserDays{10, 200, 350};
const std::set<int> kRareIpDays{5, 300};

// The year is written once (365 bucket creations and flushes take seconds) into a
// template state directory, closed, and copied for each test.
class YearTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    year_ = fs::temp_directory_path() / ("hokan-year-" + std::to_string(std::random_device{}()));
    fs::remove_all(year_);
    // Unsynced: this only sets the scene; the tests reopen it with the default sync.
    auto opened = Store::open({year_.string(), core::TimeZone::utc(), SyncMode::none});
    ASSERT_TRUE(opened);
    auto& store = *opened;
    write_year(*store);
  }
  static void TearDownTestSuite() { fs::remove_all(year_); }
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hokan-year-test-" + std::to_string(std::random_device{}()));
    fs::remove_all(dir_);
    fs::copy(year_, dir_, fs::copy_options::recursive);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::unique_ptr<Store> open_at(const fs::path& dir) {
    auto s = Store::open({dir.string(), core::TimeZone::utc(), SyncMode::batch});
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }
  std::unique_ptr<Store> open() { return open_at(dir_); }

  // A year of "access" days: common users and addresses every day, a rare user on three
  // days and a rare address on two.
  static void write_year(Store& store) {
    std::vector<Event> batch;
    for (int d = 0; d < kDays; ++d) {
      for (int i = 0; i < kPerDay; ++i) {
        Event e;
        e.time_us = (kJan1 + d * kDay + i * 60) * 1'000'000;
        e.received_us = e.time_us;
        e.category = "access";
        e.host = "web" + std::to_string(i % 4);
        e.app = "sshd";
        e.fields.user = "user" + std::to_string((d * kPerDay + i) % 40);
        e.fields.src_ip = "10.0." + std::to_string(d % 250) + "." + std::to_string(i);
        if (i == 0 && kRareUserDays.contains(d)) e.fields.user = "rare-alice";
        if (i == 1 && kRareIpDays.contains(d)) e.fields.src_ip = "203.0.113.77";
        e.message = "Accepted publickey for " + e.fields.user + " from " + e.fields.src_ip;
        batch.push_back(std::move(e));
      }
    }
    ASSERT_TRUE(store.write(batch));
  }

  struct Found {
    uint64_t records = 0, buckets_scanned = 0, opens = 0;
  };
  static Found lookup(const Store& store, const ScanQuery& q) {
    Found f;
    uint64_t before = store.counters().bucket_opens.load();
    auto stats = store.scan(q, [&](Event&) {
      ++f.records;
      return true;
    });
    EXPECT_TRUE(stats) << (stats ? "" : stats.error().message);
    if (stats) f.buckets_scanned = stats->buckets;
    f.opens = store.counters().bucket_opens.load() - before;
    return f;
  }

  // Every file under the state directory, with its size (WAL, OPTIONS, LOG, SST...).
  std::map<std::string, uintmax_t> files() const {
    std::map<std::string, uintmax_t> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir_))
      if (entry.is_regular_file()) out[fs::relative(entry.path(), dir_).string()] = entry.file_size();
    return out;
  }

  static inline fs::path year_;
  fs::path dir_;
};

TEST_F(YearTest, AYearWideLookupOpensOnlyTheBucketsWhoseSummariesMatch) {
  // The suite's store was closed after writing: closing flushes and summarises every
  // bucket written to.
  std::size_t summaries = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "buckets"))
    if (entry.path().filename() == "summary") ++summaries;
  EXPECT_EQ(summaries, static_cast<std::size_t>(kDays));

  auto store = open();
  auto rare = lookup(*store, {.users = {"rare-alice"}});
  EXPECT_EQ(rare.records, kRareUserDays.size());
  EXPECT_EQ(rare.opens, kRareUserDays.size()) << "the first lookup after a restart";
  EXPECT_EQ(rare.buckets_scanned, kRareUserDays.size());

  auto ip = lookup(*store, {.ips = {"203.0.113.77"}});
  EXPECT_EQ(ip.records, kRareIpDays.size());
  EXPECT_LE(ip.opens, kRareIpDays.size());

  auto absent = lookup(*store, {.users = {"nobody-at-all"}});
  EXPECT_EQ(absent.records, 0u);
  EXPECT_EQ(absent.buckets_scanned, 0u);

  // AND across fields: a bucket must be able to hold both values.
  auto both = lookup(*store, {.users = {"rare-alice"}, .ips = {"203.0.113.77"}});
  EXPECT_EQ(both.records, 0u);
  EXPECT_EQ(both.buckets_scanned, 0u);

  // A time range narrows further; a common user still finds every day.
  auto june = lookup(*store, {.since_us = (kJan1 + 150 * kDay) * 1'000'000,
                              .until_us = (kJan1 + 250 * kDay) * 1'000'000,
                              .users = {"rare-alice"}});
  EXPECT_EQ(june.records, 1u);
  EXPECT_EQ(june.buckets_scanned, 1u);
  EXPECT_GT(lookup(*store, {.users = {"user7"}}).records, static_cast<uint64_t>(kDays * kPerDay / 40 - 5));
}

TEST_F(YearTest, BucketsWithoutASummaryAreOpenedTidiedAndSummarisedOnce) {
  // What a bucket written before summaries existed looks like: no summary, an info LOG.
  int stripped = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "buckets")) {
    if (entry.path().filename() != "summary") continue;
    std::ofstream(entry.path().parent_path() / "LOG") << "old info log naming keys\n";
    std::ofstream(entry.path().parent_path() / "LOG.old.1700000000000000") << "older\n";
    fs::remove(entry.path());
    ++stripped;
  }
  ASSERT_EQ(stripped, kDays);
  {
    auto store = open();
    auto first = lookup(*store, {.users = {"rare-alice"}});
    EXPECT_EQ(first.records, kRareUserDays.size()) << "a bucket without a summary is searched";
    EXPECT_EQ(first.opens, static_cast<uint64_t>(kDays));
    auto second = lookup(*store, {.users = {"rare-alice"}});
    EXPECT_EQ(second.records, kRareUserDays.size());
    EXPECT_EQ(second.buckets_scanned, kRareUserDays.size()) << "tidied buckets are summarised";
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "buckets")) {
    auto name = entry.path().filename().string();
    EXPECT_FALSE(name == "LOG" || name.starts_with("LOG.old.")) << entry.path();
  }
  auto store = open();
  EXPECT_EQ(lookup(*store, {.users = {"rare-alice"}}).opens, kRareUserDays.size());
}

TEST_F(YearTest, AYearWideTextSearchOpensOnlyTheBucketsThatMayHoldTheText) {
  auto store = open();
  auto grep = lookup(*store, {.prefilter = "for rare-alice from"});
  EXPECT_EQ(grep.records, kRareUserDays.size());
  EXPECT_EQ(grep.buckets_scanned, kRareUserDays.size()) << "the summaries' trigrams rule out the other days";
  // A regex's required literals come folded (RE2's prefilter); any case matches.
  auto folded = lookup(*store, {.required_text = {"publickey for rare-alice", "ACCEPTED"}});
  EXPECT_EQ(folded.records, kRareUserDays.size());
  EXPECT_EQ(folded.buckets_scanned, kRareUserDays.size());
  // A literal is found wherever it starts in the line, and still rules the other days out.
  for (const char* shifted : {"rare-alice", "are-alice", "re-alice", "e-alice"}) {
    auto part = lookup(*store, {.prefilter = shifted});
    EXPECT_EQ(part.records, kRareUserDays.size()) << shifted;
    EXPECT_EQ(part.buckets_scanned, kRareUserDays.size()) << shifted;
  }
  EXPECT_EQ(lookup(*store, {.prefilter = "no such text anywhere"}).buckets_scanned, 0u);
  EXPECT_EQ(lookup(*store, {.prefilter = "rare-alice", .required_text = {"from 10.0.99."}}).records, 0u)
      << "every literal must be in the same record";
  // A literal outside ASCII cannot be folded the way RE2 folds it: it rules nothing out.
  EXPECT_EQ(lookup(*store, {.required_text = {"r\xc3\xa4re"}}).buckets_scanned, static_cast<uint64_t>(kDays));
  // Short literals have no trigram to look for; every day holds "for" anyway.
  EXPECT_EQ(lookup(*store, {.prefilter = "rare-alice", .required_text = {"fo"}}).records, kRareUserDays.size());
}

TEST_F(YearTest, ATextSearchReportsEachDayItPassesWithoutAMatch) {
  auto store = open();
  std::vector<int64_t> reached;
  uint64_t skipped = 0;
  auto stats = store->scan({.prefilter = "Accepted publickey for rare-alice"}, [](Event&) { return true; },
                           [&](const ScanStats& so_far, int64_t at) {
                             reached.push_back(at);
                             skipped = so_far.skipped;
                           });
  ASSERT_TRUE(stats);
  ASSERT_EQ(reached.size(), kRareUserDays.size()) << "one report a day the scan went through";
  EXPECT_EQ(reached.back(), (kJan1 + (*kRareUserDays.rbegin() + 1) * kDay) * 1'000'000) << "the next day's start";
  EXPECT_TRUE(std::is_sorted(reached.begin(), reached.end()));
  EXPECT_EQ(skipped, stats->skipped);
}

TEST_F(YearTest, RepeatedYearWideQueriesAddNoFiles) {
  auto store = open();
  (void)lookup(*store, {});
  const auto before = files();
  for (int i = 0; i < 5; ++i) {  // bench/year does 20 rounds on a bigger year
    (void)lookup(*store, {.users = {"rare-alice"}});
    (void)lookup(*store, {.ips = {"203.0.113.77"}});
    (void)lookup(*store, {.users = {"user" + std::to_string(i)}, .reverse = true});
    (void)lookup(*store, {.prefilter = "from 10.0.7."});
  }
  EXPECT_EQ(files(), before) << "no WAL, OPTIONS or LOG file appears, and no file grows";
  store.reset();
  store = open();
  (void)lookup(*store, {});
  EXPECT_EQ(files(), before) << "nor across a restart";
}

TEST_F(YearTest, ADroppedBucketsSummaryIsGoneFromDiskAndFromMemory) {
  auto store = open();
  ASSERT_EQ(lookup(*store, {.users = {"rare-alice"}}).records, kRareUserDays.size());
  std::optional<BucketInfo> day200;
  for (const auto& b : store->buckets())
    if (b.month == 7 && b.day == 20) day200 = b;  // day 200 of 2025
  ASSERT_TRUE(day200);
  ASSERT_TRUE(fs::exists(fs::path(day200->path) / "summary"));
  ASSERT_TRUE(store->drop_bucket(*day200, "{}"));
  EXPECT_FALSE(fs::exists(day200->path));

  auto after = lookup(*store, {.users = {"rare-alice"}});
  EXPECT_EQ(after.records, kRareUserDays.size() - 1);
  EXPECT_EQ(after.buckets_scanned, kRareUserDays.size() - 1) << "no summary of the dropped day is left in memory";
  store.reset();
  for (const auto& entry : fs::recursive_directory_iterator(dir_))
    EXPECT_EQ(entry.path().string().find("2025-07-20"), std::string::npos) << entry.path();
}

TEST_F(YearTest, AnErasedValueLeavesItsBucketsSummary) {
  auto store = open();
  std::optional<BucketInfo> day10;
  for (const auto& b : store->buckets())
    if (b.month == 1 && b.day == 11) day10 = b;  // day 10 of 2025
  ASSERT_TRUE(day10);
  const auto summary_path = fs::path(day10->path) / "summary";
  std::string before_erasure;
  {
    std::ifstream in(summary_path, std::ios::binary);
    before_erasure.assign(std::istreambuf_iterator<char>(in), {});
  }
  // Erase every user of the day but one, the rare one included.
  auto rewritten = store->rewrite_bucket(
      *day10, [](const Event& e) { return e.fields.user == "user1"; },
      [](const RewriteStats&) { return std::string("{}"); });
  ASSERT_TRUE(rewritten);
  EXPECT_EQ(rewritten->kept.records, 1u);

  auto rare = lookup(*store, {.users = {"rare-alice"}});
  EXPECT_EQ(rare.records, kRareUserDays.size() - 1);
  EXPECT_EQ(rare.buckets_scanned, kRareUserDays.size() - 1) << "the rewritten day's summary no longer says so";
  auto text = lookup(*store, {.prefilter = "for rare-alice from"});
  EXPECT_EQ(text.records, kRareUserDays.size() - 1);
  EXPECT_EQ(text.buckets_scanned, kRareUserDays.size() - 1) << "nor do its trigrams";
  std::string after_erasure;
  {
    std::ifstream in(summary_path, std::ios::binary);
    after_erasure.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_FALSE(after_erasure.empty()) << "survivors are summarised";
  EXPECT_NE(after_erasure, before_erasure);
  auto decoded = BucketSummary::decode(after_erasure);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->records(), 1u);
  EXPECT_EQ(lookup(*store, {.since_us = (kJan1 + 10 * kDay) * 1'000'000,
                            .until_us = (kJan1 + 11 * kDay) * 1'000'000,
                            .users = {"user1"}})
                .records,
            1u);
}

TEST(BucketSummaryTest, HasNoFalseNegativesFewFalsePositivesAndDetectsDamage) {
  std::vector<uint64_t> keys;
  for (uint64_t i = 0; i < 5000; ++i) keys.push_back(BucketSummary::key('u', i * 0x9e3779b97f4a7c15ull));
  auto s = BucketSummary::build(keys, 10, 20, 5000);
  for (uint64_t k : keys) ASSERT_TRUE(s.may_contain(k));
  int false_positives = 0;
  for (uint64_t i = 0; i < 20000; ++i)
    false_positives += s.may_contain(BucketSummary::key('u', (i + 1'000'000) * 0x9e3779b97f4a7c15ull));
  EXPECT_LT(false_positives, 20000 * 2 / 100) << "about 1% by design";
  EXPECT_NE(BucketSummary::key('u', 42), BucketSummary::key('p', 42)) << "the field is part of the key";

  EXPECT_TRUE(s.may_overlap(10, 11));
  EXPECT_TRUE(s.may_overlap(20, 30));
  EXPECT_FALSE(s.may_overlap(21, 30));
  EXPECT_FALSE(s.may_overlap(0, 10)) << "until is exclusive";

  auto bytes = s.encode();
  auto back = BucketSummary::decode(bytes);
  ASSERT_TRUE(back);
  for (uint64_t k : keys) ASSERT_TRUE(back->may_contain(k));
  for (std::size_t at : {std::size_t{0}, std::size_t{9}, bytes.size() / 2, bytes.size() - 1}) {
    auto damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x40);
    EXPECT_FALSE(BucketSummary::decode(damaged)) << "byte " << at;
  }
  EXPECT_FALSE(BucketSummary::decode(bytes.substr(0, bytes.size() - 3)));
  EXPECT_FALSE(BucketSummary::decode(""));
}

TEST(BucketSummaryTest, HoldsTheTrigramsItWasBuiltWith) {
  std::vector<uint64_t> grams;
  for (uint64_t i = 0; i < 3000; ++i) grams.push_back(i * 0x9e3779b97f4a7c15ull + 7);
  auto s = BucketSummary::build({}, 10, 20, 1, grams);
  EXPECT_TRUE(s.may_hold_trigrams(grams));
  EXPECT_TRUE(s.may_hold_trigrams({}));
  int held = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    std::vector<uint64_t> literal;  // a literal of 5 trigrams none of which is in the bucket
    for (uint64_t j = 0; j < 5; ++j) literal.push_back((1'000'000 + i * 5 + j) * 0x9e3779b97f4a7c15ull);
    held += s.may_hold_trigrams(literal);
  }
  EXPECT_LT(held, 10) << "about 0.15^5 by design";
  auto back = BucketSummary::decode(s.encode());
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->may_hold_trigrams(grams));
}

TEST(BucketSummaryTest, ReadsSummariesWrittenBeforeTheTextFilterAsHoldingAnyText) {
  std::vector<uint64_t> keys{BucketSummary::key('u', 1), BucketSummary::key('u', 2)};
  auto v2 = BucketSummary::build(keys, 10, 20, 2, {5, 6});
  // hks1: the same up to and including the value bits, then the checksum.
  std::string body = v2.encode();
  body.resize(body.size() - 8);       // checksum
  body.resize(body.size() - 8 - 4096 / 8);  // text bits (the 4096-bit floor) and their count
  body.replace(0, 4, "hks1");
  auto digest = core::sha256(body);
  body.append(reinterpret_cast<const char*>(digest.data()), 8);
  auto v1 = BucketSummary::decode(body);
  ASSERT_TRUE(v1) << v1.error().message;
  EXPECT_TRUE(v1->may_contain(keys[0]));
  EXPECT_TRUE(v1->may_hold_trigrams({1, 2, 3})) << "no filter: any text may be there";
  EXPECT_EQ(v1->records(), 2u);
}

}  // namespace
}  // namespace hokan::store
