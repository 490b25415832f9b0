#include "store/store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>

#include "store/seal.h"

namespace hokan::store {
namespace {
namespace fs = std::filesystem;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hokan-store-test-" + std::to_string(std::random_device{}()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Store> open() {
    auto s = Store::open({dir_.string(), core::TimeZone::utc(), SyncMode::batch});
    EXPECT_TRUE(s) << (s ? "" : s.error().message);
    return s ? std::move(*s) : nullptr;
  }

  static Event event(int64_t time_s, std::string category, std::string host, std::string user,
                     std::string message) {
    Event e;
    e.time_us = time_s * 1'000'000;
    e.received_us = e.time_us;
    e.category = std::move(category);
    e.host = std::move(host);
    e.app = "app";
    e.fields.user = std::move(user);
    e.message = std::move(message);
    return e;
  }

  static std::vector<std::string> messages(const Store& store, const ScanQuery& q) {
    std::vector<std::string> out;
    auto r = store.scan(q, [&](Event& e) {
      out.push_back(e.message);
      return true;
    });
    EXPECT_TRUE(r);
    return out;
  }

  fs::path dir_;
};

constexpr int64_t kDay = 86400;
constexpr int64_t kNov20 = 1763596800;  // 2025-11-20T00:00:00Z

TEST_F(StoreTest, PutsEachCategoryAndDayInItsOwnBucket) {
  auto store = open();
  std::vector<Event> batch{event(kNov20 + 10, "access", "h", "", "a"),
                           event(kNov20 + kDay + 10, "access", "h", "", "b"),
                           event(kNov20 + 20, "operation", "h", "", "c")};
  ASSERT_TRUE(store->write(batch));
  auto buckets = store->buckets();
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].category, "access");
  EXPECT_EQ(buckets[0].day, 20);
  EXPECT_EQ(buckets[1].category, "operation");
  EXPECT_EQ(buckets[2].day, 21);
  EXPECT_TRUE(fs::exists(dir_ / "buckets" / "access" / "default" / "2025-11-21"));
}

// Ingest writes its sessions' batches where they were built, several at once.
TEST_F(StoreTest, WritesSeveralBatchesAsOneInTheirOrder) {
  auto store = open();
  std::vector<std::vector<Event>> parts(3);
  parts[0] = {event(kNov20 + 10, "access", "h", "", "a1"), event(kNov20 + 11, "operation", "h", "", "o1")};
  parts[1] = {event(kNov20 + 12, "access", "h", "", "a2")};
  parts[2] = {event(kNov20 + 13, "operation", "h", "", "o2"), event(kNov20 + kDay, "access", "h", "", "a3")};
  ASSERT_TRUE(store->write(std::span(parts)));
  std::vector<uint64_t> ids;
  for (const auto& part : parts)
    for (const auto& e : part) ids.push_back(e.id);
  EXPECT_TRUE(std::is_sorted(ids.begin(), ids.end()) && std::adjacent_find(ids.begin(), ids.end()) == ids.end())
      << "ids in the order the events came";
  EXPECT_EQ(messages(*store, {}), (std::vector<std::string>{"a1", "o1", "a2", "o2", "a3"}));
  EXPECT_EQ(store->buckets().size(), 3u);
}

// When one bucket cannot be written, what was not written is in the first batch, the
// failed bucket's events first, and the other batches are empty: nothing is lost or
// written twice when the writer retries it.
TEST_F(StoreTest, AFailedWriteOfSeveralBatchesLeavesTheRestInTheFirst) {
  auto store = open();
  // A file where the bucket's directory would go: that bucket cannot be opened.
  fs::create_directories(dir_ / "buckets" / "blocked" / "default");
  std::ofstream(dir_ / "buckets" / "blocked" / "default" / "2025-11-20") << "not a bucket";
  std::vector<std::vector<Event>> parts(3);
  parts[0] = {event(kNov20 + 10, "access", "h", "", "a1"), event(kNov20 + 11, "blocked", "h", "", "b1")};
  parts[1] = {event(kNov20 + 12, "later", "h", "", "l1"), event(kNov20 + 13, "blocked", "h", "", "b2")};
  parts[2] = {event(kNov20 + 14, "access", "h", "", "a2")};
  auto written = store->write(std::span(parts));
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().failed, 2u);
  std::vector<std::string> went_in, rest;
  for (const auto& e : written.error().written) went_in.push_back(e.message);
  for (const auto& e : parts[0]) rest.push_back(e.message);
  EXPECT_EQ(went_in, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(rest, (std::vector<std::string>{"b1", "b2", "l1"}));
  EXPECT_TRUE(parts[1].empty());
  EXPECT_TRUE(parts[2].empty());
  EXPECT_EQ(messages(*store, {}), (std::vector<std::string>{"a1", "a2"}));
}

