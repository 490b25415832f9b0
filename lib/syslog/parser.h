// Pure syslog parsing: RFC 5424 and RFC 3164 (BSD) lines into Message. No I/O, no
// allocation beyond the returned strings. Thread-safe (no shared state).
#pragma once

#include <cstdint>
#include <string_view>

#include "core/timezone.h"
#include "syslog/message.h"

namespace hokan::syslog {

struct ParseContext {
  // When the line was received, UTC µs; RFC 3164 timestamps carry no year, which is
  // inferred as the year that puts the time closest to (and not more than a day after)
  // the received time.
  int64_t received_us = 0;
  // Zone for RFC 3164 timestamps, which carry no offset.
  const core::TimeZone* zone = nullptr;
};

// Parses one syslog line (no framing bytes; a trailing LF/CR/NUL is ignored).
// Never fails: anything unparseable comes back with malformed = true and as much as
// could be read (at least `message` = the line).
// Detection: "<PRI>1 " starts RFC 5424; any other "<PRI>" is RFC 3164 (with or without
// timestamp and host, with or without `tag[pid]:`); ISO timestamps in RFC 3164 lines
// (as loggen and rsyslog's RSYSLOG_ForwardFormat send) are accepted.
Message parse(std::string_view line, const ParseContext& context);

// Name tables as in RFC 5424 / syslog.conf: "kern", "user", ..., "local7"; "emerg", ...,
// "debug". Return "" for out-of-range numbers, -1 for unknown names.
std::string_view facility_name(int facility);
std::string_view severity_name(int severity);
int facility_from_name(std::string_view name);
int severity_from_name(std::string_view name);

}  // namespace hokan::syslog
