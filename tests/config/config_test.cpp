#include "config/config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>

namespace hokan::config {
namespace {

using Errors = std::vector<std::string>;

Errors errors_of(std::string_view toml) { return load_string(toml, "t.toml").errors; }

std::shared_ptr<const Config> loaded(std::string_view toml) {
  auto result = load_string(toml, "t.toml");
  EXPECT_TRUE(result.errors.empty()) << result.errors.front();
  return result.config;
}

const std::string kReference = HOKAN_SOURCE_DIR "/conf/hokan.toml";

// --- The shipped files --------------------------------------------------------------

TEST(ConfigFiles, TheShippedReferenceFileLoads) {
  auto result = load_file(kReference);
  ASSERT_TRUE(result.config) << result.errors.front();
  const Config& c = *result.config;
  EXPECT_EQ(c.source_name, kReference);
  EXPECT_EQ(c.daemon.state_dir, "/var/lib/hokan");
  EXPECT_EQ(c.daemon.timezone, "Asia/Tokyo");
  EXPECT_EQ(c.zone->name(), "Asia/Tokyo");
  EXPECT_EQ(c.listen.udp, Errors{"127.0.0.1:5514"});
  EXPECT_EQ(c.listen.tcp, Errors{"127.0.0.1:5514"});
  EXPECT_EQ(c.listen.http, "127.0.0.1:5580");
  EXPECT_EQ(c.listen.control, "/run/hokan/hokan.sock");
  EXPECT_EQ(c.listen.control_mode, 0660u);
  EXPECT_EQ(c.storage.sync, Config::Storage::Sync::batch);
  EXPECT_EQ(c.storage.max_object_bytes, 1ull << 30);
  EXPECT_EQ(c.purge.schedule.minute_of_day, 3 * 60);
  EXPECT_EQ(c.ledger.retention.text, "10y");
  EXPECT_EQ(c.audit.retention.text, "3y");
  EXPECT_EQ(c.default_category, "operation");
}

TEST(ConfigFiles, TheReferenceHoldsTheCategoriesOfTheDesign) {
  auto c = load_file(kReference).config;
  ASSERT_TRUE(c);
  const Category* access = c->find_category("access");
  ASSERT_NE(access, nullptr);
  EXPECT_EQ(access->retention->text, "365d");
  EXPECT_EQ(access->match.facility, (std::vector<int>{4, 10}));
  EXPECT_EQ(access->match.app, (Errors{"sshd", "sudo", "nginx"}));
  EXPECT_TRUE(access->match.source.empty());
  EXPECT_TRUE(access->match.regex.empty());
  EXPECT_FALSE(access->disclosable);
  ASSERT_NE(c->find_category("operation"), nullptr);
  EXPECT_EQ(c->find_category("operation")->kind, Category::Kind::event);
  const Category* cctv = c->find_category("cctv");
  EXPECT_EQ(cctv->kind, Category::Kind::object);
  EXPECT_EQ(cctv->retention->text, "30d");
  EXPECT_EQ(cctv->retention_by_camera.at("vault-door").count, 90);
  const Category* request = c->find_category("disclosure_request");
  EXPECT_EQ(request->starts, Category::Starts::case_closed);
  EXPECT_EQ(request->retention->unit, Period::Unit::years);
  const Category* applicant = c->find_category("applicant");
  EXPECT_FALSE(applicant->retention);
  EXPECT_EQ(applicant->retention_by_outcome.at("rejected").text, "0d");
  EXPECT_EQ(applicant->retention_by_outcome.at("hired").text, "5y");
  EXPECT_EQ(applicant->retention_by_outcome.at("default").text, "1y");
  ASSERT_EQ(c->roles.size(), 1u);
  EXPECT_EQ(c->roles[0].categories, Errors{"*"});
  ASSERT_EQ(c->extracts.size(), 1u);
  EXPECT_EQ(c->extracts[0].app, "openvpn");
}

TEST(ConfigFiles, TheEmbeddedDefaultIsTheReferenceWithStateUnderVar) {
  std::ifstream in(kReference);
  std::stringstream reference;
  reference << in.rdbuf();
  std::string expected = reference.str();
  for (auto [from, to] :
       {std::pair{"state_dir = \"/var/lib/hokan\"", "state_dir = \"./var\""},
        std::pair{"control = \"/run/hokan/hokan.sock\"", "control = \"./var/hokan.sock\""}})
    expected.replace(expected.find(from), std::string_view(from).size(), to);
  EXPECT_EQ(embedded_default_text(), expected);

  auto c = embedded_default();
  EXPECT_EQ(c->source_name, "<embedded default>");
  EXPECT_EQ(c->daemon.state_dir, "./var");
  EXPECT_EQ(c->listen.control, "./var/hokan.sock");
  EXPECT_EQ(c->listen.udp, Errors{"127.0.0.1:5514"});
  EXPECT_EQ(c->listen.http, "127.0.0.1:5580");
  EXPECT_EQ(c->categories.size(), load_file(kReference).config->categories.size());
}

TEST(ConfigFiles, AnEmptyFileTakesTheDefaults) {
  auto c = loaded("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->daemon.state_dir, "./var");
  EXPECT_TRUE(c->listen.udp.empty());
  EXPECT_TRUE(c->listen.tcp.empty());
  EXPECT_TRUE(c->listen.http.empty());
  EXPECT_EQ(c->listen.control, "./var/hokan.sock");
  EXPECT_EQ(c->storage.sync, Config::Storage::Sync::batch);
  EXPECT_EQ(c->storage.max_message_bytes, 65536u);
  EXPECT_EQ(c->storage.clock_skew_seconds, 300);
  EXPECT_EQ(c->purge.schedule.minute_of_day, 180);
}

TEST(ConfigFiles, AMissingFileIsReportedWithItsReason) {
  EXPECT_EQ(load_file("/nonexistent/hokan.toml").errors,
            Errors{"/nonexistent/hokan.toml:1:1: cannot read the file: No such file or directory"});
}

TEST(ConfigFiles, ADirectoryIsNotReadAsAnEmptyFile) {
  EXPECT_EQ(load_file("/").errors, Errors{"/:1:1: cannot read the file: Is a directory"});
}

// --- How errors are reported --------------------------------------------------------

TEST(ConfigErrors, ABadValueNamesFileLineColumnAndKey) {
  EXPECT_EQ(errors_of("[storage]\nsync = \"sometimes\"\n"),
            Errors{"t.toml:2:8: storage.sync: expected \"always\", \"batch\" or \"none\", got "
                   "\"sometimes\""});
}

TEST(ConfigErrors, AWrongTypeSaysWhatWasExpected) {
  EXPECT_EQ(errors_of("[storage]\nsync = 1\nmax_message_bytes = \"64k\"\n"),
            (Errors{"t.toml:2:8: storage.sync: expected a string, got an integer",
                    "t.toml:3:21: storage.max_message_bytes: expected an integer from 480 to "
                    "16777216, got a string"}));
  EXPECT_EQ(errors_of("daemon = 5\n"),
            Errors{"t.toml:1:10: daemon: expected a table ([daemon]), got an integer"});
  EXPECT_EQ(errors_of("[listen]\nudp = [\"127.0.0.1:514\", 514]\n"),
            Errors{"t.toml:2:25: listen.udp[1]: expected a string, got an integer"});
  EXPECT_EQ(errors_of("[[category]]\nname = \"web\"\nretention = 30\n"),
            Errors{"t.toml:3:13: category[0].retention: expected a period such as \"365d\", got an "
                   "integer"});
}

TEST(ConfigErrors, AMissingRequiredKeyPointsAtItsTable) {
  EXPECT_EQ(errors_of("[[category]]\nretention = \"1d\"\n"),
            Errors{"t.toml:1:1: category[0].name: required"});
  EXPECT_EQ(errors_of("[listen]\ntls = [{ address = \"127.0.0.1:6514\", key = \"/dev/null\" }]\n"),
            Errors{"t.toml:2:8: listen.tls[0].cert: required"});
}

TEST(ConfigErrors, EveryErrorIsReportedInFileOrder) {
  EXPECT_EQ(
      errors_of("[storage]\n"
                "sync = \"sometimes\"\n"
                "max_message_bytes = 10\n"
                "[daemon]\n"
                "timezone = \"Mars/Olympus\"\n"
                "[[category]]\n"
                "name = \"web\"\n"
                "retention = \"10 days\"\n"
                "[[role]]\n"
                "name = \"ops\"\n"
                "users = [\"alice\"]\n"
                "categories = [\"nosuch\"]\n"),
      (Errors{
          "t.toml:2:8: storage.sync: expected \"always\", \"batch\" or \"none\", got \"sometimes\"",
          "t.toml:3:21: storage.max_message_bytes: expected 480 to 16777216, got 10",
          "t.toml:5:12: daemon.timezone: unknown time zone \"Mars/Olympus\" (no file "
          "/usr/share/zoneinfo/Mars/Olympus)",
          "t.toml:8:13: category[0].retention: bad period \"10 days\": expected a number and d, w, "
          "m or y "
          "(\"365d\", \"4w\", \"6m\", \"1y\", \"0d\")",
          "t.toml:12:15: role[0].categories[0]: no category named \"nosuch\" (a defined category, "
          "\"audit\" "
          "or \"*\")",
      }));
}

TEST(ConfigErrors, AnUnknownKeyIsRefusedWithAHintWhenOneIsClose) {
  EXPECT_EQ(errors_of("[storage]\nsyncc = \"batch\"\n"),
            Errors{"t.toml:2:1: storage.syncc: unknown key (did you mean \"sync\"?)"});
  EXPECT_EQ(errors_of("[[category]]\nname = \"web\"\nretention = \"1d\"\nretension_by_host = {}\n"),
            Errors{"t.toml:4:1: category[0].retension_by_host: unknown key (did you mean "
                   "\"retention_by_host\"?)"});
  EXPECT_EQ(errors_of("colour = 1\n"), Errors{"t.toml:1:1: colour: unknown key"});
}

TEST(ConfigErrors, ATopLevelKeyAfterATableIsExplained) {
  EXPECT_EQ(errors_of("[purge]\nschedule = \"daily 03:00\"\ndefault_category = \"web\"\n"),
            Errors{"t.toml:3:1: purge.default_category: unknown key (default_category is a "
                   "top-level key: put it "
                   "before the first [table])"});
}

TEST(ConfigErrors, ATomlSyntaxErrorKeepsItsPosition) {
  EXPECT_EQ(errors_of("[daemon]\nstate_dir = \"unterminated\n"),
            Errors{"t.toml:2:26: Error while parsing string: unescaped control characters other "
                   "than TAB (U+0009) "
                   "are explicitly prohibited"});
  EXPECT_EQ(errors_of("[daemon]\nlog_level = \"info\"\nlog_level = \"debug\"\n"),
            Errors{"t.toml:3:13: Error while parsing key-value pair: cannot redefine existing "
                   "string 'log_level'"});
}

TEST(ConfigErrors, KeysThatAreNotBareAreQuotedInThePath) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"web\"\nretention = \"1d\"\n"
                      "retention_by_host = { \"web01.example\" = \"1 day\" }\n"),
            Errors{"t.toml:4:41: category[0].retention_by_host.\"web01.example\": bad period \"1 "
                   "day\": expected a "
                   "number and d, w, m or y (\"365d\", \"4w\", \"6m\", \"1y\", \"0d\")"});
}

