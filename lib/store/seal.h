// Tamper evidence: every write's record blocks are sealed into a per-bucket hash chain.
//
//   index family  's' | seq (u64 BE)  ->  link: previous link's hash (32) | count |
//                                        per block: block key (17) | SHA-256 of its value (32)
//                 'h'                 ->  head: seq of the last link (u64 BE) | its hash (32)
//
// A link's hash is the SHA-256 of its encoded bytes, and each link names the hash of the
// one before (the first names 32 zero bytes), so altering, removing or adding a block —
// or a link — outside hokan breaks the chain where `verify` walks it. An object's bytes
// are covered through its metadata record, which carries their SHA-256 and is sealed in
// its block like any record. A bucket rewritten
// by a purge or an erasure starts a new chain; its ledger receipt accounts for the change.
// What this cannot see on its own is a forger who recomputes the whole chain: operators
// who need that keep the heads `hokanctl verify` prints somewhere else.
// Pure functions and value types (OpenSSL's SHA-256), no RocksDB; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/sha256.h"
#include "store/codec.h"

namespace hokan::store::seal {

// The digests are core's SHA-256 (one home for it); named here for the store's callers.
using core::Digest;
using core::hex;
using core::sha256;
using core::Sha256;

struct SealedBlock {
  codec::RecordKey key;
  Digest digest{};
};

struct Link {
  Digest previous{};
  std::vector<SealedBlock> blocks;
};

struct Head {
  uint64_t seq = 0;  // links written; the last one is seq - 1
  Digest hash{};     // hash of the last link; zeros before the first
};

constexpr char kLinkPrefix = 's';
constexpr char kHeadKey[] = "h";

std::string link_key(uint64_t seq);
std::string encode_link(const Link& link);
[[nodiscard]] Result<Link> decode_link(std::string_view bytes);
std::string encode_head(const Head& head);
[[nodiscard]] Result<Head> decode_head(std::string_view bytes);

// A chain head kept off the machine (the remote tier's ledger bucket): the text stored
// for a bucket (`day` as YYYY-MM-DD) whose chain had `links` links ending in `head_hex`,
// and that text's MD5 in hex, which is what an S3 store lists as the version's ETag.
// `verify --remote` recomputes it at every link, so one listing checks every version
// anchored, without fetching any.
std::string anchor_text(std::string_view category, std::string_view lane, std::string_view day, uint64_t links,
                        std::string_view head_hex);
std::string anchor_etag(std::string_view text);

}  // namespace hokan::store::seal
