// What a PUT /v1/objects/{category}/{name} asks to store, decided from its headers
// alone: the pure step between Beast's parsed request and the upload, so the upload
// code never sees raw headers (and the decoder can be fuzzed). Every header value that
// the record or JSON will carry must be valid UTF-8 without control characters; a bad
// one is refused with 400 naming the header.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "retention/policy.h"
#include "store/event.h"

namespace hokan::objects {

// The headers a PUT may carry, as received (absent: empty).
struct PutHeaders {
  std::string_view time, end, camera, host, case_id, content_type, authorization;
  std::optional<uint64_t> content_length;
};

// A refusal: the HTTP status and one line for the sender.
struct Refusal {
  int status = 400;
  std::string message;
};

struct PutPlan {
  store::Event meta;   // the metadata record, without id, size and digest yet
  uint64_t limit = 0;  // the most bytes the body may have
};

// Errors as a Refusal: 404 no such object category, 401/403 token, 400 bad name or
// metadata (naming the header), 415 form encodings, 413 too large.
std::variant<Refusal, PutPlan> decode_put(const PutHeaders& headers, const std::string& category,
                                          const std::string& name, const std::string& peer,
                                          const config::Config& config, const retention::Policy& policy,
                                          int64_t now_us);

}  // namespace hokan::objects