// --- [daemon], [listen], [storage], [purge] ------------------------------------------

TEST(ConfigDaemon, ChecksTheLogLevelAndTheTimeZone) {
  EXPECT_EQ(errors_of("[daemon]\nlog_level = \"verbose\"\n"),
            Errors{"t.toml:2:13: daemon.log_level: expected trace, debug, info, warn, error, "
                   "critical or off, got "
                   "\"verbose\""});
  auto c = loaded("[daemon]\ntimezone = \"UTC\"\n");
  EXPECT_EQ(c->zone->name(), "UTC");
}

TEST(ConfigListen, AcceptsAddressesOfBothFamiliesWithPortZero) {
  auto c = loaded(
      "[listen]\nudp = [\"127.0.0.1:0\", \"[::1]:5514\"]\ntcp = \"0.0.0.0:514\"\nhttp = \"\"\n");
  EXPECT_EQ(c->listen.udp, (Errors{"127.0.0.1:0", "[::1]:5514"}));
  EXPECT_EQ(c->listen.tcp, Errors{"0.0.0.0:514"});
  EXPECT_TRUE(c->listen.http.empty());
}

TEST(ConfigListen, RefusesBadAddresses) {
  EXPECT_EQ(
      errors_of("[listen]\n"
                "udp = [\"127.0.0.1:65536\", \"localhost:514\", \"::1:514\"]\n"
                "http = \"127.0.0.1\"\n"),
      (Errors{
          "t.toml:2:8: listen.udp[0]: bad address \"127.0.0.1:65536\": the port must be a number "
          "from 0 to "
          "65535",
          "t.toml:2:27: listen.udp[1]: bad address \"localhost:514\": \"localhost\" is not an IP "
          "address "
          "(listeners bind to addresses, not names)",
          "t.toml:2:44: listen.udp[2]: bad address \"::1:514\": an IPv6 address goes in brackets: "
          "\"[::1]:514\"",
          "t.toml:3:8: listen.http: bad address \"127.0.0.1\": expected \"IPv4:port\" or "
          "\"[IPv6]:port\" "
          "(\"127.0.0.1:5514\", \"[::1]:5514\")",
      }));
}

