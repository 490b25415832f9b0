#include "store/seal.h"

#include <cstring>

#include "store/varint.h"

namespace hokan::store::seal {

std::string link_key(uint64_t seq) {
  std::string key(1, kLinkPrefix);
  bytes::put_u64_be(key, seq);
  return key;
}

std::string encode_link(const Link& link) {
  std::string out(link.previous.begin(), link.previous.end());
  bytes::put_varint(out, link.blocks.size());
  for (const auto& b : link.blocks) {
    codec::append_block_key(out, b.key);
    out.append(b.digest.begin(), b.digest.end());
  }
  return out;
}

Result<Link> decode_link(std::string_view bytes) {
  auto bad = [] { return fail(Errc::corruption, "seal link does not decode"); };
  if (bytes.size() < 33) return bad();
  Link link;
  std::memcpy(link.previous.data(), bytes.data(), 32);
  bytes::Reader r(bytes.substr(32));
  uint64_t n = 0;
  if (!r.varint(n)) return bad();
  std::size_t header = bytes.size() - 32;
  // What the varint took: the rest must be exactly n entries.
  std::size_t varint_bytes = 1;
  for (uint64_t v = n; v >= 0x80; v >>= 7) ++varint_bytes;
  std::size_t entry = codec::kBlockKeySize + 32;
  if (n > header / entry || header - varint_bytes != n * entry) return bad();
  const char* p = bytes.data() + 32 + varint_bytes;
  link.blocks.reserve(n);
  for (uint64_t i = 0; i < n; ++i, p += entry) {
    auto key = codec::decode_block_key(std::string_view(p, codec::kBlockKeySize));
    if (!key) return bad();
    SealedBlock b{*key, {}};
    std::memcpy(b.digest.data(), p + codec::kBlockKeySize, 32);
    link.blocks.push_back(b);
  }
  return link;
}

std::string encode_head(const Head& head) {
  std::string out;
  bytes::put_u64_be(out, head.seq);
  out.append(head.hash.begin(), head.hash.end());
  return out;
}

Result<Head> decode_head(std::string_view bytes) {
  if (bytes.size() != 40) return fail(Errc::corruption, "seal head does not decode");
  Head head;
  head.seq = bytes::get_u64_be(bytes.data());
  std::memcpy(head.hash.data(), bytes.data() + 8, 32);
  return head;
}

std::string anchor_text(std::string_view category, std::string_view lane, std::string_view day, uint64_t links,
                        std::string_view head_hex) {
  // JSON with its keys in order; category and lane names hold no character to escape
  // (config::valid_name, lane names).
  std::string text = "{\"category\":\"";
  text.append(category).append("\",\"day\":\"").append(day).append("\",\"head\":\"").append(head_hex);
  text.append("\",\"lane\":\"").append(lane).append("\",\"links\":").append(std::to_string(links)).append("}");
  return text;
}

std::string anchor_etag(std::string_view text) { return core::hex(core::md5(text)); }

}  // namespace hokan::store::seal
