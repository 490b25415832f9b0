// Hand-written rather than inet_pton/inet_ntop: the extractor asks parse_ip about
// tokens of every ingested message, so it must take a string_view without copying it
// into a NUL-terminated buffer; and inet_ntop prints mapped and compatible addresses
// with a dotted tail that RFC 5952 section 5 does not ask for.
#include "core/ip.h"

#include <algorithm>
#include <cstring>

#include "core/quote.h"

namespace hokan::core {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A dotted quad filling all of s into out[0..3], unrolled: the extractor asks this of
// every candidate token of every message.
bool parse_v4(std::string_view s, uint8_t* out) {
  const char* p = s.data();
  const char* const end = p + s.size();
  auto digit = [&](unsigned& d) {
    if (p == end || static_cast<unsigned>(*p - '0') > 9) return false;
    d = static_cast<unsigned>(*p++ - '0');
    return true;
  };
  for (int part = 0; part < 4; ++part) {
    unsigned value, d;
    if (!digit(value)) return false;
    if (digit(d)) {
      value = value * 10 + d;
      if (digit(d)) {
        value = value * 10 + d;
        if (value > 255) return false;
      }
    }
    out[part] = static_cast<uint8_t>(value);
    if (part < 3) {
      if (p == end || *p != '.') return false;  // also a fourth digit
      ++p;
    }
  }
  return p == end;
}

// RFC 4291 2.2 text (no brackets, no zone) filling all of s into out[0..15].
bool parse_v6(std::string_view s, uint8_t* out) {
  if (s.size() < 2) return false;
  uint16_t words[8] = {};
  int count = 0;
  int gap = -1;  // index in words where "::" stands
  std::size_t i = 0;
  if (s[0] == ':') {
    if (s[1] != ':') return false;
    gap = 0;
    i = 2;
  }
  while (i < s.size()) {
    const std::size_t start = i;
    unsigned value = 0;
    int digit;
    while (i < s.size() && i - start < 5 && (digit = hex_value(s[i])) >= 0) {
      value = value * 16 + static_cast<unsigned>(digit);
      ++i;
    }
    if (i < s.size() && s[i] == '.') {  // a dotted quad fills the last two groups
      if (count > 6) return false;
      uint8_t v4[4];
      if (!parse_v4(s.substr(start), v4)) return false;
      words[count++] = static_cast<uint16_t>(v4[0] << 8 | v4[1]);
      words[count++] = static_cast<uint16_t>(v4[2] << 8 | v4[3]);
      i = s.size();
      break;
    }
    if (i == start || i - start > 4 || count == 8) return false;
    words[count++] = static_cast<uint16_t>(value);
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return false;
      gap = count;
      ++i;
    } else if (i == s.size()) {
      return false;  // a single trailing ':'
    }
  }
  if (gap < 0 ? count != 8 : count > 7) return false;  // "::" stands for at least one group
  uint16_t full[8] = {};
  if (gap < 0) {
    std::copy(words, words + 8, full);
  } else {
    std::copy(words, words + gap, full);
    std::copy(words + gap, words + count, full + 8 - (count - gap));
  }
  for (int w = 0; w < 8; ++w) {
    out[2 * w] = static_cast<uint8_t>(full[w] >> 8);
    out[2 * w + 1] = static_cast<uint8_t>(full[w] & 0xff);
  }
  return true;
}

constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

bool is_mapped(const IpAddress& a) {
  return a.v6 && std::memcmp(a.bytes.data(), kMappedPrefix, sizeof kMappedPrefix) == 0;
}

IpAddress mapped_form(const IpAddress& v4) {
  IpAddress a;
  a.v6 = true;
  std::memcpy(a.bytes.data(), kMappedPrefix, sizeof kMappedPrefix);
  std::memcpy(a.bytes.data() + 12, v4.bytes.data(), 4);
  return a;
}

IpAddress unmapped(const IpAddress& a) {
  IpAddress v4;
  std::memcpy(v4.bytes.data(), a.bytes.data() + 12, 4);
  return v4;
}

void clear_host_bits(IpAddress& a, int length) {
  const int bits = a.v6 ? 128 : 32;
  for (int bit = length; bit < bits; ++bit)
    a.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
}

bool same_prefix(const uint8_t* a, const uint8_t* b, int length) {
  const int full = length / 8, rest = length % 8;
  if (std::memcmp(a, b, full) != 0) return false;
  if (rest == 0) return true;
  const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (b[full] & mask);
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  IpAddress a;
  // A loop, not memchr: the texts are short and a call costs more than the scan.
  bool colon = false;
  for (char c : text) colon |= c == ':';
  if (!colon) {
    if (!parse_v4(text, a.bytes.data())) return std::nullopt;
    return a;
  }
  if (const std::size_t zone = text.find('%'); zone != npos) {
    if (zone + 1 == text.size()) return std::nullopt;  // "%" with no zone after it
    text = text.substr(0, zone);
  }
  a.v6 = true;
  if (!parse_v6(text, a.bytes.data())) return std::nullopt;
  if (is_mapped(a)) return unmapped(a);
  return a;
}

