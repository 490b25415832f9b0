// The daemon's command handlers behind the control socket: decodes each request,
// checks it, runs it against the store and streams the answer (see docs/protocol.md).
// Thread-safety: handle() runs concurrently, one call per connection thread.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <functional>
#include <string>

#include "api/server.h"
#include "config/config.h"
#include "ingest/writer.h"
#include "retention/cases.h"
#include "retention/holds.h"
#include "retention/purger.h"
#include "store/meta.h"
#include "store/store.h"

namespace hokan::api {

// What the handlers work on; owned by the daemon, alive while the Service is.
struct ServiceContext {
  std::shared_ptr<const config::Config> config;
  store::Store* store = nullptr;
  ingest::Writer* writer = nullptr;
  std::shared_ptr<store::MetaStore> meta;
  std::shared_ptr<retention::Cases> cases;
  std::shared_ptr<retention::Holds> holds;
  retention::Purger* purger = nullptr;
  // The retention lane of a new record (for audit records).
  std::function<std::string(const store::Event&)> lane_for;
  uid_t daemon_uid = 0;
  // Reads an object whose bytes left this machine for the remote store; unset without
  // [remote]. Errors: not_found when it was never shipped.
  std::function<Result<void>(const store::Event&, const std::function<bool(std::string_view)>&)> read_remote;
  // A hold was placed or released (the remote store's legal holds follow); may be unset.
  std::function<void(const retention::Hold&)> hold_changed;
  // The seal head anchored off the machine for a bucket (verify --remote); unset
  // without [remote].
  store::Store::AnchorOf anchored_head;
  std::function<bool(uint64_t)> object_shipped;  // unset without [remote]
};

class Service {
 public:
  explicit Service(ServiceContext context);
  ~Service();

  void handle(const Caller& caller, const std::string& request, Responder& out);

  // Swaps the configuration used by requests that start after the call (SIGHUP).
  void set_config(std::shared_ptr<const config::Config> config);
  // Ends long-running requests (live follow) so the daemon can stop.
  void shutdown();
  // Audits what the daemon does by itself (scheduled purges, reloads).
  void audit_daemon_action(const std::string& action, const std::string& note, uint64_t count);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::api
