// UTF-8 validity, strictly as RFC 3629 defines it: no overlong forms, no UTF-16
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF. One home for the check every
// boundary needs (syslog text, HTTP headers, control requests, JSON output).
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace hokan::core {

// Length (1 to 4) of the valid UTF-8 sequence that starts at s[i], or 0 when the bytes
// there do not start one. i < s.size().
std::size_t utf8_sequence(std::string_view s, std::size_t i);

// True when every byte of `s` belongs to a valid sequence.
bool valid_utf8(std::string_view s);

// True when every byte of `s` is below 0x80: then `s`, and any text made of its bytes,
// is valid UTF-8.
bool all_ascii(std::string_view s);

// Offset of the first byte that does not start a valid sequence, or s.size().
std::size_t first_invalid_utf8(std::string_view s);

}  // namespace hokan::core
