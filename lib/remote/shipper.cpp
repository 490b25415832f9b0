#include "remote/shipper.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>

#include "core/sha256.h"
#include "core/time_format.h"
#include "retention/period.h"
#include "store/seal.h"
#include "remote/envelope.h"

namespace hokan::remote {
using nlohmann::json;
namespace {

constexpr char kJournal[] = "remote";
constexpr char kStillLocal[] = "remote-local";
constexpr char kHoldJobs[] = "remote-holds";
constexpr char kAnchorState[] = "remote-anchor";
// Where a bucket's anchored chain heads are kept in the ledger bucket: "chain/" holds
// seal::anchor_text; "heads/" (before) JSON with the time of anchoring.
constexpr char kChainLayout[] = "chain/";
constexpr char kHeadsLayout[] = "heads/";
// Parts of a multipart upload: S3 wants at least 5 MiB for every part but the last; 8
// MiB keeps a shipping object's memory at about two parts.
constexpr std::size_t kPartBytes = 8 << 20;
constexpr auto kFirstRetry = std::chrono::seconds(1);
constexpr auto kMaxRetry = std::chrono::seconds(60);
constexpr auto kLocalCheckEvery = std::chrono::seconds(10);

std::string hex16(uint64_t v) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(v));
  return text;
}

std::shared_ptr<spdlog::logger> logger() { return spdlog::get("remote"); }

store::Event object_from_journal(const json& j) {
  store::Event e;
  e.id = j.value("id", uint64_t{0});
  e.category = j.value("category", "");
  e.lane = j.value("lane", "");
  e.time_us = j.value("time_us", int64_t{0});
  e.object_size = j.value("size", uint64_t{0});
  e.object_marker = true;
  return e;
}

}  // namespace

Result<std::unique_ptr<Shipper>> Shipper::open(const config::Config::Remote& remote, const std::string& state_dir,
                                               store::Store& store, std::shared_ptr<store::MetaStore> meta,
                                               PolicySource policy, std::shared_ptr<const retention::Holds> holds) {
  auto keys = KeyStore::open(state_dir + "/remote/keys");
  if (!keys) return std::unexpected(keys.error());
  std::unique_ptr<Escrow> escrow;
  if (!remote.escrow_public_key.empty()) {
    auto loaded = Escrow::load(remote.escrow_public_key);
    if (!loaded) return std::unexpected(loaded.error());
    escrow = std::move(*loaded);
  }
  auto shipper = std::unique_ptr<Shipper>(
      new Shipper(remote, store, std::move(meta), std::move(policy), std::move(holds), std::move(*keys)));
  shipper->escrow_ = std::move(escrow);
  return shipper;
}

Shipper::Shipper(const config::Config::Remote& remote, store::Store& store, std::shared_ptr<store::MetaStore> meta,
                 PolicySource policy, std::shared_ptr<const retention::Holds> holds, std::unique_ptr<KeyStore> keys)
    : config_(remote),
      s3_(S3Options{remote.endpoint, remote.region, remote.access_key, remote.secret_key, remote.ca, 5, 30,
                    [this] { return stopping_flag_.load(std::memory_order_relaxed); }}),
      store_(store),
      meta_(std::move(meta)),
      policy_(std::move(policy)),
      holds_(std::move(holds)),
      keys_(std::move(keys)),
      keys_bucket_(remote.bucket_prefix + "keys"),
      ledger_bucket_(remote.bucket_prefix + "ledger"),
      categories_(remote.categories.begin(), remote.categories.end()) {}

Shipper::~Shipper() { stop(); }

void Shipper::start() {
  holds_pending_ = true;  // jobs a restart interrupted
  thread_ = std::thread([this] { run(); });
}

void Shipper::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stopping_flag_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Shipper::ships(const std::string& category) const { return categories_.contains(category); }

bool Shipper::shipped(uint64_t object_id) const {
  auto known = meta_->get(kJournal, hex16(object_id));
  return known && *known;
}

bool Shipper::has_key(const store::BucketInfo& b) const {
  std::string bucket = bucket_name(b.category, b.lane, b.year, b.month, b.day);
  auto key = keys_->find(bucket);
  return (key && *key) || keys_->destroyed(bucket);
}

