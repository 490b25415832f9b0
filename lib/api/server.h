// The control socket server: accepts hokanctl connections on a Unix socket, identifies
// each caller by SO_PEERCRED, reads one request frame and hands it to the handler on a
// thread of its own (requests block on the store and may stream for long).
// Thread-safety: start/stop from one thread; the handler runs concurrently.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/error.h"

namespace hokan::api {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
  std::string user;  // name of uid, or the number when it has none
};

// Writes response frames for one request (see protocol.h), buffered so a stream of
// records costs few syscalls; progress, done and error flush. Every method returns
// false once the client has gone, so a long scan can stop early.
class Responder {
 public:
  explicit Responder(int fd) : fd_(fd) {}
  bool event(std::string_view event_json);  // {"event": <event_json>}
  bool progress(std::string_view progress_json);
  bool line(std::string_view text);
  bool result(std::string_view result_json);
  bool done(std::string_view done_json);
  bool error(std::string_view message);
  // Raw bytes of an object: a frame whose first byte is 0 (JSON frames start with '{').
  bool data(std::string_view bytes);
  // Sends what is buffered (live follow calls it after each batch).
  bool flush();
  bool gone() const { return gone_; }
  int fd() const { return fd_; }

 private:
  static constexpr std::size_t kFlushBytes = 256 * 1024;
  bool send(std::string_view frame);
  int fd_;
  bool gone_ = false;
  std::string buffer_;
  std::string pending_;
};

using Handler = std::function<void(const Caller& caller, const std::string& request, Responder& out)>;

struct ServerOptions {
  std::string path;
  uint32_t mode = 0660;
  std::string group;             // empty: leave the daemon's group
  std::size_t max_connections = 32;
  // One uid may hold at most this many at once (its own uid and root excepted), so one
  // user's stuck or hostile clients cannot lock everyone else out.
  std::size_t max_per_uid = 8;
  // A client must send its whole request within this ([listen] control_timeout).
  std::chrono::seconds request_timeout{10};
  // A client that reads nothing of an answer for this long is taken as gone: its
  // request ends (audited as cut short) and frees its thread.
  std::chrono::seconds send_timeout{60};
};

class ControlServer {
 public:
  // Creates the socket (removing a stale one nobody listens on), applies mode and group,
  // and starts accepting. Errors: io naming the path, or unavailable when another
  // daemon already listens there.
  [[nodiscard]] static Result<std::unique_ptr<ControlServer>> start(ServerOptions options, Handler handler);
  // Stops accepting, waits for running requests to end (they see the client as gone
  // only if it left), removes the socket.
  ~ControlServer();
  void stop();

  struct Impl;
  explicit ControlServer(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::api
