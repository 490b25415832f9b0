// The audit trail: records in the built-in "audit" category of who asked hokan for what
// — who (uid and name), the op, the stated purpose, a bounded digest of the filter —
// and what came of it. A read writes two records: its intent, durable before the first
// byte of an answer leaves the daemon, and its outcome (how many records, completed or
// cut short) once it ends; a refusal writes one, with the reason. Both records of one
// request carry the same request number. Records go through the ordinary writer: an
// intent or a refusal is durable before record() returns, an outcome readable (durable
// within the writer's batch interval); nothing but the audit retention removes them.
// Thread-safety: record() is safe from any thread.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "ingest/writer.h"
#include "store/event.h"

namespace hokan::audit {

constexpr char kCategory[] = "audit";

enum class Phase {
  intent,   // about to run: nothing has been answered yet
  outcome,  // ran: `count` records, `why` says completed / cut short / failed
  refused,  // not run: `why` says why
  action,   // something done in one step (the daemon's own purges and reloads)
};

struct Entry {
  uid_t uid = 0;
  std::string user;      // caller's user name ("hokand" for the daemon itself)
  std::string action;    // the op: query, export, subject_find, hold_place, purge, reload, ...
  std::string purpose;
  std::string filter;    // a bounded digest of the request's filter, as JSON text
  uint64_t count = 0;    // records returned / destroyed
  Phase phase = Phase::action;
  std::string why;       // the refusal's reason, the outcome, or a note
  uint64_t request = 0;  // ties an intent to its outcome (0: none)
};

class Auditor {
 public:
  using LaneFor = std::function<std::string(const store::Event&)>;
  Auditor(ingest::Writer& writer, LaneFor lane_for);

  // Writes the entry and waits until it is durable (bounded: 10 s). Returns false when
  // it could not be written; callers refuse the action then, since unaudited reads are
  // not allowed.
  bool record(const Entry& entry);
  // A number for a new request, unique within this daemon's run and unlikely to repeat
  // across runs (it starts from the start-up time).
  uint64_t next_request();

 private:
  ingest::Writer& writer_;
  LaneFor lane_for_;
  std::string hostname_;
  std::atomic<uint64_t> next_request_;
};

}  // namespace hokan::audit
