// The control-socket protocol between hokanctl and hokand (see docs/protocol.md).
//
// A Unix stream socket carries frames: a 4-byte big-endian length, then that many bytes
// of one JSON object (UTF-8). The client sends one request frame; the server answers
// with a stream of frames and closes the connection after the last one:
//   {"event": {...}}          one record (keys as `hokanctl query --format json`)
//   {"progress": {...}}       a long scan's progress, about once a second
//   {"line": "text"}          human-readable output of administrative commands
//   {"result": {...}}         a command's structured result
//   {"done": {...}}           the last frame of a success, with counts
//   {"error": "one line"}     the last frame of a failure
//   0x00 followed by bytes    a piece of an object (hokanctl object get)
// Frames are limited to 64 MiB. Thread-safety: free functions on caller-owned fds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.h"

namespace hokan::api {

constexpr uint32_t kMaxFrameBytes = 64u << 20;

// Blocking; retries on EINTR. Errors: io (peer gone), invalid_argument (frame too big).
[[nodiscard]] Result<void> write_frame(int fd, std::string_view payload);
// Blocking. Returns an error with code not_found at a clean EOF before any byte of a
// frame; invalid_argument for a frame over `max_bytes` (nothing of it is buffered);
// unavailable when the whole frame did not arrive `within` (0: no bound).
[[nodiscard]] Result<std::string> read_frame(int fd, uint32_t max_bytes = kMaxFrameBytes,
                                             std::chrono::milliseconds within = std::chrono::milliseconds(0));

// Connects to the daemon's control socket. Errors: unavailable with a one-line message
// that names the path and says whether it is missing or refusing.
[[nodiscard]] Result<int> connect_unix(const std::string& path);

}  // namespace hokan::api
