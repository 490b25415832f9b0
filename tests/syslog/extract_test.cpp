#include "syslog/extract.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "syslog/parser.h"

namespace hokan::syslog {
namespace {

using Extra = std::vector<std::pair<std::string, std::string>>;

Fields fields_of(std::string_view line, const std::vector<ExtractRule>& rules = {}) {
  auto extractor = Extractor::create(rules);
  EXPECT_TRUE(extractor) << extractor.error().message;
  return (*extractor)->extract(parse(line, {0, core::TimeZone::utc().get()}));
}

// ---- sshd --------------------------------------------------------------------------------

TEST(Extract, ReadsSshdAcceptedLogins) {
  auto key = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Accepted publickey for alice from 192.0.2.7 port "
      "50022 ssh2: ED25519 SHA256:p8eGBW5N7i3mAxuE0Hh4QvD6Lr3D8tKz3kQyZ1sA2bc");
  EXPECT_EQ(key.user, "alice");
  EXPECT_EQ(key.src_ip, "192.0.2.7");
  EXPECT_EQ(key.action, "login");
  auto password = fields_of(
      "<86>1 2026-11-20T03:12:00+09:00 web01 sshd 811 - - Accepted password for bob "
      "from 2001:db8::5 port 50022 ssh2");
  EXPECT_EQ(password.user, "bob");
  EXPECT_EQ(password.src_ip, "2001:db8::5");
  EXPECT_EQ(password.action, "login");
}

TEST(Extract, ReadsSshdFailuresForKnownAndInvalidUsers) {
  auto root = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Failed password for root from 203.0.113.9 port 4242 "
      "ssh2");
  EXPECT_EQ(root.user, "root");
  EXPECT_EQ(root.src_ip, "203.0.113.9");
  EXPECT_EQ(root.action, "login_failed");
  auto invalid = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Failed password for invalid user admin from "
      "203.0.113.9 port 4242 ssh2");
  EXPECT_EQ(invalid.user, "admin");
  EXPECT_EQ(invalid.src_ip, "203.0.113.9");
  auto probe = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Invalid user oracle from 198.51.100.77 port 39012");
  EXPECT_EQ(probe.user, "oracle");
  EXPECT_EQ(probe.src_ip, "198.51.100.77");
  EXPECT_EQ(probe.action, "invalid_user");
}

TEST(Extract, ReadsSshdDisconnects) {
  auto logout = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Disconnected from user alice 192.0.2.7 port 50022");
  EXPECT_EQ(logout.user, "alice");
  EXPECT_EQ(logout.src_ip, "192.0.2.7");
  EXPECT_EQ(logout.action, "logout");
  auto preauth = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd-session[4410]: Connection closed by authenticating user "
      "root 203.0.113.9 port 51234 [preauth]");
  EXPECT_EQ(preauth.user, "root");
  EXPECT_EQ(preauth.src_ip, "203.0.113.9");
  EXPECT_EQ(preauth.action, "disconnect");
  auto anonymous =
      fields_of("<38>Nov 20 03:12:00 web01 sshd[811]: Disconnected from 203.0.113.9 port 51234");
  EXPECT_EQ(anonymous.user, "");
  EXPECT_EQ(anonymous.src_ip, "203.0.113.9");
}

TEST(Extract, ReadsFailuresInsideRsyslogRepeatSummaries) {
  auto f = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: message repeated 2 times: [ Failed password for root "
      "from 203.0.113.9 port 4242 ssh2]");
  EXPECT_EQ(f.user, "root");
  EXPECT_EQ(f.src_ip, "203.0.113.9");
  EXPECT_EQ(f.action, "login_failed");
}

TEST(Extract, DoesNotTakeOtherProgramsFailuresForLogins) {
  auto f =
      fields_of("<27>Nov 20 03:12:00 web01 systemd[1]: Failed to start nginx.service for web.");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.action, "");
  auto closed =
      fields_of("<30>Nov 20 03:12:00 db1 postgres[9]: Connection closed by user app 10.0.0.5");
  EXPECT_EQ(closed.user, "");
}