void Shipper::bucket_rewritten(const store::BucketInfo& b) {
  std::lock_guard lock(mutex_);
  dirty_.emplace(b.category, b.lane, b.day_number());
}

std::string Shipper::bucket_name(const std::string& category, const std::string& lane, int year, int month,
                                 int day) const {
  // S3 bucket names take a-z 0-9 and '-': the category as far as it fits, and a hash of
  // (category, lane) that keeps every bucket of hokan's apart.
  std::string name = config_.bucket_prefix;
  for (char ch : category.substr(0, 20)) name.push_back(ch == '_' ? '-' : ch);
  name += "-" + core::sha256_hex(category + '\0' + lane).substr(0, 8);
  char date[16];
  std::snprintf(date, sizeof date, "-%04d%02d%02d", year, month, day);
  return name + date;
}

std::string Shipper::bucket_of(const store::Event& object) const {
  auto civil = policy_()->config().zone->to_civil(object.time_us);
  return bucket_name(object.category, object.lane, civil.year, civil.month, civil.day);
}

void Shipper::notice(const std::vector<store::Event>& batch) {
  bool any = false;
  // Which buckets the batch wrote, for anchoring: the day is looked up only when an
  // event leaves the day of the one before (this runs for every event).
  const core::TimeZone& zone = *policy_()->config().zone;
  int64_t day_begin = 0, day_end = 0;
  int day = 0;
  const store::Event* last = nullptr;
  std::vector<std::tuple<std::string, std::string, int>> written;
  for (const auto& e : batch) {
    bool same_day = e.time_us >= day_begin && e.time_us < day_end;
    if (!same_day) {
      auto c = zone.to_civil(e.time_us);
      day = c.year * 10000 + c.month * 100 + c.day;
      day_begin = zone.from_civil(core::CivilTime{c.year, c.month, c.day});
      int y, m, d;
      core::civil_from_days(core::days_from_civil(c.year, c.month, c.day) + 1, y, m, d);
      day_end = zone.from_civil(core::CivilTime{y, m, d});
    }
    if (!same_day || !last || last->category != e.category || last->lane != e.lane)
      written.emplace_back(e.category, e.lane, day);
    last = &e;
  }
  {
    std::lock_guard lock(mutex_);
    dirty_.insert(written.begin(), written.end());
    for (const auto& e : batch) {
      if (!e.is_object() || !categories_.contains(e.category) || !queued_ids_.insert(e.id).second) continue;
      // The whole record: holds match its host, camera and case, which decide its lock.
      queue_.push_back(e);
      backlog_bytes_.fetch_add(e.object_size, std::memory_order_relaxed);
      any = true;
    }
  }
  if (any) wake_.notify_one();
}

void Shipper::reconcile() {
  // A restart between an object's record and its upload leaves it unshipped: every
  // object of a remote category still here and not in the journal goes to the queue.
  store::ScanQuery q;
  q.categories.assign(categories_.begin(), categories_.end());
  std::vector<store::Event> found;
  (void)store_.scan(q, [&](store::Event& e) {
    if (e.is_object()) {
      auto known = meta_->get(kJournal, hex16(e.id));
      if (known && !*known) found.push_back(e);
    }
    std::lock_guard lock(mutex_);
    return !stopping_;
  });
  if (!found.empty())
    if (auto log = logger()) log->info("{} objects wait to be shipped to {}", found.size(), config_.endpoint);
  notice(found);
}

void Shipper::hold_changed(const retention::Hold& hold) {
  // Stored before anything is done: a restart picks the job up where it was.
  std::string key = hex16(static_cast<uint64_t>(core::now_us())) + hold.name;
  if (auto stored = meta_->put(kHoldJobs, key, retention::hold_to_text(hold)); !stored)
    if (auto log = logger()) log->error("legal hold {}: remote objects not updated: {}", hold.name, stored.error().message);
  {
    std::lock_guard lock(mutex_);
    holds_pending_ = true;
  }
  wake_.notify_one();
}

