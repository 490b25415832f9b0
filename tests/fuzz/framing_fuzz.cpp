// syslog::StreamFramer, differentially: the same TCP stream fed whole and fed in pieces cut
// where the input says must give the same frames (bytes and flags), because a sender's
// segments and our reads may be cut anywhere. Input: one byte for max_frame_bytes (1..256,
// small so that truncation is reached), one byte k (mod 16) and k piece lengths, then the
// stream. Also checked: the framer's documented memory bound, with next() drained after
// every feed() as the listeners do.
#include <string>
#include <string_view>
#include <vector>

#include "support/fuzz_check.h"
#include "syslog/framing.h"

namespace {
using hokan::syslog::StreamFramer;

struct Out {
  std::string bytes;
  bool truncated, bad_framing;
  bool operator==(const Out&) const = default;
};

void drain(StreamFramer& framer, std::size_t max, std::vector<Out>& out) {
  while (auto frame = framer.next()) {
    FUZZ_CHECK(frame->bytes.size() <= max);
    out.push_back({std::string(frame->bytes), frame->truncated, frame->bad_framing});
  }
}

void finish(StreamFramer& framer, std::size_t max, std::vector<Out>& out) {
  if (auto frame = framer.finish()) {
    FUZZ_CHECK(frame->bytes.size() <= max);
    out.push_back({std::string(frame->bytes), frame->truncated, frame->bad_framing});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  hokan::fuzz::Input in(data, size);
  const std::size_t max = 1 + in.byte();
  std::vector<std::size_t> pieces(in.byte() % 16);
  for (auto& p : pieces) p = in.byte();
  const std::string_view stream = in.rest();

  StreamFramer whole(max);
  std::vector<Out> expected;
  whole.feed(stream);
  drain(whole, max, expected);
  finish(whole, max, expected);

  StreamFramer split(max);
  std::vector<Out> got;
  std::string_view rest = stream;
  auto feed = [&](std::string_view piece) {
    split.feed(piece);
    drain(split, max, got);
    // framing.h: "within twice (max_frame_bytes plus a count's 10 bytes) plus one read".
    FUZZ_CHECK(split.buffered_bytes() <= 2 * (max + 10) + piece.size());
  };
  for (std::size_t p : pieces) {
    const std::string_view piece = rest.substr(0, p);
    rest.remove_prefix(piece.size());
    feed(piece);
  }
  if (!rest.empty()) feed(rest);
  finish(split, max, got);

  if (got != expected) {
    std::fprintf(stderr, "whole: %zu frames, split: %zu frames\n", expected.size(), got.size());
    for (std::size_t i = 0; i < expected.size() || i < got.size(); ++i) {
      auto show = [](const char* who, const std::vector<Out>& v, std::size_t at) {
        if (at < v.size())
          std::fprintf(stderr, "  %s[%zu] %zu bytes truncated=%d bad=%d \"%.*s\"\n", who, at,
                       v[at].bytes.size(), v[at].truncated, v[at].bad_framing,
                       static_cast<int>(v[at].bytes.size()), v[at].bytes.data());
      };
      show("whole", expected, i);
      show("split", got, i);
    }
    FUZZ_CHECK(got == expected);
  }
  return 0;
}