std::string format_ip(const IpAddress& a) {
  char buf[40];
  char* p = buf;
  if (!a.v6) {
    // The decimal text of every byte, computed once: the extractor prints an address
    // for nearly every message.
    static constexpr auto kDecimal = [] {
      std::array<std::array<char, 4>, 256> t{};  // digits, then their count
      for (int v = 0; v < 256; ++v) {
        int n = 0;
        if (v >= 100) t[v][n++] = static_cast<char>('0' + v / 100);
        if (v >= 10) t[v][n++] = static_cast<char>('0' + v / 10 % 10);
        t[v][n++] = static_cast<char>('0' + v % 10);
        t[v][3] = static_cast<char>(n);
      }
      return t;
    }();
    for (int i = 0; i < 4; ++i) {
      if (i > 0) *p++ = '.';
      const auto& digits = kDecimal[a.bytes[i]];
      std::memcpy(p, digits.data(), 3);
      p += digits[3];
    }
    return std::string(buf, p);
  }
  uint16_t words[8];
  for (int w = 0; w < 8; ++w)
    words[w] = static_cast<uint16_t>(a.bytes[2 * w] << 8 | a.bytes[2 * w + 1]);
  // RFC 5952 4.2: the longest run of zero groups, the first of equal ones, and never a
  // single group.
  int best = -1, best_length = 1;
  for (int w = 0; w < 8;) {
    if (words[w] != 0) {
      ++w;
      continue;
    }
    int end = w;
    while (end < 8 && words[end] == 0) ++end;
    if (end - w > best_length) {
      best = w;
      best_length = end - w;
    }
    w = end;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (int w = 0; w < 8; ++w) {
    if (w == best) {
      *p++ = ':';
      *p++ = ':';
      w += best_length - 1;
      continue;
    }
    if (w > 0 && w != best + best_length) *p++ = ':';
    const unsigned v = words[w];
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (v >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        *p++ = kHex[digit];
        started = true;
      }
    }
  }
  return std::string(buf, p);
}

std::optional<std::string> canonical_ip(std::string_view text) {
  const auto a = parse_ip(text);
  if (!a) return std::nullopt;
  return format_ip(*a);
}

bool IpPrefix::contains(const IpAddress& address) const {
  if (network.v6 == address.v6)
    return same_prefix(address.bytes.data(), network.bytes.data(), length);
  if (network.v6) {  // an IPv4 address against an IPv6 prefix: compare its mapped form
    const IpAddress mapped = mapped_form(address);
    return same_prefix(mapped.bytes.data(), network.bytes.data(), length);
  }
  return false;  // parse_ip never yields a mapped IPv6 address, so no IPv6 one is in IPv4
}

Result<IpPrefix> parse_ip_prefix(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument,
                "bad network " + quoted(text) + ": " + std::string(why));
  };
  const std::size_t slash = text.find('/');
  const auto address = parse_ip(text.substr(0, slash));
  if (!address) return bad("not an IPv4 or IPv6 address");
  // A mapped address was written in IPv6: its length counts IPv6 bits.
  const bool written_v6 = text.substr(0, slash).find(':') != npos;
  const int max = written_v6 ? 128 : 32;
  IpPrefix prefix;
  prefix.network = *address;
  prefix.length = max;
  if (slash != npos) {
    const std::string_view digits = text.substr(slash + 1);
    int value = 0;
    if (digits.empty() || digits.size() > 3 || !std::all_of(digits.begin(), digits.end(), is_digit))
      return bad(written_v6 ? "the prefix length must be 0 to 128"
                            : "the prefix length must be 0 to 32");
    for (char c : digits) value = value * 10 + (c - '0');
    if (value > max)
      return bad(written_v6 ? "the prefix length must be 0 to 128"
                            : "the prefix length must be 0 to 32");
    prefix.length = value;
  }
  if (written_v6 && !address->v6) {
    if (prefix.length >= 96)
      prefix.length -= 96;
    else
      prefix.network = mapped_form(*address);  // wider than the mapped space: stays IPv6
  }
  clear_host_bits(prefix.network, prefix.length);
  return prefix;
}

std::string format_ip_prefix(const IpPrefix& prefix) {
  std::string text = format_ip(prefix.network);
  if (prefix.length != (prefix.network.v6 ? 128 : 32)) text += "/" + std::to_string(prefix.length);
  return text;
}

}  // namespace hokan::core
