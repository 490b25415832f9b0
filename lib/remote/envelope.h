// The form an object takes before it leaves for the remote store: AES-256-GCM under its
// bucket's data key, in frames of kFrameBytes of plaintext, each with its own tag, so
// that an object of any size is encrypted and decrypted streaming, in bounded memory.
//
//   "HKE1" | frame size (u32 BE) | frame 0 | frame 1 | ... | last frame
//   frame  = ciphertext (frame size bytes; fewer, or none, in the last) | tag (16)
//
// Each frame's nonce is the object id and the frame's index (ids are unique in a
// bucket, so no nonce repeats under a key); its additional data is the object key, the
// index and whether it is the last frame, so frames cannot be moved between objects,
// reordered or cut off without the decryption failing.
// Thread-safety: none; one Encryptor or Decryptor per stream.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace hokan::remote {

using DataKey = std::array<unsigned char, 32>;
using Sink = std::function<Result<void>(std::string_view)>;

constexpr std::size_t kFrameBytes = 1 << 20;
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kHeaderBytes = 8;

// Ciphertext size of `plain` bytes.
uint64_t sealed_size(uint64_t plain);

class Encryptor {
 public:
  Encryptor(const DataKey& key, uint64_t object_id, std::string object_key, Sink sink);
  [[nodiscard]] Result<void> append(std::string_view plain);
  [[nodiscard]] Result<void> finish();  // seals the last frame

 private:
  Result<void> seal(bool last);
  DataKey key_;
  uint64_t id_;
  std::string object_key_;
  Sink sink_;
  std::string pending_;  // plaintext of the frame being filled
  uint32_t index_ = 0;
  bool started_ = false;
};

class Decryptor {
 public:
  Decryptor(const DataKey& key, uint64_t object_id, std::string object_key, Sink sink);
  // Errors: corruption when a tag does not verify or the header is not hokan's.
  [[nodiscard]] Result<void> append(std::string_view sealed);
  [[nodiscard]] Result<void> finish();  // the rest is the last frame

 private:
  Result<void> open(std::string_view frame, bool last);
  DataKey key_;
  uint64_t id_;
  std::string object_key_;
  Sink sink_;
  std::string pending_;
  uint32_t index_ = 0;
  uint32_t frame_ = 0;  // from the header
  bool header_ = false;
};

// A new random data key. Errors: internal when the system's generator fails.
[[nodiscard]] Result<DataKey> new_data_key();

}  // namespace hokan::remote
