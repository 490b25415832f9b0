// Splits a TCP byte stream into syslog frames (RFC 6587). The framing is detected per
// connection from its first byte: a digit means octet counting ("LEN SP MSG"), anything
// else means LF-terminated lines. Frames may be split across reads in any way.
// Not thread-safe: one framer per connection.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hokan::syslog {

struct Frame {
  std::string_view bytes;    // valid until the next feed() or finish() call
  bool truncated = false;    // the frame was longer than max_frame_bytes; the rest was dropped
  bool bad_framing = false;  // octet count unreadable: framing fell back to LF lines
};

class StreamFramer {
 public:
  explicit StreamFramer(std::size_t max_frame_bytes);

  // Appends bytes read from the socket.
  void feed(std::string_view bytes);
  // The next complete frame, or nothing until more bytes arrive. A frame longer than
  // max_frame_bytes is returned truncated to that size (flagged) and the rest of it is
  // skipped as it arrives, so memory stays bounded.
  std::optional<Frame> next();
  // At end of stream: whatever partial frame remains (an unterminated last line).
  // An octet-counted frame cut off by the end comes back as what arrived of its body,
  // flagged truncated; bytes without a readable count come back flagged bad_framing.
  std::optional<Frame> finish();

  enum class Mode { undecided, octet_counting, lf };
  Mode mode() const { return mode_; }
  // Bytes held in the buffer. When next() is drained after every feed() this stays within
  // twice (max_frame_bytes plus a count's 10 bytes) plus one read, whatever the sender
  // does. For tests and metrics.
  std::size_t buffered_bytes() const { return buffer_.size(); }

 private:
  std::size_t max_frame_bytes_;
  Mode mode_ = Mode::undecided;
  std::string buffer_;
  std::size_t consumed_ = 0;          // bytes of buffer_ already returned
  std::size_t skip_bytes_ = 0;        // remaining bytes of an over-long octet-counted frame
  bool skip_line_ = false;            // inside an over-long LF line: drop until LF
  bool bad_framing_pending_ = false;  // the fallback's first LF frame has not come out yet
};

}  // namespace hokan::syslog
