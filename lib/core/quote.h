// A value someone sent, echoed inside a one-line message (a refusal, a log line, a config
// error). Messages are one line each and UTF-8; the value may be anything, so it is
// quoted, escaped and cut here, in one place, rather than trusted at every call site.
// Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace hokan::core {

// `value` in double quotes: " and \ escaped with a backslash, control bytes as \n, \r, \t
// or \xNN, bytes that are not valid UTF-8 as \xNN; longer than `max_bytes`, it is cut at
// a character boundary and "..." follows the closing quote.
std::string quoted(std::string_view value, std::size_t max_bytes = 200);

}  // namespace hokan::core