// ---- PAM ---------------------------------------------------------------------------------

TEST(Extract, ReadsPamAuthenticationFailures) {
  auto f = fields_of(
      "<85>Nov 20 03:12:00 web01 sshd[900]: pam_unix(sshd:auth): authentication failure; "
      "logname= uid=0 euid=0 tty=ssh ruser= rhost=198.51.100.4  user=bob");
  EXPECT_EQ(f.user, "bob");
  EXPECT_EQ(f.src_ip, "198.51.100.4");
  EXPECT_EQ(f.action, "auth_failure");
  auto by_name = fields_of(
      "<85>Nov 20 03:12:00 web01 sshd[900]: pam_sss(sshd:auth): authentication failure; logname= "
      "uid=0 euid=0 tty=ssh ruser= rhost=gw.example.net user=carol");
  EXPECT_EQ(by_name.user, "carol");
  EXPECT_EQ(by_name.src_ip, "");  // a host name is not an address
}

TEST(Extract, ReadsPamSessionsOpenedAndClosed) {
  // sudo switches accounts: the invoker is the user, the session's account the target.
  auto opened = fields_of(
      "<86>Nov 20 03:12:00 web01 sudo: pam_unix(sudo:session): session opened for user "
      "root(uid=0) by carol(uid=1000)");
  EXPECT_EQ(opened.user, "carol");
  EXPECT_EQ(opened.target_user, "root");
  EXPECT_EQ(opened.action, "session_open");
  auto closed = fields_of(
      "<86>Nov 20 03:12:00 web01 sshd[900]: pam_unix(sshd:session): session closed for user alice");
  EXPECT_EQ(closed.user, "alice");
  EXPECT_EQ(closed.action, "session_close");
}

TEST(Extract, ReadsPamLinesWhoseModuleSitsInTheTag) {
  auto su = fields_of(
      "<86>Jun 15 04:06:18 combo su(pam_unix)[21416]: session opened for user "
      "news by alice(uid=500)");
  EXPECT_EQ(su.user, "alice");
  EXPECT_EQ(su.target_user, "news");
  auto sshd = fields_of(
      "<86>Jun 18 02:23:10 combo sshd(pam_unix)[31487]: session opened for user "
      "test by (uid=509)");
  EXPECT_EQ(sshd.user, "test");
  EXPECT_EQ(sshd.target_user, "");
  auto failure = fields_of(
      "<86>Jul  9 22:53:19 combo su(pam_unix)[9131]: authentication failure; logname=test uid=509 "
      "euid=0 tty= ruser=test rhost=  user=root");
  EXPECT_EQ(failure.user, "test");
  EXPECT_EQ(failure.target_user, "root");
}

// ---- su, sudo, login, cron ---------------------------------------------------------------

TEST(Extract, NamesTheInvokerAndTheTargetOfSudoAndSu) {
  auto sudo = fields_of(
      "<85>Nov 20 03:12:00 app01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; "
      "COMMAND=/usr/bin/id");
  EXPECT_EQ(sudo.user, "alice");
  EXPECT_EQ(sudo.target_user, "root");
  auto refused = fields_of(
      "<85>Nov 20 03:12:00 app01 sudo: bob : user NOT in sudoers ; TTY=pts/1 ; PWD=/ ; USER=root "
      "; COMMAND=/bin/sh");
  EXPECT_EQ(refused.user, "bob");
  EXPECT_EQ(refused.target_user, "root");
  auto su = fields_of("<86>Nov 20 03:12:00 app01 su[4501]: (to root) alice on pts/1");
  EXPECT_EQ(su.user, "alice");
  EXPECT_EQ(su.target_user, "root");
  auto shadow = fields_of("<86>Nov 20 03:12:00 app01 su[4504]: + /dev/pts/0 carol:postgres");
  EXPECT_EQ(shadow.user, "carol");
  EXPECT_EQ(shadow.target_user, "postgres");
  // Words shaped like sudo's from another program name nobody.
  EXPECT_EQ(fields_of("<13>Nov 20 03:12:00 h app: alice : TTY=pts/0 ; USER=root").user, "");
}