bool Shipper::kept_by_hold_or_case(const store::Event& object) const {
  if (holds_ && !holds_->holding(object).empty()) return true;
  auto civil = policy_()->config().zone->to_civil(object.time_us);
  store::BucketInfo info{object.category, object.lane, civil.year, civil.month, civil.day, ""};
  return !policy_()->record_expiry(info, object);  // an open case
}

Result<uint64_t> Shipper::sync_hold(const retention::Hold& hold) {
  store::ScanQuery q = hold.filter.scan_query();
  q.categories.clear();
  for (const auto& c : categories_)
    if (hold.filter.categories.empty() ||
        std::find(hold.filter.categories.begin(), hold.filter.categories.end(), c) != hold.filter.categories.end())
      q.categories.push_back(c);
  if (q.categories.empty()) return 0;
  // Covered objects that were shipped, by remote bucket: one version listing each.
  std::map<std::string, std::vector<std::pair<std::string, bool>>> by_bucket;  // bucket -> (key, hold on)
  auto scanned = store_.scan(q, [&](store::Event& e) {
    if (!e.is_object() || !hold.filter.matches(e)) return true;
    auto known = meta_->get(kJournal, hex16(e.id));
    if (known && *known) by_bucket[bucket_of(e)].emplace_back(hex16(e.id), kept_by_hold_or_case(e));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  uint64_t updated = 0;
  for (const auto& [bucket, objects] : by_bucket) {
    auto versions = s3_.list_versions(bucket);
    if (!versions) return std::unexpected(versions.error());
    for (const auto& [key, on] : objects)
      for (const auto& v : *versions) {
        if (v.key != key || v.delete_marker) continue;
        if (auto set = s3_.set_legal_hold(bucket, v, on); !set) return std::unexpected(set.error());
        ++updated;
      }
  }
  return updated;
}

void Shipper::sync_holds() {
  auto jobs = meta_->list(kHoldJobs);
  if (!jobs) return;
  for (const auto& [key, text] : *jobs) {
    auto hold = retention::hold_from_text(text);
    if (!hold) {
      (void)meta_->erase(kHoldJobs, key);
      continue;
    }
    auto updated = sync_hold(*hold);
    if (!updated) {
      // Left stored: the next pass (or a restart) tries again.
      if (auto log = logger()) log->error("legal hold {}: remote objects not updated yet: {}", hold->name, updated.error().message);
      std::lock_guard lock(mutex_);
      holds_pending_ = true;
      return;
    }
    (void)meta_->erase(kHoldJobs, key);
    if (auto log = logger()) log->info("legal hold {}: {} remote object versions brought in line", hold->name, *updated);
    if (on_hold_synced_) on_hold_synced_(hold->name, *updated);
  }
}

void Shipper::run() {
  reconcile();
  auto retry = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetry);
  auto next_local_check = std::chrono::steady_clock::now();
  auto next_anchor = std::chrono::steady_clock::now() + std::chrono::seconds(config_.anchor_seconds);
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (std::chrono::steady_clock::now() >= next_local_check) {
      lock.unlock();
      remove_expired_local();
      lock.lock();
      next_local_check = std::min(std::chrono::steady_clock::now() + kLocalCheckEvery, next_anchor);
    }
    if (std::chrono::steady_clock::now() >= next_anchor) {
      lock.unlock();
      anchor();
      lock.lock();
      next_anchor = std::chrono::steady_clock::now() + std::chrono::seconds(config_.anchor_seconds);
      next_local_check = std::min(next_local_check, next_anchor);
    }
    if (holds_pending_) {
      holds_pending_ = false;
      lock.unlock();
      sync_holds();
      lock.lock();
      continue;
    }
    if (queue_.empty()) {
      wake_.wait_until(lock, next_local_check, [&] { return stopping_ || holds_pending_ || !queue_.empty(); });
      continue;
    }
    store::Event object = queue_.front();
    lock.unlock();
    auto started = std::chrono::steady_clock::now();
    auto shipped = ship(object);
    lock.lock();
    if (shipped) {
      queue_.pop_front();
      queued_ids_.erase(object.id);
      backlog_bytes_.fetch_sub(std::min(backlog_bytes_.load(), object.object_size), std::memory_order_relaxed);
      last_upload_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!trouble_.empty())
        if (auto log = logger()) log->info("shipping again to {}", config_.endpoint);
      trouble_.clear();
      retry = std::chrono::duration_cast<std::chrono::milliseconds>(kFirstRetry);
      continue;
    }
    errors_.fetch_add(1, std::memory_order_relaxed);
    if (trouble_ != shipped.error().message)
      if (auto log = logger())
        log->error("object {} not shipped (kept here, retried in {} s): {}", object.id, retry.count() / 1000,
                   shipped.error().message);
    trouble_ = shipped.error().message;
    // Nothing is dropped: the object goes to the back of the queue, so one that keeps
    // failing (a damaged local copy) does not hold back every other.
    if (queue_.size() > 1 && queue_.front().id == object.id) {
      queue_.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    wake_.wait_for(lock, retry, [&] { return stopping_; });
    retry = std::min<std::chrono::milliseconds>(retry * 2, kMaxRetry);
  }
}

