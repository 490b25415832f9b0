// Base64 (RFC 4648 §4, with padding): how bytes that are not UTF-8 cross the JSON of the
// control protocol and of query output (raw_b64, grep_b64) without loss. One home for
// it. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hokan::core {

std::string base64_encode(std::string_view bytes);

// The bytes, or nullopt when `text` is not padded base64 of the standard alphabet (no
// whitespace, no line breaks).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace hokan::core
