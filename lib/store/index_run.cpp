#include "store/index_run.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "store/store_impl.h"
#include "store/varint.h"

namespace hokan::store::detail {
namespace {
using namespace bytes;

constexpr char kBlockTable = 'b';
constexpr char kValues = 'v';
constexpr std::size_t kRunKeySize = 6;           // 'r' | run | kind
constexpr std::size_t kChunkKeySize = 6 + 1 + 8;  // ... | field | first hash

std::string run_key(uint32_t run, char kind) {
  std::string key(1, kRunPrefix);
  put_u32_be(key, run);
  key.push_back(kind);
  return key;
}

std::string chunk_key(uint32_t run, char field, uint64_t first_hash) {
  std::string key = run_key(run, kValues);
  key.push_back(field);
  put_u64_be(key, first_hash);
  return key;
}

}  // namespace

Result<std::vector<codec::RecordKey>> decode_block_table(std::string_view value) {
  Reader r(value);
  uint64_t count = 0;
  // Each block takes at least two bytes: a count beyond that is damage, not a size.
  if (!r.varint(count) || count > value.size()) return fail(Errc::corruption, "index run: bad block table");
  std::vector<codec::RecordKey> blocks;
  blocks.reserve(count);
  codec::RecordKey key{};
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t dt = 0, did = 0;
    if (!r.varint(dt) || !r.varint(did) || !add_delta(key.time_us, dt))
      return fail(Errc::corruption, "index run: truncated block table");
    key.id += static_cast<uint64_t>(unzigzag(did));
    blocks.push_back(key);
  }
  if (!r.done()) return fail(Errc::corruption, "index run: block table with trailing bytes");
  return blocks;
}

Result<void> find_in_chunk(std::string_view value, uint64_t first, uint64_t hash,
                           std::vector<std::pair<uint64_t, uint32_t>>& out) {
  Reader r(value);
  uint64_t at = first;
  while (!r.done()) {
    uint64_t delta = 0, count = 0;
    if (!r.varint(delta) || !r.varint(count) || count > value.size())
      return fail(Errc::corruption, "index run: truncated values chunk");
    at += delta;
    uint64_t block = 0;
    for (uint64_t i = 0; i < count; ++i) {
      uint64_t block_delta = 0, ordinal = 0;
      if (!r.varint(block_delta) || !r.varint(ordinal)) return fail(Errc::corruption, "index run: truncated hits");
      block += block_delta;
      if (at == hash) out.emplace_back(block, static_cast<uint32_t>(ordinal));
    }
    if (at >= hash) break;
  }
  return {};
}

uint32_t RunBuilder::add_block(codec::RecordKey first) {
  blocks_.push_back(first);
  return static_cast<uint32_t>(blocks_.size() - 1);
}

void RunBuilder::add(codec::IndexField field, uint64_t hash, uint32_t ordinal) {
  hits_.push_back({hash, static_cast<uint32_t>(blocks_.size() - 1), pack(field, ordinal)});
}

void RunBuilder::append(RunBuilder& other) {
  const auto offset = static_cast<uint32_t>(blocks_.size());
  blocks_.insert(blocks_.end(), other.blocks_.begin(), other.blocks_.end());
  // No reserve of the exact size: each write appends, and growth must stay geometric.
  for (auto h : other.hits_) {
    h.block += offset;
    hits_.push_back(h);
  }
  other.clear();
}

void RunBuilder::find(codec::IndexField field, uint64_t hash, std::vector<codec::PostingHit>& out) const {
  const uint32_t tag = pack(field, 0);
  for (const auto& h : hits_)
    if (h.hash == hash && (h.field_and_ordinal & 0xff000000) == tag)
      out.push_back({blocks_[h.block], h.field_and_ordinal & 0xffffff});
}

void RunBuilder::clear() {
  blocks_.clear();
  hits_.clear();
}

void RunBuilder::sort_hits() {
  // By field, then hash, then block and ordinal. Hits are added in block and ordinal
  // order (blocks are numbered as they are added, a block's records in order), so a
  // stable sort by field and hash gives that order: least significant digit first, a
  // counting pass per 16 bits of the hash and one for the field. It takes half the time
  // std::sort did with a comparison of all three (a run holds a million hits).
  if (hits_.size() < 4096) {
    std::stable_sort(hits_.begin(), hits_.end(), [](const Hit& a, const Hit& b) {
      const uint32_t fa = a.field_and_ordinal >> 24, fb = b.field_and_ordinal >> 24;
      return fa != fb ? fa < fb : a.hash < b.hash;
    });
    return;
  }
  // The passes' second buffer stays with the thread (runs are cut one at a time): a fresh
  // one of a run's size per cut was tens of megabytes of page faults.
  thread_local std::vector<Hit> other;
  other.resize(hits_.size());
  std::vector<std::size_t> start(1 << 16);
  auto pass = [&](auto digit_of, std::size_t digits) {
    std::fill(start.begin(), start.begin() + static_cast<std::ptrdiff_t>(digits), 0);
    for (const auto& h : hits_) ++start[digit_of(h)];
    std::size_t at = 0;
    for (std::size_t d = 0; d < digits; ++d) at += std::exchange(start[d], at);
    for (const auto& h : hits_) other[start[digit_of(h)]++] = h;
    hits_.swap(other);
  };
  for (int shift = 0; shift < 64; shift += 16)
    pass([shift](const Hit& h) { return static_cast<std::size_t>(h.hash >> shift & 0xffff); }, 1 << 16);
  pass([](const Hit& h) { return static_cast<std::size_t>(h.field_and_ordinal >> 24); }, 256);
}

