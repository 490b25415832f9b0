// Finding the IP addresses free text names, wherever they stand in a sentence ("from A",
// "[A]", "rhost=A", "A port N", "A:port", "client A", URLs, key=value, JSON), and telling
// which one the words around it mark as the client. Part of extraction, so it runs on
// every ingested message: one memchr pass for '.' and ':', and only the tokens around
// them are looked at. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "core/ip.h"

namespace hokan::syslog {

struct AddressInText {
  core::IpAddress address;
  std::size_t begin = 0;  // where its text starts
};

// Appends every address `text` names, in order of appearance (a repeated one each time).
// A token of hex digits, dots and colons counts when it stands between delimiters
// (space, brackets, parentheses, quotes, `,;=/@#|&<>!?`, a zone's `%` after an IPv6
// address) or after a key glued to it with a colon ("addr:10.0.0.5"), and reads whole
// as an address, allowing for a ":port" after it ("192.0.2.1:443", Apache's
// "2001:db8::1:51234") and a '.' or ':' ending a sentence. Precision over recall where
// text is shaped like an address but is not one:
//   - a network, netmask or "any" names no host: "198.51.100.0/24" (host bits clear before
//     a prefix length), 255.x.x.x, 0.0.0.0 and "::" (an explicit field such as rhost= or
//     an SD param is believed whatever it holds; free text is not);
//   - versions: "version 1.2.3.4", and "Product/1.2.3.4" in a user agent ("Chrome/120.0.0.0");
//   - MAC and EUI-64 addresses: eight groups of exactly two hex digits;
//   - IPv6 text without a decimal digit ("abc::def" is a C++ name);
//   - anything glued to a word without a colon ("host1.2.3.4", "ip-10-0-0-1").
void find_addresses(std::string_view text, std::vector<AddressInText>& out);

// True when the words right before `begin` mark the address there as the client the
// event came from: "from A", "by A" (closed/reset by), "with A" (unable to negotiate
// with), "for A" (timeout before authentication for), "client A", "[client A]",
// "client: A", "Client \"A\"", "from=", "rhost=", "SRC=", "src=", "rip=", and the same
// with a host name before a bracketed address ("from unknown[A]", "FROM name [A]").
bool marked_as_client(std::string_view text, std::size_t begin);

}  // namespace hokan::syslog
