// Tamper evidence, the checking side: walks each bucket's seal chain (see seal.h) and
// compares it with the record blocks on disk.
#include <rocksdb/db.h>

#include <map>

#include "store/codec.h"
#include "store/record_block.h"
#include "store/seal.h"
#include "store/store.h"
#include "store/store_impl.h"

namespace hokan::store {
using namespace detail;

namespace {

std::string key_text(codec::RecordKey key) {
  return std::to_string(key.time_us) + "/" + std::to_string(key.id);
}

// Follows the chain link by link; returns what each sealed block should hash to.
std::map<codec::RecordKey, seal::Digest> walk_chain(const BucketDb& db, BucketCheck& check,
                                                    const std::vector<Store::Anchor>& anchors) {
  std::vector<bool> passed(anchors.size(), false);
  // Anchors known by their text's MD5: each link's text is hashed and looked up.
  std::map<std::string, std::vector<std::size_t>> by_etag;
  for (std::size_t a = 0; a < anchors.size(); ++a)
    if (!anchors[a].etag.empty()) by_etag[anchors[a].etag].push_back(a);
  const std::string day = day_text(id_of(check.bucket).day);
  std::map<codec::RecordKey, seal::Digest> sealed;
  seal::Head head;
  std::string head_bytes;
  auto s = db.db->Get({}, db.index, seal::kHeadKey, &head_bytes);
  if (s.ok()) {
    auto decoded = seal::decode_head(head_bytes);
    if (decoded) head = *decoded;
    else check.problems.push_back({"chain", 0, "the chain head does not decode"});
  }
  check.head = head.seq ? seal::hex(head.hash) : "";
  std::string lower = seal::link_key(0), upper(1, seal::kLinkPrefix + 1);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db.db->NewIterator(ro, db.index));
  seal::Digest previous{};
  uint64_t expected = 0;
  for (it->Seek(lower); it->Valid(); it->Next(), ++expected) {
    std::string_view key(it->key().data(), it->key().size()), value(it->value().data(), it->value().size());
    if (key != seal::link_key(expected)) {
      check.problems.push_back({"chain", 0, "link " + std::to_string(expected) + " is missing"});
      break;
    }
    auto link = seal::decode_link(value);
    if (!link) {
      check.problems.push_back({"chain", 0, "link " + std::to_string(expected) + " does not decode"});
      break;
    }
    if (link->previous != previous) {
      check.problems.push_back({"chain", 0, "link " + std::to_string(expected) + " does not follow the one before"});
      break;
    }
    previous = seal::sha256(value);
    for (const auto& b : link->blocks) sealed[b.key] = b.digest;
    ++check.links;
    for (std::size_t a = 0; a < anchors.size(); ++a)
      if (anchors[a].etag.empty() && check.links == anchors[a].links) passed[a] = seal::hex(previous) == anchors[a].head;
    if (!by_etag.empty()) {
      auto found = by_etag.find(seal::anchor_etag(
          seal::anchor_text(check.bucket.category, check.bucket.lane, day, check.links, seal::hex(previous))));
      if (found != by_etag.end())
        for (std::size_t a : found->second) passed[a] = true;
    }
  }
  check.anchored = !anchors.empty();
  for (std::size_t a = 0; a < anchors.size(); ++a) {
    if (passed[a]) continue;
    check.anchored = false;
    const auto& anchor = anchors[a];
    const std::string which = anchor.etag.empty()
                                  ? "link " + std::to_string(anchor.links) + ", " + anchor.head.substr(0, 16) + "…"
                                  : "version ETag " + anchor.etag.substr(0, 16) + "…";
    check.problems.push_back({"anchor", 0,
                              "the chain does not pass through the head anchored off the machine at " + anchor.at +
                                  " (" + which + "): it was rewritten here, or recomputed"});
  }
  if (check.problems.empty() && (expected != head.seq || (head.seq && previous != head.hash)))
    check.problems.push_back({"chain", 0,
                              "the chain has " + std::to_string(expected) + " links but its head names " +
                                  std::to_string(head.seq)});
  return sealed;
}

// Objects: each metadata record (sealed in its block) names the SHA-256 of the bytes;
// hash the chunks on disk and compare.
Result<void> check_objects(const BucketDb& db, BucketCheck& check, const std::function<bool(uint64_t)>& shipped) {
  block::Reader reader;
  Event e;
  return for_each_block(db, [&](std::string_view key, std::string_view value) -> Result<void> {
    auto first = codec::decode_block_key(key);
    if (!first || !reader.open(*first, value)) return {};  // reported by the block walk
    for (std::size_t i = 0; i < reader.size(); ++i) {
      e = Event{};
      if (!reader.decode(i, e) || !e.is_object()) continue;
      std::string sealed;
      for (const auto& [name, v] : e.fields.extra)
        if (name == "sha256") sealed = v;
      if (sealed.empty()) continue;  // stored before objects carried their digest
      auto object_key = reader.key(i);
      seal::Sha256 sha;
      auto seen = for_each_chunk(db, object_key.id, [&](std::string_view, std::string_view bytes) {
        sha.update(bytes);
        return true;
      });
      if (!seen) return std::unexpected(seen.error());
      uint64_t size = *seen;
      std::string name = "object " + std::to_string(object_key.id);  // names may name people
      if (size == 0 && e.object_size > 0 && shipped && shipped(object_key.id)) continue;  // in the remote store now
      if (size != e.object_size)
        check.problems.push_back({"removed", object_key.time_us,
                                  name + " has " + std::to_string(size) + " of its " + std::to_string(e.object_size) +
                                      " bytes"});
      else if (seal::hex(sha.finish()) != sealed)
        check.problems.push_back({"altered", object_key.time_us, name + "'s bytes differ from their sealed SHA-256"});
    }
    return {};
  });
}

}  // namespace