TEST(ConfigListen, ReadsTlsListenersAsInlineTables) {
  // Any readable file passes the loader; the listener parses the PEM at start.
  auto c = loaded(
      "[listen]\ntls = [{ address = \"[::]:6514\", cert = \"/dev/null\", key = \"/dev/null\", ca = "
      "\"/dev/null\" }]\n");
  ASSERT_EQ(c->listen.tls.size(), 1u);
  EXPECT_EQ(c->listen.tls[0].address, "[::]:6514");
  EXPECT_EQ(c->listen.tls[0].ca, "/dev/null");
  EXPECT_EQ(
      errors_of("[listen]\ntls = [{ address = \"h:1\", cert = \"/dev/null\", key = \"/dev/null\", "
                "cafile = \"x\" }]\n"),
      (Errors{"t.toml:2:20: listen.tls[0].address: bad address \"h:1\": \"h\" is not an IP address "
              "(listeners "
              "bind to addresses, not names)",
              "t.toml:2:66: listen.tls[0].cafile: unknown key"}));
}

TEST(ConfigListen, NamesTlsFilesThatCannotBeRead) {
  EXPECT_EQ(errors_of("[listen]\ntls = [{ address = \"127.0.0.1:6514\", cert = \"/nonexistent/c.pem\", "
                      "key = \"/dev/null\", ca = \"/nonexistent/ca.pem\" }]\n"),
            (Errors{"t.toml:2:45: listen.tls[0].cert: cannot read \"/nonexistent/c.pem\"",
                    "t.toml:2:91: listen.tls[0].ca: cannot read \"/nonexistent/ca.pem\""}));
}

