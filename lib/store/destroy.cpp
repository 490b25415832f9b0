// Destruction: dropping a whole bucket, or rewriting it without the records that
// expired or were erased. Either way the old RocksDB instance is removed whole, so no
// destroyed byte survives in an SST, WAL, blob file, MANIFEST or info LOG.
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/bucket_batch.h"
#include "store/record_block.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;

namespace {

// Calls `visit(key, encoded record, decoded event)` for every record of `db`, block by
// block. Stops with the first error `visit` or the data returns.
Result<void> for_each_record(const BucketDb& db, const std::string& category,
                             const std::function<Result<void>(codec::RecordKey, std::string_view, Event&)>& visit) {
  block::Reader reader;
  Event e;
  return for_each_block(db, [&](std::string_view key, std::string_view value) -> Result<void> {
    auto first = codec::decode_block_key(key);
    if (!first) return std::unexpected(first.error());
    if (auto r = reader.open(*first, value); !r) return r;
    for (std::size_t i = 0; i < reader.size(); ++i) {
      e = Event{};
      e.category = category;
      if (auto r = reader.decode(i, e); !r) return r;
      if (auto r = visit(reader.key(i), reader.record(i), e); !r) return r;
    }
    return {};
  });
}

}  // namespace

Result<BucketStats> Store::drop_bucket(const BucketInfo& info, const std::string& receipt) {
  auto& impl = *impl_;
  BucketId id = id_of(info);
  auto seized = impl.seize(id);
  if (!seized) return std::unexpected(seized.error());
  const std::string& path = seized->first;
  BucketStats stats = seized->second;
  fs::path base(path);
  // The receipt reaches the disk first, so recovery can finish what a crash interrupts.
  if (!write_file_synced(with_suffix(path, ".receipt"), "drop\n" + receipt)) {
    impl.release(id, true);
    return fail(Errc::io, path + ": cannot write the destruction receipt");
  }
  crash_point("drop-after-receipt");
  std::error_code ec;
  fs::rename(base, with_suffix(path, ".old"), ec);
  if (ec) {
    fs::remove(with_suffix(path, ".receipt"));
    impl.release(id, true);
    return fail(Errc::io, path + ": " + ec.message());
  }
  sync_directory(base.parent_path());
  crash_point("drop-after-rename");
  fs::remove_all(with_suffix(path, ".old"), ec);
  sync_directory(base.parent_path());
  crash_point("drop-after-remove");
  if (impl.options.meta) {
    if (auto r = impl.options.meta->add_pending(receipt); !r) {
      impl.release(id, false);
      return std::unexpected(r.error());
    }
  }
  fs::remove(with_suffix(path, ".receipt"), ec);
  impl.release(id, false);
  return stats;
}