Result<void> Shipper::ship(const store::Event& object) {
  auto known = meta_->get(kJournal, hex16(object.id));
  if (!known) return std::unexpected(known.error());
  if (*known) return {};  // shipped before a restart
  auto local = store_.object_is_local(object);
  if (!local) return std::unexpected(local.error());
  if (!*local) return {};  // purged meanwhile: nothing left to ship
  auto policy = policy_();
  auto civil = policy->config().zone->to_civil(object.time_us);
  store::BucketInfo info{object.category, object.lane, civil.year, civil.month, civil.day, ""};
  ObjectLock lock;
  bool held = holds_ && !holds_->holding(object).empty();
  if (auto until = policy->record_expiry(info, object)) {
    // Already due for destruction: the next purge removes it here, unless a hold keeps
    // it; shipping it would only make a copy that must then be destroyed too.
    if (*until <= core::now_us() + 60'000'000 && !held) return {};
    if (*until > core::now_us() + 60'000'000) lock.retain_until_us = *until;
  } else {
    held = true;  // an open case: kept until it closes, whenever that is
  }
  lock.legal_hold = held;
  std::string bucket = bucket_name(object.category, object.lane, civil.year, civil.month, civil.day);
  std::string key = hex16(object.id);
  std::lock_guard guard(destroy_mutex_);
  auto data_key = keys_->key_for(bucket);
  if (!data_key) {
    if (data_key.error().code == Errc::permission_denied) return {};  // the bucket was destroyed
    return std::unexpected(data_key.error());
  }
  if (auto escrowed = ensure_escrowed(bucket, *data_key); !escrowed) return escrowed;
  if (!buckets_made_.contains(bucket)) {
    if (auto made = s3_.create_bucket(bucket); !made) return made;
    buckets_made_.insert(bucket);
  }
  auto etag = upload(bucket, key, object, *data_key, lock);
  if (!etag) return std::unexpected(etag.error());
  auto head = s3_.head_object(bucket, key);
  if (!head) return std::unexpected(head.error());
  const uint64_t expected = sealed_size(object.object_size);
  if (!*head || (*head)->size != expected || (*head)->etag != *etag)
    return fail(Errc::io, "uploaded " + bucket + "/" + key + " does not verify: " +
                              (*head ? "size " + std::to_string((*head)->size) + " (expected " +
                                           std::to_string(expected) + "), ETag " + (*head)->etag + " (expected " + *etag + ")"
                                     : std::string("it answers 404")));
  int64_t now = core::now_us();
  json entry{{"id", object.id},     {"category", object.category}, {"lane", object.lane}, {"time_us", object.time_us},
             {"size", object.object_size}, {"bucket", bucket},     {"key", key},          {"etag", *etag},
             {"shipped_us", now}};
  if (auto put = meta_->put(kJournal, key, entry.dump()); !put) return put;
  if (auto put = meta_->put(kStillLocal, hex16(static_cast<uint64_t>(now)) + key, entry.dump()); !put) return put;
  uploaded_.fetch_add(1, std::memory_order_relaxed);
  uploaded_bytes_.fetch_add(object.object_size, std::memory_order_relaxed);
  return {};
}