TEST(Extract, ReadsLoginAndCronAccounts) {
  EXPECT_EQ(fields_of("<86>Nov 20 03:12:00 h login[1]: ROOT LOGIN ON tty2").user, "root");
  EXPECT_EQ(fields_of("<86>Nov 20 03:12:00 h login[1]: FAILED LOGIN 1 FROM (null) FOR guest, "
                      "Authentication failure")
                .user,
            "guest");
  EXPECT_EQ(fields_of("<86>Nov 20 03:12:00 h login[1]: FAILED LOGIN (2) on '/dev/tty2' FOR "
                      "'UNKNOWN', User not known")
                .user,
            "");
  EXPECT_EQ(fields_of("<78>Nov 20 03:12:00 h CRON[5]: (ivan) CMD (/home/ivan/bin/sync)").user,
            "ivan");
  EXPECT_EQ(fields_of("<78>Nov 20 03:12:00 h cron[8]: (CRON) INFO (pidfile fd = 3)").user, "");
  EXPECT_EQ(fields_of("<78>Nov 20 03:12:00 h cron[8]: (*system*) RELOAD (/etc/crontab)").user, "");
}

TEST(Extract, ReadsCurrentOpenSshForms) {
  auto denied = fields_of(
      "<38>Nov 9 04:05:00 b sshd-session[4442]: User mallory from 198.51.100.82 not allowed "
      "because listed in DenyUsers");
  EXPECT_EQ(denied.user, "mallory");
  EXPECT_EQ(denied.src_ip, "198.51.100.82");
  auto reset = fields_of(
      "<38>Nov 9 04:02:32 b sshd-session[4422]: Connection reset by authenticating user admin "
      "2001:DB8::50 port 51250 [preauth]");
  EXPECT_EQ(reset.user, "admin");
  EXPECT_EQ(reset.src_ip, "2001:db8::50");
  auto break_in = fields_of(
      "<38>Dec 10 06:55:46 LabSZ sshd[24200]: reverse mapping checking getaddrinfo for "
      "ns.example.com [173.234.31.186] failed - POSSIBLE BREAK-IN ATTEMPT!");
  EXPECT_EQ(break_in.src_ip, "173.234.31.186");
  EXPECT_EQ(break_in.ips, std::vector<std::string>{"173.234.31.186"});
  EXPECT_EQ(fields_of("<38>Dec 10 06:55:46 LabSZ sshd[1]: input_userauth_request: invalid user "
                      "webmaster [preauth]")
                .user,
            "webmaster");
}

// ---- addresses ---------------------------------------------------------------------------

TEST(Extract, ListsEveryAddressOnceInOrderOfAppearance) {
  auto f = fields_of(
      "<38>Nov 20 03:12:00 b sshd[811]: Connection from 203.0.113.9 port 51234 on 192.0.2.10 "
      "port 22 rdomain \"\" (again 203.0.113.9, ::ffff:192.0.2.10)");
  EXPECT_EQ(f.src_ip, "203.0.113.9");
  EXPECT_EQ(f.ips, (std::vector<std::string>{"203.0.113.9", "192.0.2.10"}));
  auto none = fields_of("<38>Nov 20 03:12:00 b app[1]: listening on 0.0.0.0 version 1.2.3.4");
  EXPECT_TRUE(none.ips.empty());
  EXPECT_EQ(none.src_ip, "");
}

TEST(Extract, KeepsTheOriginAddressAsTheSenderNeverAsTheClient) {
  auto f = fields_of(
      "<134>1 2026-11-20T03:40:00Z app03 sshd 5001 - [origin ip=\"10.0.7.5\" ip=\"2001:DB8::5\" "
      "software=\"rsyslogd\"] Accepted password for paul from 198.51.100.100 port 50100 ssh2");
  EXPECT_EQ(f.origin_ip, "10.0.7.5");
  EXPECT_EQ(f.src_ip, "198.51.100.100");
  EXPECT_EQ(f.user, "paul");
  EXPECT_EQ(f.ips, (std::vector<std::string>{"10.0.7.5", "2001:db8::5", "198.51.100.100"}));
  auto only_origin = fields_of("<134>1 - h app - - [origin ip=\"10.0.7.5\"] nothing else");
  EXPECT_EQ(only_origin.origin_ip, "10.0.7.5");
  EXPECT_EQ(only_origin.src_ip, "");
}

