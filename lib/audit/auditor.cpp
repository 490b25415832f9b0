#include "audit/auditor.h"

#include <unistd.h>

#include <chrono>
#include <future>
#include <thread>

#include "core/time_format.h"

namespace hokan::audit {

Auditor::Auditor(ingest::Writer& writer, LaneFor lane_for) : writer_(writer), lane_for_(std::move(lane_for)) {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) == 0) hostname_ = name;
}

bool Auditor::record(const Entry& entry) {
  store::Event e;
  e.time_us = e.received_us = core::now_us();
  e.category = kCategory;
  e.facility = 10;                       // authpriv: security-relevant, private
  e.severity = entry.allowed ? 5 : 4;    // notice, or warning for a refusal
  e.host = hostname_;
  e.app = "hokand";
  e.msgid = entry.allowed ? entry.action : "refused";
  syslog::SdElement sd{"hokan-audit@32473", {}};
  auto param = [&](const char* name, const std::string& value) {
    if (!value.empty()) sd.params.push_back({name, value});
  };
  param("uid", std::to_string(entry.uid));
  param("user", entry.user);
  param("action", entry.action);
  param("purpose", entry.purpose);
  param("filter", entry.filter);
  param("count", std::to_string(entry.count));
  param("outcome", entry.allowed ? "allowed" : "refused");
  param("why", entry.why);
  e.sd.push_back(std::move(sd));
  e.message = entry.user + " (uid " + std::to_string(entry.uid) + ") " + entry.action + " " +
              (entry.allowed ? "allowed" : "refused") + (entry.why.empty() ? "" : ": " + entry.why) +
              (entry.purpose.empty() ? "" : "; purpose \"" + entry.purpose + "\"") +
              (entry.filter.empty() ? "" : "; filter " + entry.filter) + "; " + std::to_string(entry.count) +
              " records";
  e.fields.user = entry.user;
  e.fields.action = entry.action;
  e.lane = lane_for_(e);
  auto done = std::make_shared<std::promise<bool>>();
  auto result = done->get_future();
  std::vector<store::Event> batch{std::move(e)};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!writer_.try_submit(batch, [done](bool ok) { done->set_value(ok); })) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return result.wait_until(deadline) == std::future_status::ready && result.get();
}

}  // namespace hokan::audit