Result<RewriteStats> Store::rewrite_bucket(const BucketInfo& info, const Keep& keep, const MakeReceipt& make_receipt,
                                           bool dry_run) {
  auto& impl = *impl_;
  BucketId id = id_of(info);
  RewriteStats result;
  // keep() is asked once per record: it may count what it keeps (holds' tallies).
  auto tally = [&](std::string_view record, const Event& e) {
    bool kept = keep(e);
    add_record(kept ? result.kept : result.destroyed, e.time_us, codec::kBlockKeySize + record.size() + e.object_size);
    return kept;
  };
  auto count = [&](codec::RecordKey, std::string_view record, Event& e) -> Result<void> {
    tally(record, e);
    return {};
  };
  if (dry_run) {
    // Counting needs no exclusivity: read the bucket like a query does.
    auto b = impl.bucket(id, Impl::Access::read);
    if (!b) return std::unexpected(b.error());
    if (!*b) return fail(Errc::not_found, "no bucket " + info.path);
    if (auto r = for_each_record((*b)->store, info.category, count); !r) return std::unexpected(r.error());
    return result;
  }
  auto seized = impl.seize(id);
  if (!seized) return std::unexpected(seized.error());
  struct {
    std::string path;
  } bucket{seized->first};
  auto give_back = [&](Error error) {
    std::error_code ec;
    fs::remove_all(with_suffix(bucket.path, ".new"), ec);
    impl.release(id, true);
    return std::unexpected(std::move(error));
  };
  // Read the old bucket (reopened here, privately) and write the survivors to a new one.
  const auto& options = impl.options_for(info.category);
  auto old_db = open_bucket_db(options, bucket.path);
  if (!old_db) return give_back(old_db.error());
  std::string new_path = bucket.path + ".new";
  std::error_code ec;
  fs::remove_all(new_path, ec);
  auto new_db = open_bucket_db(options, new_path);
  if (!new_db) return give_back(new_db.error());
  {
    BucketBatch survivors(*impl.hash);
    RunBuilder index;
    uint32_t runs = 0;
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;  // flushed and synced below before anything depends on it
    rocksdb::WriteBatch batch;
    // The rewritten bucket starts a seal chain of its own (see seal.h).
    seal::Head head;
    std::vector<seal::SealedBlock> sealed;
    auto write_out = [&]() -> Result<void> {
      survivors.put_into(batch, new_db->records, index, sealed);
      append_seal(batch, new_db->index, head, sealed);
      if (index.hits() >= impl.options.index_run_hits) index.put_into(batch, new_db->index, runs++);
      auto w = new_db->db->Write(wo, &batch);
      batch.Clear();
      if (!w.ok()) return std::unexpected(status_error(w, "write " + new_path));
      return {};
    };
    auto copy = [&](codec::RecordKey key, std::string_view record, Event& e) -> Result<void> {
      if (!tally(record, e)) return {};
      survivors.add(key, record, e);
      if (e.is_object()) {
        // Kept objects keep their bytes: copy the chunks (into fresh blob files).
        rocksdb::Status written;
        auto copied = for_each_chunk(*old_db, e.id, [&](std::string_view chunk_key, std::string_view bytes) {
          rocksdb::WriteBatch one;
          one.Put(new_db->records, chunk_key, bytes);
          written = new_db->db->Write(wo, &one);
          return written.ok();
        });
        if (!copied) return std::unexpected(copied.error());
        if (!written.ok()) return std::unexpected(status_error(written, "write " + new_path));
      }
      if (survivors.size() >= 8192) return write_out();
      return {};
    };
    if (auto r = for_each_record(*old_db, info.category, copy); !r) return give_back(r.error());
    if (auto r = write_out(); !r) return give_back(r.error());
    index.put_into(batch, new_db->index, runs);
    batch.Put(new_db->index, kStatsKey, encode_stats(result.kept));
    if (auto w = new_db->db->Write(wo, &batch); !w.ok()) return give_back(status_error(w, "write " + new_path));
  }
  for (auto* family : {new_db->records, new_db->index})
    if (auto f = new_db->db->Flush(rocksdb::FlushOptions(), family); !f.ok())
      return give_back(status_error(f, "flush " + new_path));
  // The survivors' summary goes with them: nothing says a destroyed value was here.
  if (result.kept.records > 0)
    if (auto r = impl.summarize(id, *new_db, result.kept, new_path); !r) return give_back(r.error());
  new_db->close();
  old_db->close();
  if (result.destroyed.records == 0) {
    fs::remove_all(new_path, ec);  // nothing to destroy: keep the original untouched
    impl.release(id, true);
    return result;
  }
  if (!write_file_synced(with_suffix(bucket.path, ".receipt"), "rewrite\n" + make_receipt(result)))
    return give_back(Error{Errc::io, bucket.path + ": cannot write the destruction receipt"});
  crash_point("rewrite-after-receipt");
  fs::path base(bucket.path);
  fs::rename(base, with_suffix(bucket.path, ".old"), ec);
  if (!ec) fs::rename(new_path, base, ec);
  if (ec) return give_back(Error{Errc::io, bucket.path + ": swap failed: " + ec.message()});
  sync_directory(base.parent_path());
  crash_point("rewrite-after-swap");
  fs::remove_all(with_suffix(bucket.path, ".old"), ec);
  sync_directory(base.parent_path());
  if (impl.options.meta) {
    if (auto r = impl.options.meta->add_pending(make_receipt(result)); !r) {
      impl.release(id, true);
      return std::unexpected(r.error());
    }
  }
  fs::remove(with_suffix(bucket.path, ".receipt"), ec);
  bool empty = result.kept.records == 0;
  if (empty) fs::remove_all(base, ec);  // nothing left: no empty RocksDB lingers
  impl.release(id, !empty);
  return result;
}

}  // namespace hokan::store