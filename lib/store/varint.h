// Little byte-level helpers the store's encodings share: LEB128 varints, zigzag for
// signed deltas, big-endian u64 (so keys sort as numbers) and a bounds-checked reader.
// Header-only; pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hokan::store::bytes {

inline void put_varint(std::string& out, uint64_t v) {
  // Most varints written are one byte (sizes, tags, small deltas): no append's memcpy.
  if (v < 0x80) {
    out.push_back(static_cast<char>(v));
    return;
  }
  char buf[10];
  std::size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out.append(buf, n);
}

// Writes a varint at `p`, which has room for ten bytes; returns the byte after it. For
// encoders that size their output first and write it through a pointer.
inline char* put_varint_at(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}
constexpr std::size_t kMaxVarintBytes = 10;

inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// Adds a zigzag-encoded delta to `t`. False when the sum leaves int64_t, which only
// damaged data asks for (the encoders write differences of real times); a plain += would
// be undefined behaviour there.
[[nodiscard]] inline bool add_delta(int64_t& t, uint64_t zigzagged) {
  return !__builtin_add_overflow(t, unzigzag(zigzagged), &t);
}

inline void put_u64_be(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 7; i >= 0; --i) {
    b[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out.append(b, 8);
}

inline uint64_t get_u64_be(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline void put_u32_be(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

inline uint32_t get_u32_be(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

inline void put_u32_le(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline uint32_t get_u32_le(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Reads what the put_ functions wrote; every read fails (returns false) past the end.
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
  bool bytes(uint64_t n, std::string& s) {
    if (n > data_.size() - pos_) return false;
    s.assign(data_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool done() const { return pos_ == data_.size(); }
  // The next byte without taking it; -1 at the end.
  int peek() const { return pos_ < data_.size() ? static_cast<unsigned char>(data_[pos_]) : -1; }
  // Splits off what follows the next `n` bytes as `tail`: the reader ends after those n.
  bool split_after(uint64_t n, std::string_view& tail) {
    if (n > data_.size() - pos_) return false;
    tail = data_.substr(pos_ + n);
    data_ = data_.substr(0, pos_ + n);
    return true;
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

}  // namespace hokan::store::bytes
