// Ships objects of the [remote] categories to the S3 store, after they are durable here:
// each one encrypted (envelope.h) under its remote bucket's data key, uploaded with
// COMPLIANCE retention until its earliest lawful destruction (or under legal hold while
// its case is open), verified by size and ETag, then recorded in the journal; once
// keep_local has passed, its local bytes are removed. The local store is the spool: an
// object waits here while the remote is down or slow, and is retried with backoff.
// Also reads shipped objects back, and destroys a remote bucket for a purge: every
// version deleted, the data key destroyed, the objects checked to answer 404.
//
// The journal lives in the metadata store: space "remote" (object id -> where it went),
// and "remote-local" (objects shipped whose local bytes are still here). Its keys and the
// remote names (bucket "<prefix><category>-<hash of lane>-<yyyymmdd>", key = object id)
// hold no personal data.
// Thread-safety: notice(), read(), destroy_bucket() and status() are safe from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "remote/escrow.h"
#include "remote/key_store.h"
#include "remote/s3_client.h"
#include "retention/holds.h"
#include "retention/policy.h"
#include "store/meta.h"
#include "store/store.h"

namespace hokan::remote {

struct ShipperStatus {
  uint64_t backlog_objects = 0, backlog_bytes = 0;
  uint64_t uploaded = 0, uploaded_bytes = 0, errors = 0, removed_local = 0;
  double last_upload_seconds = 0;
  std::string trouble;  // why uploads fail now, or empty
};

// What destroying one remote bucket did, for the ledger receipt.
struct RemoteDestroyed {
  std::string bucket;
  uint64_t versions_deleted = 0;
  bool key_destroyed = false;     // a key existed and is gone now
  uint64_t escrow_versions_deleted = 0;  // versions of its escrow copy deleted
  uint64_t objects_checked = 0;   // all answered 404 afterwards
};

class Shipper {
 public:
  using PolicySource = std::function<std::shared_ptr<const retention::Policy>()>;
  // Errors: io when the key folder cannot be made.
  [[nodiscard]] static Result<std::unique_ptr<Shipper>> open(const config::Config::Remote& remote,
                                                             const std::string& state_dir, store::Store& store,
                                                             std::shared_ptr<store::MetaStore> meta,
                                                             PolicySource policy,
                                                             std::shared_ptr<const retention::Holds> holds);
  ~Shipper();  // stop()

  // Starts the shipping thread: first it finds objects a restart left unshipped.
  void start();
  void stop();
  // A writer observer: queues the objects of remote categories among `batch`.
  void notice(const std::vector<store::Event>& batch);
  // A legal hold was placed or released: the S3 legal hold of every shipped object it
  // covers is brought in line with the holds now in place (ON while any hold, or an open
  // case, keeps the object; OFF otherwise). The job is stored first, so a restart
  // finishes it; the shipping thread runs it between uploads, a bucket listing at a time.
  void hold_changed(const retention::Hold& hold);
  // Called when a hold's remote legal holds are in line (for the audit trail).
  void on_hold_synced(std::function<void(const std::string& hold, uint64_t objects)> callback) {
    on_hold_synced_ = std::move(callback);
  }

  bool ships(const std::string& category) const;
  // Whether the object was shipped and verified (its journal entry).
  bool shipped(uint64_t object_id) const;
  // Whether a data key exists (or existed) for the remote bucket of this local bucket.
  bool has_key(const store::BucketInfo& bucket) const;
  // A purge or erasure rewrote this bucket: its new chain is anchored next round.
  void bucket_rewritten(const store::BucketInfo& bucket);
  // The remote bucket an object of (category, lane, local day) goes to.
  std::string bucket_name(const std::string& category, const std::string& lane, int year, int month, int day) const;

