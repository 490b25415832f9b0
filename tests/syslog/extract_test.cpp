#include "syslog/extract.h"

#include <gtest/gtest.h>

#include "syslog/parser.h"

namespace hokan::syslog {
namespace {

Fields fields_of(std::string_view line, const std::vector<ExtractRule>& rules = {}) {
  auto extractor = Extractor::create(rules);
  EXPECT_TRUE(extractor);
  return (*extractor)->extract(parse(line, {0, core::TimeZone::utc().get()}));
}

TEST(Extract, ReadsSshdAcceptedAndFailedLogins) {
  auto ok = fields_of("<38>Nov 20 03:12:00 web01 sshd[811]: Accepted publickey for alice from 192.0.2.7 port 50022 ssh2: ED25519 SHA256:x");
  EXPECT_EQ(ok.user, "alice");
  EXPECT_EQ(ok.src_ip, "192.0.2.7");
  EXPECT_EQ(ok.action, "login");
  auto bad = fields_of("<38>Nov 20 03:12:00 web01 sshd[811]: Failed password for invalid user admin from 203.0.113.9 port 4242 ssh2");
  EXPECT_EQ(bad.user, "admin");
  EXPECT_EQ(bad.src_ip, "203.0.113.9");
  EXPECT_EQ(bad.action, "login_failed");
  auto invalid = fields_of("<38>Nov 20 03:12:00 web01 sshd[811]: Invalid user oracle from 2001:db8::5 port 22");
  EXPECT_EQ(invalid.user, "oracle");
  EXPECT_EQ(invalid.src_ip, "2001:db8::5");
}

TEST(Extract, ReadsPamFailuresAndSessions) {
  auto failure = fields_of(
      "<85>Nov 20 03:12:00 web01 sshd[900]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
      "tty=ssh ruser= rhost=198.51.100.4  user=bob");
  EXPECT_EQ(failure.user, "bob");
  EXPECT_EQ(failure.src_ip, "198.51.100.4");
  EXPECT_EQ(failure.action, "auth_failure");
  auto session = fields_of("<86>Nov 20 03:12:00 web01 sudo: pam_unix(sudo:session): session opened for user root(uid=0) by carol(uid=1000)");
  EXPECT_EQ(session.user, "root");
  EXPECT_EQ(session.action, "session_open");
}

TEST(Extract, ReadsCombinedAccessLogs) {
  auto f = fields_of(
      "<190>Nov 20 03:12:00 web01 nginx: 198.51.100.23 - dave [20/Nov/2026:03:12:00 +0900] \"POST /login HTTP/1.1\" "
      "302 0 \"-\" \"Mozilla/5.0\"");
  EXPECT_EQ(f.src_ip, "198.51.100.23");
  EXPECT_EQ(f.user, "dave");
  EXPECT_EQ(f.action, "POST");
  auto anonymous = fields_of("<190>Nov 20 03:12:00 web01 nginx: 198.51.100.23 - - [20/Nov/2026:03:12:00 +0900] \"GET / HTTP/1.1\" 200 5");
  EXPECT_EQ(anonymous.user, "");
}

TEST(Extract, ReadsKeyValuePairsQuotedOrNot) {
  auto f = fields_of("<13>1 - h app - - - action=\"export report\" user=erin src_ip=192.0.2.44 case=REQ-7");
  EXPECT_EQ(f.action, "export report");
  EXPECT_EQ(f.user, "erin");
  EXPECT_EQ(f.src_ip, "192.0.2.44");
  EXPECT_EQ(f.case_id, "REQ-7");
  auto hostname = fields_of("<13>1 - h app - - - rhost=gateway.example");
  EXPECT_EQ(hostname.src_ip, "");  // a name is not an address
}

TEST(Extract, PrefersStructuredDataOverTheMessageText) {
  auto f = fields_of("<13>1 - h app - - [auth@1 user=\"frank\" ip=\"192.0.2.5\"] user=mallory");
  EXPECT_EQ(f.user, "frank");
  EXPECT_EQ(f.src_ip, "192.0.2.5");
}

TEST(Extract, AppliesConfiguredRulesWithNamedGroups) {
  std::vector<ExtractRule> rules{{"vpn", "openvpn", R"((?P<src_ip>[0-9.]+):\d+ \[(?P<user>[^\]]+)\] Peer (?P<event>\w+))"}};
  auto f = fields_of("<13>Nov 20 03:12:00 gw openvpn[5]: 192.0.2.9:1194 [grace] Peer Connection Initiated", rules);
  EXPECT_EQ(f.user, "grace");
  EXPECT_EQ(f.src_ip, "192.0.2.9");
  ASSERT_EQ(f.extra.size(), 1u);
  EXPECT_EQ(f.extra[0], (std::pair<std::string, std::string>{"event", "Connection"}));
  auto other_app = fields_of("<13>Nov 20 03:12:00 gw other: 192.0.2.9:1194 [grace] Peer Connection Initiated", rules);
  EXPECT_EQ(other_app.user, "");
}

TEST(Extract, RefusesBadOrGrouplessPatterns) {
  auto bad = Extractor::create({{"broken", "", "(unclosed"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("broken"), std::string::npos);
  EXPECT_FALSE(Extractor::create({{"plain", "", "no groups"}}));
}

}  // namespace
}  // namespace hokan::syslog
