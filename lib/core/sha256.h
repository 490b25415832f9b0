// SHA-256 and MD5 (OpenSSL) and hex encoding: the one home for them, used by seals,
// object digests, sender tokens, audit digests and the remote tier's S3 checks. Pure functions and a value type; a Sha256
// object is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace hokan::core {

using Digest = std::array<uint8_t, 32>;

Digest sha256(std::string_view bytes);

// SHA-256 over bytes that arrive in pieces (an object's chunks).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  Digest finish();

 private:
  void* context_;  // EVP_MD_CTX, kept out of this header
};

// MD5, as S3 uses it (ETags, Content-MD5): the 16 raw bytes. A check against accidents
// and, where the compared digest is one an attacker cannot choose, against forgery.
std::string md5(std::string_view bytes);

// Lower-case hex of bytes.
std::string hex(std::string_view bytes);
std::string hex(const Digest& digest);
inline std::string sha256_hex(std::string_view bytes) { return hex(sha256(bytes)); }

}  // namespace hokan::core
