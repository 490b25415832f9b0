#include "api/server.h"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "api/protocol.h"
#include "api/request.h"
#include "query/event_json.h"

namespace hokan::api {

bool Responder::send(std::string_view frame) {
  if (gone_) return false;
  auto n = static_cast<uint32_t>(frame.size());
  char header[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8), static_cast<char>(n)};
  pending_.append(header, 4);
  pending_.append(frame);
  return pending_.size() < kFlushBytes || flush();
}

bool Responder::flush() {
  if (gone_) return false;
  std::size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n = ::send(fd_, pending_.data() + done, pending_.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      gone_ = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  pending_.clear();
  return !gone_;
}

bool Responder::event(std::string_view event_json) {
  buffer_.assign("{\"event\":");
  buffer_.append(event_json);
  buffer_.push_back('}');
  return send(buffer_);
}

bool Responder::data(std::string_view bytes) {
  buffer_.assign(1, '\0');
  buffer_.append(bytes);
  return send(buffer_);
}

bool Responder::progress(std::string_view json) {
  return send(std::string("{\"progress\":").append(json).append("}")) && flush();
}

bool Responder::line(std::string_view text) {
  std::string frame = "{\"line\":";
  query::append_json_string(text, frame);
  frame.push_back('}');
  return send(frame);
}

bool Responder::result(std::string_view json) {
  return send(std::string("{\"result\":").append(json).append("}"));
}

bool Responder::done(std::string_view json) {
  return send(std::string("{\"done\":").append(json.empty() ? "{}" : json).append("}")) && flush();
}

bool Responder::error(std::string_view message) {
  std::string frame = "{\"error\":";
  query::append_json_string(message, frame);
  frame.push_back('}');
  return send(frame) && flush();
}

struct ControlServer::Impl {
  ServerOptions options;
  Handler handler;
  int listen_fd = -1;
  int stop_pipe[2] = {-1, -1};
  std::thread acceptor;
  std::mutex mutex;
  std::condition_variable idle;
  std::size_t active = 0;
  std::map<uid_t, std::size_t> active_by_uid;
  std::shared_ptr<spdlog::logger> log = spdlog::get("api");

  void accept_loop() {
    int backoff_ms = 10;
    while (true) {
      pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_pipe[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (fds[1].revents) break;
      int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        // Out of descriptors: wait (growing to a second) rather than spin on a socket
        // that stays readable.
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
          ::poll(fds + 1, 1, backoff_ms);
          backoff_ms = std::min(backoff_ms * 2, 1000);
        }
        continue;
      }
      backoff_ms = 10;
      ucred cred{};
      socklen_t len = sizeof cred;
      uid_t uid = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 ? cred.uid : static_cast<uid_t>(-1);
      bool exempt = uid == 0 || uid == ::getuid();
      {
        std::lock_guard lock(mutex);
        const char* busy = nullptr;
        if (active >= options.max_connections) busy = "hokand is busy: too many control connections, try again";
        else if (!exempt && active_by_uid[uid] >= options.max_per_uid)
          busy = "hokand is busy: this user has too many control connections open, try again";
        if (busy) {
          Responder(fd).error(busy);
          ::close(fd);
          continue;
        }
        ++active;
        ++active_by_uid[uid];
      }
      // A client that stops reading the answer is cut off after a bound instead of
      // holding a thread and a slot for ever (the request itself has a deadline too).
      timeval send{static_cast<time_t>(options.send_timeout.count()), 0};
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send, sizeof send);
      std::thread([this, fd, uid] {
        serve(fd);
        ::close(fd);
        std::lock_guard lock(mutex);
        if (--active_by_uid[uid] == 0) active_by_uid.erase(uid);
        if (--active == 0) idle.notify_all();
      }).detach();
    }
  }

  void serve(int fd) {
    Caller caller;
    ucred cred{};
    socklen_t len = sizeof cred;
    Responder out(fd);
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      out.error("cannot identify the caller (SO_PEERCRED failed)");
      return;
    }
    caller.uid = cred.uid;
    caller.gid = cred.gid;
    caller.pid = cred.pid;
    char buf[4096];
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(cred.uid, &pw, buf, sizeof buf, &found) == 0 && found)
      caller.user = found->pw_name;
    else
      caller.user = std::to_string(cred.uid);
    auto request = read_frame(fd, kMaxRequestBytes, options.request_timeout);
    if (!request) {
      if (request.error().code == Errc::unavailable)
        out.error("bad request: not sent within [listen] control_timeout");
      else if (request.error().code != Errc::not_found)
        out.error("bad request: " + request.error().message);
      return;
    }
    // The catch-all of this connection: whatever escapes a handler ends this request
    // with an error frame, never the daemon.
    try {
      handler(caller, *request, out);
    } catch (const std::exception& e) {
      if (log) log->error("request from uid {} failed: {}", caller.uid, e.what());
      out.error(std::string("internal error: ") + e.what());
    } catch (...) {
      if (log) log->error("request from uid {} failed with an unknown exception", caller.uid);
      out.error("internal error");
    }
    out.flush();
  }
};