TEST(Extract, KeepsAtMost64AddressesOfALineOfAddresses) {
  std::string line = "<13>1 - h app - - -";
  for (int i = 0; i < 300; ++i)
    line += " 10.0." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1);
  auto f = fields_of(line);
  ASSERT_EQ(f.ips.size(), 64u);
  EXPECT_EQ(f.ips.front(), "10.0.0.1");
  EXPECT_EQ(f.ips.back(), "10.0.0.64");
}

TEST(Extract, ReadsMalformedLinesFromWhereTheirTextStarts) {
  // Without PRI (an archive sent as it is), and with a VERSION other than 1.
  auto raw = fields_of("Dec 10 07:07:38 LabSZ sshd[24206]: Invalid user test9 from 52.80.34.196");
  EXPECT_EQ(raw.user, "test9");
  EXPECT_EQ(raw.src_ip, "52.80.34.196");
  EXPECT_EQ(raw.action, "invalid_user");
  auto v2 = fields_of(
      "<38>2 2026-11-20T03:00:00Z h sshd 1 - - Failed password for root from "
      "192.0.2.9 port 4 ssh2");
  EXPECT_EQ(v2.user, "root");
  EXPECT_EQ(v2.src_ip, "192.0.2.9");
  // The header's host is not an address the text names.
  auto host = fields_of("Nov 20 03:12:00 10.0.0.5 sshd[1]: Invalid user x from 192.0.2.1");
  EXPECT_EQ(host.ips, std::vector<std::string>{"192.0.2.1"});
}

// ---- web access logs ---------------------------------------------------------------------

TEST(Extract, ReadsCombinedAccessLogs) {
  auto f = fields_of(
      "<190>Nov 20 03:12:00 web01 nginx: 198.51.100.23 - dave [20/Nov/2026:03:12:00 +0900] "
      "\"POST /login HTTP/1.1\" 302 0 \"https://example.com/\" \"Mozilla/5.0 (X11; Linux "
      "x86_64)\"");
  EXPECT_EQ(f.src_ip, "198.51.100.23");
  EXPECT_EQ(f.user, "dave");
  EXPECT_EQ(f.action, "POST");
}

TEST(Extract, ReadsCommonLogsWithoutAUserAndFromIpv6Clients) {
  auto f = fields_of(
      "<190>Nov 20 03:12:00 web01 apache: 2001:db8::1f - - [20/Nov/2026:03:12:00 +0900] "
      "\"GET /index.html HTTP/1.1\" 200 5120");
  EXPECT_EQ(f.src_ip, "2001:db8::1f");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.action, "GET");
  auto junk_request = fields_of(
      "<190>Nov 20 03:12:00 web01 nginx: 203.0.113.50 - - [20/Nov/2026:03:12:00 +0900] \"-\" 400 "
      "0");
  EXPECT_EQ(junk_request.src_ip, "203.0.113.50");
  EXPECT_EQ(junk_request.action, "");
}

// ---- key=value and structured data -------------------------------------------------------

TEST(Extract, ReadsKeyValuePairsQuotedOrNot) {
  auto f = fields_of(
      "<13>1 - h app - - - action=\"export report\" user=erin, src_ip=192.0.2.44; case=REQ-7");
  EXPECT_EQ(f.action, "export report");
  EXPECT_EQ(f.user, "erin");
  EXPECT_EQ(f.src_ip, "192.0.2.44");
  EXPECT_EQ(f.case_id, "REQ-7");
}

