#include "api/protocol.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

namespace hokan::api {
namespace {

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// Returns bytes read before EOF, an error or the deadline (size on success); errno is
// ETIMEDOUT when the deadline passed.
std::size_t read_all(int fd, char* data, std::size_t size, std::optional<std::chrono::steady_clock::time_point> deadline) {
  std::size_t done = 0;
  while (done < size) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      pollfd p{fd, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
        errno = ETIMEDOUT;
        break;
      }
    }
    ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

}  // namespace

Result<void> write_frame(int fd, std::string_view payload) {
  if (payload.size() > kMaxFrameBytes) return fail(Errc::invalid_argument, "frame too large");
  auto n = static_cast<uint32_t>(payload.size());
  char header[4] = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                    static_cast<char>(n >> 8), static_cast<char>(n)};
  // One buffer, one send: small frames should not become two packets.
  std::string frame;
  frame.reserve(4 + payload.size());
  frame.append(header, 4);
  frame.append(payload);
  if (!write_all(fd, frame.data(), frame.size()))
    return fail(Errc::io, std::string("control socket write: ") + std::strerror(errno));
  return {};
}

Result<std::string> read_frame(int fd, uint32_t max_bytes, std::chrono::milliseconds within) {
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (within.count() > 0) deadline = std::chrono::steady_clock::now() + within;
  unsigned char header[4];
  std::size_t got = read_all(fd, reinterpret_cast<char*>(header), 4, deadline);
  if (got < 4 && errno == ETIMEDOUT) return fail(Errc::unavailable, "not sent in time");
  if (got == 0) return fail(Errc::not_found, "connection closed");
  if (got < 4) return fail(Errc::io, "connection closed inside a frame");
  uint32_t n = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) |
               (uint32_t{header[2]} << 8) | header[3];
  if (n > max_bytes)
    return fail(Errc::invalid_argument, "frame of " + std::to_string(n) + " bytes; at most " + std::to_string(max_bytes));
  std::string payload(n, '\0');
  if (read_all(fd, payload.data(), n, deadline) != n) {
    if (errno == ETIMEDOUT) return fail(Errc::unavailable, "not sent in time");
    return fail(Errc::io, "connection closed inside a frame");
  }
  return payload;
}

Result<int> connect_unix(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    return fail(Errc::invalid_argument, "socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail(Errc::io, std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    ::close(fd);
    std::string why = err == ENOENT ? "no such socket (is hokand running?)"
                      : err == ECONNREFUSED ? "connection refused (is hokand running?)"
                      : err == EACCES ? "permission denied (are you in the control group?)"
                                      : std::strerror(err);
    return fail(Errc::unavailable, "cannot reach hokand at " + path + ": " + why);
  }
  return fd;
}

}  // namespace hokan::api