TEST(ConfigListen, ReadsTheControlModeAsOctal) {
  EXPECT_EQ(loaded("[listen]\ncontrol_mode = \"0600\"\n")->listen.control_mode, 0600u);
  EXPECT_EQ(errors_of("[listen]\ncontrol_mode = \"0690\"\n"),
            Errors{"t.toml:2:16: listen.control_mode: expected an octal mode such as \"0660\", got "
                   "\"0690\""});
  EXPECT_EQ(errors_of("[listen]\ncontrol_mode = 660\n"),
            Errors{"t.toml:2:16: listen.control_mode: expected a string, got an integer"});
}

TEST(ConfigListen, RefusesAControlPathTooLongForAUnixSocket) {
  EXPECT_EQ(
      errors_of("[listen]\ncontrol = \"/" + std::string(107, 'x') + "\"\n"),
      Errors{"t.toml:2:11: listen.control: longer than the 107 bytes a Unix socket path may have"});
}

TEST(ConfigStorage, ReadsSizesAndTheClockSkew) {
  auto c = loaded(
      "[storage]\nsync = \"always\"\nmax_object_bytes = \"100MiB\"\nclock_skew = \"300s\"\n");
  EXPECT_EQ(c->storage.sync, Config::Storage::Sync::always);
  EXPECT_EQ(c->storage.max_object_bytes, 100ull << 20);
  EXPECT_EQ(c->storage.clock_skew_seconds, 300);
  EXPECT_EQ(loaded("[storage]\nmax_object_bytes = 4096\n")->storage.max_object_bytes, 4096u);
  EXPECT_EQ(errors_of("[storage]\nmax_object_bytes = \"-1GiB\"\nclock_skew = \"2d\"\n"),
            (Errors{"t.toml:2:20: storage.max_object_bytes: bad size \"-1GiB\": expected a number "
                    "of bytes above 0, "
                    "or KiB, MiB, GiB, TiB (\"100MiB\")",
                    "t.toml:3:14: storage.clock_skew: at most 1d: a larger skew would let a "
                    "sender's clock stretch "
                    "retention"}));
}

TEST(ConfigPurge, RefusesAnUnknownSchedule) {
  EXPECT_EQ(errors_of("[purge]\nschedule = \"weekly\"\n"),
            Errors{"t.toml:2:12: purge.schedule: bad schedule \"weekly\": expected \"daily HH:MM\" "
                   "or \"every Nh\" / "
                   "\"every Nm\""});
  EXPECT_EQ(loaded("[purge]\nschedule = \"every 15m\"\n")->purge.schedule.interval_s, 900);
}

// --- [[category]] -----------------------------------------------------------------------

TEST(ConfigCategories, ABadPeriodSaysWhichFormsAreAllowed) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
                      "retention_by_camera = { \"vault-door\" = \"3 months\" }\n"),
            Errors{"t.toml:5:40: category[0].retention_by_camera.vault-door: bad period \"3 "
                   "months\": expected a "
                   "number and d, w, m or y (\"365d\", \"4w\", \"6m\", \"1y\", \"0d\")"});
}

TEST(ConfigCategories, ADuplicateIsReportedAtItsSecondName) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"web\"\nretention = \"30d\"\n"
                      "[[category]]\nname = \"web\"\nretention = \"60d\"\n"),
            Errors{"t.toml:5:8: category[1].name: category \"web\" is defined twice"});
}

TEST(ConfigCategories, AuditIsReservedAndNamesAreChecked) {
  EXPECT_EQ(
      errors_of("[[category]]\nname = \"audit\"\nretention = \"30d\"\n"
                "[[category]]\nname = \"Web Logs\"\nretention = \"30d\"\n"),
      (Errors{"t.toml:2:8: category[0].name: \"audit\" is the built-in audit trail; set its "
              "retention in [audit]",
              "t.toml:5:8: category[1].name: expected 1 to 48 of a-z 0-9 _ -, got \"Web Logs\""}));
}

