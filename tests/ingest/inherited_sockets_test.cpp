#include "ingest/inherited_sockets.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace hokan::ingest {
namespace {

// A socket bound to `host` on a free port, listening when it is a stream. Returns the fd
// (or -1 when the family is not available here) and sets `port`.
int bound(int type, const char* host, uint16_t& port, int v6_only = -1) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;
  if (in_addr a{}; inet_pton(AF_INET, host, &a) == 1) {
    auto* in = reinterpret_cast<sockaddr_in*>(&ss);
    in->sin_family = AF_INET;
    in->sin_addr = a;
    len = sizeof *in;
  } else {
    family = AF_INET6;
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    inet_pton(AF_INET6, host, &in6->sin6_addr);
    len = sizeof *in6;
  }
  int fd = ::socket(family, type, 0);
  if (fd < 0) return -1;
  if (v6_only >= 0) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6_only, sizeof v6_only);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 8) != 0)) {
    ::close(fd);
    return -1;
  }
  len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return fd;
}

std::string at(const char* host, uint16_t port) {
  return std::string(host) + ":" + std::to_string(port);
}

TEST(InheritedSocketsTest, DatagramSocketServesUdpOnlyAndOnce) {
  uint16_t port = 0;
  int fd = bound(SOCK_DGRAM, "127.0.0.1", port);
  ASSERT_GE(fd, 0);
  auto sockets = InheritedSockets::from_fds({fd});
  EXPECT_FALSE(sockets.take("tcp", at("127.0.0.1", port)));
  auto taken = sockets.take("udp", at("127.0.0.1", port));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->fd, fd);
  EXPECT_FALSE(taken->v6);
  EXPECT_FALSE(sockets.take("udp", at("127.0.0.1", port)));
  EXPECT_EQ(sockets.taken(), 1u);
  ::close(fd);
}

TEST(InheritedSocketsTest, ListeningStreamServesTcpTlsRelpAndHttpOnItsOwnPort) {
  uint16_t a = 0, b = 0;
  int fa = bound(SOCK_STREAM, "127.0.0.1", a);
  int fb = bound(SOCK_STREAM, "127.0.0.1", b);
  ASSERT_GE(fa, 0);
  ASSERT_GE(fb, 0);
  auto sockets = InheritedSockets::from_fds({fa, fb});
  EXPECT_FALSE(sockets.take("udp", at("127.0.0.1", a)));
  EXPECT_EQ(sockets.take("tls", at("127.0.0.1", b))->fd, fb);
  EXPECT_EQ(sockets.take("relp", at("127.0.0.1", a))->fd, fa);
  ::close(fa);
  ::close(fb);
}

TEST(InheritedSocketsTest, AStreamThatDoesNotListenIsNoListener) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&in), sizeof in), 0);
  socklen_t len = sizeof in;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&in), &len);
  auto sockets = InheritedSockets::from_fds({fd});
  EXPECT_FALSE(sockets.take("tcp", at("127.0.0.1", ntohs(in.sin_port))));
  EXPECT_EQ(sockets.close_unclaimed().size(), 1u);
}

TEST(InheritedSocketsTest, AddressesMustBeEqualUnlessBothAreWildcards) {
  uint16_t port = 0;
  int fd = bound(SOCK_DGRAM, "0.0.0.0", port);
  ASSERT_GE(fd, 0);
  auto sockets = InheritedSockets::from_fds({fd});
  EXPECT_FALSE(sockets.take("udp", at("127.0.0.1", port)))
      << "a specific address is not the wildcard";
  EXPECT_FALSE(sockets.take("udp", at("0.0.0.0", port == 65535 ? 1 : port + 1))) << "another port";
  EXPECT_TRUE(sockets.take("udp", at("0.0.0.0", port)));
  ::close(fd);
}

TEST(InheritedSocketsTest, PortZeroNeverMatches) {
  uint16_t port = 0;
  int fd = bound(SOCK_DGRAM, "127.0.0.1", port);
  ASSERT_GE(fd, 0);
  auto sockets = InheritedSockets::from_fds({fd});
  EXPECT_FALSE(sockets.take("udp", "127.0.0.1:0"));
  EXPECT_FALSE(sockets.take("udp", "not an address"));
}

// What systemd binds for "ListenDatagram=514": [::]:514 that also serves IPv4.
TEST(InheritedSocketsTest, DualStackWildcardServesEitherWildcard) {
  uint16_t port = 0;
  int fd = bound(SOCK_DGRAM, "::", port, 0);
  if (fd < 0) GTEST_SKIP() << "no IPv6 here";
  auto sockets = InheritedSockets::from_fds({fd});
  auto taken = sockets.take("udp", at("0.0.0.0", port));
  ASSERT_TRUE(taken);
  EXPECT_TRUE(taken->v6);
  ::close(fd);
}

TEST(InheritedSocketsTest, Ipv6OnlyWildcardDoesNotServeTheIpv4Wildcard) {
  uint16_t port = 0;
  int fd = bound(SOCK_STREAM, "::", port, 1);
  if (fd < 0) GTEST_SKIP() << "no IPv6 here";
  auto sockets = InheritedSockets::from_fds({fd});
  EXPECT_FALSE(sockets.take("tcp", at("0.0.0.0", port)));
  EXPECT_TRUE(sockets.take("tcp", "[::]:" + std::to_string(port)));
  ::close(fd);
}

TEST(InheritedSocketsTest, UnclaimedSocketsAreDescribedAndClosed) {
  uint16_t port = 0;
  int fd = bound(SOCK_STREAM, "127.0.0.1", port);
  ASSERT_GE(fd, 0);
  auto sockets = InheritedSockets::from_fds({fd});
  auto described = sockets.close_unclaimed();
  ASSERT_EQ(described.size(), 1u);
  EXPECT_EQ(described[0], "stream " + at("127.0.0.1", port));
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "closed";
  EXPECT_TRUE(sockets.close_unclaimed().empty());
}

TEST(InheritedSocketsTest, WithoutSocketActivationThereAreNone) {
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_PID");
  EXPECT_EQ(InheritedSockets::from_environment().size(), 0u);
}

}  // namespace
}  // namespace hokan::ingest