// Found by the syslog_parse fuzz target: a 29 KB line of '=' took 1.6 s (8 s under ASan),
// every '=' searching to the end of the line for where its value ends.
TEST(Extract, ReadsALineOfEqualsSignsInLinearTime) {
  const std::string line = "<13>1 - h app - - - user=x " + std::string(1 << 18, '=') + " src_ip=192.0.2.9";
  const auto start = std::chrono::steady_clock::now();
  auto f = fields_of(line);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(f.user, "x");
  EXPECT_EQ(f.src_ip, "192.0.2.9");
  EXPECT_LT(took, std::chrono::seconds(2));  // quadratic: minutes
}

TEST(Extract, ReadsKeyValuePairsWithEmptyAndRunTogetherValues) {
  auto f = fields_of("<13>1 - h app - - - x== action=a=b user= case=\"\" ip=192.0.2.1)=");
  EXPECT_EQ(f.action, "a=b");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.case_id, "");
  EXPECT_EQ(f.src_ip, "192.0.2.1");
}

TEST(Extract, IgnoresKeysThatOnlyEndLikeKnownOnesAndValuesThatAreNotAddresses) {
  auto f = fields_of("<13>1 - h app - - - ruser=mallory logname=x ip=12:30:00 src=999.1.1.1");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.src_ip, "");
}

TEST(Extract, AcceptsEveryTextFormOfAnAddressAndNothingElse) {
  // Kept in canonical form (RFC 5952, IPv4-mapped as IPv4, no zone), so --ip matches.
  const std::pair<const char*, const char*> forms[] = {{"192.0.2.1", "192.0.2.1"},
                                                       {"0.0.0.0", "0.0.0.0"},
                                                       {"::1", "::1"},
                                                       {"::", "::"},
                                                       {"2001:db8::5", "2001:db8::5"},
                                                       {"fe80::1%eth0", "fe80::1"},
                                                       {"::ffff:198.51.100.4", "198.51.100.4"},
                                                       {"2001:db8:0:0:0:0:0:1", "2001:db8::1"}};
  for (const auto& [ip, canonical] : forms)
    EXPECT_EQ(fields_of(std::string("<13>1 - h a - - - ip=") + ip).src_ip, canonical) << ip;
  for (const char* not_ip : {"256.0.0.1", "1.2.3", "1.2.3.4.5", "01234.1.1.1", "dead:beef",
                             "1::2::3", "2001:db8:::1", "gateway.example", "12:30:00", "cafe.face"})
    EXPECT_EQ(fields_of(std::string("<13>1 - h a - - - ip=") + not_ip).src_ip, "") << not_ip;
}

TEST(Extract, KeepsCaseStateAndOutcomeForClosingEvents) {
  auto f =
      fields_of("<13>1 - hr forms - - - case=REQ-2026-0012 case_state=closed outcome=rejected");
  EXPECT_EQ(f.case_id, "REQ-2026-0012");
  EXPECT_EQ(f.extra, (Extra{{"case_state", "closed"}, {"outcome", "rejected"}}));
}

TEST(Extract, ReadsStructuredDataParamsAndTheirAliases) {
  auto f = fields_of(
      "<13>1 - h app - - [auth@32473 user=\"frank\" rhost=\"192.0.2.5\" action=\"login\" "
      "case=\"C-1\"] done");
  EXPECT_EQ(f.user, "frank");
  EXPECT_EQ(f.src_ip, "192.0.2.5");
  EXPECT_EQ(f.action, "login");
  EXPECT_EQ(f.case_id, "C-1");
}

TEST(Extract, PrefersStructuredDataOverTheMessageText) {
  auto f = fields_of(
      "<13>1 - h app - - [auth@1 user=\"frank\" ip=\"192.0.2.5\"] user=mallory ip=10.9.9.9");
  EXPECT_EQ(f.user, "frank");
  EXPECT_EQ(f.src_ip, "192.0.2.5");
}

TEST(Extract, FindsNothingInAPlainMessage) {
  // (A cron line used to stand here; cron's "(root) CMD" now names root.)
  auto f = fields_of(
      "<13>Nov 20 03:12:00 web01 systemd[1]: Started apt-daily.service - Daily apt download "
      "activities, 2.3.4 ok.");
  EXPECT_EQ(f.user, "");
  EXPECT_EQ(f.src_ip, "");
  EXPECT_EQ(f.action, "");
  EXPECT_EQ(f.case_id, "");
  EXPECT_TRUE(f.extra.empty());
  EXPECT_EQ(f.target_user, "");
  EXPECT_EQ(f.origin_ip, "");
  EXPECT_TRUE(f.ips.empty());
}

