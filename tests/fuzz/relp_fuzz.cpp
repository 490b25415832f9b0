// syslog::relp::Parser, differentially: a RELP stream fed whole and fed in pieces cut where
// the input says must give the same frames and the same verdict (error or not). Input: one
// byte for max_data_bytes (0..255), one byte k (mod 16) and k piece lengths, then the
// stream. Also: what response() formats, the parser reads back unchanged.
#include <string>
#include <string_view>
#include <vector>

#include "support/fuzz_check.h"
#include "syslog/relp.h"

namespace {
namespace relp = hokan::syslog::relp;

struct Out {
  uint64_t txnr;
  std::string command, data;
  bool operator==(const Out&) const = default;
};

void drain(relp::Parser& parser, std::size_t max, std::vector<Out>& out) {
  while (auto frame = parser.next()) {
    FUZZ_CHECK(frame->data.size() <= max);
    FUZZ_CHECK(frame->txnr <= 999'999'999);
    FUZZ_CHECK(!frame->command.empty());
    out.push_back({frame->txnr, std::string(frame->command), std::string(frame->data)});
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  hokan::fuzz::Input in(data, size);
  const std::size_t max = in.byte();
  std::vector<std::size_t> pieces(in.byte() % 16);
  for (auto& p : pieces) p = in.byte();
  const std::string_view stream = in.rest();

  relp::Parser whole(max);
  std::vector<Out> expected;
  whole.feed(stream);
  drain(whole, max, expected);

  relp::Parser split(max);
  std::vector<Out> got;
  std::string_view rest = stream;
  for (std::size_t p : pieces) {
    const std::string_view piece = rest.substr(0, p);
    rest.remove_prefix(piece.size());
    split.feed(piece);
    drain(split, max, got);
  }
  split.feed(rest);
  drain(split, max, got);
  FUZZ_CHECK(got == expected);
  FUZZ_CHECK(split.error().empty() == whole.error().empty());

  // The server's answers, read back as a peer reads them.
  const uint64_t txnr = stream.size() % 1'000'000'000;
  const std::string_view text = stream.substr(0, stream.size() / 2);
  const std::string_view extra = stream.substr(stream.size() / 2);
  relp::Parser peer(stream.size() + 16);
  peer.feed(relp::response(txnr, 200, text, extra));
  const auto answer = peer.next();
  FUZZ_CHECK(answer && answer->txnr == txnr && answer->command == "rsp");
  FUZZ_CHECK(answer->data == "200 " + std::string(text) + (extra.empty() ? "" : "\n" + std::string(extra)));
  return 0;
}