TEST_F(StoreTest, ScansInTimeOrderAcrossCategoriesAndDays) {
  auto store = open();
  std::vector<Event> batch{event(kNov20 + kDay + 5, "access", "h", "", "3"),
                           event(kNov20 + 30, "operation", "h", "", "2"),
                           event(kNov20 + 10, "access", "h", "", "1")};
  ASSERT_TRUE(store->write(batch));
  EXPECT_EQ(messages(*store, {}), (std::vector<std::string>{"1", "2", "3"}));
  ScanQuery reverse;
  reverse.reverse = true;
  EXPECT_EQ(messages(*store, reverse), (std::vector<std::string>{"3", "2", "1"}));
  ScanQuery window;
  window.since_us = (kNov20 + 20) * 1'000'000;
  window.until_us = (kNov20 + kDay) * 1'000'000;
  EXPECT_EQ(messages(*store, window), (std::vector<std::string>{"2"}));
  ScanQuery one_category;
  one_category.categories = {"access"};
  EXPECT_EQ(messages(*store, one_category), (std::vector<std::string>{"1", "3"}));
}

TEST_F(StoreTest, IndexLookupsMatchExactlyWithOrWithinAndAndAcross) {
  auto store = open();
  std::vector<Event> batch{event(kNov20 + 1, "access", "web01", "alice", "1"),
                           event(kNov20 + 2, "access", "web02", "bob", "2"),
                           event(kNov20 + 3, "access", "web01", "bob", "3"),
                           event(kNov20 + kDay, "access", "web02", "alice", "4")};
  ASSERT_TRUE(store->write(batch));
  ScanQuery alice;
  alice.users = {"alice"};
  EXPECT_EQ(messages(*store, alice), (std::vector<std::string>{"1", "4"}));
  ScanQuery alice_or_bob_on_web01;
  alice_or_bob_on_web01.users = {"alice", "bob"};
  alice_or_bob_on_web01.hosts = {"web01"};
  EXPECT_EQ(messages(*store, alice_or_bob_on_web01), (std::vector<std::string>{"1", "3"}));
  ScanQuery nobody;
  nobody.users = {"carol"};
  EXPECT_TRUE(messages(*store, nobody).empty());
}

