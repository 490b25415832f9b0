#include "syslog/framing.h"

#include <algorithm>
#include <cstring>

namespace hokan::syslog {

StreamFramer::StreamFramer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void StreamFramer::feed(std::string_view bytes) {
  // Compact lazily: drop consumed bytes only when they are most of the buffer, so each
  // byte is moved O(1) times on average.
  if (consumed_ > 0 && consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  // Skipping the tail of an over-long octet-counted frame needs no buffering at all.
  if (skip_bytes_ > 0 && consumed_ == buffer_.size()) {
    std::size_t n = std::min(skip_bytes_, bytes.size());
    skip_bytes_ -= n;
    bytes.remove_prefix(n);
  }
  buffer_.append(bytes);
}

std::optional<Frame> StreamFramer::next() {
  while (true) {
    std::string_view data(buffer_);
    data.remove_prefix(consumed_);
    if (skip_bytes_ > 0) {
      std::size_t n = std::min(skip_bytes_, data.size());
      skip_bytes_ -= n;
      consumed_ += n;
      if (skip_bytes_ > 0) return std::nullopt;
      continue;
    }
    if (data.empty()) return std::nullopt;
    if (mode_ == Mode::undecided) {
      // RFC 6587 3.4.1 frames start with a digit; syslog lines start with '<'.
      mode_ = (data[0] >= '1' && data[0] <= '9') ? Mode::octet_counting : Mode::lf;
    }
    if (skip_line_) {
      auto lf = data.find('\n');
      if (lf == std::string_view::npos) {
        consumed_ = buffer_.size();
        return std::nullopt;
      }
      consumed_ += lf + 1;
      skip_line_ = false;
      continue;
    }
    if (mode_ == Mode::octet_counting) {
      std::size_t i = 0;
      std::size_t length = 0;
      while (i < data.size() && i < 10 && data[i] >= '0' && data[i] <= '9') length = length * 10 + (data[i++] - '0');
      if (i == data.size() && i < 10) return std::nullopt;  // count not complete yet
      if (i == 0 || i >= 10 || data[i] != ' ') {
        // Not a count after all: read the rest of the connection as LF lines.
        mode_ = Mode::lf;
        auto frame = next();
        if (frame) frame->bad_framing = true;
        return frame;
      }
      std::size_t body = i + 1;
      if (length <= max_frame_bytes_) {
        if (data.size() < body + length) return std::nullopt;
        consumed_ += body + length;
        return Frame{data.substr(body, length), false, false};  // a view: no copy per frame
      }
      // Over-long: return the first max bytes once they are here, skip the rest as it comes.
      if (data.size() < body + max_frame_bytes_) return std::nullopt;
      frame_.assign(data.substr(body, max_frame_bytes_));
      std::size_t available = data.size() - body;
      std::size_t take = std::min(available, length);
      consumed_ += body + take;
      skip_bytes_ = length - take;
      return Frame{frame_, true, false};
    }
    // LF framing.
    auto lf = data.find('\n');
    if (lf == std::string_view::npos) {
      if (data.size() <= max_frame_bytes_) return std::nullopt;
      frame_.assign(data.substr(0, max_frame_bytes_));
      consumed_ = buffer_.size();
      skip_line_ = true;
      return Frame{frame_, true, false};
    }
    std::string_view line = data.substr(0, lf);
    consumed_ += lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines between frames carry nothing
    bool truncated = line.size() > max_frame_bytes_;
    return Frame{line.substr(0, std::min(line.size(), max_frame_bytes_)), truncated, false};
  }
}

std::optional<Frame> StreamFramer::finish() {
  if (skip_bytes_ > 0 || skip_line_) {
    consumed_ = buffer_.size();
    return std::nullopt;
  }
  std::string_view data(buffer_);
  data.remove_prefix(consumed_);
  consumed_ = buffer_.size();
  while (!data.empty() && (data.back() == '\r' || data.back() == '\n')) data.remove_suffix(1);
  if (data.empty()) return std::nullopt;
  // An incomplete octet-counted frame is kept as what it is: bytes of a broken frame.
  bool truncated = data.size() > max_frame_bytes_;
  frame_.assign(data.substr(0, std::min(data.size(), max_frame_bytes_)));
  return Frame{frame_, truncated, mode_ == Mode::octet_counting};
}

}  // namespace hokan::syslog
