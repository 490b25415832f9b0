#include "core/ip.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace hokan::core {
namespace {

std::string canon(std::string_view text) { return canonical_ip(text).value_or("(none)"); }

TEST(IpTest, ReadsDottedQuads) {
  EXPECT_EQ(canon("192.0.2.1"), "192.0.2.1");
  EXPECT_EQ(canon("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(canon("255.255.255.255"), "255.255.255.255");
  // Leading zeros are decimal, as loggers that pad mean them.
  EXPECT_EQ(canon("010.001.002.003"), "10.1.2.3");
  for (const char* bad : {"256.0.0.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3",
                          "0001.2.3.4", "1.2.3.4 ", "1.2.3.a", "", "-1.2.3.4", "1.2.3.4/24"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
}

TEST(IpTest, WritesIpv6InRfc5952Form) {
  // RFC 5952 section 4: lower case, no leading zeros, the longest zero run compressed,
  // the first of equal runs, never a lone zero group.
  EXPECT_EQ(canon("2001:DB8::AB"), "2001:db8::ab");
  EXPECT_EQ(canon("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");
  EXPECT_EQ(canon("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");
  EXPECT_EQ(canon("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");
  EXPECT_EQ(canon("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");
  EXPECT_EQ(canon("2001:db8::0:1"), "2001:db8::1");
  EXPECT_EQ(canon("0:0:0:0:0:0:0:0"), "::");
  EXPECT_EQ(canon("0:0:0:0:0:0:0:1"), "::1");
  EXPECT_EQ(canon("1:0:0:0:0:0:0:0"), "1::");
  EXPECT_EQ(canon("fe80:0000::0202:b3ff:fe1e:8329"), "fe80::202:b3ff:fe1e:8329");
}

TEST(IpTest, WritesIpv4MappedAddressesAsIpv4) {
  EXPECT_EQ(canon("::ffff:198.51.100.77"), "198.51.100.77");
  EXPECT_EQ(canon("::FFFF:c633:644d"), "198.51.100.77");
  EXPECT_EQ(canon("0:0:0:0:0:ffff:198.51.100.77"), "198.51.100.77");
  auto mapped = parse_ip("::ffff:198.51.100.77");
  ASSERT_TRUE(mapped);
  EXPECT_FALSE(mapped->v6);
  EXPECT_EQ(*mapped, *parse_ip("198.51.100.77"));
  // Other embedded forms are not the same host and stay IPv6, in hex.
  EXPECT_EQ(canon("::198.51.100.77"), "::c633:644d");
  EXPECT_EQ(canon("64:ff9b::198.51.100.77"), "64:ff9b::c633:644d");
}

TEST(IpTest, DropsBracketsAndZones) {
  EXPECT_EQ(canon("[2001:db8::1]"), "2001:db8::1");
  EXPECT_EQ(canon("fe80::1%eth0"), "fe80::1");
  EXPECT_EQ(canon("[fe80::1%25eth0]"), "fe80::1");
  EXPECT_FALSE(parse_ip("fe80::1%"));
  EXPECT_FALSE(parse_ip("[2001:db8::1"));
}

TEST(IpTest, RefusesWhatIsNotIpv6) {
  for (const char* bad : {"dead:beef", "1::2::3", "2001:db8:::1", ":1::2", "1::2:", "12:30:00",
                          "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::1", "g::1", "::1.2.3",
                          "1:2:3:4:5:6:7:1.2.3.4", "::1.2.3.4:5", "00:1a:2b:3c:4d:5e", ":", ":::"})
    EXPECT_FALSE(parse_ip(bad)) << bad;
  // "::" may stand for a single zero group; the canonical form then writes the zero.
  EXPECT_EQ(canon("1:2:3:4:5:6::8"), "1:2:3:4:5:6:0:8");
}

TEST(IpTest, AgreesWithInetPtonOnRandomAddresses) {
  std::mt19937 rng(7);
  for (int i = 0; i < 20000; ++i) {
    in6_addr bytes;
    for (auto& b : bytes.s6_addr) b = static_cast<uint8_t>(rng() % 4 == 0 ? rng() : 0);
    char text[INET6_ADDRSTRLEN];
    ASSERT_TRUE(inet_ntop(AF_INET6, &bytes, text, sizeof text));
    const auto a = parse_ip(text);
    ASSERT_TRUE(a) << text;
    if (!a->v6) continue;  // mapped: checked above
    EXPECT_EQ(std::memcmp(a->bytes.data(), bytes.s6_addr, 16), 0) << text;
    // glibc writes RFC 5952 too, except for its dotted tails.
    if (std::string(text).find('.') == std::string::npos) {
      EXPECT_EQ(format_ip(*a), text);
    }
    EXPECT_EQ(parse_ip(format_ip(*a)), a) << text;
  }
}

TEST(IpTest, ReadsPrefixesAndClearsHostBits) {
  auto p = parse_ip_prefix("198.51.100.7/24");
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(format_ip_prefix(*p), "198.51.100.0/24");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("2001:DB8::1/32")), "2001:db8::/32");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("192.0.2.9")), "192.0.2.9");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("2001:db8::9")), "2001:db8::9");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("0.0.0.0/0")), "0.0.0.0/0");
  // Written as mapped IPv6: the IPv4 prefix it covers.
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("::ffff:10.1.0.0/104")), "10.0.0.0/8");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("::ffff:10.1.2.3")), "10.1.2.3");
  EXPECT_EQ(format_ip_prefix(*parse_ip_prefix("::ffff:0.0.0.0/96")), "0.0.0.0/0");
}