  // Streams a shipped object's bytes, decrypted. Errors: not_found when the object was
  // never shipped or its bucket was destroyed; io; corruption when a frame fails to
  // verify.
  [[nodiscard]] Result<void> read(const store::Event& metadata, const std::function<bool(std::string_view)>& sink) const;
  // For a purge: deletes every version in the remote bucket of `bucket` (its legal holds
  // released first: the purge decided nothing holds them), destroys the data key,
  // checks each object answers 404 and forgets them. Errors: io, leaving the bucket for
  // the next purge.
  [[nodiscard]] Result<RemoteDestroyed> destroy_bucket(const store::BucketInfo& bucket);
  // For a purge that keeps the rest of a bucket (a hold, a partly expired day): deletes
  // every version of these objects; the key stays, as the bucket's other objects need
  // it. Errors: io.
  [[nodiscard]] Result<RemoteDestroyed> destroy_objects(const store::BucketInfo& bucket,
                                                        const std::vector<store::Event>& objects);

  // For verify --remote: every head anchored for the bucket (a forged newer version
  // cannot stand in for those before it), by the ETag its listing gives, fetching none;
  // those of the layout before, fetched. A delete marker among them is an anchor
  // nothing passes through.
  // Errors: io.
  [[nodiscard]] Result<std::vector<store::Store::Anchor>> anchored_head(const store::BucketInfo& bucket) const;

  ShipperStatus status() const;
  const KeyStore& keys() const { return *keys_; }

 private:
  Shipper(const config::Config::Remote& remote, store::Store& store, std::shared_ptr<store::MetaStore> meta,
          PolicySource policy, std::shared_ptr<const retention::Holds> holds, std::unique_ptr<KeyStore> keys);
  void sync_holds();
  // Tamper evidence anchored off the machine: the chain heads of the buckets written
  // since the last round, and the ledger receipts since then, into the Object-Locked
  // "<prefix>ledger" bucket, retained as long as the ledger ([ledger] retention).
  void anchor();
  // The ledger bucket's key for a bucket's anchored heads, in `layout` ("chain/" or
  // "heads/", see shipper.cpp).
  std::string head_key(const std::string& category, const std::string& lane, int day, const char* layout) const;
  Result<uint64_t> sync_hold(const retention::Hold& hold);
  bool kept_by_hold_or_case(const store::Event& object) const;
  void run();
  void reconcile();
  Result<void> ship(const store::Event& object);
  Result<std::string> upload(const std::string& bucket, const std::string& key, const store::Event& object,
                             const DataKey& data_key, const ObjectLock& lock);
  void remove_expired_local();
  // Deletes every version and delete marker of `keys`, releasing legal holds first.
  Result<void> delete_versions(const std::vector<ObjectVersion>& versions, const std::set<std::string>& keys,
                               RemoteDestroyed& done);
  void forget_still_local(const std::set<std::string>& keys);
  // Checks each key answers 404 now, and forgets it in the journal.
  Result<void> confirm_gone(const std::set<std::string>& keys, RemoteDestroyed& done);
  std::string bucket_of(const store::Event& object) const;

  config::Config::Remote config_;
  S3Client s3_;
  store::Store& store_;
  std::shared_ptr<store::MetaStore> meta_;
  PolicySource policy_;
  std::shared_ptr<const retention::Holds> holds_;
  std::unique_ptr<KeyStore> keys_;
  std::unique_ptr<Escrow> escrow_;  // null without [remote] escrow_public_key
  std::string keys_bucket_;
  Result<void> ensure_escrowed(const std::string& bucket, const DataKey& key);
  std::function<void(const std::string&, uint64_t)> on_hold_synced_;
  bool holds_pending_ = false;  // under mutex_
  // Buckets written since the last anchoring: (category, lane, yyyymmdd). Under mutex_.
  std::set<std::tuple<std::string, std::string, int>> dirty_;
  std::string ledger_bucket_;
  std::set<std::string> categories_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<store::Event> queue_;
  std::set<uint64_t> queued_ids_;
  bool stopping_ = false;
  std::atomic<bool> stopping_flag_{false};  // read by transfers in flight
  std::thread thread_;
  std::set<std::string> buckets_made_;  // shipping thread only
  std::mutex destroy_mutex_;            // a purge and an upload to one bucket never overlap

  std::atomic<uint64_t> backlog_bytes_{0}, uploaded_{0}, uploaded_bytes_{0}, errors_{0}, removed_local_{0};
  std::atomic<double> last_upload_seconds_{0};
  std::string trouble_;  // under mutex_
};

}  // namespace hokan::remote
