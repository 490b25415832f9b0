// Frames are views into the buffer, never copies: at ~300k messages/s a copy per frame
// is measurable. The buffer is compacted lazily, in feed(), and only once consumed bytes
// make up half of it, so each byte is moved O(1) times however the reads are cut.
#include "syslog/framing.h"

#include <algorithm>
#include <utility>

namespace hokan::syslog {
namespace {

// RFC 6587 MSG-LEN is NONZERO-DIGIT *DIGIT; nine digits (just under 1 GB) is more than any
// sender means, and a longer run of digits is not a count.
constexpr std::size_t kMaxCountDigits = 9;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

struct Count {
  enum class State { incomplete, bad, ok } state = State::bad;
  std::size_t length = 0;
  std::size_t header = 0;  // digits and the SP after them
};

// "MSG-LEN SP" at the start of data.
Count read_count(std::string_view data) {
  Count c;
  std::size_t i = 0;
  while (i < data.size() && i <= kMaxCountDigits && is_digit(data[i]))
    c.length = c.length * 10 + static_cast<std::size_t>(data[i++] - '0');
  if (i == data.size() && i <= kMaxCountDigits) {
    c.state = Count::State::incomplete;
  } else if (i > 0 && i <= kMaxCountDigits && data[i] == ' ' && data[0] != '0') {
    c.state = Count::State::ok;
    c.header = i + 1;
  }
  return c;
}

}  // namespace

StreamFramer::StreamFramer(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

void StreamFramer::feed(std::string_view bytes) {
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
    // The rest of a frame already cut short is dropped on arrival, never buffered: a
    // sender streaming a gigabyte-long frame costs no memory.
    if (skip_bytes_ > 0) {
      const std::size_t n = std::min(skip_bytes_, bytes.size());
      skip_bytes_ -= n;
      bytes.remove_prefix(n);
    }
    if (skip_line_) {
      const std::size_t lf = bytes.find('\n');
      if (lf == std::string_view::npos) return;
      bytes.remove_prefix(lf + 1);
      skip_line_ = false;
    }
  } else if (consumed_ * 2 >= buffer_.size()) {
    buffer_.erase(0, consumed_);
    consumed_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<Frame> StreamFramer::next() {
  while (true) {
    std::string_view data(buffer_);
    data.remove_prefix(consumed_);
    if (skip_bytes_ > 0) {
      const std::size_t n = std::min(skip_bytes_, data.size());
      skip_bytes_ -= n;
      consumed_ += n;
      if (skip_bytes_ > 0) return std::nullopt;
      continue;
    }
    if (skip_line_) {
      const std::size_t lf = data.find('\n');
      consumed_ = lf == std::string_view::npos ? buffer_.size() : consumed_ + lf + 1;
      if (lf == std::string_view::npos) return std::nullopt;
      skip_line_ = false;
      continue;
    }
    if (data.empty()) return std::nullopt;
    if (mode_ == Mode::undecided) mode_ = is_digit(data[0]) ? Mode::octet_counting : Mode::lf;

    if (mode_ == Mode::octet_counting) {
      // Some senders end octet-counted frames with a LF anyway; it carries nothing.
      if (data[0] == '\n' || data[0] == '\r') {
        ++consumed_;
        continue;
      }
      const Count count = read_count(data);
      if (count.state == Count::State::incomplete) return std::nullopt;
      if (count.state == Count::State::bad) {
        // Not a count after all: the rest of the connection is read as LF lines, the
        // first of which (holding the bad bytes) is flagged.
        mode_ = Mode::lf;
        bad_framing_pending_ = true;
        continue;
      }
      const std::string_view body = data.substr(count.header);
      if (count.length <= max_frame_bytes_) {
        if (body.size() < count.length) return std::nullopt;
        consumed_ += count.header + count.length;
        return Frame{body.substr(0, count.length), false, false};
      }
      // Over-long: the first max_frame_bytes come out once they are here, and the rest
      // is skipped as it arrives.
      if (body.size() < max_frame_bytes_) return std::nullopt;
      const std::size_t take = std::min(body.size(), count.length);
      consumed_ += count.header + take;
      skip_bytes_ = count.length - take;
      return Frame{body.substr(0, max_frame_bytes_), true, false};
    }

    const std::size_t lf = data.find('\n');
    if (lf == std::string_view::npos) {
      // A CR right after max_frame_bytes may be the first half of this line's CRLF, which
      // does not count: wait for the next byte, as a read holding the LF would have.
      if (data.size() <= max_frame_bytes_ ||
          (data.size() == max_frame_bytes_ + 1 && data.back() == '\r'))
        return std::nullopt;
      // An over-long line without its LF yet: out it goes, cut, and the rest of the line
      // is dropped as it arrives.
      consumed_ = buffer_.size();
      skip_line_ = true;
      const bool bad = std::exchange(bad_framing_pending_, false);
      return Frame{data.substr(0, max_frame_bytes_), true, bad};
    }
    std::string_view line = data.substr(0, lf);
    consumed_ += lf + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;  // blank lines between frames carry nothing
    const bool truncated = line.size() > max_frame_bytes_;
    const bool bad = std::exchange(bad_framing_pending_, false);
    return Frame{line.substr(0, std::min(line.size(), max_frame_bytes_)), truncated, bad};
  }
}

std::optional<Frame> StreamFramer::finish() {
  std::string_view data(buffer_);
  data.remove_prefix(consumed_);
  consumed_ = buffer_.size();
  if (skip_bytes_ > 0 || skip_line_) {
    // The head of that frame already came out, flagged.
    skip_bytes_ = 0;
    skip_line_ = false;
    return std::nullopt;
  }
  while (!data.empty() && (data.front() == '\n' || data.front() == '\r')) data.remove_prefix(1);
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.remove_suffix(1);
  if (data.empty()) return std::nullopt;
  if (mode_ == Mode::undecided) mode_ = is_digit(data[0]) ? Mode::octet_counting : Mode::lf;
  const bool bad = std::exchange(bad_framing_pending_, false);
  if (mode_ == Mode::octet_counting) {
    if (const Count count = read_count(data); count.state == Count::State::ok) {
      // The stream ended inside a frame: what arrived of it is the record, cut short.
      const std::string_view body = data.substr(count.header);
      if (body.empty()) return std::nullopt;
      return Frame{body.substr(0, std::min(body.size(), max_frame_bytes_)), true, false};
    }
    // Not even a count: whatever the bytes are, they are kept, flagged.
    return Frame{data.substr(0, std::min(data.size(), max_frame_bytes_)),
                 data.size() > max_frame_bytes_, true};
  }
  return Frame{data.substr(0, std::min(data.size(), max_frame_bytes_)),
               data.size() > max_frame_bytes_, bad};
}

}  // namespace hokan::syslog
