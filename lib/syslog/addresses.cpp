// The scan looks only at '.' and ':' (found 16 or 8 bytes at a time) and at the run of hex
// digits, dots and colons around each; every character is looked at a bounded number of
// times, so a hostile line costs no more than a long ordinary one.
#include "syslog/addresses.h"

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace hokan::syslog {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// Character classes by table: the scan asks them of every character around a separator.
enum Class : uint8_t {
  kDigit = 1,
  kHexLetter = 2,
  kSeparator = 4,  // '.' ':'
  kOtherLetter = 8,
  kUnderscore = 16,
  kDelimiter = 32,  // what may stand right before or after an address in text
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = '0'; c <= '9'; ++c) t[c] = kDigit;
  for (int c = 'a'; c <= 'z'; ++c) t[c] = c <= 'f' ? kHexLetter : kOtherLetter;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = c <= 'F' ? kHexLetter : kOtherLetter;
  t['.'] = t[':'] = kSeparator;
  t['_'] = kUnderscore;
  for (unsigned char c : std::string_view(" \t\r\n[](){}<>\"',;=/@#|&!?\\")) t[c] = kDelimiter;
  return t;
}
constexpr std::array<uint8_t, 256> kClasses = make_classes();

uint8_t class_of(char c) { return kClasses[static_cast<unsigned char>(c)]; }
bool is_digit(char c) { return class_of(c) & kDigit; }
bool is_hex(char c) { return class_of(c) & (kDigit | kHexLetter); }
bool is_alpha(char c) { return class_of(c) & (kHexLetter | kOtherLetter); }
bool is_word(char c) { return class_of(c) & (kDigit | kHexLetter | kOtherLetter | kUnderscore); }
bool is_token(char c) { return class_of(c) & (kDigit | kHexLetter | kSeparator); }
bool is_delimiter(char c) { return class_of(c) & kDelimiter; }

bool ends_with_word(std::string_view before, std::string_view word) {
  if (before.size() < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i)
    if ((before[before.size() - word.size() + i] | 0x20) != word[i]) return false;
  return before.size() == word.size() || !is_alpha(before[before.size() - word.size() - 1]);
}

// Whether the separator at s[at] can be part of an address at all: a ':' before a hex
// digit or another ':', a '.' as below. Most separators in text fail this and cost no
// more.
[[gnu::always_inline]] inline bool may_join_address(std::string_view s, std::size_t at) {
  if (at + 1 >= s.size()) return false;
  if (s[at] != '.') return is_hex(s[at + 1]) || s[at + 1] == ':';
  // The first '.' of an IPv4 address (the scan has not seen its others yet) comes after
  // a digit and before "d.d.d" with one to three digits each: "HTTP/1.1", "Mozilla/5.0"
  // and "537.36" end here, unread.
  if (at == 0 || !is_digit(s[at - 1])) return false;
  std::size_t i = at + 1;
  for (int group = 0; group < 3; ++group) {
    if (group > 0) {
      if (i >= s.size() || s[i] != '.') return false;
      ++i;
    }
    const std::size_t start = i;
    while (i < s.size() && i - start < 3 && is_digit(s[i])) ++i;
    if (i == start) return false;
  }
  return true;
}

// Eight groups of exactly two hex digits and no "::": an EUI-64 or MAC-style identifier,
// not an address anyone writes that way.
bool looks_like_mac(std::string_view text) {
  if (text.size() != 23) return false;
  for (std::size_t i = 2; i < text.size(); i += 3)
    if (text[i] != ':') return false;
  return true;
}

// "A/len" where the bits after len are all clear is a network, not a host. A whole-length
// prefix is one host, and "10.0.0.5/24" (an interface address) names 10.0.0.5.
bool is_network(const core::IpAddress& a, std::string_view after) {
  if (after.size() < 2 || after[0] != '/' || !is_digit(after[1])) return false;
  std::size_t i = 1;
  int length = 0;
  while (i < after.size() && i <= 3 && is_digit(after[i]))
    length = length * 10 + (after[i++] - '0');
  if (i < after.size() && !is_delimiter(after[i]) && after[i] != '.' && after[i] != ':')
    return false;
  const int bits = a.v6 ? 128 : 32;
  if (length >= bits) return false;
  for (int bit = length; bit < bits; ++bit)
    if (a.bytes[bit / 8] & (0x80u >> (bit % 8))) return false;
  return true;
}

