// Key escrow: each bucket's data key, wrapped (RSA-OAEP, SHA-256) with a public key
// whose private half the company keeps offline, is also stored in the remote store's
// "<prefix>keys" bucket, so that losing this machine's disk loses no footage. The
// wrapped copies follow their keys: destroying a bucket's key deletes every version of
// its escrow copy, and the receipt says so — what the store keeps until its garbage
// collection is unreadable without the offline private key. Recovery is standard
// tooling (README, "Footage at scale"): openssl pkeyutl -decrypt with the private key.
// Thread-safety: immutable after load.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "remote/envelope.h"

namespace hokan::remote {

class Escrow {
 public:
  // Errors: invalid_argument naming the file when it is not an RSA public key of at
  // least 2048 bits in PEM.
  [[nodiscard]] static Result<std::unique_ptr<Escrow>> load(const std::string& pem_file);
  ~Escrow();
  [[nodiscard]] Result<std::string> wrap(const DataKey& key) const;

 private:
  struct Key;
  explicit Escrow(std::unique_ptr<Key> key);
  std::unique_ptr<Key> key_;
};

}  // namespace hokan::remote
