// The purge: destroys every expired record that no legal hold keeps, bucket by bucket,
// and writes one ledger receipt per category. Whole expired buckets are dropped (cost
// independent of their size); a bucket only partly expired, or touched by a hold, is
// rewritten without the destroyed records. Also runs on [purge] schedule.
// Thread-safety: run() is serialised internally; safe from any thread. Blocking.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "retention/cases.h"
#include "retention/holds.h"
#include "retention/policy.h"
#include "store/meta.h"
#include "store/object_names.h"
#include "store/store.h"

namespace hokan::retention {

struct CategoryPurge {
  std::string category;
  uint64_t records = 0, bytes = 0;
  int64_t from_us = 0, until_us = 0;  // event-time range destroyed
  uint64_t held_back = 0;
  std::set<std::string> holds;        // names of the holds that kept something
  std::set<std::string> rules;
};

struct PurgeReport {
  bool dry_run = false;
  std::vector<CategoryPurge> categories;  // only categories where something went or was held
  std::vector<std::string> problems;      // buckets left for the next run, and why
};

// What destroying the remote copies of one bucket (or of some objects in it) did.
struct RemoteDestruction {
  bool applies = false;  // the category goes remote
  std::string bucket;
  uint64_t versions_deleted = 0;
  bool key_destroyed = false;
  uint64_t escrow_versions_deleted = 0;  // versions of the key's escrow copy deleted
};

struct PurgeCounters {
  std::atomic<uint64_t> runs{0}, destroyed{0}, erasures{0}, erased{0};
};

class Purger {
 public:
  using PolicySource = std::function<std::shared_ptr<const Policy>()>;
  // `names`, when given, gets back the names of the objects a purge or erasure destroys.
  Purger(store::Store& store, std::shared_ptr<store::MetaStore> meta, PolicySource policy,
         std::shared_ptr<const Holds> holds, std::shared_ptr<store::ObjectNames> names = nullptr);
  ~Purger();

  // reason: "schedule", "manual" or "erasure"; by: who asked ("schedule" or a user).
  // `only`: the categories to purge (a user's purge covers what their roles grant);
  // nothing: every category (the schedule).
  [[nodiscard]] Result<PurgeReport> run(int64_t now_us, bool dry_run, const std::string& reason,
                                        const std::string& by,
                                        const std::optional<std::set<std::string>>& only = std::nullopt);

  // Erasure of a person's records (subject requests): like a purge, but what goes is
  // what `erase` accepts in the given categories, never held records.
  [[nodiscard]] Result<PurgeReport> erase(const std::function<bool(const store::Event&)>& erase,
                                          const std::vector<std::string>& categories, const std::string& by,
                                          const std::string& rule);

  // For categories kept in a remote store (remote/shipper.h): `bucket` destroys the
  // remote bucket of a local one about to be dropped — before it is, so a failure leaves
  // both for the next run; `objects` deletes the remote copies of objects a rewrite
  // destroys. What they did goes into the receipts. Set before any run.
  using RemoteBucketDestroy = std::function<Result<RemoteDestruction>(const store::BucketInfo&)>;
  using RemoteObjectsDestroy =
      std::function<Result<RemoteDestruction>(const store::BucketInfo&, const std::vector<store::Event>&)>;
  // `rewritten` is told of each bucket a purge or erasure rewrote (its seal chain starts
  // anew: the remote anchors follow).
  void set_remote(RemoteBucketDestroy bucket, RemoteObjectsDestroy objects,
                  std::function<void(const store::BucketInfo&)> rewritten = {}) {
    remote_bucket_ = std::move(bucket);
    remote_objects_ = std::move(objects);
    remote_rewritten_ = std::move(rewritten);
  }

  // Turns receipts of destructions that happened (also before a crash) into ledger
  // receipts, one per purge and category.
  [[nodiscard]] Result<void> settle();

  // Starts the [purge] schedule on a thread of its own; stop_schedule() ends it.
  void start_schedule(std::function<int64_t(int64_t)> next_run);
  // Called after each scheduled run (for the audit trail). Set before start_schedule().
  const PurgeCounters& counters() const { return counters_; }
  void on_scheduled_run(std::function<void(const PurgeReport&)> callback) { on_scheduled_ = std::move(callback); }
  void stop_schedule();

 private:
  // Whether any hold keeps a record of this category in [from, until): a cheap index
  // lookup that lets whole buckets be dropped when no held record is in them.
  bool holds_may_keep(const std::string& category, int64_t from_us, int64_t until_us) const;
  // The names of the objects a bucket holds (object categories only).
  std::vector<std::string> object_names_in(const store::BucketInfo& bucket, int64_t from_us, int64_t until_us) const;
  // Frees the names of destroyed objects; a failure is logged (the name stays taken).
  void free_names(const std::string& category, const std::vector<std::string>& names) const;
  std::string pending_receipt(const std::string& purge_id, int64_t now_us, const std::string& category,
                              const store::BucketStats& destroyed, const std::string& reason, const std::string& by,
                              const std::string& rule, uint64_t held_back,
                              const std::map<std::string, uint64_t>& holds,
                              const RemoteDestruction& remote = {}) const;
  store::Store& store_;
  std::shared_ptr<store::MetaStore> meta_;
  PolicySource policy_;
  std::shared_ptr<const Holds> holds_;
  std::shared_ptr<store::ObjectNames> names_;
  std::mutex run_mutex_;
  std::mutex schedule_mutex_;
  std::condition_variable schedule_wake_;
  bool schedule_stop_ = false;
  std::thread schedule_thread_;
  std::function<void(const PurgeReport&)> on_scheduled_;
  PurgeCounters counters_;
  RemoteBucketDestroy remote_bucket_;
  RemoteObjectsDestroy remote_objects_;
  std::function<void(const store::BucketInfo&)> remote_rewritten_;
  // Deletes the remote copies of the bucket's objects that `goes` accepts, before a
  // rewrite destroys them here.
  Result<RemoteDestruction> destroy_remote_copies(const store::BucketInfo& bucket,
                                                  const std::function<bool(const store::Event&)>& goes);
};

}  // namespace hokan::retention
