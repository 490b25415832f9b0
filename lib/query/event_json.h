// One event as a JSON object, the record format of `hokanctl query --format json` and of
// the control protocol. Keys (absent when unknown): id, time, received, category,
// facility, severity, host, app, procid, msgid, sd, message, source, user, src_ip,
// action, case, fields, malformed, truncated, raw, claimed_time. Thread-safe.
#pragma once

#include <string>

#include "core/timezone.h"
#include "store/event.h"

namespace hokan::query {

// Appends the object to `out` (no trailing newline). Times as RFC 3339 in `zone`.
void append_event_json(const store::Event& event, const core::TimeZone& zone, std::string& out);

// Appends `text` as a JSON string literal, escaping what JSON requires and replacing
// invalid UTF-8 with U+FFFD so every output line is valid JSON.
void append_json_string(std::string_view text, std::string& out);

}  // namespace hokan::query
