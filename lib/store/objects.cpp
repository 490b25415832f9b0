// Objects (footage segments, scanned documents): their bytes as 1 MiB chunks in the
// bucket of their start time, beside the metadata record the writer stores.
#include <rocksdb/db.h>

#include "store/codec.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;

namespace {

// Deletes an object's chunks and compacts them out at once: a blob file that held only
// them goes, and forced blob GC (off for object buckets, see configure_rocksdb) rewrites
// blob files shared with other objects without them, so the bytes leave the disk now,
// not at some later compaction. Under the bucket's write_mutex.
rocksdb::Status erase_object_chunks(Bucket& b, uint64_t id, bool sync) {
  std::string begin = codec::object_prefix(id), end = codec::object_prefix(id + 1);
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  if (auto s = b.store.db->DeleteRange(wo, b.store.records, begin, end); !s.ok()) return s;
  rocksdb::CompactRangeOptions compact;
  compact.blob_garbage_collection_policy = rocksdb::BlobGarbageCollectionPolicy::kForce;
  rocksdb::Slice from(begin), to(end);
  return b.store.db->CompactRange(compact, b.store.records, &from, &to);
}

constexpr std::size_t kChunkBytes = 1 << 20;

class BucketObjectUpload : public ObjectUpload {
 public:
  BucketObjectUpload(const Store::Impl& impl, std::shared_ptr<Bucket> bucket, uint64_t id, SyncMode sync)
      : impl_(impl), bucket_(std::move(bucket)), id_(id), sync_(sync) {
    chunk_.reserve(kChunkBytes);
  }
  ~BucketObjectUpload() override {
    if (!finished_) abort();
  }
  Result<void> append(std::string_view bytes) override {
    while (!bytes.empty()) {
      // The HTTP side hands over whole 1 MiB pieces: those go to the memtable as they
      // are, sparing a copy of every byte; only ragged pieces gather in chunk_.
      if (chunk_.empty() && bytes.size() >= kChunkBytes) {
        if (auto r = put_chunk(bytes.substr(0, kChunkBytes)); !r) return r;
        bytes.remove_prefix(kChunkBytes);
        size_ += kChunkBytes;
        continue;
      }
      std::size_t take = std::min(bytes.size(), kChunkBytes - chunk_.size());
      chunk_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      size_ += take;
      if (chunk_.size() == kChunkBytes)
        if (auto r = flush_chunk(); !r) return r;
    }
    return {};
  }
  Result<void> finish() override {
    if (!chunk_.empty())
      if (auto r = flush_chunk(); !r) return r;
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped) return fail(Errc::unavailable, "the bucket was purged during the upload");
    // Chunks skip the WAL (writing 100 MB twice would halve the speed); a flush puts them
    // in synced blob files instead, which is what makes the upload durable.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    auto s = bucket_->store.db->Flush(flush, bucket_->store.records);
    if (!s.ok()) {
      bucket_->store.failed = true;
      return std::unexpected(status_error(s, "flush " + bucket_->path));
    }
    (void)sync_;
    finished_ = true;
    return {};
  }
  void abort() override {
    finished_ = true;
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped || chunks_ == 0) return;
    // Refused bytes should not wait for a compaction to disappear.
    (void)erase_object_chunks(*bucket_, id_, false);
    // The flush before that compaction dropped the deleted chunks, so it never said they
    // left the memtable: they must stop counting against the disk here.
    auto& unflushed = bucket_->unflushed;
    uint64_t now = unflushed.load(std::memory_order_relaxed);
    while (!unflushed.compare_exchange_weak(now, now > unflushed_ ? now - unflushed_ : 0, std::memory_order_relaxed)) {
    }
  }
  uint64_t id() const override { return id_; }
  uint64_t size() const override { return size_; }

 private:
  Result<void> flush_chunk() {
    if (auto r = put_chunk(chunk_); !r) return r;
    chunk_.clear();
    return {};
  }
  Result<void> put_chunk(std::string_view bytes) {
    // Footage is what fills disks: it stops short of the reserve like any write.
    if (auto room = impl_.check_space(bytes.size(), false); !room) return room;
    std::lock_guard lock(bucket_->write_mutex);
    if (bucket_->dropped) return fail(Errc::unavailable, "the bucket was purged during the upload");
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;  // made durable by the flush in finish()
    auto s = bucket_->store.db->Put(wo, bucket_->store.records, codec::object_chunk_key(id_, chunks_),
                                    rocksdb::Slice(bytes.data(), bytes.size()));
    if (!s.ok()) {
      bucket_->store.failed = true;
      return std::unexpected(status_error(s, "write " + bucket_->path));
    }
    ++chunks_;
    unflushed_ += bytes.size();
    bucket_->unflushed.fetch_add(bytes.size(), std::memory_order_relaxed);
    return {};
  }
  const Store::Impl& impl_;
  std::shared_ptr<Bucket> bucket_;
  uint64_t id_;
  SyncMode sync_;
  std::string chunk_;
  uint32_t chunks_ = 0;
  uint64_t size_ = 0;
  uint64_t unflushed_ = 0;  // chunk bytes this upload added to the bucket's memtable
  bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectUpload>> Store::begin_object(const Event& metadata) {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  if (auto room = impl.check_space(0, false); !room) return std::unexpected(room.error());
  auto bucket = impl.bucket(id, Store::Impl::Access::write);
  if (!bucket) return std::unexpected(bucket.error());
  if ((*bucket)->store.failed) {
    impl.retire(id, *bucket);
    bucket = impl.bucket(id, Store::Impl::Access::write);
    if (!bucket) return std::unexpected(bucket.error());
  }
  auto object_id = impl.next_id();
  if (!object_id) return std::unexpected(object_id.error());
  return std::make_unique<BucketObjectUpload>(impl, *bucket, *object_id, impl.options.sync);
}