// Not unspecified (0.0.0.0, ::), not a netmask or broadcast (255.x.x.x).
bool names_a_host(const core::IpAddress& a) {
  if (!a.v6) return a.bytes[0] != 255 && (a.bytes[0] | a.bytes[1] | a.bytes[2] | a.bytes[3]) != 0;
  for (uint8_t byte : a.bytes)
    if (byte != 0) return true;
  return false;
}

std::optional<core::IpAddress> read_with_port(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == npos || colon + 1 >= text.size()) return std::nullopt;
  const std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);
  if (port.size() > 5) return std::nullopt;
  for (char c : port)
    if (!is_digit(c)) return std::nullopt;
  if (host.find(':') == npos) return core::parse_ip(host);  // "192.0.2.1:443"
  // IPv6 with a port and no brackets, as Apache 2.4 writes "[client 2001:db8::1:51234]":
  // only a five-digit port is unambiguous, since "...:8080" is also a valid last group.
  if (port.size() == 5) return core::parse_ip(host);
  return std::nullopt;
}

// The token s[b, e) holds a '.' or ':'; appends the address it is, if any.
void read_token(std::string_view s, std::size_t b, std::size_t e, std::vector<AddressInText>& out) {
  if (e < s.size() && !is_delimiter(s[e]) && s[e] != '%') return;
  std::size_t start = b;
  if (b > 0 && !is_delimiter(s[b - 1])) {
    // Glued to a word: only "key:value" ("addr:10.0.0.5", "peer:2001:db8::1") counts.
    if (!is_word(s[b - 1])) return;
    const std::string_view token = s.substr(b, e - b);
    const std::size_t colon = token.find(':');
    if (colon == npos || token.substr(0, colon).find('.') != npos) return;
    start = b + colon + 1;
  } else if (s[b] == ':' && (e - b < 2 || s[b + 1] != ':')) {
    return;  // ":0", ":1.0": a display or a separator, not "::1"
  }
  if (e - start < 2) return;
  std::string_view text = s.substr(start, e - start);
  // An address has three dots or two colons: "1.1", "5.0", "12:30" end here, unparsed.
  int dots = 0, colons = 0;
  for (char c : text) {
    dots += c == '.';
    colons += c == ':';
  }
  std::optional<core::IpAddress> a = core::parse_ip(text);
  // A sentence may end right after an address: "from 192.0.2.1." / "from 192.0.2.1: 11:".
  for (int strip = 0; !a && strip < 2 && (text.back() == '.' || text.back() == ':'); ++strip) {
    text.remove_suffix(1);
    if (text.size() < 2) return;
    a = core::parse_ip(text);
  }
  if (!a) a = read_with_port(text);
  if (!a || !names_a_host(*a)) return;
  // Every IPv6 address anyone logs has a decimal digit; "abc::def" and "dead::beef" are
  // names in code.
  if (a->v6 && (looks_like_mac(text) || text.find_first_of("0123456789") == npos)) return;
  if (e < s.size() && s[e] == '/' && text.size() == e - start && is_network(*a, s.substr(e)))
    return;
  // "Chrome/120.0.0.0 Safari": a product version in a user agent. A path component
  // ("hosts/10.0.0.5/syslog") goes on with '/', a URL has "//" before it, and a version
  // has no port ("alice/192.0.2.1:50000" is OpenVPN's client).
  if (start >= 2 && s[start - 1] == '/' && is_alpha(s[start - 2]) &&
      (e == s.size() || s[e] != '/') && text.size() == e - start && text.find(':') == npos)
    return;
  const std::string_view before = s.substr(0, start);
  if (ends_with_word(before, "version ") || ends_with_word(before, "ver ")) return;
  out.push_back({*a, start});
}

}  // namespace