ControlServer::ControlServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlServer::~ControlServer() { stop(); }

Result<std::unique_ptr<ControlServer>> ControlServer::start(ServerOptions options, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->handler = std::move(handler);
  const std::string& path = impl->options.path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path)
    return fail(Errc::invalid_argument, "control socket path empty or too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  // A socket file left by a crash must not block a restart; a live daemon must.
  if (auto probe = connect_unix(path)) {
    ::close(*probe);
    return fail(Errc::unavailable, path + ": another hokand is listening there");
  }
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Errc::io, std::string("socket: ") + std::strerror(errno));
  // Bind with no permissions so there is no window where the socket is wider than asked.
  mode_t old = ::umask(0777);
  int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::umask(old);
  if (bound != 0 || ::listen(fd, 64) != 0) {
    int err = errno;
    ::close(fd);
    return fail(Errc::io, path + ": cannot listen: " + std::strerror(err));
  }
  if (!impl->options.group.empty()) {
    group gr{};
    group* found = nullptr;
    char buf[4096];
    if (::getgrnam_r(impl->options.group.c_str(), &gr, buf, sizeof buf, &found) != 0 || !found ||
        ::chown(path.c_str(), static_cast<uid_t>(-1), found->gr_gid) != 0) {
      ::close(fd);
      return fail(Errc::io, path + ": cannot give the socket to group " + impl->options.group);
    }
  }
  if (::chmod(path.c_str(), impl->options.mode) != 0) {
    int err = errno;
    ::close(fd);
    return fail(Errc::io, path + ": chmod: " + std::strerror(err));
  }
  impl->listen_fd = fd;
  if (::pipe2(impl->stop_pipe, O_CLOEXEC) != 0) {
    ::close(fd);
    return fail(Errc::io, "pipe: " + std::string(std::strerror(errno)));
  }
  auto* raw = impl.get();
  impl->acceptor = std::thread([raw] { raw->accept_loop(); });
  return std::make_unique<ControlServer>(std::move(impl));
}

void ControlServer::stop() {
  if (!impl_ || impl_->listen_fd < 0) return;
  char byte = 1;
  (void)!::write(impl_->stop_pipe[1], &byte, 1);
  if (impl_->acceptor.joinable()) impl_->acceptor.join();
  ::close(impl_->listen_fd);
  impl_->listen_fd = -1;
  ::unlink(impl_->options.path.c_str());
  {
    std::unique_lock lock(impl_->mutex);
    impl_->idle.wait(lock, [&] { return impl_->active == 0; });
  }
  ::close(impl_->stop_pipe[0]);
  ::close(impl_->stop_pipe[1]);
}

}  // namespace hokan::api
