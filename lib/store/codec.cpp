#include "store/codec.h"

#include <array>
#include <cstring>

#include "store/varint.h"

namespace hokan::store::codec {
namespace {
using bytes::get_u64_be;
using bytes::put_u64_be;
using bytes::kMaxVarintBytes;
using bytes::put_varint;
using bytes::put_varint_at;
using bytes::Reader;
using bytes::unzigzag;
using bytes::zigzag;


// Times before 1970 are possible in back-filled data; the bias keeps them sorting first.
constexpr uint64_t kTimeBias = uint64_t{1} << 63;

// Version 1 (before issue 13) kept the raw line only for malformed records and had no
// target_user, origin_ip or ips. Version 2 keeps the received bytes of every event and
// stores the message as an offset into them when it is their tail. Version 3 (issue 12)
// does that for every text field: host, app, user, addresses, key=value pairs are nearly
// always bytes of the line received, and a copy of each made a record half as large again
// as the line, in every block to compress, decompress and keep. Values of versions 1 and
// 2 stay readable: records written before an upgrade must not become unreadable
// (DESIGN.md, Deployment). Version 4 leaves the received time to the record block's
// directory (see record_block.h), writes references as TextWriter says, and puts raw
// last, after the size of what comes before it: raw's size was a second copy of the
// record's size in the directory, and as random.
constexpr uint8_t kEventVersion1 = 1;
constexpr uint8_t kEventVersion3 = 3;
constexpr uint8_t kEventVersion = 4;
constexpr uint64_t kMalformed = 1, kTruncated = 2, kClaimedTime = 4, kObject = 8,
                   kMessageInRaw = 16;

// Writes text fields of one record: each as a reference into the received bytes where
// they hold it, else as a literal. Fields mostly appear in the line in the order they
// are written, so the search starts where the last one was found (the cursor).
//   tag = size << 1        a literal of `size` bytes follows
//   tag = size << 1 | 1    a reference: `size` bytes at an offset that follows
//   tag = 1                (version 4) raw's tail from an offset that follows
//   tag = 3, 5             (version 4, in ips) the same as src_ip, origin_ip
// (A reference is written only for three bytes or more, so 3 and 5 are free.)
// Version 4 writes offsets as zigzag deltas from the cursor, and a field that is raw's
// tail (the message, nearly always) without its size, leaving the cursor at the tail's
// start, where the fields written after it mostly are: a field's place in the line
// repeats from record to record where its absolute offset and size did not, and the
// two were the least compressible bytes of a record.
constexpr uint8_t kSameAsSrcIp = 3, kSameAsOriginIp = 5;

class TextWriter {
 public:
  // Writes at `out`, which has room for what bound_of() says of every field written.
  TextWriter(char* out, std::string_view raw) : p_(out), raw_(raw) {}
  // The most put() and put_literal() write for `s`.
  static constexpr std::size_t bound_of(std::string_view s) { return 2 * kMaxVarintBytes + s.size(); }
  char* end() const { return p_; }
  void put(std::string_view s) {
    // A reference takes two varints: shorter values are cheaper as they are.
    if (s.size() >= 3) {
      std::size_t at = find(s);
      if (at != std::string_view::npos) {
        p_ = put_varint_at(p_, (uint64_t{s.size()} << 1) | 1);
        put_offset(at);
        cursor_ = at + s.size();
        return;
      }
    }
    put_literal(s);
  }
  // A field the received bytes do not hold (the peer's address): no search for it.
  void put_literal(std::string_view s) {
    p_ = put_varint_at(p_, uint64_t{s.size()} << 1);
    if (!s.empty()) std::memcpy(p_, s.data(), s.size());
    p_ += s.size();
  }
  // Like put(), for a field that is likely raw's tail.
  void put_tail(std::string_view s) {
    if (s.size() < 3 || !raw_.ends_with(s)) return put(s);
    p_ = put_varint_at(p_, 1);
    put_offset(raw_.size() - s.size());
    // Fields that follow are mostly in the tail: they are looked for from its start.
    cursor_ = raw_.size() - s.size();
  }
  void put_number(uint64_t v) { p_ = put_varint_at(p_, v); }

