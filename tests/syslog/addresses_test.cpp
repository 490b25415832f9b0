#include "syslog/addresses.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

namespace hokan::syslog {
namespace {

std::vector<std::string> found_in(std::string_view text) {
  std::vector<AddressInText> found;
  find_addresses(text, found);
  std::vector<std::string> out;
  for (const auto& a : found) {
    out.push_back(core::format_ip(a.address));
    EXPECT_LE(a.begin, text.size());
  }
  return out;
}

using Addresses = std::vector<std::string>;

TEST(Addresses, FindsAddressesWhateverTheSentenceAroundThem) {
  EXPECT_EQ(found_in("from 192.0.2.1 port 22"), Addresses{"192.0.2.1"});
  EXPECT_EQ(found_in("getaddrinfo for h.example [192.0.2.2] failed"), Addresses{"192.0.2.2"});
  EXPECT_EQ(found_in("rhost=192.0.2.3  user=root"), Addresses{"192.0.2.3"});
  EXPECT_EQ(found_in("[client 192.0.2.4] File does not exist"), Addresses{"192.0.2.4"});
  EXPECT_EQ(found_in("client: 192.0.2.5, server: x"), Addresses{"192.0.2.5"});
  EXPECT_EQ(found_in("GET http://192.0.2.6:8080/x and http://[2001:db8::6]:443/y"),
            (Addresses{"192.0.2.6", "2001:db8::6"}));
  EXPECT_EQ(found_in("{\"client_ip\":\"192.0.2.7\",\"up\":\"10.0.0.7:9000\"}"),
            (Addresses{"192.0.2.7", "10.0.0.7"}));
  EXPECT_EQ(found_in("Client \"::ffff:192.0.2.8\""), Addresses{"192.0.2.8"});
  EXPECT_EQ(found_in("(?@192.0.2.9) [INFO]"), Addresses{"192.0.2.9"});
  EXPECT_EQ(found_in("client 192.0.2.10#53211 (x)"), Addresses{"192.0.2.10"});
  EXPECT_EQ(found_in("peers=10.0.0.1,10.0.0.2;10.0.0.3|10.0.0.4&10.0.0.5"),
            (Addresses{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.5"}));
  EXPECT_EQ(found_in("<10.0.0.6> and '10.0.0.7'"), (Addresses{"10.0.0.6", "10.0.0.7"}));
  EXPECT_EQ(found_in("addr:10.0.0.8 peer:2001:db8::8"), (Addresses{"10.0.0.8", "2001:db8::8"}));
  EXPECT_EQ(found_in("10.0.0.9"), Addresses{"10.0.0.9"});
}

TEST(Addresses, WritesEachInCanonicalForm) {
  EXPECT_EQ(found_in("from 2001:DB8:0:0:0:0:0:AB port 1"), Addresses{"2001:db8::ab"});
  EXPECT_EQ(found_in("from ::FFFF:198.51.100.77"), Addresses{"198.51.100.77"});
  EXPECT_EQ(found_in("on [fe80::5054:ff:fe12:3456%2]:123"), Addresses{"fe80::5054:ff:fe12:3456"});
  EXPECT_EQ(found_in("address fe80::1%eth0.100 up"), Addresses{"fe80::1"});
}

TEST(Addresses, ReadsPortsAndSentenceEnds) {
  EXPECT_EQ(found_in("Received disconnect from 192.0.2.1: 11: Bye"), Addresses{"192.0.2.1"});
  EXPECT_EQ(found_in("probe to 192.0.2.2."), Addresses{"192.0.2.2"});
  EXPECT_EQ(found_in("up from 2001:db8::3."), Addresses{"2001:db8::3"});
  EXPECT_EQ(found_in("192.0.2.4:52311 [20/Nov/2026:03:30:32.101]"), Addresses{"192.0.2.4"});
  // Apache 2.4 writes an IPv6 client and its port without brackets.
  EXPECT_EQ(found_in("[client 2001:db8::23:51235] AH01630"), Addresses{"2001:db8::23"});
  EXPECT_EQ(found_in("Received disconnect from 2001:db8::96 port 40024:11: Bye"),
            Addresses{"2001:db8::96"});
}

TEST(Addresses, KeepsAnInterfaceAddressButNotANetwork) {
  EXPECT_EQ(found_in("DHCPv4 address 10.0.5.20/24, gateway"), Addresses{"10.0.5.20"});
  EXPECT_EQ(found_in("route 10.0.5.9/32 added"), Addresses{"10.0.5.9"});
  EXPECT_EQ(found_in("blocked 198.51.100.0/24 and 2001:db8::/32 and fe80::/64"), Addresses{});
  EXPECT_EQ(found_in("hosts/10.0.0.5/syslog"), Addresses{"10.0.0.5"});
}

TEST(Addresses, IgnoresWhatOnlyLooksLikeAnAddress) {
  for (const char* text : {
           "Linux version 2.6.5-1.358 (gcc version 3.3.3 20040412)",
           "running version 4.1.2.3 since 12:01:01",
           "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
           "OID 1.3.6.1.4.1.2021.10.1.3.1",
           "pci 0000:00:1f.2: [8086:2922]",
           "link 00:1a:2b:3c:4d:5e and eui 00:1a:2b:ff:fe:3c:4d:5e",
           "netmask 255.255.255.0 broadcast 255.255.255.255",
           "bound on 0.0.0.0 and :: and [::]:8080 and 0.0.0.0:9090",
           "Cache::add abc::def Foo::Bar dead::beef",
           "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
           "at java.lang.Thread.run(Thread.java:750)",
           "4.3.2.1.in-addr.arpa ip-10-0-0-1.ec2.internal host-192-0-2-1.example",
           "host1.2.3.4 v1.2.3.4 1.2.3.4x x1.2.3.4 jdk-11.0.2.9 usb 1-1.2.3.4:",
           "tty=:0 display :1.0 ratio 1:2:3 12:34 1234:5678 00:00:12:345 23:59:59.999",
           "audit(1122475266.4294965305:0) 35.6895:139.6917 1.5e3 3.14159",
           "[pid 1234:tid 140031] query.c:5933 811#811: *4411",
           "session 5f:3a:11:9c:be:7e:00:01 resumed",
       })
    EXPECT_EQ(found_in(text), Addresses{}) << text;
}

TEST(Addresses, MarksTheClientByTheWordsBeforeIt) {
  auto client = [](std::string_view text) -> std::string {
    std::vector<AddressInText> found;
    find_addresses(text, found);
    for (const auto& a : found)
      if (marked_as_client(text, a.begin)) return core::format_ip(a.address);
    return "";
  };
  EXPECT_EQ(client("Connection from 192.0.2.1 port 5 on 192.0.2.10 port 22"), "192.0.2.1");
  EXPECT_EQ(client("Server listening on 192.0.2.10 port 22."), "");
  EXPECT_EQ(client("Connection closed by 192.0.2.2 [preauth]"), "192.0.2.2");
  EXPECT_EQ(client("Unable to negotiate with 192.0.2.3 port 1: no kex"), "192.0.2.3");
  EXPECT_EQ(client("Timeout before authentication for 192.0.2.4 port 1"), "192.0.2.4");
  EXPECT_EQ(client("Nasty PTR record \"192.0.2.1\" is set up for 192.0.2.5, ignoring"),
            "192.0.2.5");
  EXPECT_EQ(client("[error] [client 192.0.2.6] File does not exist"), "192.0.2.6");
  EXPECT_EQ(client("connect from unknown[192.0.2.7]"), "192.0.2.7");
  EXPECT_EQ(client("FTP LOGIN FROM h.example [192.0.2.8], alice"), "192.0.2.8");
  EXPECT_EQ(client("drop connection #0 from [192.0.2.9]:40021 on [192.0.2.10]:22"), "192.0.2.9");
  EXPECT_EQ(client("client=mail.example.net[192.0.2.11], sasl_method=LOGIN"), "192.0.2.11");
  EXPECT_EQ(client("client @0x7f3a2c0f1e68 192.0.2.12#53211 (x): query"), "192.0.2.12");
  EXPECT_EQ(client("connect from host.example (192.0.2.13)"), "192.0.2.13");
  EXPECT_EQ(client("IN=eth0 SRC=192.0.2.14 DST=10.0.0.1"), "192.0.2.14");
  EXPECT_EQ(client("platform 192.0.2.15 and transform 192.0.2.16"), "");
}

TEST(Addresses, ScansHostileLinesInLinearTime) {
  std::vector<std::string> lines = {std::string(1 << 16, '.'), std::string(1 << 16, ':'),
                                    std::string(1 << 16, 'a')};
  std::string glued, many, colons;
  while (glued.size() < (1 << 16)) glued += "a1:";
  while (many.size() < (1 << 16)) many += "10.0.0.1 ";
  while (colons.size() < (1 << 16)) colons += "1:2 ";
  lines.push_back(glued);
  lines.push_back(many);
  lines.push_back(colons);
  for (const auto& line : lines) {
    const auto start = std::chrono::steady_clock::now();
    std::vector<AddressInText> found;
    find_addresses(line, found);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200))
        << line.substr(0, 20);
  }
}

TEST(Addresses, SurvivesRandomBytes) {
  std::mt19937 rng(11);
  const std::string alphabet = "0123456789abcdefABCDEF.:[]()% /=\"'x-";
  for (int i = 0; i < 20000; ++i) {
    std::string text(rng() % 80, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    std::vector<AddressInText> found;
    find_addresses(text, found);
    for (const auto& a : found) {
      ASSERT_LT(a.begin, text.size()) << text;
      // Whatever it found reads back as the same address.
      EXPECT_EQ(core::parse_ip(core::format_ip(a.address)), a.address) << text;
    }
  }
}

}  // namespace
}  // namespace hokan::syslog