TEST(IpTest, RefusesBadPrefixesNamingTheText) {
  auto bad = parse_ip_prefix("10.0.0.0/33");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message, "bad network \"10.0.0.0/33\": the prefix length must be 0 to 32");
  EXPECT_EQ(parse_ip_prefix("2001:db8::/129").error().message,
            "bad network \"2001:db8::/129\": the prefix length must be 0 to 128");
  EXPECT_EQ(parse_ip_prefix("gw.example/24").error().message,
            "bad network \"gw.example/24\": not an IPv4 or IPv6 address");
  for (const char* text : {"10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/ 8", "/8", ""})
    EXPECT_FALSE(parse_ip_prefix(text)) << text;
}

TEST(IpTest, PrefixesContainTheirAddressesOnly) {
  auto net = *parse_ip_prefix("198.51.100.0/24");
  EXPECT_TRUE(net.contains(*parse_ip("198.51.100.77")));
  EXPECT_TRUE(net.contains(*parse_ip("::ffff:198.51.100.77")));
  EXPECT_FALSE(net.contains(*parse_ip("198.51.101.1")));
  EXPECT_FALSE(net.contains(*parse_ip("2001:db8::1")));
  auto odd = *parse_ip_prefix("10.0.0.0/9");
  EXPECT_TRUE(odd.contains(*parse_ip("10.127.255.255")));
  EXPECT_FALSE(odd.contains(*parse_ip("10.128.0.0")));
  auto v6 = *parse_ip_prefix("2001:db8::/32");
  EXPECT_TRUE(v6.contains(*parse_ip("2001:DB8:ffff::1")));
  EXPECT_FALSE(v6.contains(*parse_ip("2001:db9::1")));
  EXPECT_FALSE(v6.contains(*parse_ip("192.0.2.1")));
  auto all = *parse_ip_prefix("::/0");
  EXPECT_TRUE(all.contains(*parse_ip("192.0.2.1")));  // through its mapped form
  auto mapped_space = *parse_ip_prefix("::ffff:0:0/96");
  EXPECT_TRUE(mapped_space.contains(*parse_ip("192.0.2.1")));
  EXPECT_FALSE(mapped_space.contains(*parse_ip("2001:db8::1")));
  auto one = *parse_ip_prefix("192.0.2.9");
  EXPECT_TRUE(one.contains(*parse_ip("192.0.2.9")));
  EXPECT_FALSE(one.contains(*parse_ip("192.0.2.8")));
}

}  // namespace
}  // namespace hokan::core
