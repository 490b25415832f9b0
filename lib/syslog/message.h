// One parsed syslog message and the fields hokan extracts from it. Plain value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hokan::syslog {

enum class Format : uint8_t { unknown = 0, rfc5424 = 1, rfc3164 = 2 };

struct SdParam {
  std::string name;
  std::string value;  // unescaped (RFC 5424 \" \\ \] resolved)
};

struct SdElement {
  std::string id;
  std::vector<SdParam> params;
};

struct Message {
  Format format = Format::unknown;
  int facility = -1;  // 0..23, -1 when the line had no valid PRI
  int severity = -1;  // 0..7, -1 when unknown
  // The time the message claims, UTC µs since the epoch; empty when the message had none
  // (NILVALUE or malformed); the receiver then uses the received time.
  std::optional<int64_t> time_us;
  std::string host;    // empty = absent / NILVALUE
  std::string app;     // RFC 5424 APP-NAME, RFC 3164 TAG without [pid]
  std::string procid;  // RFC 5424 PROCID, RFC 3164 pid in TAG[pid]
  std::string msgid;
  std::vector<SdElement> sd;
  std::string message;  // MSG with a leading UTF-8 BOM removed
  // Set when the line does not follow RFC 5424 or RFC 3164. The message is still kept:
  // `message` holds what could be read and the receiver stores the raw line.
  bool malformed = false;
  std::string malformed_reason;  // one line: what was wrong, for the debug log
  // When malformed: where the text after the header (MSG, or what follows an RFC 3164
  // tag) starts in `message`, which then holds the whole line; 0 when the parser did not
  // get that far. Extraction reads from here.
  std::size_t msg_offset = 0;
};

// Fields extracted from a message for indexing and display.
struct Fields {
  std::string user;
  std::string src_ip;
  std::string action;
  std::string case_id;  // the `case` field
  // Other named values found by [[extract]] rules, in match order.
  std::vector<std::pair<std::string, std::string>> extra;
};

}  // namespace hokan::syslog