Result<void> Shipper::ensure_escrowed(const std::string& bucket, const DataKey& key) {
  // Before the first object encrypted with it leaves: a key that only this disk holds
  // would take every remote copy with it when the disk goes.
  if (!escrow_ || keys_->escrowed(bucket)) return {};
  if (!buckets_made_.contains(keys_bucket_)) {
    // No Object Lock here: an escrow copy must be deletable when its key is destroyed.
    if (auto made = s3_.create_bucket(keys_bucket_, false); !made) return made;
    buckets_made_.insert(keys_bucket_);
  }
  auto wrapped = escrow_->wrap(key);
  if (!wrapped) return std::unexpected(wrapped.error());
  if (auto put = s3_.put_object(keys_bucket_, bucket + ".key", *wrapped, ObjectLock{}, {}); !put) return put;
  return keys_->mark_escrowed(bucket);
}

Result<std::string> Shipper::upload(const std::string& bucket, const std::string& key, const store::Event& object,
                                    const DataKey& data_key, const ObjectLock& lock) {
  const uint64_t sealed = sealed_size(object.object_size);
  std::string part;
  part.reserve(std::min<uint64_t>(sealed, kPartBytes + kFrameBytes + kTagBytes));
  std::optional<std::string> upload_id;
  std::vector<std::string> etags;
  Result<void> failed;
  // One part uploads while the next is read and encrypted: the store and this machine
  // work at once, with two parts in memory at the most.
  std::string sending;  // declared first: the future's destructor waits for the upload reading it
  std::future<Result<std::string>> in_flight;
  auto wait_in_flight = [&]() -> Result<void> {
    if (!in_flight.valid()) return {};
    auto etag = in_flight.get();
    if (!etag) return std::unexpected(etag.error());
    etags.push_back(*etag);
    return {};
  };
  auto send_part = [&]() -> Result<void> {
    if (!upload_id) {
      auto id = s3_.start_multipart(bucket, key, lock, {});
      if (!id) return std::unexpected(id.error());
      upload_id = *id;
    }
    if (auto previous = wait_in_flight(); !previous) return previous;
    sending.swap(part);
    part.clear();
    int number = static_cast<int>(etags.size() + 1);
    in_flight = std::async(std::launch::async, [this, &bucket, &key, &upload_id, &sending, number]() -> Result<std::string> {
      // The part's MD5, here beside the next part's encryption: the store's ETag must
      // equal it, or the bytes it keeps are not the bytes sent.
      std::string md5 = core::hex(core::md5(sending));
      auto etag = s3_.put_part(bucket, key, *upload_id, number, sending);
      if (!etag) return etag;
      std::string answered = *etag;
      std::erase(answered, '"');
      if (answered != md5)
        return fail(Errc::io, "part " + std::to_string(number) + " of " + bucket + "/" + key + ": the store's ETag " +
                                  answered + " is not the part's MD5 " + md5);
      return etag;
    });
    return {};
  };
  Encryptor encryptor(data_key, object.id, key, [&](std::string_view bytes) -> Result<void> {
    part.append(bytes);
    if (sealed > kPartBytes && part.size() >= kPartBytes) return send_part();
    return {};
  });
  auto read = store_.read_object(object, [&](std::string_view plain) {
    failed = encryptor.append(plain);
    return static_cast<bool>(failed);
  });
  if (read && failed) failed = encryptor.finish();
  auto give_up = [&](const Error& e) -> Result<std::string> {
    if (in_flight.valid()) in_flight.wait();
    if (upload_id) s3_.abort_multipart(bucket, key, *upload_id);
    return std::unexpected(e);
  };
  if (!read) return give_up(read.error());
  if (!failed) return give_up(failed.error());
  if (!upload_id) {
    if (auto put = s3_.put_object(bucket, key, part, lock, {}); !put) return give_up(put.error());
    return core::hex(core::md5(part));
  }
  if (!part.empty())
    if (auto sent = send_part(); !sent) return give_up(sent.error());
  if (auto last = wait_in_flight(); !last) return give_up(last.error());
  auto version = s3_.complete_multipart(bucket, key, *upload_id, etags);
  if (!version) return give_up(version.error());
  // RGW drops the lock headers of a multipart initiate: the new version is locked now,
  // before the upload counts as shipped (a failure here retries the whole object).
  ObjectVersion v{key, *version, 0, false};
  if (lock.retain_until_us)
    if (auto locked = s3_.set_retention(bucket, v, *lock.retain_until_us); !locked) return std::unexpected(locked.error());
  if (lock.legal_hold)
    if (auto held = s3_.set_legal_hold(bucket, v, true); !held) return std::unexpected(held.error());
  // S3's multipart ETag: the MD5 of the parts' MD5s (the ETags the store answered),
  // and their count; HEAD must show the same, or the object is not what was sent.
  std::string md5s;
  for (auto etag : etags) {
    std::erase(etag, '"');
    for (std::size_t i = 0; i + 1 < etag.size(); i += 2) {
      unsigned byte = 0;
      std::from_chars(etag.data() + i, etag.data() + i + 2, byte, 16);  // a bad ETag fails the HEAD check
      md5s.push_back(static_cast<char>(byte));
    }
  }
  return core::hex(core::md5(md5s)) + "-" + std::to_string(etags.size());
}

