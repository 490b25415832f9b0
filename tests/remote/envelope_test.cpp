#include "remote/envelope.h"

#include <gtest/gtest.h>

#include <random>

namespace hokan::remote {
namespace {

DataKey key_of(unsigned char seed) {
  DataKey k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<unsigned char>(seed + i);
  return k;
}

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(gen());
  return s;
}

// Encrypts `plain` in pieces of `piece` bytes.
std::string seal(const DataKey& key, uint64_t id, const std::string& object_key, const std::string& plain,
                 std::size_t piece) {
  std::string out;
  Encryptor e(key, id, object_key, [&](std::string_view b) -> Result<void> {
    out.append(b);
    return {};
  });
  for (std::size_t at = 0; at < plain.size(); at += piece)
    EXPECT_TRUE(e.append(std::string_view(plain).substr(at, piece)));
  EXPECT_TRUE(e.finish());
  return out;
}

Result<std::string> open(const DataKey& key, uint64_t id, const std::string& object_key, const std::string& sealed,
                         std::size_t piece) {
  std::string out;
  Decryptor d(key, id, object_key, [&](std::string_view b) -> Result<void> {
    out.append(b);
    return {};
  });
  for (std::size_t at = 0; at < sealed.size(); at += piece)
    if (auto r = d.append(std::string_view(sealed).substr(at, piece)); !r) return std::unexpected(r.error());
  if (auto r = d.finish(); !r) return std::unexpected(r.error());
  return out;
}

TEST(Envelope, RoundTripsEverySizeAroundFrameBoundariesInAnyPieces) {
  const auto key = key_of(1);
  for (std::size_t size : {std::size_t{0}, std::size_t{1}, kFrameBytes - 1, kFrameBytes, kFrameBytes + 1,
                           2 * kFrameBytes, 2 * kFrameBytes + 77}) {
    std::string plain = random_bytes(size, static_cast<unsigned>(size));
    for (std::size_t piece : {std::size_t{4096}, std::size_t{1000003}}) {
      std::string sealed = seal(key, 42, "obj", plain, piece);
      EXPECT_EQ(sealed.size(), sealed_size(size)) << size;
      auto opened = open(key, 42, "obj", sealed, piece + 17);
      ASSERT_TRUE(opened) << size << ": " << opened.error().message;
      EXPECT_EQ(*opened, plain) << size;
    }
  }
}

TEST(Envelope, HidesThePlaintext) {
  std::string plain = "token-QW8812-in-footage " + random_bytes(3000, 3) + " token-QW8812-in-footage";
  std::string sealed = seal(key_of(2), 1, "obj", plain, 512);
  EXPECT_EQ(sealed.find("token-QW8812"), std::string::npos);
}

TEST(Envelope, RefusesAlteredMovedTruncatedOrWronglyKeyedObjects) {
  const auto key = key_of(3);
  std::string plain = random_bytes(2 * kFrameBytes + 5, 9);
  std::string sealed = seal(key, 7, "obj", plain, 65536);
  std::string altered = sealed;
  altered[kHeaderBytes + 100] ^= 1;
  EXPECT_EQ(open(key, 7, "obj", altered, 65536).error().code, Errc::corruption);
  EXPECT_FALSE(open(key, 8, "obj", sealed, 65536));      // another object's id
  EXPECT_FALSE(open(key, 7, "other", sealed, 65536));    // another object's key
  EXPECT_FALSE(open(key_of(4), 7, "obj", sealed, 65536));  // the wrong data key
  // Cut after a whole frame: the frame that is now last was not sealed as the last.
  std::string cut = sealed.substr(0, kHeaderBytes + kFrameBytes + kTagBytes);
  EXPECT_FALSE(open(key, 7, "obj", cut, 65536));
  EXPECT_FALSE(open(key, 7, "obj", sealed.substr(0, 5), 65536));
}

}  // namespace
}  // namespace hokan::remote
