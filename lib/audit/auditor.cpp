#include "audit/auditor.h"

#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/time_format.h"

namespace hokan::audit {
namespace {

const char* phase_name(Phase p) {
  switch (p) {
    case Phase::intent: return "intent";
    case Phase::outcome: return "outcome";
    case Phase::refused: return "refused";
    default: return "action";
  }
}

}  // namespace

Auditor::Auditor(ingest::Writer& writer, LaneFor lane_for)
    : writer_(writer), lane_for_(std::move(lane_for)), next_request_(static_cast<uint64_t>(core::now_us())) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) hostname_ = name;
}

uint64_t Auditor::next_request() { return next_request_.fetch_add(1, std::memory_order_relaxed); }

bool Auditor::record(const Entry& entry) {
  store::Event e;
  e.time_us = e.received_us = core::now_us();
  e.category = kCategory;
  e.facility = 10;  // authpriv: security-relevant, private
  bool refused = entry.phase == Phase::refused;
  e.severity = refused ? 4 : 5;  // warning for a refusal, else notice
  e.host = hostname_;
  e.app = "hokand";
  // The msgid says which record of a request this is: "intent", the op for its
  // outcome (or a one-step action), "refused".
  e.msgid = entry.phase == Phase::intent ? "intent" : refused ? "refused" : entry.action;
  syslog::SdElement sd{"hokan-audit@32473", {}};
  auto param = [&](const char* name, const std::string& value) {
    if (!value.empty()) sd.params.push_back({name, value});
  };
  param("uid", std::to_string(entry.uid));
  param("user", entry.user);
  param("action", entry.action);
  param("phase", phase_name(entry.phase));
  if (entry.request) param("request", std::to_string(entry.request));
  param("purpose", entry.purpose);
  param("filter", entry.filter);
  if (entry.phase != Phase::intent) param("count", std::to_string(entry.count));
  param("outcome", refused ? "refused" : entry.phase == Phase::intent ? "started" : "allowed");
  param("why", entry.why);
  e.sd.push_back(std::move(sd));
  std::string who = entry.user + " (uid " + std::to_string(entry.uid) + ") " + entry.action;
  switch (entry.phase) {
    case Phase::intent: e.message = who + " starts"; break;
    case Phase::refused: e.message = who + " refused"; break;
    default: e.message = who + " allowed";
  }
  if (!entry.why.empty()) e.message += ": " + entry.why;
  if (!entry.purpose.empty()) e.message += "; purpose \"" + entry.purpose + "\"";
  if (!entry.filter.empty()) e.message += "; filter " + entry.filter;
  if (entry.phase != Phase::intent) e.message += "; " + std::to_string(entry.count) + " records";
  e.fields.user = entry.user;
  e.fields.action = entry.action;
  e.lane = lane_for_(e);
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  std::vector<store::Event> batch{std::move(e)};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // Urgent: ahead of ingest, and allowed into half of the disk reserve, so a purge that
  // frees a full disk can still be audited first.
  // An outcome only follows its intent, which is durable already: it waits until it is
  // written and readable, and the writer's next batch sync (a few ms) makes it durable —
  // one fsync per request instead of two.
  auto wait = entry.phase == Phase::outcome ? ingest::Writer::Wait::written : ingest::Writer::Wait::synced;
  while (!writer_.try_submit(batch, [done](bool ok) { done->set_value(ok); }, ingest::Writer::Priority::urgent, wait)) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return result.wait_until(deadline) == std::future_status::ready && result.get();
}

}  // namespace hokan::audit