void Shipper::remove_expired_local() {
  auto still = meta_->list(kStillLocal);
  if (!still) return;
  int64_t now = core::now_us();
  for (const auto& [journal_key, text] : *still) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded()) continue;
    if (j.value("shipped_us", int64_t{0}) + config_.keep_local_seconds * 1'000'000 > now) break;  // in time order
    auto object = object_from_journal(j);
    auto removed = store_.remove_object_bytes(object);
    if (!removed) {
      if (auto log = logger()) log->warn("local bytes of shipped object {} not removed yet: {}", object.id, removed.error().message);
      continue;
    }
    (void)meta_->erase(kStillLocal, journal_key);
    removed_local_.fetch_add(1, std::memory_order_relaxed);
  }
}

Result<void> Shipper::read(const store::Event& metadata, const std::function<bool(std::string_view)>& sink) const {
  std::string key = hex16(metadata.id);
  auto known = meta_->get(kJournal, key);
  if (!known) return std::unexpected(known.error());
  if (!*known) return fail(Errc::not_found, "the object is neither here nor in the remote store");
  json j = json::parse(**known, nullptr, false);
  std::string bucket = j.is_discarded() ? "" : j.value("bucket", "");
  auto data_key = keys_->find(bucket);
  if (!data_key) return std::unexpected(data_key.error());
  if (!*data_key) return fail(Errc::not_found, "the object's remote bucket was destroyed");
  Result<void> decrypted;
  bool stopped = false;
  Decryptor decryptor(**data_key, metadata.id, key, [&](std::string_view plain) -> Result<void> {
    if (!stopped && !sink(plain)) stopped = true;
    return {};
  });
  auto got = s3_.get_object(bucket, key, [&](std::string_view bytes) {
    decrypted = decryptor.append(bytes);
    return static_cast<bool>(decrypted) && !stopped;
  });
  if (!decrypted) return decrypted;
  if (!got) return got;
  if (stopped) return {};
  return decryptor.finish();
}

Result<void> Shipper::delete_versions(const std::vector<ObjectVersion>& versions, const std::set<std::string>& keys,
                                      RemoteDestroyed& done) {
  for (const auto& v : versions) {
    if (!keys.contains(v.key)) continue;
    // The purge decided nothing holds these any more (a case-clock object was uploaded
    // under legal hold until its case closed).
    if (!v.delete_marker) (void)s3_.set_legal_hold(done.bucket, v, false);
    if (auto deleted = s3_.delete_version(done.bucket, v); !deleted) return deleted;
    ++done.versions_deleted;
  }
  return {};
}

void Shipper::forget_still_local(const std::set<std::string>& keys) {
  if (auto still = meta_->list(kStillLocal))
    for (const auto& [journal_key, text] : *still)
      if (keys.contains(journal_key.substr(16))) (void)meta_->erase(kStillLocal, journal_key);
}

Result<void> Shipper::confirm_gone(const std::set<std::string>& keys, RemoteDestroyed& done) {
  for (const auto& key : keys) {
    auto head = s3_.head_object(done.bucket, key);
    if (!head) return std::unexpected(head.error());
    if (*head) return fail(Errc::io, done.bucket + "/" + key + " still answers after every version was deleted");
    ++done.objects_checked;
    (void)meta_->erase(kJournal, key);
  }
  return {};
}