// Issue 13: `--user alice` finds her sudo to root; `--ip A` finds every record that
// names A, whether as the client, the sender (origin) or elsewhere in the text.
TEST_F(StoreTest, UserAndAddressLookupsFindEveryAccountAndAddressARecordNames) {
  auto store = open();
  auto sudo = event(kNov20 + 1, "access", "web01", "alice", "sudo");
  sudo.fields.target_user = "root";
  auto su_to_alice = event(kNov20 + 2, "access", "web01", "bob", "su");
  su_to_alice.fields.target_user = "alice";
  auto breakin = event(kNov20 + 3, "access", "web01", "", "break-in");
  breakin.fields.ips = {"198.51.100.77"};  // named in the text, not as the client
  auto login = event(kNov20 + 4, "access", "web02", "carol", "login");
  login.fields.src_ip = "2001:db8::ab";
  login.fields.origin_ip = "10.0.0.5";
  login.fields.ips = {"10.0.0.5", "2001:db8::ab"};
  auto same_twice = event(kNov20 + 5, "access", "web02", "root", "root to root");
  same_twice.fields.target_user = "root";
  std::vector<Event> batch{sudo, su_to_alice, breakin, login, same_twice};
  ASSERT_TRUE(store->write(batch));
  auto by = [&](std::vector<std::string> users, std::vector<std::string> ips,
                std::vector<core::IpPrefix> prefixes = {}) {
    ScanQuery q;
    q.users = std::move(users);
    q.ips = std::move(ips);
    q.ip_prefixes = std::move(prefixes);
    return messages(*store, q);
  };
  using list = std::vector<std::string>;
  EXPECT_EQ(by({"alice"}, {}), (list{"sudo", "su"}));
  EXPECT_EQ(by({"root"}, {}), (list{"sudo", "root to root"}));  // once, though named twice
  EXPECT_EQ(by({}, {"198.51.100.77"}), (list{"break-in"}));
  EXPECT_EQ(by({}, {"10.0.0.5"}), (list{"login"}));
  EXPECT_EQ(by({}, {"2001:db8::ab"}), (list{"login"}));
  EXPECT_EQ(by({"carol"}, {"10.0.0.5"}), (list{"login"}));
  EXPECT_TRUE(by({"alice"}, {"10.0.0.5"}).empty());
  auto prefix = [](const char* text) { return *core::parse_ip_prefix(text); };
  EXPECT_EQ(by({}, {}, {prefix("198.51.100.0/24")}), (list{"break-in"}));
  EXPECT_EQ(by({}, {}, {prefix("2001:db8::/32")}), (list{"login"}));
  EXPECT_EQ(by({}, {"10.0.0.5"}, {prefix("198.51.0.0/16")}), (list{"break-in", "login"}));
  EXPECT_TRUE(by({}, {}, {prefix("203.0.113.0/24")}).empty());
}

// Issue 12: record tables compress against a dictionary of up to 128 KiB of their own
// samples, kept beside them; a quiet day's table is written without one, or the
// dictionary would be most of the day's disk.
TEST_F(StoreTest, AQuietDaysTableKeepsNoDictionary) {
  {
    auto store = open();
    std::vector<Event> batch;
    for (int i = 0; i < 5000; ++i)
      batch.push_back(event(kNov20 + i, "access", "web" + std::to_string(i % 7), "user" + std::to_string(i % 50),
                            "GET /api/v1/orders/" + std::to_string(i * 7919 % 100000) + " HTTP/1.1 200 " +
                                std::to_string(i % 977) + " \"Mozilla/5.0 (X11; Linux x86_64)\""));
    ASSERT_TRUE(store->write(batch));
  }
  uintmax_t tables = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_ / "buckets" / "access"))
    if (entry.path().extension() == ".sst") tables += entry.file_size();
  EXPECT_GT(tables, 0u);
  EXPECT_LT(tables, 96u << 10) << "5,000 records, about 450 KB as written";
}

// Issue 12: a bucket opened empty gathers its records' trigrams as they are written, and
// its summary is made from those at close; one opened with records in it reads them back.
// Either way a text search must find every record and pass over days without the text.
TEST_F(StoreTest, SummariesHoldTheTextOfEveryRecordWhetherGatheredOrReadBack) {
  auto buckets_searched = [](const Store& store, const std::string& text, std::size_t want) {
    std::size_t found = 0;
    auto stats = store.scan({.prefilter = text}, [&](Event&) {
      ++found;
      return true;
    });
    EXPECT_TRUE(stats);
    EXPECT_EQ(found, want) << text;
    return stats ? stats->buckets : 0;
  };
  {
    auto store = open();
    std::vector<Event> batch;
    for (int day = 0; day < 3; ++day) batch.push_back(event(kNov20 + day * kDay, "access", "h", "u", "filler"));
    batch.push_back(event(kNov20 + 5, "access", "h", "u", "first Gathered-Token here"));
    ASSERT_TRUE(store->write(batch));
  }
  {
    auto store = open();
    EXPECT_EQ(buckets_searched(*store, "Gathered-Token", 1), 1u) << "the other days' summaries rule them out";
    EXPECT_EQ(buckets_searched(*store, "Read-Back-Token", 0), 0u);
    // The day now has records: this write's trigrams are not gathered.
    std::vector<Event> more{event(kNov20 + 9, "access", "h", "u", "then Read-Back-Token there")};
    ASSERT_TRUE(store->write(more));
  }
  auto store = open();
  EXPECT_EQ(buckets_searched(*store, "Gathered-Token", 1), 1u);
  EXPECT_EQ(buckets_searched(*store, "Read-Back-Token", 1), 1u);
  EXPECT_EQ(buckets_searched(*store, "Token there", 1), 1u);
  EXPECT_EQ(buckets_searched(*store, "no-such-token", 0), 0u);
}

