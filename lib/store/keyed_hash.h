// Keyed hashing of indexed values (host, app, user, src_ip) so that no personal data
// appears in RocksDB keys in plain text. SipHash-2-4: a keyed PRF built for short
// inputs, fast enough to run on every ingested field. Thread-safe: immutable.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace hokan::store {

class KeyedHash {
 public:
  using Key = std::array<uint8_t, 16>;
  explicit KeyedHash(const Key& key);

  uint64_t operator()(std::string_view value) const;

  // Reads the key from `path`, or creates it (16 random bytes, mode 0600) when absent.
  // Losing this file makes existing indexes unreadable, so it lives in the state dir.
  [[nodiscard]] static Result<Key> load_or_create_key(const std::string& path);

 private:
  uint64_t k0_, k1_;
};

}  // namespace hokan::store
