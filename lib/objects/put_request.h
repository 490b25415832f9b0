// What a PUT /v1/objects/{category}/{name} asks to store, decided from its headers, its
// name and the config alone: the pure step between Beast's parsed request and the
// upload, so the upload code never sees raw headers (and the decoder can be fuzzed).
// Every header value that the record or JSON will carry must be valid UTF-8 without
// control characters; a bad one is refused with 400 naming the header.
//
// Recorders that cannot send per-upload headers are served by the category's rules:
//   time    X-Hokan-Time, else the name by name_time, else the received time;
//   camera  X-Hokan-Camera, else the [[sender]]'s camera, else the name by name_camera;
//   names   in `replace`: stored as a new version each time; in `ignore`: not stored.
// The record keeps which gave its time and camera (time_source, camera_source).
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "config/config.h"
#include "objects/refusal.h"
#include "retention/policy.h"
#include "store/event.h"

namespace hokan::objects {

// The headers a PUT may carry, as received (absent: empty).
struct PutHeaders {
  std::string_view time, end, camera, host, case_id, content_type, authorization;
  std::optional<uint64_t> content_length;
};

// The [[sender]] whose bearer token `authorization` carries ("Bearer TOKEN"); nullptr
// when it carries none or an unknown one.
const config::Sender* sender_of(const config::Config& config, std::string_view authorization);

// A name the category ignores (a playlist): answered 204, nothing stored.
struct Ignored {
  std::string pattern;  // the `ignore` glob it matched
};

struct PutPlan {
  store::Event meta;   // the metadata record, without id, size and digest yet
  uint64_t limit = 0;  // the most bytes the body may have
  std::string name;    // the name it is stored under: as sent, or NAME@version when replaced
};

// Errors as a Refusal: 404 no such object category, 401/403 token, 400 bad name (or one
// without the time or camera the category reads from it) or metadata (naming the
// header), 415 form encodings, 413 too large.
std::variant<Refusal, Ignored, PutPlan> decode_put(const PutHeaders& headers, const std::string& category,
                                                   const std::string& name, const std::string& peer,
                                                   const config::Config& config, const retention::Policy& policy,
                                                   int64_t now_us);

// The stored name of one version of a replaced name: "cam1.m3u8@20261120T030000.123456Z"
// (the received time in UTC, so versions sort by name). "@" is not allowed in names
// sent, so a version cannot collide with an upload.
std::string version_name(std::string_view name, int64_t received_us);

}  // namespace hokan::objects
