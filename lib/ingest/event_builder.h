// Turns one received syslog frame into a stored Event: parse, extract fields, check the
// claimed time against the clock, classify, choose the retention lane. Text that is not
// valid UTF-8 (RFC 3629: no surrogates, no overlong forms) anywhere JSON would carry it
// flags the record malformed and keeps its bytes whole in `raw`; a case id that is not
// valid UTF-8 is dropped from the fields (it could never be named to close the case).
// Runs on I/O threads. Thread-safety: immutable after construction; build() is const
// and re-entrant.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "config/config.h"
#include "ingest/classifier.h"
#include "ingest/time_guard.h"
#include "retention/policy.h"
#include "store/event.h"
#include "syslog/extract.h"

namespace hokan::ingest {

struct Source {
  std::string text;  // "ip:port", recorded with the event
  PeerAddress address;
};

class EventBuilder {
 public:
  EventBuilder(std::shared_ptr<const config::Config> config,
               std::shared_ptr<const Classifier> classifier,
               std::shared_ptr<const syslog::Extractor> extractor,
               std::shared_ptr<const retention::Policy> policy);

  // Fills `e`, a default-constructed Event (built where it is kept: an event is
  // hundreds of bytes to move). `truncated`: the framer cut the frame at
  // max_message_bytes. Never fails: an unparseable line becomes a malformed event that
  // keeps the raw bytes.
  void build(store::Event& e, std::string_view frame, const Source& source, int64_t received_us,
             bool truncated) const;

 private:
  std::shared_ptr<const config::Config> config_;
  std::shared_ptr<const Classifier> classifier_;
  std::shared_ptr<const syslog::Extractor> extractor_;
  std::shared_ptr<const retention::Policy> policy_;
  TimeGuard time_guard_;
};

}  // namespace hokan::ingest