TEST(ConfigCategories, RetentionIsRequiredUnlessOutcomesDecideIt) {
  EXPECT_EQ(
      errors_of("[[category]]\nname = \"web\"\n"),
      Errors{"t.toml:1:1: category[0].retention: required (or retention_by_outcome with starts = "
             "\"case_closed\")"});
  auto c = loaded(
      "[[category]]\nname = \"applicant\"\nkind = \"object\"\nstarts = \"case_closed\"\n"
      "retention_by_outcome = { rejected = \"0d\", hired = \"5y\" }\n");
  EXPECT_EQ(c->find_category("applicant")->retention_by_outcome.size(), 2u);
  EXPECT_EQ(errors_of("[[category]]\nname = \"x\"\nretention = \"1y\"\nretention_by_outcome = { "
                      "hired = \"5y\" }\n"),
            Errors{"t.toml:4:24: category[0].retention_by_outcome: needs starts = \"case_closed\": "
                   "an outcome "
                   "exists only once a case is closed"});
}

TEST(ConfigCategories, KindAndStartsTakeOnlyTheirWords) {
  EXPECT_EQ(
      errors_of(
          "[[category]]\nname = \"x\"\nretention = \"1y\"\nkind = \"file\"\nstarts = \"closed\"\n"),
      (Errors{"t.toml:4:8: category[0].kind: expected \"event\" or \"object\", got \"file\"",
              "t.toml:5:10: category[0].starts: expected \"event_time\" or \"case_closed\", got "
              "\"closed\""}));
}

TEST(ConfigCategories, MatchReadsNamesNetworksAndRegexes) {
  auto c = loaded(
      "[[category]]\nname = \"net\"\nretention = \"90d\"\n"
      "match = { facility = \"local7\", severity = [\"err\", \"warning\"], host = [\"fw1\"], msgid "
      "= [\"DROP\"], "
      "sd_id = [\"origin\"], source = [\"10.1.2.3/8\", \"2001:db8::/32\"], regex = "
      "\"denied\\\\s+from\" }\n");
  const Match& m = c->find_category("net")->match;
  EXPECT_EQ(m.facility, std::vector<int>{23});
  EXPECT_EQ(m.severity, (std::vector<int>{3, 4}));
  EXPECT_EQ(m.host, Errors{"fw1"});
  ASSERT_EQ(m.source.size(), 2u);
  EXPECT_EQ(m.source[0].bytes[1], 0) << "host bits are cleared";
  EXPECT_TRUE(m.source[1].v6);
  EXPECT_EQ(m.regex, "denied\\s+from");
}

TEST(ConfigCategories, ABadCidrIsReportedAtItsElement) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"net\"\nretention = \"90d\"\n"
                      "match = { source = [\"10.0.0.0/8\", \"10.0.0.0/33\", \"fw1\"] }\n"),
            (Errors{"t.toml:4:35: category[0].match.source[1]: bad network \"10.0.0.0/33\": the "
                    "prefix length must "
                    "be 0 to 32",
                    "t.toml:4:50: category[0].match.source[2]: bad network \"fw1\": not an IPv4 or "
                    "IPv6 address"}));
}

TEST(ConfigCategories, UnknownFacilitiesSeveritiesAndBadRegexesAreRefused) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"x\"\nretention = \"1d\"\n"
                      "match = { facility = [\"auth\", \"local8\"], severity = \"warn\", regex = "
                      "\"(unclosed\" }\n"),
            (Errors{"t.toml:4:31: category[0].match.facility[1]: unknown facility \"local8\" (kern "
                    "user mail daemon "
                    "auth syslog lpr news uucp cron authpriv ftp ntp security console solaris-cron "
                    "local0..local7)",
                    "t.toml:4:69: category[0].match.regex: bad regex: missing ): (unclosed"}));
}

TEST(ConfigCategories, ObjectCategoriesDoNotMatch) {
  EXPECT_EQ(errors_of("[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
                      "match = { app = [\"nvr\"] }\n"),
            Errors{"t.toml:5:9: category[0].match: only event categories match; objects name their "
                   "category in "
                   "PUT /v1/objects/{category}/..."});
}

TEST(ConfigCategories, AnUndeclaredDefaultCategoryIsAYearOfEvents) {
  auto c = loaded("default_category = \"misc\"\n");
  const Category* misc = c->find_category("misc");
  ASSERT_NE(misc, nullptr);
  EXPECT_EQ(misc->kind, Category::Kind::event);
  EXPECT_EQ(misc->retention->text, "365d");
}

TEST(ConfigCategories, TheDefaultCategoryMustTakeEvents) {
  EXPECT_EQ(
      errors_of("default_category = \"cctv\"\n[[category]]\nname = \"cctv\"\nkind = \"object\"\n"
                "retention = \"30d\"\n"),
      Errors{"t.toml:1:20: default_category: \"cctv\" is an object category; events need an event "
             "category"});
  EXPECT_EQ(errors_of("default_category = \"audit\"\n"),
            Errors{"t.toml:1:20: default_category: \"audit\" is the built-in audit trail; events "
                   "cannot go there"});
}

