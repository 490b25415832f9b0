// The syslog listeners: UDP (RFC 5426, one message per datagram), TCP (RFC 6587,
// octet counting or LF framing detected per connection), TLS (RFC 5425: the same
// framing inside TLS, optionally with client certificates) and RELP (acknowledged only
// once durable; see relp_session.h). Each runs as C++20 coroutines
// on the given io_context; parsing happens there, storing on the Writer's thread.
// Thread-safety: start/stop from the thread that owns the io_context.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "core/error.h"
#include "ingest/event_builder.h"
#include "ingest/inherited_sockets.h"
#include "ingest/writer.h"

namespace boost::asio {
class io_context;
}

namespace hokan::ingest {

struct ListenerCounters {
  std::atomic<uint64_t> received{0};
  std::atomic<uint64_t> received_bytes{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> truncated{0};
  std::atomic<uint64_t> udp_drops{0};  // datagrams dropped because the writer was full or refusing
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> tls_connections{0};
  std::atomic<uint64_t> tls_handshake_failures{0};  // refused certificates, timeouts, not TLS
  std::atomic<uint64_t> relp_connections{0};
  std::atomic<uint64_t> accept_errors{0};  // failed accepts (out of descriptors), each followed by a pause
};

// The stream listeners' connection tables, summed (I/O thread only).
struct ConnectionStats {
  uint64_t open = 0, evicted = 0, idle_closed = 0;
};

class Listeners {
 public:
  // Binds every configured UDP, TCP, TLS and RELP address (port 0 picks a free one), or
  // takes the socket `inherited` holds for it (socket activation), with at most
  // `max_connections` open per stream listener ([listen] max_connections, as the
  // descriptor limit allows) and [listen] idle_timeout. Errors: io naming the address
  // that could not be bound; invalid_argument naming the TLS certificate, key or CA file
  // that could not be loaded.
  [[nodiscard]] static Result<std::unique_ptr<Listeners>> start(
      boost::asio::io_context& io, const config::Config& config,
      std::shared_ptr<const EventBuilder> builder, Writer& writer, std::size_t max_connections,
      InheritedSockets* inherited = nullptr);
  ~Listeners();

  // "udp 127.0.0.1:40123", "tcp 127.0.0.1:40124", "tls ...": what was actually bound.
  std::vector<std::string> endpoints() const;
  // Stops accepting and reading; connections finish their current frame.
  void stop();
  // Swaps the rules used for new frames (SIGHUP reload).
  void set_builder(std::shared_ptr<const EventBuilder> builder);

  const ListenerCounters& counters() const;
  // Call on the io_context's thread.
  ConnectionStats connection_stats() const;
  // Datagrams the kernel dropped on the UDP sockets (receive buffer full).
  uint64_t kernel_udp_drops() const;

  struct Impl;
  explicit Listeners(std::shared_ptr<Impl> impl);

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "127.0.0.1:5514" or "[::1]:5514" into host and port. Errors: invalid_argument.
[[nodiscard]] Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& text);

}  // namespace hokan::ingest
