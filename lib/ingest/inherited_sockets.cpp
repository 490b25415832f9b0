#include "ingest/inherited_sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "ingest/listeners.h"

namespace hokan::ingest {
namespace {

bool all_zero(const std::array<unsigned char, 16>& a, bool ipv4) {
  return std::all_of(a.begin(), a.begin() + (ipv4 ? 4 : 16),
                     [](unsigned char b) { return b == 0; });
}

// An address of the config ("0.0.0.0", "::1", ...) in the form describe() gives sockets.
struct Wanted {
  bool ipv4 = false;
  std::array<unsigned char, 16> address{};
  uint16_t port = 0;
};

std::optional<Wanted> parse_wanted(const std::string& text) {
  auto hp = split_host_port(text);
  if (!hp) return std::nullopt;
  Wanted w;
  w.port = hp->second;
  if (inet_pton(AF_INET, hp->first.c_str(), w.address.data()) == 1) {
    w.ipv4 = true;
  } else if (in6_addr a{}; inet_pton(AF_INET6, hp->first.c_str(), &a) == 1) {
    if (IN6_IS_ADDR_V4MAPPED(&a)) {
      w.ipv4 = true;
      std::memcpy(w.address.data(), a.s6_addr + 12, 4);
    } else {
      std::memcpy(w.address.data(), a.s6_addr, 16);
    }
  } else {
    return std::nullopt;
  }
  return w;
}

int int_option(int fd, int level, int name) {
  int value = 0;
  socklen_t len = sizeof value;
  return ::getsockopt(fd, level, name, &value, &len) == 0 ? value : -1;
}

}  // namespace

InheritedSockets::InheritedSockets(std::vector<Entry> entries) : entries_(std::move(entries)) {}

InheritedSockets::InheritedSockets(InheritedSockets&& other) noexcept
    : entries_(std::move(other.entries_)) {
  other.entries_.clear();
}

InheritedSockets& InheritedSockets::operator=(InheritedSockets&& other) noexcept {
  if (this != &other) {
    (void)close_unclaimed();
    entries_ = std::move(other.entries_);
    other.entries_.clear();
  }
  return *this;
}

InheritedSockets::~InheritedSockets() { (void)close_unclaimed(); }

InheritedSockets InheritedSockets::from_environment() {
  // unset_environment = 1: hokand starts no children, but nothing it might start later
  // should believe the sockets are its own.
  int n = sd_listen_fds(1);
  std::vector<int> fds;
  for (int i = 0; i < n; ++i) fds.push_back(SD_LISTEN_FDS_START + i);
  return from_fds(std::move(fds));
}

InheritedSockets InheritedSockets::from_fds(std::vector<int> fds) {
  std::vector<Entry> entries;
  for (int fd : fds) {
    Entry e;
    e.fd = fd;
    e.datagram = int_option(fd, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM;
    e.listening = int_option(fd, SOL_SOCKET, SO_ACCEPTCONN) == 1;
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
      if (ss.ss_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(&ss);
        e.inet = e.ipv4 = true;
        std::memcpy(e.address.data(), &in->sin_addr, 4);
        e.port = ntohs(in->sin_port);
      } else if (ss.ss_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&ss);
        e.inet = e.v6 = true;
        e.v6_only = int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY) == 1;
        e.port = ntohs(in6->sin6_port);
        if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
          e.ipv4 = true;
          std::memcpy(e.address.data(), in6->sin6_addr.s6_addr + 12, 4);
        } else {
          std::memcpy(e.address.data(), in6->sin6_addr.s6_addr, 16);
        }
      }
    }
    entries.push_back(e);
  }
  return InheritedSockets(std::move(entries));
}

std::optional<AdoptedSocket> InheritedSockets::take(std::string_view kind,
                                                    const std::string& address) {
  auto wanted = parse_wanted(address);
  if (!wanted || wanted->port == 0) return std::nullopt;
  bool datagram = kind == "udp";
  bool wanted_wildcard = all_zero(wanted->address, wanted->ipv4);
  for (auto& e : entries_) {
    if (e.fd < 0 || !e.inet || e.port != wanted->port || e.datagram != datagram) continue;
    if (!datagram && !e.listening) continue;
    bool wildcard = all_zero(e.address, e.ipv4);
    bool fits = wanted_wildcard
                    ? wildcard && !(wanted->ipv4 && e.v6 && e.v6_only)
                    : !wildcard && wanted->ipv4 == e.ipv4 && wanted->address == e.address;
    if (!fits) continue;
    AdoptedSocket adopted{e.fd, e.v6};
    e.fd = -1;
    e.taken = true;
    return adopted;
  }
  return std::nullopt;
}

std::size_t InheritedSockets::taken() const {
  return static_cast<std::size_t>(
      std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.taken; }));
}

std::vector<std::string> InheritedSockets::close_unclaimed() {
  std::vector<std::string> described;
  for (auto& e : entries_) {
    if (e.fd < 0) continue;
    std::string text = e.datagram ? "datagram " : "stream ";
    if (!e.inet) {
      text += "socket (fd " + std::to_string(e.fd) + ", not IPv4 or IPv6)";
    } else {
      char buf[INET6_ADDRSTRLEN] = {};
      inet_ntop(e.ipv4 ? AF_INET : AF_INET6, e.address.data(), buf, sizeof buf);
      text += e.ipv4 ? std::string(buf) : "[" + std::string(buf) + "]";
      text += ":" + std::to_string(e.port);
    }
    described.push_back(std::move(text));
    ::close(e.fd);
    e.fd = -1;
  }
  return described;
}

}  // namespace hokan::ingest