// --- [[role]], [[extract]], [[sender]] ---------------------------------------------------

TEST(ConfigRoles, ChecksActionsCategoriesAndWhoTheyAreFor) {
  EXPECT_EQ(
      errors_of("[[role]]\nname = \"sec\"\nusers = [\"alice\"]\nactions = [\"query\", \"fly\"]\n"
                "categories = [\"nosuch\", \"audit\", \"*\"]\n"
                "[[role]]\nname = \"sec\"\nactions = [\"query\"]\n"),
      (Errors{
          "t.toml:4:21: role[0].actions[1]: unknown action \"fly\" (query export hold erase purge "
          "admin)",
          "t.toml:5:15: role[0].categories[0]: no category named \"nosuch\" (a defined category, "
          "\"audit\" or \"*\")",
          "t.toml:6:1: role[1]: a role needs users or groups",
          "t.toml:7:8: role[1].name: role \"sec\" is defined twice"}));
}

TEST(ConfigRoles, MayNameTheImplicitDefaultCategory) {
  auto c = loaded(
      "[[role]]\nname = \"ops\"\ngroups = [\"ops\"]\nactions = [\"query\"]\ncategories = "
      "[\"operation\"]\n");
  EXPECT_EQ(c->roles[0].groups, Errors{"ops"});
}

TEST(ConfigExtract, NeedsAPatternWithANamedGroup) {
  EXPECT_EQ(
      errors_of(
          "[[extract]]\nname = \"a\"\npattern = \"user (\\\\w+)\"\n[[extract]]\nname = \"b\"\n"),
      (Errors{"t.toml:3:11: extract[0].pattern: no named group such as (?P<user>\\w+): nothing to "
              "extract",
              "t.toml:4:1: extract[1].pattern: required"}));
  auto c = loaded("[[extract]]\npattern = 'user (?P<user>\\w+)'\n");
  EXPECT_EQ(c->extracts[0].name, "extract[0]");
}

TEST(ConfigSenders, KeepOnlyTokenHashesForObjectCategories) {
  const std::string hash(64, 'A');
  auto c = loaded(
      "[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
      "[[sender]]\nname = \"nvr\"\ntoken_sha256 = \"" +
      hash + "\"\ncategories = [\"cctv\"]\n");
  EXPECT_EQ(c->senders[0].token_sha256, std::string(64, 'a'));
  EXPECT_EQ(errors_of("[[sender]]\nname = \"nvr\"\ntoken_sha256 = \"secret-token\"\ncategories = "
                      "[\"operation\"]\n"
                      "[[sender]]\nname = \"scanner\"\n"),
            (Errors{"t.toml:3:16: sender[0].token_sha256: expected 64 hex digits: the SHA-256 of "
                    "the token (printf "
                    "%s TOKEN | sha256sum), never the token",
                    "t.toml:4:15: sender[0].categories[0]: \"operation\" is an event category; "
                    "senders upload objects",
                    "t.toml:5:1: sender[1].token_sha256: required"}));
}

TEST(ConfigSenders, EachNeedsItsOwnToken) {
  const std::string hash(64, 'b');
  EXPECT_EQ(errors_of("[[sender]]\nname = \"a\"\ntoken_sha256 = \"" + hash +
                      "\"\n[[sender]]\nname = \"b\"\n"
                      "token_sha256 = \"" +
                      hash + "\"\n"),
            Errors{"t.toml:6:16: sender[1].token_sha256: the same token as another sender: each "
                   "sender needs its "
                   "own"});
}

TEST(ConfigSenders, MayNameTheCameraTheirUploadsAreOf) {
  const std::string hash(64, 'c');
  auto c = loaded("[[sender]]\nname = \"door\"\ntoken_sha256 = \"" + hash + "\"\ncamera = \"door-2\"\n");
  EXPECT_EQ(c->senders[0].camera, "door-2");
  EXPECT_EQ(errors_of("[[sender]]\nname = \"door\"\ntoken_sha256 = \"" + hash + "\"\ncamera = \"\"\n"),
            Errors{"t.toml:4:10: sender[0].camera: expected 1 to 256 bytes without control characters"});
}

// --- What object names say ------------------------------------------------------------

TEST(ConfigObjectNames, ReadsNamePatternsAndPlaylistRules) {
  auto c = loaded(
      "[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
      "name_time = \"%Y%m%dT%H%M%S\"\nname_camera = \"{camera}-\"\nreplace = [\"*.m3u8\"]\n"
      "[[category]]\nname = \"docs\"\nkind = \"object\"\nretention = \"1y\"\nignore = []\n");
  const Category* cctv = c->find_category("cctv");
  ASSERT_TRUE(cctv->name_time);
  EXPECT_EQ(cctv->name_time->text(), "%Y%m%dT%H%M%S");
  EXPECT_EQ(cctv->name_camera->find("cam1-20261120T030000.ts"), "cam1");
  EXPECT_EQ(cctv->replace, Errors{"*.m3u8"});
  EXPECT_EQ(cctv->ignore, (Errors{"*.m3u8", "*.mpd"})) << "playlists are ignored unless told otherwise";
  const Category* docs = c->find_category("docs");
  EXPECT_FALSE(docs->name_time);
  EXPECT_FALSE(docs->name_camera);
  EXPECT_TRUE(docs->ignore.empty());
  EXPECT_TRUE(c->find_category("operation")->ignore.empty()) << "events have no names to ignore";
}