 private:
  void put_offset(std::size_t at) {
    p_ = put_varint_at(p_, zigzag(static_cast<int64_t>(at) - static_cast<int64_t>(cursor_)));
  }
  std::size_t find(std::string_view s) const {
    if (cursor_ < raw_.size()) {
      // The next field usually starts at the cursor or one separator after it.
      for (std::size_t at : {cursor_, cursor_ + 1})
        if (at + s.size() <= raw_.size() && raw_[at] == s[0] && std::memcmp(raw_.data() + at + 1, s.data() + 1, s.size() - 1) == 0)
          return at;
      if (auto at = search(cursor_, raw_.size(), s); at != std::string_view::npos) return at;
    }
    return search(0, std::min(raw_.size(), cursor_ + s.size() - 1), s);
  }
  // `s` in raw_[from, to). memchr on its first byte: lines are short, and glibc's memmem
  // builds a shift table on every call, which cost more than the search.
  std::size_t search(std::size_t from, std::size_t to, std::string_view s) const {
    const char* p = raw_.data() + from;
    const char* end = raw_.data() + to;
    while (end - p >= static_cast<std::ptrdiff_t>(s.size())) {
      p = static_cast<const char*>(memchr(p, s[0], static_cast<std::size_t>(end - p) - s.size() + 1));
      if (!p) break;
      // The second byte first: most places memchr stops at are not the field.
      if (p[1] == s[1] && std::memcmp(p + 2, s.data() + 2, s.size() - 2) == 0)
        return static_cast<std::size_t>(p - raw_.data());
      ++p;
    }
    return std::string_view::npos;
  }
  char* p_;
  std::string_view raw_;
  std::size_t cursor_ = 0;
};

// Reads what TextWriter wrote; version 3 offsets are absolute, and it has no tail form.
class TextReader {
 public:
  TextReader(Reader& r, std::string_view raw, bool relative) : r_(r), raw_(raw), relative_(relative) {}
  bool get(std::string& s) {
    uint64_t tag = 0;
    if (!r_.varint(tag)) return false;
    if (!(tag & 1)) return r_.bytes(tag >> 1, s);
    uint64_t at = 0;
    if (!offset(at)) return false;
    const bool tail = tag == 1 && relative_;
    const uint64_t size = tail ? raw_.size() - at : tag >> 1;
    if (size > raw_.size() - at) return false;
    s.assign(raw_.data() + at, size);
    cursor_ = tail ? at : at + size;
    return true;
  }

