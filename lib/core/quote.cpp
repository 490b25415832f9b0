#include "core/quote.h"

#include "core/utf8.h"

namespace hokan::core {
namespace {

void append_hex(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

}  // namespace

std::string quoted(std::string_view value, std::size_t max_bytes) {
  std::string out = "\"";
  std::size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    // A valid multi-byte character is copied whole or not at all.
    const std::size_t n = c >= 0x80 ? utf8_sequence(value, i) : 1;
    if (i + (n ? n : 1) > max_bytes) break;
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f || n == 0) {
      append_hex(out, c);
    } else {
      out.append(value.substr(i, n));
    }
    i += n ? n : 1;
  }
  out += '"';
  if (i < value.size()) out += "...";
  return out;
}

}  // namespace hokan::core