// Year-wide lookups skip buckets by their summaries: those must name the new values,
// or a bucket holding only a target_user or an address in `ips` would be skipped.
TEST_F(StoreTest, BucketSummariesNameTargetUsersAndEveryAddress) {
  {
    auto store = open();
    std::vector<Event> batch;
    for (int day = 0; day < 5; ++day)
      batch.push_back(event(kNov20 + day * kDay, "access", "h", "u", "filler"));
    auto sudo = event(kNov20 + 2 * kDay + 5, "access", "h", "alice", "sudo");
    sudo.fields.target_user = "root";
    auto named = event(kNov20 + 3 * kDay + 5, "access", "h", "", "named");
    named.fields.ips = {"198.51.100.77"};
    named.fields.origin_ip = "10.9.9.9";
    batch.push_back(sudo);
    batch.push_back(named);
    ASSERT_TRUE(store->write(batch));
  }  // closing writes the summaries
  ASSERT_TRUE(fs::exists(dir_ / "buckets" / "access" / "default" / "2025-11-22" / "summary"));
  auto store = open();
  auto opened = [&](ScanQuery q) {
    std::vector<std::string> found;
    auto stats = store->scan(q, [&](Event& e) {
      found.push_back(e.message);
      return true;
    });
    EXPECT_TRUE(stats);
    EXPECT_EQ(found.size(), 1u);
    return stats ? stats->buckets : 0;
  };
  ScanQuery root;
  root.users = {"root"};
  EXPECT_EQ(opened(root), 1u);
  ScanQuery address;
  address.ips = {"198.51.100.77"};
  EXPECT_EQ(opened(address), 1u);
  ScanQuery origin;
  origin.ips = {"10.9.9.9"};
  EXPECT_EQ(opened(origin), 1u);
  ScanQuery prefix;  // no index serves a prefix: every bucket of the range is read
  prefix.ip_prefixes = {*core::parse_ip_prefix("198.51.100.0/24")};
  EXPECT_EQ(opened(prefix), 5u);
}

TEST_F(StoreTest, FindsEverythingAfterReopening) {
  {
    auto store = open();
    std::vector<Event> batch{event(kNov20, "access", "web01", "alice", "kept")};
    ASSERT_TRUE(store->write(batch));
    ASSERT_TRUE(store->sync_wal());
  }
  auto store = open();
  ScanQuery alice;
  alice.users = {"alice"};
  EXPECT_EQ(messages(*store, alice), (std::vector<std::string>{"kept"}));
  // ids keep growing across restarts
  std::vector<Event> batch{event(kNov20, "access", "web01", "alice", "next")};
  ASSERT_TRUE(store->write(batch));
  uint64_t first_id = 0;
  ASSERT_TRUE(store->scan(alice, [&](Event& e) { if (!first_id) first_id = e.id; return true; }));
  EXPECT_GT(batch[0].id, first_id);
}

TEST_F(StoreTest, KeysHoldNoIndexedValueInPlainText) {
  auto store = open();
  std::vector<Event> batch{event(kNov20, "access", "host-zqxj", "user-zqxj", "m")};
  ASSERT_TRUE(store->write(batch));
  store.reset();  // flushes the WAL; keys and values are now on disk
  // Values (the record) may hold the name; keys may not. Every key lives in the WAL or
  // SST next to its value, so check the index key's absence via the posting prefix:
  // the plain name must appear only once per file (inside the record value).
  for (const auto& f : fs::recursive_directory_iterator(dir_)) {
    if (!f.is_regular_file() || !f.path().string().ends_with(".log")) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    std::size_t count = 0;
    for (auto pos = bytes.find("user-zqxj"); pos != std::string::npos; pos = bytes.find("user-zqxj", pos + 1))
      ++count;
    EXPECT_LE(count, 1u) << f.path();
  }
}

