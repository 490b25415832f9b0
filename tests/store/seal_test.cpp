#include "store/seal.h"

#include <gtest/gtest.h>

namespace hokan::store {
namespace {

TEST(Seal, HashesLikeSha256) {
  EXPECT_EQ(seal::hex(seal::sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Seal, LinksAndHeadsRoundTrip) {
  seal::Link link;
  link.previous = seal::sha256("before");
  link.blocks = {{{1'763'600'000'000'000, 7}, seal::sha256("block one")}, {{-5, 9}, seal::sha256("block two")}};
  auto decoded = seal::decode_link(seal::encode_link(link));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->previous, link.previous);
  ASSERT_EQ(decoded->blocks.size(), 2u);
  EXPECT_EQ(decoded->blocks[1].key, (codec::RecordKey{-5, 9}));
  EXPECT_EQ(decoded->blocks[1].digest, seal::sha256("block two"));
  auto head = seal::decode_head(seal::encode_head({42, seal::sha256("x")}));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->seq, 42u);
  EXPECT_EQ(head->hash, seal::sha256("x"));
}

TEST(Seal, RejectsDamagedLinks) {
  seal::Link link;
  link.blocks = {{{1, 1}, seal::sha256("a")}};
  std::string bytes = seal::encode_link(link);
  EXPECT_FALSE(seal::decode_link(bytes.substr(0, bytes.size() - 1)));
  EXPECT_FALSE(seal::decode_link(bytes + "x"));
  EXPECT_FALSE(seal::decode_link(bytes.substr(0, 20)));
  EXPECT_FALSE(seal::decode_head("short"));
}

TEST(Seal, LinkKeysSortInSequence) {
  EXPECT_LT(seal::link_key(9), seal::link_key(10));
  EXPECT_LT(seal::link_key(255), seal::link_key(256));
}

}  // namespace
}  // namespace hokan::store