 private:
  bool offset(uint64_t& at) {
    uint64_t v = 0;
    if (!r_.varint(v)) return false;
    if (relative_) {
      // Unsigned arithmetic: a damaged delta wraps to an offset past raw, refused below.
      at = cursor_ + static_cast<uint64_t>(unzigzag(v));
    } else {
      at = v;
    }
    return at <= raw_.size();
  }
  Reader& r_;
  std::string_view raw_;
  bool relative_;
  uint64_t cursor_ = 0;
};

}  // namespace

void append_block_key(std::string& out, RecordKey first) {
  out.push_back(kBlockPrefix);
  put_u64_be(out, static_cast<uint64_t>(first.time_us) ^ kTimeBias);
  put_u64_be(out, first.id);
}

Result<RecordKey> decode_block_key(std::string_view key) {
  if (key.size() != kBlockKeySize || key[0] != kBlockPrefix)
    return fail(Errc::corruption, "block key of unexpected shape");
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
  bytes::put_u32_be(key, chunk);
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

std::string encode_posting(const std::vector<PostingHit>& hits) {
  // count, then per block: key deltas, how many hits, and their ordinals as deltas.
  std::string out;
  out.reserve(hits.size() * 3 + 8);
  std::size_t blocks = 0;
  for (std::size_t i = 0; i < hits.size(); ++i)
    if (i == 0 || hits[i].block != hits[i - 1].block) ++blocks;
  put_varint(out, blocks);
  RecordKey prev{};
  for (std::size_t i = 0; i < hits.size();) {
    std::size_t end = i;
    while (end < hits.size() && hits[end].block == hits[i].block) ++end;
    put_varint(out, zigzag(hits[i].block.time_us - prev.time_us));
    put_varint(out, zigzag(static_cast<int64_t>(hits[i].block.id - prev.id)));
    prev = hits[i].block;
    put_varint(out, end - i);
    uint32_t last = 0;
    for (std::size_t j = i; j < end; ++j) {
      put_varint(out, hits[j].ordinal - last);
      last = hits[j].ordinal;
    }
    i = end;
  }
  return out;
}

Result<void> decode_posting(std::string_view value, std::vector<PostingHit>& out) {
  Reader r(value);
  uint64_t blocks = 0;
  if (!r.varint(blocks)) return fail(Errc::corruption, "posting without count");
  RecordKey block{};
  for (uint64_t b = 0; b < blocks; ++b) {
    uint64_t dt = 0, did = 0, n = 0;
    if (!r.varint(dt) || !r.varint(did) || !r.varint(n)) return fail(Errc::corruption, "truncated posting");
    if (!bytes::add_delta(block.time_us, dt)) return fail(Errc::corruption, "posting time out of range");
    block.id += static_cast<uint64_t>(unzigzag(did));
    uint64_t ordinal = 0;
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t d = 0;
      if (!r.varint(d)) return fail(Errc::corruption, "truncated posting");
      ordinal += d;
      out.push_back({block, static_cast<uint32_t>(ordinal)});
    }
  }
  if (!r.done()) return fail(Errc::corruption, "posting with trailing bytes");
  return {};
}

void encode_event(const Event& e, std::string& out) {
  // Sized first and written through a pointer: a push_back per varint, each a call with
  // its own capacity check, was a fifth of encoding.
  // The twelve text fields, in the order they are written; the bound and the writing
  // below both go by this list.
  const std::string* const texts[] = {&e.host,          &e.app,           &e.procid,          &e.msgid,
                                      &e.message,       &e.source,        &e.fields.user,     &e.fields.target_user,
                                      &e.fields.src_ip, &e.fields.origin_ip, &e.fields.action, &e.fields.case_id};
  constexpr std::size_t kMessageText = 4, kSourceText = 5;
  // Version, facility and severity; flags and the fields' size; the counts of ips, sd and
  // extra; the claimed time and object size; raw; and each field.
  std::size_t bound = 3 + 2 * kMaxVarintBytes + 3 * kMaxVarintBytes + 2 * kMaxVarintBytes + e.raw.size();
  for (const std::string* s : texts) bound += TextWriter::bound_of(*s);
  for (const auto& ip : e.fields.ips) bound += TextWriter::bound_of(ip);
  for (const auto& element : e.sd) {
    bound += TextWriter::bound_of(element.id) + kMaxVarintBytes;
    for (const auto& p : element.params) bound += TextWriter::bound_of(p.name) + TextWriter::bound_of(p.value);
  }
  for (const auto& [name, value] : e.fields.extra) bound += TextWriter::bound_of(name) + TextWriter::bound_of(value);
  const std::size_t start = out.size();
  out.resize_and_overwrite(start + bound, [&](char* buffer, std::size_t) {
    char* p = buffer + start;
    *p++ = static_cast<char>(kEventVersion);
    const uint64_t flags = (e.malformed ? kMalformed : 0) | (e.truncated ? kTruncated : 0) |
                           (e.claimed_time_us ? kClaimedTime : 0) | (e.is_object() ? kObject : 0);
    p = put_varint_at(p, flags);
    *p++ = static_cast<char>(e.facility + 1);
    *p++ = static_cast<char>(e.severity + 1);
    // The fields go first, then their size is put before them and raw after them: they
    // are written a varint's room further on and moved back once their size is known.
    char* const fields = p + kMaxVarintBytes;
    TextWriter text(fields, e.raw);
    for (std::size_t t = 0; t < kMessageText; ++t) text.put(*texts[t]);
    // The message is the line's tail, nearly always; the fields after it are mostly in it.
    text.put_tail(*texts[kMessageText]);
    // The source is where the bytes came from, not in them: a search would read the
    // whole line for nothing, for every record.
    text.put_literal(*texts[kSourceText]);
    for (std::size_t t = kSourceText + 1; t < std::size(texts); ++t) text.put(*texts[t]);
    text.put_number(e.fields.ips.size());
    for (const auto& ip : e.fields.ips) {
      // The list holds src_ip and origin_ip too (syslog::Fields): those are named, not
      // referenced again from wherever the cursor stands.
      if (!ip.empty() && ip == e.fields.src_ip)
        text.put_number(kSameAsSrcIp);
      else if (!ip.empty() && ip == e.fields.origin_ip)
        text.put_number(kSameAsOriginIp);
      else
        text.put(ip);
    }
    text.put_number(e.sd.size());
    for (const auto& element : e.sd) {
      text.put(element.id);
      text.put_number(element.params.size());
      for (const auto& param : element.params) {
        text.put(param.name);
        text.put(param.value);
      }
    }
    text.put_number(e.fields.extra.size());
    for (const auto& [name, value] : e.fields.extra) {
      text.put(name);
      text.put(value);
    }
    if (e.claimed_time_us) text.put_number(zigzag(*e.claimed_time_us - e.time_us));
    if (e.is_object()) text.put_number(e.object_size);
    const auto size = static_cast<std::size_t>(text.end() - fields);
    p = put_varint_at(p, size);
    std::memmove(p, fields, size);
    p += size;
    if (!e.raw.empty()) std::memcpy(p, e.raw.data(), e.raw.size());
    p += e.raw.size();
    return static_cast<std::size_t>(p - buffer);
  });
}

Result<void> decode_event(std::string_view value, Event& e) {
  Reader r(value);
  auto bad = [] { return fail(Errc::corruption, "event value does not decode"); };
  uint8_t version = 0, facility = 0, severity = 0;
  uint64_t flags = 0, received_delta = 0;
  if (!r.byte(version) || version < kEventVersion1 || version > kEventVersion) return bad();
  if (!r.varint(flags)) return bad();
  if (version < kEventVersion) {
    if (!r.varint(received_delta)) return bad();
    e.received_us = e.time_us;
    if (!bytes::add_delta(e.received_us, received_delta)) return bad();
  }
  if (!r.byte(facility) || !r.byte(severity)) return bad();
  e.facility = static_cast<int>(facility) - 1;
  e.severity = static_cast<int>(severity) - 1;
  e.malformed = flags & kMalformed;
  e.truncated = flags & kTruncated;
  uint64_t n = 0;
  e.fields.target_user.clear();
  e.fields.origin_ip.clear();
  e.fields.ips.clear();
  e.sd.clear();
  e.fields.extra.clear();
  if (version >= kEventVersion3) {
    if (version == kEventVersion3) {
      if (!r.string(e.raw)) return bad();
    } else {
      uint64_t fields_size = 0;
      std::string_view raw;
      if (!r.varint(fields_size) || !r.split_after(fields_size, raw)) return bad();
      e.raw.assign(raw);
    }
    TextReader reader(r, e.raw, version >= kEventVersion);
    auto text = [&](std::string& s) { return reader.get(s); };
    auto ip_text = [&](std::string& s) {
      if (version >= kEventVersion) {
        if (r.peek() == kSameAsSrcIp || r.peek() == kSameAsOriginIp) {
          uint8_t tag = 0;
          (void)r.byte(tag);
          s = tag == kSameAsSrcIp ? e.fields.src_ip : e.fields.origin_ip;
          return true;
        }
      }
      return text(s);
    };
    // Version 4 writes the message after msgid (see encode_event), version 3 last.
    auto fields = version >= kEventVersion
                      ? std::array{&e.host, &e.app, &e.procid, &e.msgid, &e.message, &e.source, &e.fields.user,
                                   &e.fields.target_user, &e.fields.src_ip, &e.fields.origin_ip, &e.fields.action,
                                   &e.fields.case_id}
                      : std::array{&e.host, &e.app, &e.procid, &e.msgid, &e.source, &e.fields.user,
                                   &e.fields.target_user, &e.fields.src_ip, &e.fields.origin_ip, &e.fields.action,
                                   &e.fields.case_id, &e.message};
    for (std::string* s : fields)
      if (!text(*s)) return bad();
    // Each list entry takes at least a byte: a count beyond what is left is damage.
    if (!r.varint(n) || n > value.size()) return bad();
    for (uint64_t i = 0; i < n; ++i)
      if (!ip_text(e.fields.ips.emplace_back())) return bad();
    if (!r.varint(n) || n > value.size()) return bad();
    for (uint64_t i = 0; i < n; ++i) {
      auto& element = e.sd.emplace_back();
      uint64_t np = 0;
      if (!text(element.id) || !r.varint(np) || np > value.size()) return bad();
      for (uint64_t j = 0; j < np; ++j) {
        auto& p = element.params.emplace_back();
        if (!text(p.name) || !text(p.value)) return bad();
      }
    }
    if (!r.varint(n) || n > value.size()) return bad();
    for (uint64_t i = 0; i < n; ++i) {
      auto& [name, val] = e.fields.extra.emplace_back();
      if (!text(name) || !text(val)) return bad();
    }
  } else {
    if (version == kEventVersion1) {
      for (std::string* s :
           {&e.host, &e.app, &e.procid, &e.msgid, &e.message, &e.source, &e.fields.user,
            &e.fields.src_ip, &e.fields.action, &e.fields.case_id, &e.raw})
        if (!r.string(*s)) return bad();
    } else {
      for (std::string* s :
           {&e.host, &e.app, &e.procid, &e.msgid, &e.source, &e.fields.user, &e.fields.target_user,
            &e.fields.src_ip, &e.fields.origin_ip, &e.fields.action, &e.fields.case_id, &e.raw})
        if (!r.string(*s)) return bad();
      if (flags & kMessageInRaw) {
        uint64_t offset = 0;
        if (!r.varint(offset) || offset > e.raw.size()) return bad();
        e.message.assign(e.raw, offset);
      } else if (!r.string(e.message)) {
        return bad();
      }
      if (!r.varint(n)) return bad();
      for (uint64_t i = 0; i < n; ++i)
        if (!r.string(e.fields.ips.emplace_back())) return bad();
    }
    if (!r.varint(n)) return bad();
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
    for (uint64_t i = 0; i < n; ++i) {
      auto& [name, val] = e.fields.extra.emplace_back();
      if (!r.string(name) || !r.string(val)) return bad();
    }
  }
  e.claimed_time_us.reset();
  if (flags & kClaimedTime) {
    uint64_t d = 0;
    int64_t claimed = e.time_us;
    if (!r.varint(d) || !bytes::add_delta(claimed, d)) return bad();
    e.claimed_time_us = claimed;
  }
  e.object_size = 0;
  e.object_marker = false;
  if ((flags & kObject) && !r.varint(e.object_size)) return bad();
  e.object_marker = (flags & kObject) && e.object_size == 0;  // as the writer set it
  if (!r.done()) return bad();
  return {};
}

}  // namespace hokan::store::codec
