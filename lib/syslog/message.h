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
  friend bool operator==(const SdParam&, const SdParam&) = default;
};

struct SdElement {
  std::string id;
  std::vector<SdParam> params;
  friend bool operator==(const SdElement&, const SdElement&) = default;
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

// Fields extracted from a message for indexing and display. Addresses are in the
// canonical text of core::format_ip (RFC 5952; IPv4-mapped IPv6 as IPv4), so that an
// index lookup by address is an exact match.
struct Fields {
  // The account the event is about: who logged in, failed, ran the job; for su and sudo
  // the invoker ("alice" in "alice : ... USER=root ; COMMAND=...").
  std::string user;
  // The account switched to, when the event names two: su and sudo's target ("root").
  std::string target_user;
  // The client: the one address the format says the event came from (sshd's "from A",
  // an access log's first field, rhost=, [client A]). Empty when the format does not
  // say which address is the client, even if the message names addresses.
  std::string src_ip;
  // The sender's own address from the RFC 5424 `origin` SD (its first `ip` param): the
  // machine that logged, never the client.
  std::string origin_ip;
  // Every address the record names (structured data and message text, origin and
  // src_ip included), each once, in order of appearance; at most 64, so a line of
  // nothing but addresses cannot make an index entry per byte.
  std::vector<std::string> ips;
  std::string action;
  std::string case_id;  // the `case` field
  // Other named values found by [[extract]] rules, in match order.
  std::vector<std::pair<std::string, std::string>> extra;
  friend bool operator==(const Fields&, const Fields&) = default;
};

}  // namespace hokan::syslog
