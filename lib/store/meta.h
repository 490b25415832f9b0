// The metadata store: small, durable records that are not events — cases, legal holds
// and the destruction ledger. One RocksDB instance under state_dir/meta, every write
// fsynced (these writes are rare and each one is a promise). Values are opaque strings
// (JSON written by their owners). Thread-safety: all methods are safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace hokan::store {

class MetaStore {
 public:
  // Errors: io when the directory cannot be opened.
  [[nodiscard]] static Result<std::unique_ptr<MetaStore>> open(const std::string& state_dir);
  ~MetaStore();

  // Key-value records within a namespace ("case", "hold"). Keys must hold no personal
  // data in plain text: callers pass hashes or names chosen by staff.
  [[nodiscard]] Result<void> put(const std::string& space, const std::string& key, const std::string& value);
  [[nodiscard]] Result<std::optional<std::string>> get(const std::string& space, const std::string& key) const;
  [[nodiscard]] Result<void> erase(const std::string& space, const std::string& key);
  // Every record of a namespace in key order.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> list(const std::string& space) const;

  // The ledger is append-only through this interface: receipts get increasing keys and
  // nothing here edits one. `time_us` orders them; only expire_ledger() removes any.
  [[nodiscard]] Result<void> append_ledger(int64_t time_us, const std::string& receipt);
  // Receipts with time >= since_us, oldest first.
  [[nodiscard]] Result<std::vector<std::string>> ledger(int64_t since_us) const;
  // Removes receipts older than `before_us` ([ledger] retention). Returns how many.
  [[nodiscard]] Result<uint64_t> expire_ledger(int64_t before_us);

  // Receipts of destructions that happened but are not yet in the ledger: the store
  // files one per bucket as soon as its bytes are gone; the retention module settles
  // them into one ledger receipt per category and purge.
  [[nodiscard]] Result<void> add_pending(const std::string& receipt);
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> pending() const;
  // Appends `receipts` to the ledger and forgets the pending entries `settled`, in one
  // atomic write: a crash leaves either both or neither.
  [[nodiscard]] Result<void> settle(int64_t time_us, const std::vector<std::string>& receipts,
                                    const std::vector<std::string>& settled);

  struct Impl;
  explicit MetaStore(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::store
