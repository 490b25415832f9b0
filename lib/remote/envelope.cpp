#include "remote/envelope.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "store/varint.h"

namespace hokan::remote {
namespace {

constexpr std::string_view kMagic = "HKE1";

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

std::array<unsigned char, 12> nonce_of(uint64_t id, uint32_t index) {
  std::array<unsigned char, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[i] = static_cast<unsigned char>(id >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) nonce[8 + i] = static_cast<unsigned char>(index >> (24 - 8 * i));
  return nonce;
}

std::string additional_data(const std::string& object_key, uint32_t index, bool last) {
  std::string aad = object_key;
  aad.push_back('\0');
  store::bytes::put_u32_be(aad, index);
  aad.push_back(last ? '\1' : '\0');
  return aad;
}

// One frame through AES-256-GCM: `in` to `out` (same size); the tag is written (seal)
// or checked (open).
bool gcm(bool encrypt, const DataKey& key, uint64_t id, uint32_t index, const std::string& aad, std::string_view in,
         std::string& out, unsigned char* tag) {
  CipherContext ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) return false;
  auto nonce = nonce_of(id, index);
  int len = 0;
  auto init = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex;
  auto update = encrypt ? EVP_EncryptUpdate : EVP_DecryptUpdate;
  if (init(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1) return false;
  if (update(ctx.get(), nullptr, &len, reinterpret_cast<const unsigned char*>(aad.data()), static_cast<int>(aad.size())) != 1)
    return false;
  std::size_t at = out.size();
  out.resize(at + in.size());
  if (!in.empty() && update(ctx.get(), reinterpret_cast<unsigned char*>(out.data() + at), &len,
                            reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size())) != 1)
    return false;
  if (encrypt) {
    if (EVP_EncryptFinal_ex(ctx.get(), nullptr, &len) != 1) return false;
    return EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag) == 1;
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag) != 1) return false;
  return EVP_DecryptFinal_ex(ctx.get(), nullptr, &len) == 1;
}

}  // namespace

uint64_t sealed_size(uint64_t plain) {
  uint64_t frames = plain == 0 ? 1 : (plain + kFrameBytes - 1) / kFrameBytes;  // an empty object: one empty frame
  return kHeaderBytes + plain + frames * kTagBytes;
}

Result<DataKey> new_data_key() {
  DataKey key{};
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1)
    return fail(Errc::internal, "the system's random generator gave no data key");
  return key;
}

Encryptor::Encryptor(const DataKey& key, uint64_t object_id, std::string object_key, Sink sink)
    : key_(key), id_(object_id), object_key_(std::move(object_key)), sink_(std::move(sink)) {
  pending_.reserve(kFrameBytes);
}

Result<void> Encryptor::append(std::string_view plain) {
  while (!plain.empty()) {
    // A frame is sealed only once more follows: the last one must carry the mark.
    if (pending_.size() == kFrameBytes)
      if (auto r = seal(false); !r) return r;
    std::size_t take = std::min(plain.size(), kFrameBytes - pending_.size());
    pending_.append(plain.substr(0, take));
    plain.remove_prefix(take);
  }
  return {};
}

Result<void> Encryptor::finish() { return seal(true); }

Result<void> Encryptor::seal(bool last) {
  std::string out;
  out.reserve(kHeaderBytes + pending_.size() + kTagBytes);
  if (!started_) {
    out.append(kMagic);
    store::bytes::put_u32_be(out, static_cast<uint32_t>(kFrameBytes));
    started_ = true;
  }
  unsigned char tag[kTagBytes];
  if (!gcm(true, key_, id_, index_, additional_data(object_key_, index_, last), pending_, out, tag))
    return fail(Errc::internal, "AES-256-GCM failed to encrypt frame " + std::to_string(index_));
  out.append(reinterpret_cast<const char*>(tag), kTagBytes);
  ++index_;
  pending_.clear();
  return sink_(out);
}

Decryptor::Decryptor(const DataKey& key, uint64_t object_id, std::string object_key, Sink sink)
    : key_(key), id_(object_id), object_key_(std::move(object_key)), sink_(std::move(sink)) {}

Result<void> Decryptor::append(std::string_view sealed) {
  pending_.append(sealed);
  if (!header_) {
    if (pending_.size() < kHeaderBytes) return {};
    if (std::string_view(pending_).substr(0, 4) != kMagic)
      return fail(Errc::corruption, "not an object hokan encrypted (no HKE1 header)");
    frame_ = store::bytes::get_u32_be(pending_.data() + 4);
    if (frame_ == 0 || frame_ > (64u << 20)) return fail(Errc::corruption, "encrypted object: frame size out of range");
    pending_.erase(0, kHeaderBytes);
    header_ = true;
  }
  // A whole frame is opened only when more follows it: only the last may be short.
  const std::size_t whole = frame_ + kTagBytes;
  std::size_t at = 0;
  while (pending_.size() - at > whole) {
    if (auto r = open(std::string_view(pending_).substr(at, whole), false); !r) return r;
    at += whole;
  }
  pending_.erase(0, at);
  return {};
}

Result<void> Decryptor::finish() {
  if (!header_) return fail(Errc::corruption, "encrypted object cut short before its header");
  if (pending_.size() < kTagBytes) return fail(Errc::corruption, "encrypted object cut short");
  auto r = open(pending_, true);
  pending_.clear();
  return r;
}

Result<void> Decryptor::open(std::string_view frame, bool last) {
  std::string plain;
  std::string tag(frame.substr(frame.size() - kTagBytes));
  if (!gcm(false, key_, id_, index_, additional_data(object_key_, index_, last), frame.substr(0, frame.size() - kTagBytes),
           plain, reinterpret_cast<unsigned char*>(tag.data())))
    return fail(Errc::corruption, "encrypted object: frame " + std::to_string(index_) +
                                      " does not verify (altered, moved, cut short, or the wrong key)");
  ++index_;
  return sink_(plain);
}

}  // namespace hokan::remote
