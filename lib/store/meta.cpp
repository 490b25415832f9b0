#include "store/meta.h"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>

namespace hokan::store {
namespace {

Error status_error(const rocksdb::Status& s, const std::string& what) {
  return Error{s.IsCorruption() ? Errc::corruption : Errc::io, what + ": " + s.ToString()};
}

void put_u64_be(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

constexpr char kLedgerSpace[] = "ledger/";
constexpr char kPendingSpace[] = "pending";

}  // namespace

struct MetaStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::mutex ledger_mutex;  // orders appends
  uint64_t ledger_seq = 0;

  static std::string key(const std::string& space, const std::string& k) { return space + "/" + k; }
};

MetaStore::MetaStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetaStore::~MetaStore() {
  if (impl_ && impl_->db) {
    (void)impl_->db->FlushWAL(true);
    (void)impl_->db->Close();
  }
}

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string& state_dir) {
  auto path = (std::filesystem::path(state_dir) / "meta").string();
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return fail(Errc::io, path + ": " + ec.message());
  rocksdb::Options o;
  o.create_if_missing = true;
  o.recycle_log_file_num = 0;
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.keep_log_file_num = 2;
  o.allow_fallocate = false;
  o.write_buffer_size = 4 << 20;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(o, path, &db);
  if (!s.ok()) return std::unexpected(status_error(s, "open " + path));
  auto impl = std::make_unique<Impl>();
  impl->db.reset(db);
  // Continue the ledger sequence after the last receipt.
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator({}));
  std::string upper = std::string(kLedgerSpace) + "\xff";
  it->SeekForPrev(upper);
  if (it->Valid() && it->key().starts_with(kLedgerSpace) && it->key().size() == sizeof(kLedgerSpace) - 1 + 16) {
    const auto* p = reinterpret_cast<const unsigned char*>(it->key().data() + sizeof(kLedgerSpace) - 1 + 8);
    for (int i = 0; i < 8; ++i) impl->ledger_seq = (impl->ledger_seq << 8) | p[i];
  }
  return std::make_unique<MetaStore>(std::move(impl));
}

Result<void> MetaStore::put(const std::string& space, const std::string& key, const std::string& value) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Put(wo, Impl::key(space, key), value);
  if (!s.ok()) return std::unexpected(status_error(s, "meta put"));
  return {};
}

Result<std::optional<std::string>> MetaStore::get(const std::string& space, const std::string& key) const {
  std::string value;
  auto s = impl_->db->Get({}, Impl::key(space, key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return std::unexpected(status_error(s, "meta get"));
  return std::optional<std::string>{std::move(value)};
}

Result<void> MetaStore::erase(const std::string& space, const std::string& key) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Delete(wo, Impl::key(space, key));
  if (!s.ok()) return std::unexpected(status_error(s, "meta erase"));
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> MetaStore::list(const std::string& space) const {
  std::vector<std::pair<std::string, std::string>> out;
  std::string prefix = space + "/";
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator({}));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out.emplace_back(it->key().ToString().substr(prefix.size()), it->value().ToString());
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "meta list"));
  return out;
}

Result<void> MetaStore::append_ledger(int64_t time_us, const std::string& receipt) {
  std::lock_guard lock(impl_->ledger_mutex);
  std::string key = kLedgerSpace;
  put_u64_be(key, static_cast<uint64_t>(time_us));
  put_u64_be(key, ++impl_->ledger_seq);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Put(wo, key, receipt);
  if (!s.ok()) return std::unexpected(status_error(s, "ledger append"));
  return {};
}

Result<std::vector<std::string>> MetaStore::ledger(int64_t since_us) const {
  std::vector<std::string> out;
  std::string start = kLedgerSpace;
  put_u64_be(start, static_cast<uint64_t>(std::max<int64_t>(since_us, 0)));
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator({}));
  for (it->Seek(start); it->Valid() && it->key().starts_with(kLedgerSpace); it->Next())
    out.push_back(it->value().ToString());
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "ledger read"));
  return out;
}

Result<uint64_t> MetaStore::expire_ledger(int64_t before_us) {
  std::lock_guard lock(impl_->ledger_mutex);
  std::string begin = kLedgerSpace, end = kLedgerSpace;
  put_u64_be(end, static_cast<uint64_t>(std::max<int64_t>(before_us, 0)));
  uint64_t count = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator({}));
  for (it->Seek(begin); it->Valid() && it->key().compare(end) < 0; it->Next()) ++count;
  if (count == 0) return count;
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->DeleteRange(wo, impl_->db->DefaultColumnFamily(), begin, end);
  if (!s.ok()) return std::unexpected(status_error(s, "ledger expiry"));
  return count;
}

}  // namespace hokan::store

namespace hokan::store {

Result<void> MetaStore::add_pending(const std::string& receipt) {
  std::string key;
  {
    std::lock_guard lock(impl_->ledger_mutex);
    put_u64_be(key, static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()));
    put_u64_be(key, ++impl_->ledger_seq);
  }
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : key) {
    hex.push_back(kHex[c >> 4]);
    hex.push_back(kHex[c & 15]);
  }
  return put(kPendingSpace, hex, receipt);
}

Result<std::vector<std::pair<std::string, std::string>>> MetaStore::pending() const { return list(kPendingSpace); }

Result<void> MetaStore::settle(int64_t time_us, const std::vector<std::string>& receipts,
                               const std::vector<std::string>& settled) {
  std::lock_guard lock(impl_->ledger_mutex);
  rocksdb::WriteBatch batch;
  for (const auto& receipt : receipts) {
    std::string key = kLedgerSpace;
    put_u64_be(key, static_cast<uint64_t>(time_us));
    put_u64_be(key, ++impl_->ledger_seq);
    batch.Put(key, receipt);
  }
  for (const auto& k : settled) batch.Delete(Impl::key(kPendingSpace, k));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Write(wo, &batch);
  if (!s.ok()) return std::unexpected(status_error(s, "ledger settle"));
  return {};
}

}  // namespace hokan::store
