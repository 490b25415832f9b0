// IP addresses as values: reading the text forms senders and people write, printing the
// one canonical form hokan stores and indexes, and CIDR prefixes for lookups. One home
// for address handling, so that an address extracted from a message, typed after
// `--ip` and written in a config compare the same way.
// Pure functions on values; thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace hokan::core {

struct IpAddress {
  bool v6 = false;
  // Network byte order. An IPv4 address uses the first 4 bytes; the rest stay zero, so
  // two equal addresses compare equal as a whole.
  std::array<uint8_t, 16> bytes{};

  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// Reads one address, the whole of `text`:
//   IPv4 dotted quad: four decimal numbers of 1 to 3 digits, each at most 255 (a leading
//     zero is read as decimal, as most loggers mean it, never as octal);
//   IPv6 as RFC 4291 2.2 writes it: up to 8 groups of 1 to 4 hex digits, at most one
//     "::", optionally ending in a dotted quad ("::ffff:192.0.2.1"); in any letter case;
//     optionally in brackets ("[2001:db8::1]") and with a zone ("fe80::1%eth0"), which
//     is dropped: it names an interface of the host that logged, not another host.
// An IPv4-mapped IPv6 address (::ffff:a.b.c.d, however spelled) comes back as the IPv4
// address: both name the same host, and a dual-stack server logs one or the other.
// Returns nullopt for anything else (no error text: callers ask this of every token of
// every message, and most tokens are not addresses).
std::optional<IpAddress> parse_ip(std::string_view text);

// The canonical text: dotted quad for IPv4; RFC 5952 for IPv6 (lower case, no leading
// zeros, the longest run of two or more zero groups as "::", the first on a tie).
std::string format_ip(const IpAddress& address);

// parse_ip then format_ip: "2001:DB8:0::AB" → "2001:db8::ab", "::ffff:192.0.2.1" →
// "192.0.2.1". nullopt when `text` is not an address.
std::optional<std::string> canonical_ip(std::string_view text);

// A CIDR prefix: "198.51.100.0/24", "2001:db8::/32", or one address (a /32 or /128).
struct IpPrefix {
  IpAddress network;  // host bits cleared
  int length = 0;     // 0..32 for IPv4, 0..128 for IPv6

  // True when `address` lies in the prefix. An IPv4 address is also in an IPv6 prefix
  // that covers its mapped form (::ffff:0:0/96 covers every IPv4 address).
  bool contains(const IpAddress& address) const;

  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

// Reads "ADDRESS" or "ADDRESS/LENGTH" (ADDRESS as parse_ip takes it). Host bits are
// cleared: "10.1.2.3/8" means 10.0.0.0/8, as ip(8) and iptables read it. A mapped IPv6
// prefix of length 96 or more is the IPv4 prefix it covers ("::ffff:10.0.0.0/104" is
// 10.0.0.0/8).
// Errors: invalid_argument, one line quoting the text and saying what is wrong.
[[nodiscard]] Result<IpPrefix> parse_ip_prefix(std::string_view text);

// "198.51.100.0/24", "2001:db8::/32"; a whole-length prefix prints as the address alone.
std::string format_ip_prefix(const IpPrefix& prefix);

}  // namespace hokan::core
