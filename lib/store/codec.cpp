#include "store/codec.h"

#include <cstring>

namespace hokan::store::codec {
namespace {

void put_u64_be(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}

uint64_t get_u64_be(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Times before 1970 are possible in back-filled data; the bias keeps them sorting first.
constexpr uint64_t kTimeBias = uint64_t{1} << 63;

void put_varint(std::string& out, uint64_t v) {
  char buf[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void put_string(std::string& out, std::string_view s) {
  put_varint(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool varint(uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      auto byte = static_cast<unsigned char>(data_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (byte < 0x80) return true;
    }
    return false;
  }
  bool byte(uint8_t& b) {
    if (pos_ >= data_.size()) return false;
    b = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool string(std::string& s) {
    uint64_t n = 0;
    if (!varint(n) || n > data_.size() - pos_) return false;
    s.assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

constexpr uint8_t kEventVersion = 1;
constexpr uint64_t kMalformed = 1, kTruncated = 2, kClaimedTime = 4, kObject = 8;

}  // namespace

void append_record_key(std::string& out, RecordKey key) {
  out.push_back(kRecordPrefix);
  put_u64_be(out, static_cast<uint64_t>(key.time_us) ^ kTimeBias);
  put_u64_be(out, key.id);
}

Result<RecordKey> decode_record_key(std::string_view key) {
  if (key.size() != kRecordKeySize || key[0] != kRecordPrefix)
    return fail(Errc::corruption, "record key of unexpected shape");
  return RecordKey{static_cast<int64_t>(get_u64_be(key.data() + 1) ^ kTimeBias),
                   get_u64_be(key.data() + 9)};
}

std::string object_prefix(uint64_t id) {
  std::string key(1, kObjectPrefix);
  put_u64_be(key, id);
  return key;
}

std::string object_chunk_key(uint64_t id, uint32_t chunk) {
  std::string key = object_prefix(id);
  for (int i = 3; i >= 0; --i) key.push_back(static_cast<char>((chunk >> (8 * i)) & 0xff));
  return key;
}

std::string posting_prefix(IndexField field, uint64_t value_hash) {
  std::string key;
  key.reserve(26);
  key.push_back(kPostingPrefix);
  key.push_back(static_cast<char>(field));
  put_u64_be(key, value_hash);
  return key;
}

std::string posting_key(IndexField field, uint64_t value_hash, RecordKey first) {
  std::string key = posting_prefix(field, value_hash);
  put_u64_be(key, static_cast<uint64_t>(first.time_us) ^ kTimeBias);
  put_u64_be(key, first.id);
  return key;
}

std::string encode_posting(const std::vector<RecordKey>& keys) {
  std::string out;
  out.reserve(keys.size() * 4 + 2);
  put_varint(out, keys.size());
  RecordKey prev{};
  for (const auto& k : keys) {
    put_varint(out, zigzag(k.time_us - prev.time_us));
    put_varint(out, zigzag(static_cast<int64_t>(k.id - prev.id)));
    prev = k;
  }
  return out;
}

Result<void> decode_posting(std::string_view value, std::vector<RecordKey>& out) {
  Reader r(value);
  uint64_t n = 0;
  if (!r.varint(n)) return fail(Errc::corruption, "posting without count");
  RecordKey prev{};
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t dt = 0, did = 0;
    if (!r.varint(dt) || !r.varint(did)) return fail(Errc::corruption, "truncated posting");
    prev.time_us += unzigzag(dt);
    prev.id += static_cast<uint64_t>(unzigzag(did));
    out.push_back(prev);
  }
  return {};
}

void encode_event(const Event& e, std::string& out) {
  out.push_back(static_cast<char>(kEventVersion));
  uint64_t flags = (e.malformed ? kMalformed : 0) | (e.truncated ? kTruncated : 0) |
                   (e.claimed_time_us ? kClaimedTime : 0) | (e.is_object() ? kObject : 0);
  put_varint(out, flags);
  put_varint(out, zigzag(e.received_us - e.time_us));
  out.push_back(static_cast<char>(e.facility + 1));
  out.push_back(static_cast<char>(e.severity + 1));
  for (const std::string* s : {&e.host, &e.app, &e.procid, &e.msgid, &e.message, &e.source,
                               &e.fields.user, &e.fields.src_ip, &e.fields.action,
                               &e.fields.case_id, &e.raw})
    put_string(out, *s);
  put_varint(out, e.sd.size());
  for (const auto& element : e.sd) {
    put_string(out, element.id);
    put_varint(out, element.params.size());
    for (const auto& p : element.params) {
      put_string(out, p.name);
      put_string(out, p.value);
    }
  }
  put_varint(out, e.fields.extra.size());
  for (const auto& [name, value] : e.fields.extra) {
    put_string(out, name);
    put_string(out, value);
  }
  if (e.claimed_time_us) put_varint(out, zigzag(*e.claimed_time_us - e.time_us));
  if (e.is_object()) put_varint(out, e.object_size);
}

Result<void> decode_event(std::string_view value, Event& e) {
  Reader r(value);
  auto bad = [] { return fail(Errc::corruption, "event value does not decode"); };
  uint8_t version = 0, facility = 0, severity = 0;
  uint64_t flags = 0, received_delta = 0;
  if (!r.byte(version) || version != kEventVersion) return bad();
  if (!r.varint(flags) || !r.varint(received_delta) || !r.byte(facility) || !r.byte(severity))
    return bad();
  e.received_us = e.time_us + unzigzag(received_delta);
  e.facility = static_cast<int>(facility) - 1;
  e.severity = static_cast<int>(severity) - 1;
  e.malformed = flags & kMalformed;
  e.truncated = flags & kTruncated;
  for (std::string* s : {&e.host, &e.app, &e.procid, &e.msgid, &e.message, &e.source,
                         &e.fields.user, &e.fields.src_ip, &e.fields.action, &e.fields.case_id,
                         &e.raw})
    if (!r.string(*s)) return bad();
  uint64_t n = 0;
  if (!r.varint(n)) return bad();
  e.sd.clear();
  for (uint64_t i = 0; i < n; ++i) {
    auto& element = e.sd.emplace_back();
    uint64_t np = 0;
    if (!r.string(element.id) || !r.varint(np)) return bad();
    for (uint64_t j = 0; j < np; ++j) {
      auto& p = element.params.emplace_back();
      if (!r.string(p.name) || !r.string(p.value)) return bad();
    }
  }
  if (!r.varint(n)) return bad();
  e.fields.extra.clear();
  for (uint64_t i = 0; i < n; ++i) {
    auto& [name, val] = e.fields.extra.emplace_back();
    if (!r.string(name) || !r.string(val)) return bad();
  }
  e.claimed_time_us.reset();
  if (flags & kClaimedTime) {
    uint64_t d = 0;
    if (!r.varint(d)) return bad();
    e.claimed_time_us = e.time_us + unzigzag(d);
  }
  e.object_size = 0;
  e.object_marker = flags & kObject;
  if (e.object_marker && !r.varint(e.object_size)) return bad();
  if (!r.done()) return bad();
  return {};
}

}  // namespace hokan::store::codec