Result<void> Store::read_object(const Event& metadata, const std::function<bool(std::string_view)>& sink) const {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  // A few chunks at a time, the bucket held only while they are read: the sink may wait
  // on a slow client, and a purge must not wait on it.
  constexpr std::size_t kChunksPerRead = 4;
  uint64_t seen = 0;
  uint32_t next = 0;
  std::vector<std::string> pieces;
  while (true) {
    pieces.clear();
    {
      auto bucket = impl.bucket(id, Store::Impl::Access::read);
      if (!bucket) return std::unexpected(bucket.error());
      if (!*bucket) {
        if (seen == 0) return fail(Errc::not_found, "the object is no longer stored");
        return fail(Errc::not_found, "the object was destroyed while it was read");
      }
      rocksdb::ReadOptions ro;
      ro.fill_cache = false;  // footage would evict what lookups keep warm
      std::unique_ptr<rocksdb::Iterator> it((*bucket)->store.db->NewIterator(ro, (*bucket)->store.records));
      std::string prefix = codec::object_prefix(metadata.id);
      for (it->Seek(codec::object_chunk_key(metadata.id, next)); it->Valid() && it->key().starts_with(prefix) &&
                                                                  pieces.size() < kChunksPerRead;
           it->Next())
        pieces.emplace_back(it->value().data(), it->value().size());
      if (!it->status().ok()) return std::unexpected(status_error(it->status(), "read " + (*bucket)->path));
    }
    if (pieces.empty()) break;
    for (const auto& piece : pieces) {
      seen += piece.size();
      if (!sink(piece)) return {};
    }
    next += static_cast<uint32_t>(pieces.size());
  }
  if (seen == 0 && metadata.object_size > 0)
    return fail(Errc::not_found, "the object's bytes are no longer on this machine");
  if (seen != metadata.object_size)
    return fail(Errc::corruption, "object " + std::to_string(metadata.id) + " has " + std::to_string(seen) +
                                      " of its " + std::to_string(metadata.object_size) + " bytes");
  return {};
}

Result<bool> Store::object_is_local(const Event& metadata) const {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  auto bucket = impl.bucket(id, Store::Impl::Access::read);
  if (!bucket) return std::unexpected(bucket.error());
  if (!*bucket) return false;
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it((*bucket)->store.db->NewIterator(ro, (*bucket)->store.records));
  it->Seek(codec::object_prefix(metadata.id));
  bool local = it->Valid() && it->key().starts_with(codec::object_prefix(metadata.id));
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "read " + (*bucket)->path));
  return local;
}

Result<void> Store::remove_object_bytes(const Event& metadata) {
  auto& impl = *impl_;
  BucketId id{metadata.category, metadata.lane.empty() ? std::string(kDefaultLane) : metadata.lane,
              day_of(*impl.options.zone, metadata.time_us)};
  // A purged day stays purged: opening it for writing would make it anew.
  auto present = impl.bucket(id, Store::Impl::Access::read);
  if (!present) return std::unexpected(present.error());
  if (!*present) return {};
  present->reset();
  auto bucket = impl.bucket(id, Store::Impl::Access::write);
  if (!bucket) return std::unexpected(bucket.error());
  auto& b = **bucket;
  std::lock_guard lock(b.write_mutex);
  if (b.dropped || b.store.failed) return fail(Errc::unavailable, "the bucket of object " + std::to_string(metadata.id) + " is not open");
  if (auto s = erase_object_chunks(b, metadata.id, true); !s.ok())
    return std::unexpected(status_error(s, "remove object bytes in " + b.path));
  return {};
}

}  // namespace hokan::store
