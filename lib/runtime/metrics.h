// Prometheus text exposition of hokand's counters (GET /metrics), "hokan_" prefixed.
#pragma once

#include <functional>
#include <string>

#include "ingest/listeners.h"
#include "ingest/writer.h"
#include "objects/http_server.h"
#include "retention/holds.h"
#include "retention/purger.h"
#include "store/store.h"

namespace hokan::remote {
class Shipper;
}

namespace hokan::runtime {

struct MetricSources {
  const ingest::Listeners* listener_set = nullptr;
  const ingest::ListenerCounters* listeners = nullptr;
  const ingest::WriterCounters* writer = nullptr;
  const retention::PurgeCounters* purges = nullptr;
  const retention::Holds* holds = nullptr;
  const objects::HttpCounters* http = nullptr;  // null without an HTTP listener
  const store::StoreCounters* store = nullptr;
  std::function<store::Store::Space()> store_space;
  const remote::Shipper* shipper = nullptr;  // null without [remote]
};

std::string render_metrics(const MetricSources& sources);

}  // namespace hokan::runtime