TEST_F(StoreTest, StopsWhenTheVisitorSaysSo) {
  auto store = open();
  std::vector<Event> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(event(kNov20 + i, "access", "h", "u", std::to_string(i)));
  ASSERT_TRUE(store->write(batch));
  int seen = 0;
  ASSERT_TRUE(store->scan({}, [&](Event&) { return ++seen < 10; }));
  EXPECT_EQ(seen, 10);
}


// Writes `count` records, one second apart from `start`, in several writes whose times
// interleave (as late senders' records do): write w holds the records with
// i % writes == w.
void write_interleaved(Store& store, int64_t start, int count, int writes,
                       const std::function<Event(int, int64_t)>& make) {
  for (int w = 0; w < writes; ++w) {
    std::vector<Event> batch;
    for (int i = w; i < count; i += writes) batch.push_back(make(i, start + i));
    ASSERT_TRUE(store.write(batch));
  }
}

TEST_F(StoreTest, MergesOverlappingWritesIntoOneTimeOrder) {
  auto store = open();
  // Three writes whose records interleave in time, each large enough for many blocks.
  const std::string filler(1000, 'f');
  write_interleaved(*store, kNov20, 600, 3, [&](int i, int64_t t) {
    return event(t, "access", "web0" + std::to_string(i % 2), i % 50 == 7 ? "rare" : "u", std::to_string(i) + filler);
  });
  std::vector<int> forward, backward;
  ASSERT_TRUE(store->scan({}, [&](Event& e) { forward.push_back(std::stoi(e.message)); return true; }));
  ScanQuery reverse;
  reverse.reverse = true;
  ASSERT_TRUE(store->scan(reverse, [&](Event& e) { backward.push_back(std::stoi(e.message)); return true; }));
  ASSERT_EQ(forward.size(), 600u);
  for (int i = 0; i < 600; ++i) EXPECT_EQ(forward[i], i);
  ASSERT_EQ(backward.size(), 600u);
  for (int i = 0; i < 600; ++i) EXPECT_EQ(backward[i], 599 - i);
  // An index lookup merges the same way.
  ScanQuery rare;
  rare.users = {"rare"};
  std::vector<int> found;
  ASSERT_TRUE(store->scan(rare, [&](Event& e) { found.push_back(std::stoi(e.message)); return true; }));
  std::vector<int> expected;
  for (int i = 7; i < 600; i += 50) expected.push_back(i);
  EXPECT_EQ(found, expected);
}

TEST_F(StoreTest, TimeRangesCutThroughTheMiddleOfBlocks) {
  auto store = open();
  std::vector<Event> batch;
  for (int i = 0; i < 100; ++i) batch.push_back(event(kNov20 + i, "access", "h", "u", std::to_string(i)));
  ASSERT_TRUE(store->write(batch));  // one block: 100 small records within 100 s
  ScanQuery window;
  window.since_us = (kNov20 + 40) * 1'000'000;
  window.until_us = (kNov20 + 43) * 1'000'000;
  EXPECT_EQ(messages(*store, window), (std::vector<std::string>{"40", "41", "42"}));
  window.reverse = true;
  EXPECT_EQ(messages(*store, window), (std::vector<std::string>{"42", "41", "40"}));
  window.reverse = false;
  window.users = {"u"};
  EXPECT_EQ(messages(*store, window), (std::vector<std::string>{"40", "41", "42"}));
}

TEST_F(StoreTest, PrefilterFindsEveryRecordHoldingTheTextAndSkipsTheRest) {
  auto store = open();
  const std::string filler(700, 'x');
  std::vector<Event> batch;
  for (int i = 0; i < 400; ++i)
    batch.push_back(event(kNov20 + i, "access", "h", "u",
                          (i % 97 == 3 ? "needle-" : "hay-") + std::to_string(i) + filler));
  ASSERT_TRUE(store->write(batch));
  ScanQuery q;
  q.prefilter = "needle-";
  std::vector<std::string> found;
  auto stats = store->scan(q, [&](Event& e) { found.push_back(e.message.substr(0, e.message.find('x'))); return true; });
  ASSERT_TRUE(stats);
  EXPECT_EQ(found, (std::vector<std::string>{"needle-3", "needle-100", "needle-197", "needle-294", "needle-391"}));
  EXPECT_EQ(stats->examined, 5u) << "records without the text are never decoded";
  EXPECT_EQ(stats->skipped, 395u);
}

