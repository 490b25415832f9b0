// The audit trail: one record in the built-in "audit" category for every read, refusal,
// hold, case close, erasure, purge and config reload — who (uid and name), what, the
// stated purpose, the filter, how many records, allowed or refused and why. Records go
// through the ordinary writer and are durable before record() returns; nothing but the
// audit retention ever removes them. Thread-safety: record() is safe from any thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

#include "ingest/writer.h"
#include "store/event.h"

namespace hokan::audit {

constexpr char kCategory[] = "audit";

struct Entry {
  uid_t uid = 0;
  std::string user;         // caller's user name ("schedule" for the daemon itself)
  std::string action;       // query, export, subject_find, hold_place, purge, reload, ...
  std::string purpose;
  std::string filter;       // the request's filter, as JSON text
  uint64_t count = 0;       // records returned / destroyed
  bool allowed = true;
  std::string why;          // the refusal's reason, or a note
};

class Auditor {
 public:
  using LaneFor = std::function<std::string(const store::Event&)>;
  Auditor(ingest::Writer& writer, LaneFor lane_for);

  // Writes the entry and waits until it is durable (bounded: 10 s). Returns false when
  // it could not be written; callers refuse the action then, since unaudited reads are
  // not allowed.
  bool record(const Entry& entry);

 private:
  ingest::Writer& writer_;
  LaneFor lane_for_;
  std::string hostname_;
};

}  // namespace hokan::audit
