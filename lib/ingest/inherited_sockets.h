// Listening sockets handed to hokand by socket activation (hokand.socket under systemd,
// or systemd-socket-activate), matched to the configured [listen] addresses. This is how
// an unprivileged hokand with an empty capability set serves the privileged syslog ports
// (514, 6514): systemd binds them and passes the descriptors. An address no inherited
// socket serves is bound by hokand itself, exactly as when it runs outside systemd.
// Thread-safety: none; used on the main thread while the daemon starts.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hokan::ingest {

// A socket handed over; the caller owns `fd` from then on.
struct AdoptedSocket {
  int fd = -1;
  bool v6 = false;  // AF_INET6 rather than AF_INET: the protocol to assign it with
};

class InheritedSockets {
 public:
  // Takes the descriptors of the socket-activation protocol ($LISTEN_FDS, honoured only
  // when $LISTEN_PID is this process) and unsets those variables so that no child
  // inherits them. Empty when hokand was not socket-activated. Never fails: a passed
  // descriptor that is not an IPv4/IPv6 socket is simply never matched.
  static InheritedSockets from_environment();
  // The given descriptors, owned from then on (tests pass sockets they made).
  static InheritedSockets from_fds(std::vector<int> fds);

  InheritedSockets() = default;
  InheritedSockets(InheritedSockets&& other) noexcept;
  InheritedSockets& operator=(InheritedSockets&& other) noexcept;
  InheritedSockets(const InheritedSockets&) = delete;
  InheritedSockets& operator=(const InheritedSockets&) = delete;
  ~InheritedSockets();  // closes every descriptor nobody took

  // The inherited socket for a listener of `kind` ("udp", "tcp", "tls", "relp" or
  // "http", as [listen] names them) on `address` ("host:port" as in the config), if
  // one matches: a datagram socket for udp, a listening stream socket for the others,
  // with the same port and either the same address or, on both sides, a wildcard
  // (0.0.0.0 or [::] — what systemd binds for a bare port such as ListenDatagram=514).
  // A configured IPv4 wildcard does not take an IPv6-only socket, which would not
  // serve IPv4. Each socket is handed out once; port 0 never matches.
  std::optional<AdoptedSocket> take(std::string_view kind, const std::string& address);

  // Describes ("stream [::]:6514") and closes every socket nobody took, so that the
  // caller can say which socket-unit lines serve no configured listener.
  std::vector<std::string> close_unclaimed();

  std::size_t size() const { return entries_.size(); }
  std::size_t taken() const;

 private:
  struct Entry {
    int fd = -1;  // -1 once handed out or closed
    bool taken = false;
    bool datagram = false;                    // SOCK_DGRAM; otherwise SOCK_STREAM
    bool listening = false;                   // listen() was called (SO_ACCEPTCONN)
    bool inet = false;                        // AF_INET or AF_INET6 at all
    bool v6 = false;                          // the socket's family is AF_INET6
    bool v6_only = false;                     // IPV6_V6ONLY: an IPv6 wildcard that serves no IPv4
    bool ipv4 = false;                        // the bound address is IPv4 (also when IPv4-mapped)
    std::array<unsigned char, 16> address{};  // an IPv4 address in the first 4 bytes
    uint16_t port = 0;
  };
  explicit InheritedSockets(std::vector<Entry> entries);
  std::vector<Entry> entries_;
};

}  // namespace hokan::ingest