void RunBuilder::put_into(rocksdb::WriteBatch& batch, rocksdb::ColumnFamilyHandle* index, uint32_t run) {
  if (blocks_.empty()) return;
  std::string value;
  put_varint(value, blocks_.size());
  codec::RecordKey prev{};
  for (const auto& b : blocks_) {
    put_varint(value, zigzag(b.time_us - prev.time_us));
    put_varint(value, zigzag(static_cast<int64_t>(b.id - prev.id)));
    prev = b;
  }
  batch.Put(index, run_key(run, kBlockTable), value);

  sort_hits();
  value.clear();
  std::string key;
  char chunk_field = 0;
  uint64_t last_hash = 0;
  auto flush = [&] {
    if (!value.empty()) batch.Put(index, key, value);
    value.clear();
  };
  for (std::size_t i = 0; i < hits_.size();) {
    const char field = static_cast<char>(hits_[i].field_and_ordinal >> 24);
    const uint64_t hash = hits_[i].hash;
    std::size_t end = i;
    while (end < hits_.size() && hits_[end].hash == hash && (hits_[end].field_and_ordinal >> 24) == (hits_[i].field_and_ordinal >> 24))
      ++end;
    if (value.size() >= kChunkBytes || (!value.empty() && field != chunk_field)) flush();
    if (value.empty()) {
      key = chunk_key(run, field, hash);
      chunk_field = field;
      last_hash = hash;
    }
    put_varint(value, hash - last_hash);
    last_hash = hash;
    // A record names a value once per field (BucketBatch), so hits do not repeat.
    put_varint(value, end - i);
    uint32_t block = 0;
    for (std::size_t j = i; j < end; ++j) {
      put_varint(value, hits_[j].block - block);
      block = hits_[j].block;
      put_varint(value, hits_[j].field_and_ordinal & 0xffffff);
    }
    i = end;
  }
  flush();
  clear();
}

Result<uint32_t> count_runs(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index) {
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, index));
  std::string last = run_key(0xffffffff, '\xff');
  it->SeekForPrev(last);
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "index runs"));
  if (!it->Valid() || it->key().size() < kRunKeySize || it->key()[0] != kRunPrefix) return 0;
  return get_u32_be(it->key().data() + 1) + 1;
}

Result<void> find_in_runs(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index, uint32_t runs,
                          codec::IndexField field, uint64_t hash, std::vector<codec::PostingHit>& out) {
  if (runs == 0) return {};
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator({}, index));
  std::vector<std::pair<uint64_t, uint32_t>> found;
  const char f = static_cast<char>(field);
  Result<void> outcome;
  for (uint32_t run = 0; run < runs; ++run) {
    std::string target = chunk_key(run, f, hash);
    it->SeekForPrev(target);
    if (!it->status().ok()) return std::unexpected(status_error(it->status(), "index runs"));
    if (!it->Valid()) continue;
    auto key = it->key();
    // The chunk before `target` may be another field's or the block table: not there.
    if (key.size() != kChunkKeySize || std::string_view(key.data(), 7) != std::string_view(target.data(), 7))
      continue;
    found.clear();
    auto in_chunk = find_in_chunk(std::string_view(it->value().data(), it->value().size()),
                                  get_u64_be(key.data() + 7), hash, found);
    if (!in_chunk) {
      outcome = std::unexpected(in_chunk.error());
      continue;
    }
    if (found.empty()) continue;
    std::string table;
    auto s = db.Get({}, index, run_key(run, kBlockTable), &table);
    if (!s.ok()) {
      if (!s.IsNotFound()) return std::unexpected(status_error(s, "index runs"));
      outcome = fail(Errc::corruption, "index run without its block table");
      continue;
    }
    auto blocks = decode_block_table(table);
    if (!blocks) {
      outcome = std::unexpected(blocks.error());
      continue;
    }
    for (const auto& [block, ordinal] : found) {
      if (block >= blocks->size()) {
        outcome = fail(Errc::corruption, "index run: hit beyond its block table");
        break;
      }
      out.push_back({(*blocks)[block], ordinal});
    }
  }
  return outcome;
}

Result<void> for_each_run_value(rocksdb::DB& db, rocksdb::ColumnFamilyHandle* index,
                                const std::function<void(char field, uint64_t hash)>& visit) {
  std::string lower(1, kRunPrefix), upper(1, kRunPrefix + 1);
  rocksdb::Slice lower_slice(lower), upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.iterate_lower_bound = &lower_slice;
  ro.iterate_upper_bound = &upper_slice;
  ro.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(ro, index));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto key = it->key();
    if (key.size() != kChunkKeySize || key[5] != kValues) continue;
    Reader r(std::string_view(it->value().data(), it->value().size()));
    uint64_t at = get_u64_be(key.data() + 7);
    while (!r.done()) {
      uint64_t delta = 0, count = 0, skip = 0;
      if (!r.varint(delta) || !r.varint(count)) return fail(Errc::corruption, "index run: truncated values chunk");
      at += delta;
      visit(key[6], at);
      for (uint64_t i = 0; i < 2 * count; ++i)
        if (!r.varint(skip)) return fail(Errc::corruption, "index run: truncated hits");
    }
  }
  if (!it->status().ok()) return std::unexpected(status_error(it->status(), "index runs"));
  return {};
}

}  // namespace hokan::store::detail