TEST_F(StoreTest, BackFilledRecordsSpreadOverHoursStillComeOutInOrder) {
  auto store = open();
  // One write carrying records an hour apart (a back-filled file) and a live one.
  std::vector<Event> old;
  for (int i = 0; i < 20; ++i) old.push_back(event(kNov20 + i * 3600, "access", "h", "u", "old" + std::to_string(i)));
  ASSERT_TRUE(store->write(old));
  std::vector<Event> live{event(kNov20 + 5 * 3600 + 1, "access", "h", "u", "live")};
  ASSERT_TRUE(store->write(live));
  ScanQuery q;
  q.since_us = (kNov20 + 4 * 3600 + 1800) * 1'000'000;
  q.until_us = (kNov20 + 6 * 3600 + 1) * 1'000'000;
  EXPECT_EQ(messages(*store, q), (std::vector<std::string>{"old5", "live", "old6"}));
}

TEST_F(StoreTest, ScansOfManyDaysKeepTheirOrderAndStopWhenAsked) {
  auto store = open();
  // Ten days of 3000 records each: more than a day scanned ahead may hold back.
  std::vector<Event> batch;
  for (int d = 0; d < 10; ++d)
    for (int i = 0; i < 3000; ++i)
      batch.push_back(event(kNov20 + d * kDay + i, i % 2 ? "access" : "operation", "h", "u",
                            std::to_string(d * 3000 + i)));
  ASSERT_TRUE(store->write(batch));
  for (bool reverse : {false, true}) {
    ScanQuery q;
    q.reverse = reverse;
    int expected = reverse ? 29999 : 0, seen = 0;
    auto stats = store->scan(q, [&](Event& e) {
      EXPECT_EQ(std::stoi(e.message), expected);
      expected += reverse ? -1 : 1;
      ++seen;
      return true;
    });
    ASSERT_TRUE(stats);
    EXPECT_EQ(seen, 30000);
    EXPECT_EQ(stats->returned, 30000u);
    // Stopping part-way through the third day leaves nothing running behind.
    seen = 0;
    ASSERT_TRUE(store->scan(q, [&](Event&) { return ++seen < 7000; }));
    EXPECT_EQ(seen, 7000);
  }
}

// Heads kept off the machine are known by the MD5 of their text (what an S3 listing
// gives as each version's ETag): the chain must pass through every one of them.
TEST_F(StoreTest, VerifyChecksEveryHeadAnchoredByItsTextsDigest) {
  auto store = open();
  std::vector<std::string> heads;
  for (int w = 0; w < 3; ++w) {
    std::vector<Event> batch{event(kNov20 + w, "access", "h", "u", "write " + std::to_string(w))};
    ASSERT_TRUE(store->write(batch));
    auto head = store->seal_head(store->buckets()[0]);
    ASSERT_TRUE(head && *head);
    heads.push_back(seal::anchor_etag(seal::anchor_text("access", "default", "2025-11-20", (*head)->links, (*head)->head)));
  }
  auto verify_with = [&](std::vector<std::string> etags) {
    Store::VerifyWith with;
    with.anchor_of = [&](const BucketInfo&) -> Result<std::vector<Store::Anchor>> {
      std::vector<Store::Anchor> out;
      for (const auto& etag : etags) out.push_back({0, "", "2025-11-20T00:00:00Z", etag});
      return out;
    };
    auto checks = store->verify({}, with);
    EXPECT_TRUE(checks);
    return checks ? (*checks)[0] : BucketCheck{};
  };
  auto intact = verify_with(heads);
  EXPECT_TRUE(intact.anchored);
  EXPECT_TRUE(intact.problems.empty());
  // A version between good ones naming a head the chain never had.
  auto forged = verify_with({heads[0], seal::anchor_etag("a head this chain never had"), heads[2]});
  EXPECT_FALSE(forged.anchored);
  ASSERT_EQ(forged.problems.size(), 1u);
  EXPECT_EQ(forged.problems[0].kind, "anchor");
  EXPECT_NE(forged.problems[0].detail.find("version ETag"), std::string::npos) << forged.problems[0].detail;
}