TEST(ConfigObjectNames, BadPatternsAndEventCategoriesAreRefused) {
  EXPECT_EQ(
      errors_of("[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
                "name_time = \"%Y%m%d %H%M\"\nname_camera = \"camera-\"\nreplace = [\"a b\", \"*.m3u8\"]\n"
                "ignore = [\"*.m3u8\"]\n"
                "[[category]]\nname = \"web\"\nretention = \"30d\"\nname_time = \"%Y%m%d\"\n"),
      (Errors{"t.toml:5:13: category[0].name_time: bad time pattern \"%Y%m%d %H%M\": \" \" cannot appear in an "
              "object name (1 to 200 of A-Z a-z 0-9 . _ - +)",
              "t.toml:6:15: category[0].name_camera: bad camera pattern \"camera-\": expected {camera} and the "
              "separator after it, such as \"{camera}-\"",
              "t.toml:7:12: category[0].replace[0]: bad name pattern \"a b\": \" \" cannot appear in an object name "
              "(1 to 200 of A-Z a-z 0-9 . _ - +); * and ? are wildcards",
              "t.toml:8:10: category[0].ignore: \"*.m3u8\" is in replace too: a name is replaced or ignored",
              "t.toml:12:13: category[1].name_time: only object categories have names; events are read from their "
              "message"}));
}

// --- Robustness ------------------------------------------------------------------------

