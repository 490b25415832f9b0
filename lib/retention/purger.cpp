#include "retention/purger.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/time_format.h"
#include "retention/period.h"

namespace hokan::retention {
using nlohmann::json;
namespace {

void add(CategoryPurge& c, const store::BucketStats& destroyed) {
  if (destroyed.records == 0) return;
  c.from_us = c.records == 0 ? destroyed.min_time_us : std::min(c.from_us, destroyed.min_time_us);
  c.until_us = c.records == 0 ? destroyed.max_time_us : std::max(c.until_us, destroyed.max_time_us);
  c.records += destroyed.records;
  c.bytes += destroyed.bytes;
}

// Which holds kept which records back during one bucket's destruction.
struct HoldTally {
  uint64_t held_back = 0;
  std::map<std::string, uint64_t> by_hold;
  // True when a hold keeps the record (and counts it).
  bool keeps(const Holds& holds, const store::Event& e) {
    auto names = holds.holding(e);
    if (names.empty()) return false;
    ++held_back;
    for (const auto& n : names) ++by_hold[n];
    return true;
  }
};

int64_t day_start(const core::TimeZone& zone, const store::BucketInfo& b, int plus) {
  core::CivilTime c;
  core::civil_from_days(core::days_from_civil(b.year, b.month, b.day) + plus, c.year, c.month, c.day);
  return zone.from_civil(c);
}

}  // namespace

Purger::Purger(store::Store& store, std::shared_ptr<store::MetaStore> meta, PolicySource policy,
               std::shared_ptr<const Holds> holds, std::shared_ptr<store::ObjectNames> names)
    : store_(store),
      meta_(std::move(meta)),
      policy_(std::move(policy)),
      holds_(std::move(holds)),
      names_(std::move(names)) {}

std::vector<std::string> Purger::object_names_in(const store::BucketInfo& bucket, int64_t from_us,
                                                 int64_t until_us) const {
  std::vector<std::string> out;
  if (!names_) return out;
  const config::Category* c = policy_()->config().find_category(bucket.category);
  if (!c || c->kind != config::Category::Kind::object) return out;
  store::ScanQuery q;
  q.categories = {bucket.category};
  q.since_us = from_us;
  q.until_us = until_us;
  (void)store_.scan(q, [&](store::Event& e) {
    if (e.lane == bucket.lane && e.is_object()) out.push_back(e.message);
    return true;
  });
  return out;
}

void Purger::free_names(const std::string& category, const std::vector<std::string>& names) const {
  if (!names_) return;
  for (const auto& name : names)
    if (auto r = names_->forget(category, name); !r)
      if (auto log = spdlog::get("retention")) log->error("object name of a destroyed object stays taken: {}", r.error().message);
}

Purger::~Purger() { stop_schedule(); }

Result<RemoteDestruction> Purger::destroy_remote_copies(const store::BucketInfo& bucket,
                                                       const std::function<bool(const store::Event&)>& goes) {
  std::vector<store::Event> objects;
  const config::Category* c = policy_()->config().find_category(bucket.category);
  if (!c || c->kind != config::Category::Kind::object) return RemoteDestruction{};
  store::ScanQuery q;
  q.categories = {bucket.category};
  const core::TimeZone& zone = *policy_()->config().zone;
  q.since_us = day_start(zone, bucket, 0);
  q.until_us = day_start(zone, bucket, 1);
  auto scanned = store_.scan(q, [&](store::Event& e) {
    if (e.lane == bucket.lane && e.is_object() && goes(e)) objects.push_back(e);
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (objects.empty()) return RemoteDestruction{};
  return remote_objects_(bucket, objects);
}

bool Purger::holds_may_keep(const std::string& category, int64_t from_us, int64_t until_us) const {
  for (const auto& hold : holds_->list()) {
    const auto& f = hold.filter;
    if (!f.may_match(category, from_us, until_us)) continue;
    // Ask the day's indexes: a hold on one user should not force a copy of every bucket.
    store::ScanQuery q = f.scan_query(from_us, until_us);
    q.categories = {category};
    bool found = false;
    auto scanned = store_.scan(q, [&](store::Event& e) {
      found = f.matches(e);
      return !found;
    });
    if (!scanned || found) return true;  // unsure counts as held
  }
  return false;
}

std::string Purger::pending_receipt(const std::string& purge_id, int64_t now_us, const std::string& category,
                                    const store::BucketStats& d, const std::string& reason, const std::string& by,
                                    const std::string& rule, uint64_t held_back,
                                    const std::map<std::string, uint64_t>& holds,
                                    const RemoteDestruction& remote) const {
  json names = json::array();
  for (const auto& [name, count] : holds) names.push_back(name);
  json receipt{{"purge", purge_id}, {"time_us", now_us},  {"category", category}, {"from_us", d.min_time_us},
               {"until_us", d.max_time_us}, {"records", d.records}, {"bytes", d.bytes}, {"reason", reason},
               {"by", by},           {"rule", rule},       {"held_back", held_back}, {"holds", names}};
  if (remote.applies) {
    receipt["remote_bucket"] = remote.bucket;
    receipt["remote_versions_deleted"] = remote.versions_deleted;
    receipt["key_destroyed"] = remote.key_destroyed;
    receipt["key_escrow_versions_deleted"] = remote.escrow_versions_deleted;
  }
  return receipt.dump();
}

Result<PurgeReport> Purger::run(int64_t now, bool dry_run, const std::string& reason, const std::string& by,
                                const std::optional<std::set<std::string>>& only) {
  std::lock_guard lock(run_mutex_);
  auto policy = policy_();
  const core::TimeZone& zone = *policy->config().zone;
  PurgeReport report;
  report.dry_run = dry_run;
  std::map<std::string, CategoryPurge> by_category;
  std::string purge_id = std::to_string(now);
  for (const auto& bucket : store_.buckets()) {
    if (only && !only->contains(bucket.category)) continue;
    auto expiry = policy->expiry(bucket);
    if (!expiry.earliest || now < *expiry.earliest) continue;
    auto stats = store_.bucket_stats(bucket);
    if (!stats) {
      report.problems.push_back(bucket.path + ": " + stats.error().message);
      continue;
    }
    auto& summary = by_category[bucket.category];
    summary.category = bucket.category;
    summary.rules.insert(expiry.rule);
    bool held = holds_may_keep(bucket.category, day_start(zone, bucket, 0), day_start(zone, bucket, 1));
    if (now >= *expiry.latest && !held) {
      if (!dry_run) {
        RemoteDestruction remote;
        if (remote_bucket_) {
          auto destroyed = remote_bucket_(bucket);
          if (!destroyed) {
            report.problems.push_back(bucket.path + ": remote copies: " + destroyed.error().message);
            continue;
          }
          remote = *destroyed;
        }
        auto names = object_names_in(bucket, day_start(zone, bucket, 0), day_start(zone, bucket, 1));
        auto dropped = store_.drop_bucket(
            bucket, pending_receipt(purge_id, now, bucket.category, *stats, reason, by, expiry.rule, 0, {}, remote));
        if (!dropped) {
          report.problems.push_back(bucket.path + ": " + dropped.error().message);
          continue;
        }
        free_names(bucket.category, names);
      }
      add(summary, *stats);
      continue;
    }
    HoldTally tally;
    std::vector<std::string> destroyed_names;
    auto keep = [&](const store::Event& e) {
      auto at = policy->record_expiry(bucket, e);
      bool kept = !at || now < *at || tally.keeps(*holds_, e);
      if (!kept && e.is_object()) destroyed_names.push_back(e.message);
      return kept;
    };
    // The remote copies of the objects that go are deleted first, outside the rewrite
    // (which holds the bucket): a failure leaves the bucket whole for the next run.
    RemoteDestruction remote;
    if (remote_objects_ && !dry_run) {
      auto deleted = destroy_remote_copies(bucket, [&](const store::Event& e) {
        auto at = policy->record_expiry(bucket, e);
        return at && now >= *at && holds_->holding(e).empty();
      });
      if (!deleted) {
        report.problems.push_back(bucket.path + ": remote copies: " + deleted.error().message);
        continue;
      }
      remote = *deleted;
    }
    auto receipt = [&](const store::RewriteStats& r) {
      return pending_receipt(purge_id, now, bucket.category, r.destroyed, reason, by, expiry.rule, tally.held_back,
                             tally.by_hold, remote);
    };
    auto rewritten = store_.rewrite_bucket(bucket, keep, receipt, dry_run);
    if (!rewritten) {
      report.problems.push_back(bucket.path + ": " + rewritten.error().message);
      continue;
    }
    if (!dry_run) {
      free_names(bucket.category, destroyed_names);
      if (remote_rewritten_) remote_rewritten_(bucket);
    }
    add(summary, rewritten->destroyed);
    summary.held_back += tally.held_back;
    for (const auto& [name, count] : tally.by_hold) summary.holds.insert(name);
  }
  for (auto& [name, c] : by_category)
    if (c.records > 0 || c.held_back > 0) report.categories.push_back(std::move(c));
  if (!dry_run) {
    counters_.runs.fetch_add(1, std::memory_order_relaxed);
    for (const auto& c : report.categories) counters_.destroyed.fetch_add(c.records, std::memory_order_relaxed);
    if (auto s = settle(); !s) return std::unexpected(s.error());
    // Receipts outlive the data, but not forever: [ledger] retention.
    const auto& keep_for = policy->config().ledger.retention;
    config::Period back{-keep_for.count, keep_for.unit, keep_for.text};
    (void)meta_->expire_ledger(expiry_of(now, back, zone));
  }
  return report;
}

Result<PurgeReport> Purger::erase(const std::function<bool(const store::Event&)>& erase,
                                  const std::vector<std::string>& categories, const std::string& by,
                                  const std::string& rule) {
  std::lock_guard lock(run_mutex_);
  int64_t now = core::now_us();
  std::string purge_id = "erasure-" + std::to_string(now);
  PurgeReport report;
  std::map<std::string, CategoryPurge> by_category;
  for (const auto& bucket : store_.buckets()) {
    if (std::find(categories.begin(), categories.end(), bucket.category) == categories.end()) continue;
    HoldTally tally;
    std::vector<std::string> destroyed_names;
    auto keep = [&](const store::Event& e) {
      bool kept = !erase(e) || tally.keeps(*holds_, e);
      if (!kept && e.is_object()) destroyed_names.push_back(e.message);
      return kept;
    };
    // Remote copies of erased objects go first. Those still under COMPLIANCE retention
    // refuse: the store keeps them until that date, and the report says so.
    RemoteDestruction remote;
    if (remote_objects_) {
      auto deleted =
          destroy_remote_copies(bucket, [&](const store::Event& e) { return erase(e) && holds_->holding(e).empty(); });
      if (deleted) remote = *deleted;
      else report.problems.push_back(bucket.path + ": remote copies of erased objects remain: " + deleted.error().message);
    }
    auto receipt = [&](const store::RewriteStats& r) {
      return pending_receipt(purge_id, now, bucket.category, r.destroyed, "erasure", by, rule, tally.held_back,
                             tally.by_hold, remote);
    };
    auto rewritten = store_.rewrite_bucket(bucket, keep, receipt, false);
    if (!rewritten) {
      report.problems.push_back(bucket.path + ": " + rewritten.error().message);
      continue;
    }
    free_names(bucket.category, destroyed_names);
    if (remote_rewritten_ && rewritten->destroyed.records > 0) remote_rewritten_(bucket);
    auto& summary = by_category[bucket.category];
    summary.category = bucket.category;
    summary.rules.insert(rule);
    add(summary, rewritten->destroyed);
    summary.held_back += tally.held_back;
    for (const auto& [name, count] : tally.by_hold) summary.holds.insert(name);
  }
  for (auto& [name, c] : by_category)
    if (c.records > 0 || c.held_back > 0) report.categories.push_back(std::move(c));
  counters_.erasures.fetch_add(1, std::memory_order_relaxed);
  for (const auto& c : report.categories) counters_.erased.fetch_add(c.records, std::memory_order_relaxed);
  if (auto s = settle(); !s) return std::unexpected(s.error());
  return report;
}

Result<void> Purger::settle() {
  auto pending = meta_->pending();
  if (!pending) return std::unexpected(pending.error());
  if (pending->empty()) return {};
  auto policy = policy_();
  const core::TimeZone& zone = *policy->config().zone;
  struct Sum {
    CategoryPurge c;
    int64_t time_us = 0;
    std::string reason, by;
    bool remote = false;
    uint64_t remote_versions = 0, keys_destroyed = 0, escrow_versions = 0;
    std::set<std::string> remote_buckets;
  };
  std::map<std::pair<std::string, std::string>, Sum> sums;
  std::vector<std::string> keys;
  for (const auto& [key, text] : *pending) {
    keys.push_back(key);
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) continue;
    auto& s = sums[{j.value("purge", ""), j.value("category", "")}];
    s.c.category = j.value("category", "");
    s.time_us = std::max(s.time_us, j.value("time_us", int64_t{0}));
    s.reason = j.value("reason", "");
    s.by = j.value("by", "");
    add(s.c, store::BucketStats{j.value("records", uint64_t{0}), j.value("bytes", uint64_t{0}),
                                j.value("from_us", int64_t{0}), j.value("until_us", int64_t{0})});
    s.c.held_back += j.value("held_back", uint64_t{0});
    s.c.rules.insert(j.value("rule", ""));
    for (const auto& n : j.value("holds", std::vector<std::string>{})) s.c.holds.insert(n);
    if (j.contains("remote_bucket")) {
      s.remote = true;
      s.remote_buckets.insert(j.value("remote_bucket", ""));
      s.remote_versions += j.value("remote_versions_deleted", uint64_t{0});
      s.keys_destroyed += j.value("key_destroyed", false) ? 1 : 0;
      s.escrow_versions += j.value("key_escrow_versions_deleted", uint64_t{0});
    }
  }
  std::vector<std::string> receipts;
  int64_t latest = 0;
  for (const auto& [key, s] : sums) {
    if (s.c.records == 0) continue;
    latest = std::max(latest, s.time_us);
    json receipt{{"time", core::format_rfc3339(s.time_us, zone)},
                            {"category", s.c.category},
                            {"from", core::format_rfc3339(s.c.from_us, zone)},
                            {"until", core::format_rfc3339(s.c.until_us, zone)},
                            {"records", s.c.records},
                            {"bytes", s.c.bytes},
                            {"reason", s.reason},
                            {"by", s.by},
                            {"rule", std::vector<std::string>(s.c.rules.begin(), s.c.rules.end())},
                            {"held_back", {{"count", s.c.held_back},
                                           {"holds", std::vector<std::string>(s.c.holds.begin(), s.c.holds.end())}}}};
    if (s.remote) {
      // Remote copies: every version deleted, and the data keys destroyed (crypto-
      // shredding: what the store keeps until its garbage collection is unreadable).
      receipt["remote_buckets"] = std::vector<std::string>(s.remote_buckets.begin(), s.remote_buckets.end());
      receipt["remote_versions_deleted"] = s.remote_versions;
      receipt["key_destroyed"] = s.keys_destroyed;
      // Escrow copies deleted; the store reclaims their space at its garbage collection.
      receipt["key_escrow_versions_deleted"] = s.escrow_versions;
    }
    receipts.push_back(receipt.dump());
  }
  return meta_->settle(latest ? latest : core::now_us(), receipts, keys);
}

void Purger::start_schedule(std::function<int64_t(int64_t)> next_run) {
  schedule_thread_ = std::thread([this, next_run = std::move(next_run)] {
    auto log = spdlog::get("retention");
    std::unique_lock lock(schedule_mutex_);
    while (!schedule_stop_) {
      int64_t now = core::now_us();
      int64_t at = next_run(now);
      if (schedule_wake_.wait_for(lock, std::chrono::microseconds(at - now), [&] { return schedule_stop_; })) break;
      lock.unlock();
      auto report = run(core::now_us(), false, "schedule", "schedule");
      if (report && on_scheduled_) on_scheduled_(*report);
      if (log) {
        if (!report) log->error("scheduled purge failed: {}", report.error().message);
        else
          for (const auto& c : report->categories)
            log->info("purged {}: {} records, {} held back", c.category, c.records, c.held_back);
      }
      lock.lock();
    }
  });
}

void Purger::stop_schedule() {
  {
    std::lock_guard lock(schedule_mutex_);
    schedule_stop_ = true;
  }
  schedule_wake_.notify_all();
  if (schedule_thread_.joinable()) schedule_thread_.join();
}

}  // namespace hokan::retention