TEST_F(StoreTest, SealsEveryWriteAndVerifiesIntactAcrossReopenAndRewrite) {
  auto store = open();
  for (int w = 0; w < 3; ++w) {
    std::vector<Event> batch;
    for (int i = 0; i < 200; ++i)
      batch.push_back(event(kNov20 + w * 1000 + i, "access", "h", "u", std::string(500, 'a' + w)));
    ASSERT_TRUE(store->write(batch));
  }
  auto checks = store->verify({});
  ASSERT_TRUE(checks);
  ASSERT_EQ(checks->size(), 1u);
  EXPECT_TRUE((*checks)[0].problems.empty()) << (*checks)[0].problems[0].detail;
  EXPECT_EQ((*checks)[0].links, 3u) << "one link per write";
  EXPECT_GT((*checks)[0].blocks, 3u);
  std::string head = (*checks)[0].head;
  EXPECT_EQ(head.size(), 64u);
  store.reset();
  store = open();
  std::vector<Event> more{event(kNov20 + 5000, "access", "h", "u", "later")};
  ASSERT_TRUE(store->write(more));
  checks = store->verify({});
  ASSERT_TRUE(checks);
  EXPECT_TRUE((*checks)[0].problems.empty());
  EXPECT_EQ((*checks)[0].links, 4u) << "the chain continues after a restart";
  // A purge's rewrite starts a fresh chain over what it kept.
  auto rewritten = store->rewrite_bucket(
      store->buckets()[0], [](const Event& e) { return e.message[0] != 'a'; },
      [](const RewriteStats&) { return std::string("{}"); });
  ASSERT_TRUE(rewritten);
  EXPECT_EQ(rewritten->destroyed.records, 200u);
  checks = store->verify({});
  ASSERT_TRUE(checks);
  EXPECT_TRUE((*checks)[0].problems.empty());
  EXPECT_NE((*checks)[0].head, head);
}

// What the store counts as still to be flushed is held against the disk reserve: an
// object whose chunks went to blob files must stop counting once they are there, or
// every upload leaves a phantom that a full disk never gets back.
TEST_F(StoreTest, AnObjectOnDiskNoLongerCountsAsWaitingToBeFlushed) {
  StoreOptions options{dir_.string(), core::TimeZone::utc(), SyncMode::batch};
  options.object_categories = {"cctv"};
  auto store = Store::open(options);
  ASSERT_TRUE(store) << store.error().message;
  Event meta = event(kNov20 + 10, "cctv", "cam", "", "door.ts");
  const std::string megabyte(1 << 20, 'x');
  auto finished = (*store)->begin_object(meta);
  ASSERT_TRUE(finished) << finished.error().message;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*finished)->append(megabyte));
  ASSERT_TRUE((*finished)->finish());
  auto aborted = (*store)->begin_object(meta);
  ASSERT_TRUE(aborted) << aborted.error().message;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE((*aborted)->append(megabyte));
  (*aborted)->abort();
  EXPECT_LT((*store)->space().pending, 64u << 10);
}

// A state directory of layout 2 (postings, values of versions 1 and 2) or 3 (index runs,
// values of version 3, blocks of version 2) is read and taken over; one of a layout
// this hokand does not know is refused, naming both.
TEST(StoreLayout, TakesOverLayoutsTwoAndThreeAndRefusesOthers) {
  auto dir = fs::temp_directory_path() / ("hokan-layout-" + std::to_string(std::random_device{}()));
  fs::create_directories(dir);
  auto write_layout = [&](const std::string& text) { std::ofstream(dir / "layout") << text; };
  auto read_layout = [&] {
    std::ifstream in(dir / "layout");
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  for (const char* older : {"hokan-store 2\n", "hokan-store 3\n"}) {
    write_layout(older);
    {
      auto s = Store::open({dir.string(), core::TimeZone::utc(), SyncMode::batch});
      ASSERT_TRUE(s) << s.error().message;
    }
    EXPECT_EQ(read_layout(), "hokan-store 4\n");
  }
  write_layout("hokan-store 9\n");
  auto refused = Store::open({dir.string(), core::TimeZone::utc(), SyncMode::batch});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("hokan-store 9"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("hokan-store 4"), std::string::npos) << refused.error().message;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace hokan::store