// ---- [[extract]] rules -------------------------------------------------------------------

const std::vector<ExtractRule> kVpn{
    {"vpn", "openvpn",
     R"((?P<src_ip>[0-9.]+):\d+ \[(?P<user>[^\]]+)\] Peer (?P<event>\w+) (?P<detail>\w+))"}};

TEST(Extract, AppliesConfiguredRulesWithNamedGroups) {
  auto f = fields_of(
      "<13>Nov 20 03:12:00 gw openvpn[5]: 192.0.2.9:1194 [grace] Peer Connection Initiated", kVpn);
  EXPECT_EQ(f.user, "grace");
  EXPECT_EQ(f.src_ip, "192.0.2.9");
  // Other names go to extra, in the order they appear in the pattern.
  EXPECT_EQ(f.extra, (Extra{{"event", "Connection"}, {"detail", "Initiated"}}));
}

TEST(Extract, AppliesARuleOnlyToItsApp) {
  auto f = fields_of(
      "<13>Nov 20 03:12:00 gw other: 192.0.2.9:1194 [grace] Peer Connection Initiated", kVpn);
  EXPECT_EQ(f.user, "");
  EXPECT_TRUE(f.extra.empty());
}

TEST(Extract, LetsRulesFillOnlyWhatTheBuiltInsLeftEmpty) {
  std::vector<ExtractRule> rules{{"who", "", R"(for (?P<user>\w+) by (?P<action>\w+))"}};
  auto f = fields_of(
      "<38>Nov 20 03:12:00 web01 sshd[811]: Accepted password for alice from 192.0.2.7 port 22 "
      "ssh2 for mallory by hand",
      rules);
  EXPECT_EQ(f.user, "alice");
  EXPECT_EQ(f.action, "login");
}

TEST(Extract, MapsOnlyTheFourFieldNamesFromRules) {
  std::vector<ExtractRule> rules{{"names", "", R"(ip=(?P<ip>\S+) case (?P<case>\S+))"}};
  auto f = fields_of("<13>1 - h app - - - note ip=x case C-9", rules);
  EXPECT_EQ(f.case_id, "C-9");
  EXPECT_EQ(f.src_ip, "");
  EXPECT_EQ(f.extra, (Extra{{"ip", "x"}}));
}

TEST(Extract, SkipsGroupsThatTookNoPartInTheMatch) {
  std::vector<ExtractRule> rules{{"either", "", R"(user (?P<user>\w+)|case (?P<case>[\w-]+))"}};
  auto f = fields_of("<13>1 - h app - - - closing case C-3", rules);
  EXPECT_EQ(f.case_id, "C-3");
  EXPECT_EQ(f.user, "");
}

TEST(Extract, RunsRulesWithManyGroups) {
  std::string pattern;
  for (int i = 0; i < 20; ++i) pattern += "(\\w)";
  pattern += " (?P<user>\\w+)";
  auto f = fields_of("<13>1 - h app - - - abcdefghijklmnopqrst zoe", {{"wide", "", pattern}});
  EXPECT_EQ(f.user, "zoe");
}

TEST(Extract, RefusesABadPatternNamingTheRuleAndRe2sReason) {
  auto bad = Extractor::create({{"broken", "", "(?P<user>unclosed"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
  EXPECT_EQ(bad.error().message,
            "extract rule \"broken\": bad pattern: missing ): (?P<user>unclosed");
}

TEST(Extract, RefusesAPatternWithoutNamedGroups) {
  auto plain = Extractor::create({{"plain", "", "(no) names"}});
  ASSERT_FALSE(plain);
  EXPECT_NE(plain.error().message.find("\"plain\""), std::string::npos);
  EXPECT_NE(plain.error().message.find("no named group"), std::string::npos);
}

}  // namespace
}  // namespace hokan::syslog
