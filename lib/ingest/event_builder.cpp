#include "ingest/event_builder.h"

#include "syslog/parser.h"

namespace hokan::ingest {

EventBuilder::EventBuilder(std::shared_ptr<const config::Config> config,
                           std::shared_ptr<const Classifier> classifier,
                           std::shared_ptr<const syslog::Extractor> extractor,
                           std::shared_ptr<const retention::Policy> policy)
    : config_(std::move(config)),
      classifier_(std::move(classifier)),
      extractor_(std::move(extractor)),
      policy_(std::move(policy)),
      clock_skew_us_(config_->storage.clock_skew_seconds * 1'000'000) {}

store::Event EventBuilder::build(std::string_view frame, const Source& source,
                                 int64_t received_us, bool truncated) const {
  syslog::ParseContext context{received_us, config_->zone.get()};
  syslog::Message m = syslog::parse(frame, context);
  store::Event e;
  e.received_us = received_us;
  e.time_us = m.time_us.value_or(received_us);
  // A sender must not stretch a retention by claiming a future time: keep the claim as
  // a field and count from when we received it.
  if (m.time_us && *m.time_us > received_us + clock_skew_us_) {
    e.claimed_time_us = *m.time_us;
    e.time_us = received_us;
  }
  e.category = classifier_->classify(m, source.address);
  e.fields = extractor_->extract(m);
  e.facility = m.facility;
  e.severity = m.severity;
  e.host = std::move(m.host);
  e.app = std::move(m.app);
  e.procid = std::move(m.procid);
  e.msgid = std::move(m.msgid);
  e.sd = std::move(m.sd);
  e.message = std::move(m.message);
  e.source = source.text;
  e.truncated = truncated;
  e.malformed = m.malformed;
  if (m.malformed) e.raw.assign(frame);
  e.lane = policy_->lane_for(e);
  return e;
}

}  // namespace hokan::ingest
