// The HTTP listener ([listen] http): recorders and scanners PUT objects here, and
// monitoring reads /metrics and /healthz. Boost.Beast coroutines on the daemon's
// io_context; the blocking store work of an upload runs on a thread of its own, chunk by
// chunk, so a 100 MB segment never sits in memory whole and no I/O thread blocks.
//   PUT /v1/objects/{category}/{name}   [X-Hokan-Time], [X-Hokan-End], [X-Hokan-Camera
//       or X-Hokan-Host], [X-Hokan-Case], [Authorization: Bearer TOKEN] (what the
//       headers leave out, the category's name rules supply: see put_request.h)
//       201 once durable; 204 a name the category ignores (a playlist), not stored; 400
//       bad name or metadata (which header, why); 401/403 token; 404 no such object
//       category; 405 other methods; 408 slower than [listen] upload_min_rate; 409 name
//       taken; 413 too large; 415 form encodings; 503 too many uploads at once; 507 disk
//       full (retry later).
//   DELETE /v1/objects/...   405, and an audit record: objects are destroyed by hokan's
//       retention and erasure only (ffmpeg's hls_flags delete_segments sends these).
//   GET /healthz   200 "ok", or 503 with the reason (a full disk) while nothing can be
//       stored.
// Every refusal is answered with {"error": why}, counted by reason for /metrics, and
// logged at most once a minute per sender (or peer address) and reason.
// Thread-safety: start/stop on the io_context's thread.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "audit/auditor.h"
#include "config/config.h"
#include "core/error.h"
#include "ingest/inherited_sockets.h"
#include "ingest/writer.h"
#include "objects/refusal.h"
#include "retention/policy.h"
#include "store/meta.h"
#include "store/object_names.h"
#include "store/store.h"

namespace boost::asio {
class io_context;
}

namespace hokan::objects {

struct HttpContext {
  std::function<std::shared_ptr<const config::Config>()> config;
  std::function<std::shared_ptr<const retention::Policy>()> policy;
  store::Store* store = nullptr;
  ingest::Writer* writer = nullptr;
  std::shared_ptr<store::MetaStore> meta;
  std::shared_ptr<store::ObjectNames> names;  // one name, one object (shared with purges)
  std::function<std::string()> metrics;  // Prometheus text for GET /metrics
  std::size_t max_concurrent_uploads = 8;
  int idle_timeout_seconds = 30;
  std::size_t max_connections = 1000;  // at the limit, the connection idle longest is closed
  uint64_t upload_min_rate = 16 * 1024;  // bytes/s on average after a 10 s grace; 0: none
  // Why nothing can be stored now (a full disk), for /healthz; nothing when all is well.
  std::function<std::optional<std::string>()> trouble;
  // A line about the remote store's backlog for /healthz, or nothing: a slow or absent
  // remote is reported, not a reason for 503 (the local store is the spool).
  std::function<std::optional<std::string>()> remote_state;
  ingest::InheritedSockets* inherited = nullptr;  // socket activation: taken instead of binding
  // Writes the audit records of refused DELETEs; none: they are only answered and logged.
  audit::Auditor* auditor = nullptr;
};

struct HttpCounters {
  std::atomic<uint64_t> objects{0}, object_bytes{0};
  std::array<std::atomic<uint64_t>, kReasonCount> refused{};  // by Reason
  std::atomic<uint64_t> ignored{0};   // PUTs of names the category ignores (playlists)
  std::atomic<uint64_t> too_slow{0};  // uploads cut off under [listen] upload_min_rate
};

class HttpServer {
 public:
  // Errors: io naming the address when it cannot listen.
  [[nodiscard]] static Result<std::unique_ptr<HttpServer>> start(boost::asio::io_context& io, const std::string& address,
                                                                HttpContext context);
  ~HttpServer();
  std::string endpoint() const;  // "http 127.0.0.1:5580"
  void stop();
  const HttpCounters& counters() const;

  struct Impl;
  explicit HttpServer(std::shared_ptr<Impl> impl);

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace hokan::objects
