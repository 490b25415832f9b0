// The data keys of remote buckets, one small file each under <state>/remote/keys, mode
// 0600. A key is what makes a remote bucket readable: destroying it destroys every copy
// of the bucket's objects that the remote store still holds (versions, replicas, space
// its garbage collection has not reclaimed yet), which deleting objects alone cannot.
// Destroying overwrites the file's bytes in place, syncs, unlinks and syncs the folder,
// so neither the file nor the journal keeps the key.
// Thread-safety: all members are safe from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/error.h"
#include "remote/envelope.h"

namespace hokan::remote {

class KeyStore {
 public:
  // Creates the folder (0700) when missing. Errors: io.
  [[nodiscard]] static Result<std::unique_ptr<KeyStore>> open(const std::string& dir);

  // The key of `bucket`, created (and durable) when it has none. Errors: io;
  // permission_denied once the bucket's key was destroyed: a destroyed bucket never
  // gets a new key, or objects could be shipped to it under one.
  [[nodiscard]] Result<DataKey> key_for(const std::string& bucket);
  // The key, or nothing when there is none (never made, or destroyed). Errors: io.
  [[nodiscard]] Result<std::optional<DataKey>> find(const std::string& bucket) const;
  // Overwrites, syncs and removes the key, then records the bucket as destroyed.
  // Returns whether a key existed. Errors: io.
  [[nodiscard]] Result<bool> destroy(const std::string& bucket);
  bool destroyed(const std::string& bucket) const;
  // Whether the key's escrow copy is in the remote store (a mark next to the key, so a
  // restart does not upload it again); the mark goes with the key.
  bool escrowed(const std::string& bucket) const;
  [[nodiscard]] Result<void> mark_escrowed(const std::string& bucket);

  const std::string& dir() const { return dir_; }

 private:
  explicit KeyStore(std::string dir) : dir_(std::move(dir)) {}
  Result<std::optional<DataKey>> read_key(const std::string& bucket) const;  // under mutex_
  std::string path_of(const std::string& bucket) const;
  std::string tombstone_of(const std::string& bucket) const;
  std::string dir_;
  mutable std::mutex mutex_;
};

}  // namespace hokan::remote