Result<RemoteDestroyed> Shipper::destroy_bucket(const store::BucketInfo& info) {
  RemoteDestroyed done;
  done.bucket = bucket_name(info.category, info.lane, info.year, info.month, info.day);
  std::lock_guard guard(destroy_mutex_);
  auto versions = s3_.list_versions(done.bucket);
  if (!versions) return std::unexpected(versions.error());
  std::set<std::string> keys;
  for (const auto& v : *versions) keys.insert(v.key);  // the whole bucket: delete markers too
  if (auto deleted = delete_versions(*versions, keys, done); !deleted) return std::unexpected(deleted.error());
  // The key goes whatever the store still keeps (replicas, space not yet reclaimed):
  // without it none of that can be read.
  const bool destroyed_before = keys_->destroyed(done.bucket);  // a retry of a purge that got this far
  auto destroyed = keys_->destroy(done.bucket);
  if (!destroyed) return std::unexpected(destroyed.error());
  done.key_destroyed = *destroyed || destroyed_before;
  {
    // Its escrow copy goes too; what the store keeps of it until garbage collection
    // opens only with the offline private key.
    auto copies = s3_.list_versions(keys_bucket_, done.bucket + ".key");
    if (!copies) return std::unexpected(copies.error());
    for (const auto& v : *copies) {
      if (v.key != done.bucket + ".key") continue;
      if (auto deleted = s3_.delete_version(keys_bucket_, v); !deleted) return std::unexpected(deleted.error());
      ++done.escrow_versions_deleted;
    }
  }
  if (auto gone = confirm_gone(keys, done); !gone) return std::unexpected(gone.error());
  // (buckets_made_ may still name it: no upload goes there again, as its key is gone.)
  (void)s3_.delete_bucket(done.bucket);
  forget_still_local(keys);
  return done;
}

Result<RemoteDestroyed> Shipper::destroy_objects(const store::BucketInfo& info, const std::vector<store::Event>& objects) {
  RemoteDestroyed done;
  done.bucket = bucket_name(info.category, info.lane, info.year, info.month, info.day);
  std::set<std::string> keys;
  for (const auto& o : objects) keys.insert(hex16(o.id));
  std::lock_guard guard(destroy_mutex_);
  auto versions = s3_.list_versions(done.bucket);
  if (!versions) return std::unexpected(versions.error());
  if (auto deleted = delete_versions(*versions, keys, done); !deleted) return std::unexpected(deleted.error());
  if (auto gone = confirm_gone(keys, done); !gone) return std::unexpected(gone.error());
  forget_still_local(keys);
  return done;
}

std::string Shipper::head_key(const std::string& category, const std::string& lane, int day, const char* layout) const {
  return std::string(layout) + category + "/" + lane + "/" + store::day_text(day);
}

