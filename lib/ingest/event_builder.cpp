#include "ingest/event_builder.h"

#include "core/utf8.h"
#include "syslog/parser.h"

namespace hokan::ingest {
namespace {

// Every string of the event that JSON output or the meta store will carry.
bool text_is_utf8(const store::Event& e) {
  using core::valid_utf8;
  for (const std::string* s : {&e.host, &e.app, &e.procid, &e.msgid, &e.message, &e.fields.user,
                               &e.fields.target_user, &e.fields.src_ip, &e.fields.action})
    if (!valid_utf8(*s)) return false;
  for (const auto& element : e.sd) {
    if (!valid_utf8(element.id)) return false;
    for (const auto& p : element.params)
      if (!valid_utf8(p.name) || !valid_utf8(p.value)) return false;
  }
  for (const auto& [name, value] : e.fields.extra)
    if (!valid_utf8(name) || !valid_utf8(value)) return false;
  return true;
}

}  // namespace

EventBuilder::EventBuilder(std::shared_ptr<const config::Config> config,
                           std::shared_ptr<const Classifier> classifier,
                           std::shared_ptr<const syslog::Extractor> extractor,
                           std::shared_ptr<const retention::Policy> policy)
    : config_(std::move(config)),
      classifier_(std::move(classifier)),
      extractor_(std::move(extractor)),
      policy_(std::move(policy)),
      time_guard_(*config_) {}

void EventBuilder::build(store::Event& e, std::string_view frame, const Source& source, int64_t received_us,
                         bool truncated) const {
  syslog::ParseContext context{received_us, config_->zone.get()};
  syslog::Message m = syslog::parse(frame, context);
  e.received_us = received_us;
  e.time_us = m.time_us.value_or(received_us);
  time_guard_.apply(e);
  e.category = classifier_->classify(m, source.address);
  extractor_->extract(m, e.fields);
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
  // Text made of an ASCII frame's bytes is valid UTF-8 whatever was taken from where.
  if (!core::all_ascii(frame)) {
    if (!e.fields.case_id.empty() && !core::valid_utf8(e.fields.case_id)) {
      e.fields.case_id.clear();
      e.malformed = true;
    }
    if (!e.malformed && !text_is_utf8(e)) e.malformed = true;
  }
  // Evidence keeps the bytes as received, well-formed or not; the store keeps the
  // message as an offset into them, so this costs the header's bytes only.
  e.raw.assign(frame);
  e.lane = policy_->lane_for(e);
}

}  // namespace hokan::ingest
