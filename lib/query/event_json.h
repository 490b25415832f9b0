// One event as a JSON object, the record format of `hokanctl query --format json` and of
// the control protocol. Keys (absent when unknown): id, time, received, category,
// facility, severity, host, app, procid, msgid, sd, message, source, user, target_user,
// src_ip, origin_ip, ips (a list), action, case, fields, malformed, truncated, raw or
// raw_b64, claimed_time. `sd` maps each SD-ID to its params; a param name that repeats
// in its element maps to the list of its values, in order; an SD-ID that repeats maps
// to a list of params objects. `raw` is the bytes received when they are UTF-8, else
// `raw_b64` carries them in base64: the evidence-exact key. Thread-safe.
#pragma once

#include <string>

#include "core/timezone.h"
#include "store/event.h"

namespace hokan::query {

// Appends the object to `out` (no trailing newline). Times as RFC 3339 in `zone`.
void append_event_json(const store::Event& event, const core::TimeZone& zone, std::string& out);

// Appends `text` as a JSON string literal, escaping what JSON requires and replacing
// invalid UTF-8 with U+FFFD so every output line is valid JSON (which is why the bytes
// received go out as raw_b64 when they are not UTF-8).
void append_json_string(std::string_view text, std::string& out);

}  // namespace hokan::query
