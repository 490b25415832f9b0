#include "ingest/writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <random>

namespace hokan::ingest {
namespace {
namespace fs = std::filesystem;

class WriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("hokan-writer-test-" + std::to_string(std::random_device{}()));
    auto s = store::Store::open({dir_.string(), core::TimeZone::utc(), store::SyncMode::batch});
    ASSERT_TRUE(s) << s.error().message;
    store_ = std::move(*s);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  static store::Event audit_like(const std::string& message) {
    store::Event e;
    e.time_us = e.received_us = 1763596800'000'000;
    e.category = "audit";
    e.host = "h";
    e.message = message;
    return e;
  }
  // Submits one urgent record and returns what its callback was told, after checking
  // that the record could already be read when it was told.
  bool submit_and_read(Writer& writer, const std::string& message, Writer::Wait wait) {
    std::promise<bool> told;
    auto future = told.get_future();
    std::vector<store::Event> batch{audit_like(message)};
    EXPECT_TRUE(writer.try_submit(
        batch,
        [&](bool ok) {
          bool readable = false;
          store::ScanQuery q;
          (void)store_->scan(q, [&](store::Event& e) {
            readable = readable || e.message == message;
            return true;
          });
          told.set_value(ok && readable);
        },
        Writer::Priority::urgent, wait));
    return future.get();
  }
  fs::path dir_;
  std::unique_ptr<store::Store> store_;
};

// An audit outcome waits only until it is written: it must be readable by then, like an
// intent that waits for its sync.
TEST_F(WriterTest, AnUrgentRecordIsReadableWhenItsWaiterIsTold) {
  Writer writer(*store_, store::SyncMode::batch);
  EXPECT_TRUE(submit_and_read(writer, "intent-one", Writer::Wait::synced));
  EXPECT_TRUE(submit_and_read(writer, "outcome-one", Writer::Wait::written));
  writer.stop();
}

// A submission without events (a RELP client's close) is told once what came before it
// is durable; it must not be forgotten.
TEST_F(WriterTest, ASubmissionWithoutEventsIsToldAfterWhatCameBefore) {
  Writer writer(*store_, store::SyncMode::batch);
  for (int round = 0; round < 2; ++round) {
    std::vector<store::Event> before{audit_like("before-" + std::to_string(round))};
    before[0].category = "access";
    std::promise<bool> before_told, empty_told;
    ASSERT_TRUE(writer.try_submit(before, [&](bool ok) { before_told.set_value(ok); }));
    std::vector<store::Event> nothing;
    ASSERT_TRUE(writer.try_submit(nothing, [&](bool ok) { empty_told.set_value(ok); }));
    auto empty = empty_told.get_future();
    ASSERT_EQ(empty.wait_for(std::chrono::seconds(10)), std::future_status::ready) << "round " << round;
    EXPECT_TRUE(empty.get());
    auto first = before_told.get_future();
    ASSERT_EQ(first.wait_for(std::chrono::seconds(0)), std::future_status::ready) << "told in order";
    EXPECT_TRUE(first.get());
  }
  writer.stop();
}

}  // namespace
}  // namespace hokan::ingest