// A reload runs inside the daemon: whatever the file holds, the loader must answer with
// a config or with positioned errors, never throw.
TEST(ConfigRobustness, MangledReferenceFilesGiveErrorsNeverExceptions) {
  std::ifstream in(kReference);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string reference = buffer.str();
  std::mt19937 random(20261120);
  for (int round = 0; round < 500; ++round) {
    std::string text = reference;
    const int edits = 1 + static_cast<int>(random() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % text.size();
      switch (random() % 3) {
        case 0:
          text[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          text.erase(at, 1 + random() % 8);
          break;
        default:
          text.resize(at);
          break;
      }
      if (text.empty()) text = "x";
    }
    LoadResult result;
    ASSERT_NO_THROW(result = load_string(text, "t.toml")) << text;
    ASSERT_NE(result.config == nullptr, result.errors.empty());
    for (const auto& error : result.errors) ASSERT_TRUE(error.starts_with("t.toml:")) << error;
  }
}

// --- Value parsers ---------------------------------------------------------------------

TEST(ConfigValues, ParsesPeriods) {
  EXPECT_EQ(parse_period("365d")->count, 365);
  EXPECT_EQ(parse_period("4w")->unit, Period::Unit::weeks);
  EXPECT_EQ(parse_period("6m")->unit, Period::Unit::months);
  EXPECT_EQ(parse_period("1y")->unit, Period::Unit::years);
  EXPECT_EQ(parse_period("0d")->count, 0);
  EXPECT_EQ(parse_period("90d")->text, "90d");
  for (auto bad : {"", "d", "1 y", "-1d", "+1d", "1h", "1.5y", "100001d"})
    EXPECT_FALSE(parse_period(bad)) << bad;
}

TEST(ConfigValues, ParsesSchedules) {
  EXPECT_EQ(parse_schedule("daily 03:00")->minute_of_day, 180);
  EXPECT_EQ(parse_schedule("daily 23:59")->minute_of_day, 23 * 60 + 59);
  EXPECT_EQ(parse_schedule("every 6h")->interval_s, 6 * 3600);
  EXPECT_EQ(parse_schedule("every 15m")->kind, Schedule::Kind::every);
  for (auto bad : {"daily 24:00", "daily 3:00", "daily -1:00", "daily 03:0x", "every 0h",
                   "every 25h", "every 6", "weekly"})
    EXPECT_FALSE(parse_schedule(bad)) << bad;
}

TEST(ConfigValues, ParsesDurationsAndSizes) {
  EXPECT_EQ(*parse_duration_seconds("5min"), 300);
  EXPECT_EQ(*parse_duration_seconds("300s"), 300);
  EXPECT_EQ(*parse_duration_seconds("1h"), 3600);
  EXPECT_FALSE(parse_duration_seconds("5 parsecs"));
  EXPECT_FALSE(parse_duration_seconds("min"));
  EXPECT_EQ(*parse_byte_size("1GiB"), 1ull << 30);
  EXPECT_EQ(*parse_byte_size("4096"), 4096u);
  for (auto bad : {"", "0", "1GB", "-1GiB", " 1GiB", "99999999999999999999TiB"})
    EXPECT_FALSE(parse_byte_size(bad)) << bad;
}

TEST(ConfigValues, ParsesCidrNetworksOfBothFamilies) {
  auto v4 = parse_network("192.168.10.0/24");
  ASSERT_TRUE(v4);
  EXPECT_FALSE(v4->v6);
  EXPECT_EQ(v4->prefix, 24);
  EXPECT_EQ(v4->bytes[2], 10);
  auto v6 = parse_network("2001:db8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->v6);
  EXPECT_EQ(v6->bytes[2], 0x0d);
  EXPECT_EQ(parse_network("192.0.2.7")->prefix, 32);
  EXPECT_EQ(parse_network("10.200.3.4/12")->bytes[1], 0xc0);
  EXPECT_EQ(parse_network("10.200.3.4/12")->text, "10.200.3.4/12");
  for (auto bad :
       {"2001:db8::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8x", "not-an-ip", "10.0.0/8"})
    EXPECT_FALSE(parse_network(bad)) << bad;
}

TEST(ConfigValues, ChecksListenAddresses) {
  for (auto good : {"127.0.0.1:5514", "0.0.0.0:0", "[::1]:65535", "[::]:514"})
    EXPECT_TRUE(check_address(good)) << good;
  for (auto bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", ":514", "[::1]", "[::1]514",
                   "[x]:1", "::1:514", "example.com:514", "127.0.0.1:-1"})
    EXPECT_FALSE(check_address(bad)) << bad;
}

// --- [remote] -------------------------------------------------------------------------

namespace remote_section {

std::string credentials(const std::string& text, mode_t mode) {
  std::string path = "/tmp/hokan-remote-creds-" + std::to_string(std::random_device{}()) + ".toml";
  std::ofstream(path) << text;
  ::chmod(path.c_str(), mode);
  return path;
}

std::string config_with(const std::string& creds, const std::string& categories = "[\"cctv\"]") {
  return "[remote]\nendpoint = \"http://127.0.0.1:7480\"\ncredentials_file = \"" + creds +
         "\"\nkeep_local = \"2h\"\ncategories = " + categories +
         "\n[[category]]\nname = \"cctv\"\nkind = \"object\"\nretention = \"30d\"\n"
         "[[category]]\nname = \"access\"\nretention = \"1y\"\n";
}

TEST(ConfigRemote, ReadsTheStoreTheKeysAndTheCategories) {
  auto creds = credentials("access_key = \"AK\"\nsecret_key = \"SK\"\n", 0600);
  auto c = loaded(config_with(creds));
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->remote.enabled);
  EXPECT_EQ(c->remote.endpoint, "http://127.0.0.1:7480");
  EXPECT_EQ(c->remote.access_key, "AK");
  EXPECT_EQ(c->remote.secret_key, "SK");
  EXPECT_EQ(c->remote.keep_local_seconds, 7200);
  EXPECT_EQ(c->remote.categories, Errors{"cctv"});
  EXPECT_EQ(c->remote.bucket_prefix, "hokan-");
  ::unlink(creds.c_str());
  EXPECT_FALSE(loaded("")->remote.enabled);
}

TEST(ConfigRemote, RefusesCredentialsOthersCanReadNamingTheFileAndMode) {
  auto creds = credentials("access_key = \"AK\"\nsecret_key = \"SK\"\n", 0644);
  auto e = errors_of(config_with(creds));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("remote.credentials_file"), std::string::npos) << e[0];
  EXPECT_NE(e[0].find("mode 0644"), std::string::npos) << e[0];
  EXPECT_NE(e[0].find("0600"), std::string::npos) << e[0];
  ::unlink(creds.c_str());
}

TEST(ConfigRemote, RefusesMissingKeysEventCategoriesAndBadEndpoints) {
  auto creds = credentials("access_key = \"AK\"\n", 0600);
  auto e = errors_of(config_with(creds));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("secret_key missing"), std::string::npos) << e[0];
  ::unlink(creds.c_str());
  creds = credentials("access_key = \"AK\"\nsecret_key = \"SK\"\n", 0600);
  e = errors_of(config_with(creds, "[\"access\", \"nothing\"]"));
  ASSERT_EQ(e.size(), 2u);
  EXPECT_NE(e[0].find("remote.categories[0]: \"access\" is an event category"), std::string::npos) << e[0];
  EXPECT_NE(e[1].find("no category named \"nothing\""), std::string::npos) << e[1];
  std::string bad = config_with(creds);
  bad.replace(bad.find("http://"), 7, "ftp://");
  e = errors_of(bad);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("remote.endpoint"), std::string::npos) << e[0];
  ::unlink(creds.c_str());
}

}  // namespace remote_section

}  // namespace
}  // namespace hokan::config
