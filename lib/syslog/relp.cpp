#include "syslog/relp.h"

#include <charconv>

namespace hokan::syslog::relp {
namespace {
// TXNR and DATALEN have at most 9 digits (RELP limits both to 999999999).
constexpr std::size_t kMaxDigits = 9;
constexpr std::size_t kMaxCommand = 32;

enum class Read { ok, more, bad };

// Reads a number of 1..9 digits that the next byte (a space or LF) ends. `more` when
// the buffer ends inside it.
Read number(std::string_view s, std::size_t at, uint64_t& out, std::size_t& end) {
  end = at;
  while (end < s.size() && end - at <= kMaxDigits && s[end] >= '0' && s[end] <= '9') ++end;
  if (end - at > kMaxDigits) return Read::bad;
  if (end == s.size()) return Read::more;
  if (end == at) return Read::bad;
  std::from_chars(s.data() + at, s.data() + end, out);
  return Read::ok;
}
}  // namespace

Parser::Parser(std::size_t max_data_bytes) : max_data_bytes_(max_data_bytes) {}

void Parser::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  if (consumed_ > 0) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<Frame> Parser::next() {
  if (!error_.empty()) return std::nullopt;
  std::string_view s(buffer_);
  s.remove_prefix(consumed_);
  // Senders may put LFs between frames; skip them.
  std::size_t at = 0;
  while (at < s.size() && (s[at] == '\n' || s[at] == '\r')) ++at;
  if (at == s.size()) {
    consumed_ += at;
    return std::nullopt;
  }
  Frame f;
  std::size_t end = 0;
  switch (number(s, at, f.txnr, end)) {
    case Read::more: return std::nullopt;
    case Read::bad: error_ = "RELP: frame does not start with a transaction number"; return std::nullopt;
    case Read::ok: break;
  }
  if (s[end] != ' ') {
    error_ = "RELP: transaction number not followed by a space";
    return std::nullopt;
  }
  std::size_t command_at = end + 1, command_end = command_at;
  while (command_end < s.size() && command_end - command_at <= kMaxCommand && s[command_end] >= 'a' &&
         s[command_end] <= 'z')
    ++command_end;
  if (command_end >= s.size() && command_end - command_at <= kMaxCommand) return std::nullopt;
  if (command_end - command_at > kMaxCommand || command_end == command_at || s[command_end] != ' ') {
    error_ = "RELP: bad command";
    return std::nullopt;
  }
  f.command = s.substr(command_at, command_end - command_at);
  uint64_t length = 0;
  switch (number(s, command_end + 1, length, end)) {
    case Read::more: return std::nullopt;
    case Read::bad: error_ = "RELP: bad data length"; return std::nullopt;
    case Read::ok: break;
  }
  if (length > max_data_bytes_) {
    error_ = "RELP: frame of " + std::to_string(length) + " bytes exceeds the limit of " +
             std::to_string(max_data_bytes_);
    return std::nullopt;
  }
  std::size_t data_at = end;
  if (length > 0) {
    if (s[end] != ' ') {
      error_ = "RELP: data length not followed by a space";
      return std::nullopt;
    }
    data_at = end + 1;
  }
  std::size_t trailer = data_at + length;
  if (trailer >= s.size()) return std::nullopt;
  if (s[trailer] != '\n') {
    error_ = "RELP: frame not terminated by LF after its data";
    return std::nullopt;
  }
  f.data = s.substr(data_at, length);
  consumed_ += trailer + 1;
  return f;
}

std::string response(uint64_t txnr, int code, std::string_view text, std::string_view extra) {
  std::string data = std::to_string(code) + " " + std::string(text);
  if (!extra.empty()) data += "\n" + std::string(extra);
  return std::to_string(txnr) + " rsp " + std::to_string(data.size()) + " " + data + "\n";
}

std::string open_offers() { return "relp_version=0\nrelp_software=hokan\ncommands=syslog"; }

std::string server_close() { return "0 serverclose 0\n"; }

}  // namespace hokan::syslog::relp
