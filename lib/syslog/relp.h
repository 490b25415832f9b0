// RELP, the Reliable Event Logging Protocol (as rsyslog's omrelp speaks it): frames
//   TXNR SP COMMAND SP DATALEN [SP DATA] LF
// where TXNR numbers the client's commands (1..999999999), COMMAND is "open", "syslog",
// "close" (or the peers' "rsp", "serverclose"), and DATALEN counts DATA's bytes. The
// server answers each command with "TXNR rsp LEN 200 OK..." once it has it safe.
// Pure parsing and formatting, no I/O. Not thread-safe: one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hokan::syslog::relp {

struct Frame {
  uint64_t txnr = 0;
  std::string_view command;
  std::string_view data;  // valid until the next feed()
};

class Parser {
 public:
  // Frames whose DATA exceeds this are a protocol error (the session ends).
  explicit Parser(std::size_t max_data_bytes);

  // Appends bytes read from the socket.
  void feed(std::string_view bytes);
  // The next complete frame, or nothing until more bytes arrive.
  std::optional<Frame> next();
  // Set once the stream stopped being RELP; next() then returns nothing. One line.
  const std::string& error() const { return error_; }

 private:
  std::size_t max_data_bytes_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::string error_;
};

// "TXNR rsp LEN CODE TEXT[\nEXTRA]\n": the answer to command TXNR.
std::string response(uint64_t txnr, int code, std::string_view text, std::string_view extra = {});
// What the server offers in its answer to "open".
std::string open_offers();
// "0 serverclose 0\n": the server ends the session.
std::string server_close();

}  // namespace hokan::syslog::relp