void find_addresses(std::string_view s, std::vector<AddressInText>& out) {
  std::size_t from = 0;  // the scan never looks back before here, nor at separators before it
  auto visit = [&](std::size_t at) {
    if (at < from || !may_join_address(s, at)) return;
    std::size_t b = at, e = at + 1;
    while (b > from && is_token(s[b - 1])) --b;
    // Counting while reading right rules out most tokens before they are parsed: an
    // address has three dots (IPv4, perhaps with a port) or, in IPv6, a "::" or at least
    // six colons; "1.1", "5.0", "12:30:00", "2026:03:12:10" and MACs have neither.
    int dots = 0, colons = 0;
    bool double_colon = false;
    for (e = b; e < s.size() && is_token(s[e]); ++e) {
      if (s[e] == '.') {
        ++dots;
      } else if (s[e] == ':') {
        double_colon |= e > b && s[e - 1] == ':';
        ++colons;
      }
    }
    from = e;
    // The longest text form is 45 characters, plus a port; anything longer is a hash or
    // a run of separators.
    if (e - b < 3 || e - b > 52 || (dots < 3 && colons < 6 && !double_colon)) return;
    read_token(s, b, e, out);
  };
  std::size_t i = 0;
#if defined(__SSE2__)
  // Sixteen bytes at a time: this reads every byte of every message.
  const __m128i dot = _mm_set1_epi8('.'), colon = _mm_set1_epi8(':');
  for (; i + 16 <= s.size(); i += 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    auto hits = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, dot), _mm_cmpeq_epi8(x, colon))));
    while (hits != 0) {
      // Separators inside a token already read (an address's other dots) are skipped.
      if (from > i) hits &= from - i >= 16 ? 0u : ~((1u << (from - i)) - 1);
      if (hits == 0) break;
      visit(i + static_cast<std::size_t>(std::countr_zero(hits)));
      hits &= hits - 1;
    }
  }
#else
  if constexpr (std::endian::native == std::endian::little) {
    // A zero byte of x ^ '.'... or x ^ ':'... marks a separator. The bit trick can also
    // flag the byte above a real one (a borrow), so each hit is checked.
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t x;
      std::memcpy(&x, s.data() + i, 8);
      const uint64_t dots = x ^ (kOnes * '.'), colons = x ^ (kOnes * ':');
      uint64_t hits = ((dots - kOnes) & ~dots & kHigh) | ((colons - kOnes) & ~colons & kHigh);
      while (hits != 0) {
        const std::size_t at = i + static_cast<std::size_t>(std::countr_zero(hits) / 8);
        hits &= hits - 1;
        if (class_of(s[at]) & kSeparator) visit(at);
      }
    }
  }
#endif
  for (; i < s.size(); ++i)
    if (class_of(s[i]) & kSeparator) visit(i);
}

bool marked_as_client(std::string_view text, std::size_t begin) {
  static constexpr std::string_view kMarks[] = {
      "from ",    "FROM ",     "From ",   "by ",        "with ",       "for ",   "client ",
      "client: ", "Client \"", "from \"", "from=",      "client=",     "rhost=", "rip=",
      "SRC=",     "src=",      "src_ip=", "client_ip=", "remote_addr="};
  auto marked = [](std::string_view before) {
    for (std::string_view mark : kMarks) {
      if (!before.ends_with(mark)) continue;
      // A whole word: "platform 192.0.2.1" is not "from".
      const std::size_t at = before.size() - mark.size();
      if (at == 0 || !is_word(before[at - 1])) return true;
    }
    return false;
  };
  std::string_view before = text.substr(0, begin);
  if (marked(before)) return true;
  if (before.ends_with('[') || before.ends_with('(')) {
    // "from [A]:port", "from unknown[A]", "FROM client.example.net [A]", "connect from
    // host.example (A)".
    before.remove_suffix(1);
    if (marked(before)) return true;
    if (before.ends_with(' ')) before.remove_suffix(1);
    std::size_t name = before.size();
    while (name > 0 && before.size() - name < 256 &&
           (is_word(before[name - 1]) || before[name - 1] == '.' || before[name - 1] == '-'))
      --name;
    if (name < before.size() && name > 0 && (before[name - 1] == ' ' || before[name - 1] == '='))
      before = before.substr(0, name);
    return marked(before);
  }
  // BIND: "client @0x7f3a2c0f1e68 203.0.113.71#53211".
  if (before.ends_with(' ')) {
    const std::size_t handle = before.rfind(" @0x", before.size() - 1);
    if (handle != npos && before.size() - handle < 24) return marked(before.substr(0, handle + 1));
  }
  return false;
}

}  // namespace hokan::syslog