void Shipper::anchor() {
  std::set<std::tuple<std::string, std::string, int>> dirty;
  {
    std::lock_guard lock(mutex_);
    dirty.swap(dirty_);
  }
  auto policy = policy_();
  const auto& zone = *policy->config().zone;
  int64_t now = core::now_us();
  ObjectLock lock;
  lock.retain_until_us = retention::expiry_of(now, policy->config().ledger.retention, zone);
  auto put_back = [&](const Error& e) {
    if (auto log = logger()) log->error("anchoring to {} failed (tried again next round): {}", ledger_bucket_, e.message);
    errors_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard guard(mutex_);
    dirty_.insert(dirty.begin(), dirty.end());
  };
  auto state = meta_->get(kAnchorState, "receipts_since");
  int64_t receipts_since = state && *state ? std::strtoll((*state)->c_str(), nullptr, 10) : 0;
  auto receipts = meta_->ledger(receipts_since);
  if (dirty.empty() && (!receipts || receipts->empty())) return;
  if (!buckets_made_.contains(ledger_bucket_)) {
    if (auto made = s3_.create_bucket(ledger_bucket_); !made) return put_back(made.error());
    buckets_made_.insert(ledger_bucket_);
  }
  for (const auto& [category, lane, day] : dirty) {
    store::BucketInfo info{category, lane, day / 10000, day / 100 % 100, day % 100, ""};
    auto head = store_.seal_head(info);
    if (!head) return put_back(head.error());
    if (!*head) continue;  // destroyed meanwhile
    // Each round is a new version of the bucket's key: the store keeps them all, locked,
    // and lists each with its ETag, the MD5 of this text (see seal::anchor_text).
    const std::string text = store::seal::anchor_text(category, lane, store::day_text(day), (*head)->links, (*head)->head);
    if (auto put = s3_.put_object(ledger_bucket_, head_key(category, lane, day, kChainLayout), text, lock, {}); !put)
      return put_back(put.error());
  }
  if (receipts && !receipts->empty()) {
    std::string body;
    for (const auto& r : *receipts) body += r + "\n";
    if (auto put = s3_.put_object(ledger_bucket_, "receipts/" + hex16(static_cast<uint64_t>(now)), body, lock, {}); !put)
      return put_back(put.error());
    // The cursor is the receipts' own time (a purge's start), not this round's: a purge
    // that spans a round files receipts dated before it.
    int64_t latest = receipts_since;
    for (const auto& r : *receipts) {
      json j = json::parse(r, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      if (auto t = core::parse_rfc3339(j.value("time", "")); t) latest = std::max(latest, *t + 1);
    }
    (void)meta_->put(kAnchorState, "receipts_since", std::to_string(latest));
  }
}

Result<std::vector<store::Store::Anchor>> Shipper::anchored_head(const store::BucketInfo& b) const {
  // Every version anchored, not only the first and the latest: whoever holds this
  // machine's credentials can add a version naming a forged chain, but cannot remove
  // those before it, and a chain rewritten after the first anchor passes through the
  // first and through a forged latest one.
  std::vector<store::Store::Anchor> out;
  const int day = b.day_number();
  auto deleted = [&](const std::string& key) {
    out.push_back({~uint64_t{0}, "deleted", "a delete marker in " + ledger_bucket_ + "/" + key, ""});
  };
  // The current layout: each version is checked by the ETag the listing gives.
  const std::string key = head_key(b.category, b.lane, day, kChainLayout);
  auto versions = s3_.list_versions(ledger_bucket_, key);
  if (!versions) return std::unexpected(versions.error());
  for (const auto& v : *versions) {
    if (v.key != key) continue;
    if (v.delete_marker) deleted(key);
    else out.push_back({0, "", v.last_modified, v.etag.empty() ? "none listed" : v.etag});
  }
  // The layout before (JSON with the time, which no check can recompute): each version
  // is fetched.
  const std::string old_key = head_key(b.category, b.lane, day, kHeadsLayout);
  auto old_versions = s3_.list_versions(ledger_bucket_, old_key);
  if (!old_versions) return std::unexpected(old_versions.error());
  for (const auto& v : *old_versions) {
    if (v.key != old_key) continue;
    if (v.delete_marker) {
      deleted(old_key);
      continue;
    }
    std::string body;
    auto got = s3_.get_object(
        ledger_bucket_, old_key,
        [&](std::string_view bytes) {
          body.append(bytes);
          return body.size() < (1 << 16);
        },
        v.version_id);
    if (!got) return std::unexpected(got.error());
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return fail(Errc::corruption, "the anchored head " + old_key + " is not JSON");
    out.push_back({j.value("links", uint64_t{0}), j.value("head", ""), j.value("at", ""), ""});
  }
  return out;
}

ShipperStatus Shipper::status() const {
  ShipperStatus s;
  {
    std::lock_guard lock(mutex_);
    s.backlog_objects = queue_.size();
    s.trouble = trouble_;
  }
  s.backlog_bytes = backlog_bytes_.load(std::memory_order_relaxed);
  s.uploaded = uploaded_.load(std::memory_order_relaxed);
  s.uploaded_bytes = uploaded_bytes_.load(std::memory_order_relaxed);
  s.errors = errors_.load(std::memory_order_relaxed);
  s.removed_local = removed_local_.load(std::memory_order_relaxed);
  s.last_upload_seconds = last_upload_seconds_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace hokan::remote
