// The stored form of one syslog event, as ingest builds it and queries return it.
// Plain value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "syslog/message.h"

namespace hokan::store {

struct Event {
  uint64_t id = 0;          // assigned by Store::write; unique within the state dir
  int64_t time_us = 0;      // the event's own time (UTC µs), or received when it had none
  int64_t received_us = 0;  // when hokand read it
  std::string category;
  // Which expiry group of the category it is kept in (see store.h); empty: "default".
  // Chosen at ingest by the retention rules; not part of the stored value.
  std::string lane;
  int facility = -1;        // -1 unknown
  int severity = -1;
  std::string host, app, procid, msgid;
  std::vector<syslog::SdElement> sd;
  std::string message;
  std::string source;       // peer address "ip:port"
  syslog::Fields fields;
  bool malformed = false;
  bool truncated = false;   // longer than max_message_bytes: cut there
  // The bytes received, exactly: the whole frame (after transport framing), for every
  // event; empty for objects, and for well-formed events stored before issue 13.
  std::string raw;
  // A time the sender claimed that lay too far ahead of the received time (see
  // [storage] clock_skew); time_us then holds the received time.
  std::optional<int64_t> claimed_time_us;
  // Objects: the stored bytes' size (their chunks live beside the record). 0 for events.
  uint64_t object_size = 0;
  bool is_object() const { return object_size > 0 || object_marker; }
  bool object_marker = false;  // an object of zero bytes
  friend bool operator==(const Event&, const Event&) = default;
};

}  // namespace hokan::store