Result<std::vector<BucketCheck>> Store::verify(const ScanQuery& which) const { return verify(which, VerifyWith{}); }

Result<std::optional<Store::Anchor>> Store::seal_head(const BucketInfo& info) const {
  auto& impl = *impl_;
  BucketId id{info.category, info.lane, info.day_number()};
  auto opened = impl.bucket(id, Store::Impl::Access::read);
  if (!opened) return std::unexpected(opened.error());
  if (!*opened) return std::optional<Anchor>{};
  std::string bytes;
  auto s = (*opened)->store.db->Get({}, (*opened)->store.index, seal::kHeadKey, &bytes);
  if (s.IsNotFound()) return std::optional<Anchor>{};
  if (!s.ok()) return std::unexpected(status_error(s, "read the seal head of " + (*opened)->path));
  auto head = seal::decode_head(bytes);
  if (!head || head->seq == 0) return std::optional<Anchor>{};
  return std::optional<Anchor>{Anchor{head->seq, seal::hex(head->hash), ""}};
}

Result<std::vector<BucketCheck>> Store::verify(const ScanQuery& which, const VerifyWith& with) const {
  auto& impl = *impl_;
  std::vector<BucketCheck> out;
  for (auto& [day, ids] : impl.plan(which)) {
    for (const auto& id : ids) {
      auto opened = impl.bucket(id, Store::Impl::Access::read);
      if (!opened) return std::unexpected(opened.error());
      if (!*opened) continue;
      const Bucket& bucket = **opened;
      BucketCheck check;
      check.bucket = info_of(id, bucket.path);
      std::vector<Anchor> anchors;
      if (with.anchor_of) {
        auto found = with.anchor_of(check.bucket);
        if (!found) return std::unexpected(found.error());
        anchors = std::move(*found);
      }
      auto sealed = walk_chain(bucket.store, check, anchors);
      auto walked = for_each_block(bucket.store, [&](std::string_view key_bytes, std::string_view value) -> Result<void> {
        ++check.blocks;
        auto key = codec::decode_block_key(key_bytes);
        if (!key) {
          check.problems.push_back({"inserted", 0, "a key that is not a block key"});
          return {};
        }
        auto found = sealed.find(*key);
        if (found == sealed.end()) {
          check.problems.push_back({"inserted", key->time_us, "block " + key_text(*key) + " was never sealed"});
          return {};
        }
        if (seal::sha256(value) != found->second)
          check.problems.push_back({"altered", key->time_us, "block " + key_text(*key) + " differs from its seal"});
        sealed.erase(found);
        return {};
      });
      if (!walked) return std::unexpected(walked.error());
      if (impl.options.object_categories.contains(id.category))
        if (auto r = check_objects(bucket.store, check, with.shipped); !r) return std::unexpected(r.error());
      for (const auto& [key, digest] : sealed)
        check.problems.push_back({"removed", key.time_us, "block " + key_text(key) + " is sealed but gone"});
      out.push_back(std::move(check));
    }
  }
  return out;
}

}  // namespace hokan::store
