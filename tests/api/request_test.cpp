#include "api/request.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>

namespace hokan::api {
namespace {
using nlohmann::json;

// A valid request of every op, with every field it takes.
const std::map<std::string, json>& full_requests() {
  static const std::map<std::string, json> all = {
      {"query",
       {{"op", "query"}, {"purpose", "INC-1"}, {"since", "-2h"}, {"until", "now"}, {"category", {"access"}},
        {"host", {"web01"}}, {"app", {"sshd"}}, {"user", {"alice"}}, {"ip", {"192.0.2.7"}}, {"grep", "Failed"},
        {"limit", 10}, {"reverse", true}, {"count", false}, {"follow", false}}},
      {"export",
       {{"op", "export"}, {"purpose", "LOAD-1"}, {"since", "-2h"}, {"until", "now"}, {"category", {"access"}},
        {"host", {"web01"}}, {"app", {"sshd"}}, {"user", {"alice"}}, {"ip", {"192.0.2.7"}}, {"regex", "a+"},
        {"limit", 10}, {"reverse", false}, {"anonymize", true}, {"key_hex", "00112233445566778899aabbccddeeff"}}},
      {"status", {{"op", "status"}}},
      {"categories", {{"op", "categories"}}},
      {"purge", {{"op", "purge"}, {"dry_run", true}, {"category", {"access"}}}},
      {"case_close", {{"op", "case_close"}, {"id", "REQ-1"}, {"reason", "answered"}, {"outcome", "rejected"}}},
      {"case_list", {{"op", "case_list"}, {"which", "open"}}},
      {"hold_place",
       {{"op", "hold_place"}, {"name", "lit-1"}, {"reason", "court order"}, {"category", {"access"}},
        {"host", {"web01"}}, {"camera", {"door"}}, {"user", {"alice"}}, {"ip", {"192.0.2.7"}}, {"case", {"REQ-1"}},
        {"since", "2026-01-01"}, {"until", "now"}, {"filter_text", "--user alice"}}},
      {"hold_release", {{"op", "hold_release"}, {"name", "lit-1"}, {"reason", "settled"}}},
      {"hold_list", {{"op", "hold_list"}}},
      {"ledger", {{"op", "ledger"}, {"since", "-30d"}}},
      {"verify", {{"op", "verify"}, {"category", {"access"}}, {"since", "-1d"}, {"until", "now"}}},
      {"subject_find", {{"op", "subject_find"}, {"purpose", "REQ-7"}, {"user", {"alice"}}}},
      {"subject_erase", {{"op", "subject_erase"}, {"reason", "REQ-8"}, {"ip", {"192.0.2.7"}}, {"category", {"web"}}}},
      {"object_list",
       {{"op", "object_list"}, {"purpose", "INC-2"}, {"category", "cctv"}, {"camera", {"door"}}, {"since", "-1d"},
        {"until", "now"}}},
      {"object_get", {{"op", "object_get"}, {"purpose", "INC-2"}, {"category", "cctv"}, {"name", "seg-1.ts"}}},
  };
  return all;
}

Result<Request> decode(const json& j) { return decode_request(j.dump()); }

TEST(RequestDecode, EveryOpDecodesWithEveryFieldItTakes) {
  ASSERT_EQ(full_requests().size(), request_ops().size()) << "a request op has no full example here";
  for (auto op : request_ops()) {
    auto it = full_requests().find(std::string(op));
    ASSERT_NE(it, full_requests().end()) << op;
    auto r = decode(it->second);
    EXPECT_TRUE(r) << op << ": " << r.error().message;
    if (r) {
      EXPECT_EQ(r->op, op);
    }
  }
}

// A value of another JSON type than the field's, for each kind of field.
std::vector<json> wrong_values_for(const json& right) {
  std::vector<json> all = {json(5), json(-1), json(1.5), json(true), json("x"), json::array({1}), json::object()};
  std::vector<json> out;
  for (auto& v : all) {
    if (right.is_string() && v.is_string()) continue;
    if (right.is_boolean() && v.is_boolean()) continue;
    if (right.is_number() && v.is_number_integer() && v.get<int64_t>() >= 0) continue;
    if (right.is_array() && v.is_array() && !v.empty() && v[0].is_string()) continue;
    out.push_back(v);
  }
  return out;
}

TEST(RequestDecode, EveryFieldOfEveryOpRefusesEveryWrongTypeNamingTheField) {
  int checked = 0;
  for (const auto& [op, request] : full_requests()) {
    for (const auto& [field, value] : request.items()) {
      if (field == "op") continue;
      for (const auto& wrong : wrong_values_for(value)) {
        json bad = request;
        bad[field] = wrong;
        auto r = decode(bad);
        ASSERT_FALSE(r) << op << "." << field << " = " << wrong.dump() << " was accepted";
        EXPECT_TRUE(r.error().message.starts_with(field + ":")) << op << "." << field << ": " << r.error().message;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 350);  // every field of every op, each with its wrong types
}

TEST(RequestDecode, SaysWhatTypeItExpected) {
  EXPECT_EQ(decode({{"op", "purge"}, {"dry_run", "x"}}).error().message, "dry_run: expected true or false (got a string)");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"limit", "abc"}}).error().message,
            "limit: expected a count (a whole number of 0 or more) (got a string)");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"limit", -3}}).error().message,
            "limit: expected a count of 0 or more, got -3");
  EXPECT_EQ(decode({{"op", "hold_place"}, {"name", "h"}, {"reason", "r"}, {"since", 5}}).error().message,
            "since: expected a string (got a number)");
  EXPECT_EQ(decode({{"op", "subject_erase"}, {"reason", "r"}, {"user", {"a"}}, {"category", 5}}).error().message,
            "category: expected a list of strings (got a number)");
  EXPECT_EQ(decode({{"op", "export"}, {"purpose", "p"}, {"anonymize", "yes"}}).error().message,
            "anonymize: expected true or false (got a string)");
}

// Issue 13: addresses are read and made canonical at the boundary; one that is not an
// address or prefix is refused with the reason, for every op that takes `ip`.
TEST(RequestDecode, ReadsAddressesAndPrefixesCanonicallyAndRefusesTheRest) {
  auto r = decode({{"op", "query"},
                   {"purpose", "p"},
                   {"ip", {"2001:DB8::AB", "::ffff:198.51.100.77", "10.1.2.3/8"}}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::get<QueryOp>(r->body).filter.ips,
            (std::vector<std::string>{"2001:db8::ab", "198.51.100.77", "10.0.0.0/8"}));
  for (const char* op : {"query", "export", "hold_place", "subject_find", "subject_erase"}) {
    json bad = full_requests().at(op);
    bad["ip"] = {"192.0.2.7", "web01"};
    if (bad.contains("user") && std::string(op).starts_with("subject")) bad.erase("user");
    auto refused = decode(bad);
    ASSERT_FALSE(refused) << op;
    EXPECT_EQ(refused.error().message, "ip: bad network \"web01\": not an IPv4 or IPv6 address")
        << op;
  }
  auto newline = decode({{"op", "query"}, {"purpose", "p"}, {"ip", {"10.0.0.1/\n8"}}});
  ASSERT_FALSE(newline);
  EXPECT_EQ(newline.error().message.find('\n'), std::string::npos);
}

// --grep looks for bytes; JSON text cannot carry bytes that are not UTF-8, so they come
// as base64.
TEST(RequestDecode, TakesAGrepNeedleAsBase64) {
  auto r = decode({{"op", "query"}, {"purpose", "p"}, {"grep_b64", "/wA="}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(std::get<QueryOp>(r->body).filter.grep, std::string("\xff\0", 2));
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"grep_b64", "/wA"}}).error().message,
            "grep_b64: expected base64 (RFC 4648, padded)");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"grep", "a"}, {"grep_b64", "YQ=="}})
                .error()
                .message,
            "grep, grep_b64: give one, not both");
  EXPECT_EQ(decode({{"op", "export"}, {"purpose", "p"}, {"regex", "a"}, {"grep_b64", "YQ=="}})
                .error()
                .message,
            "grep, regex: give one, not both");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"grep_b64", std::string(5468, 'A')}})
                .error()
                .message,
            "grep_b64: at most 5464 bytes, got 5468");
}

TEST(RequestDecode, RefusesUnknownFieldsOfEveryOp) {
  for (const auto& [op, request] : full_requests()) {
    json bad = request;
    bad["colour"] = "blue";
    auto r = decode(bad);
    ASSERT_FALSE(r) << op;
    EXPECT_EQ(r.error().message, "unknown field \"colour\" for " + op);
  }
}

TEST(RequestDecode, NullCountsAsAbsent) {
  auto r = decode({{"op", "query"}, {"purpose", "p"}, {"limit", nullptr}, {"host", nullptr}, {"reverse", nullptr}});
  ASSERT_TRUE(r) << r.error().message;
  const auto& q = std::get<QueryOp>(r->body);
  EXPECT_EQ(q.limit, 0u);
  EXPECT_TRUE(q.filter.hosts.empty());
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", nullptr}}).error().message.substr(0, 18), "purpose: required ");
}

TEST(RequestDecode, RequiresWhatEachOpNeeds) {
  EXPECT_FALSE(decode({{"op", "query"}}));
  EXPECT_FALSE(decode({{"op", "query"}, {"purpose", ""}}));
  EXPECT_FALSE(decode({{"op", "hold_place"}, {"name", "h"}}));
  EXPECT_FALSE(decode({{"op", "hold_release"}, {"reason", "r"}}));
  EXPECT_FALSE(decode({{"op", "case_close"}, {"id", "C"}}));
  EXPECT_FALSE(decode({{"op", "object_get"}, {"purpose", "p"}, {"category", "cctv"}}));
  EXPECT_FALSE(decode({{"op", "subject_find"}, {"purpose", "p"}}));
  EXPECT_FALSE(decode({{"op", "subject_find"}, {"purpose", "p"}, {"user", {"a"}}, {"ip", {"1.2.3.4"}}}));
  EXPECT_FALSE(decode({{"op", "export"}, {"purpose", "p"}, {"anonymize", true}}));
  EXPECT_FALSE(decode({{"op", "export"}, {"purpose", "p"}, {"key_hex", "0011"}}));
  EXPECT_EQ(decode({{"op", "export"}, {"purpose", "p"}, {"anonymize", true}, {"key_hex", "zzzz"}}).error().message,
            "key_hex: expected hex digits, got \"z\"");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"grep", "a"}, {"regex", "b"}}).error().message,
            "grep, regex: give one, not both");
  EXPECT_EQ(decode({{"op", "case_list"}, {"which", "half"}}).error().message,
            "which: expected one of \"all\", \"open\", \"closed\", got \"half\"");
}

TEST(RequestDecode, RefusesWhatIsNotARequest) {
  EXPECT_EQ(decode_request("not json").error().message, "request: not valid JSON (UTF-8)");
  EXPECT_EQ(decode_request("[1,2]").error().message, "request: expected a JSON object");
  EXPECT_EQ(decode_request("{\"op\":\"query\",\"purpose\":\"\xff\"}").error().message,
            "request: not valid JSON (UTF-8)");
  EXPECT_EQ(decode(json::object()).error().message, "op: required");
  EXPECT_EQ(decode({{"op", 7}}).error().message, "op: expected a string (got a number)");
  EXPECT_EQ(decode({{"op", "drop_everything"}}).error().message, "op: unknown command \"drop_everything\"");
}

TEST(RequestDecode, QuotesWhatWasSentOnOneLine) {
  // A refusal is one line (the audit trail and hokanctl print it so), whatever was sent.
  EXPECT_EQ(decode({{"op", "export"}, {"purpose", "p"}, {"\nonymizt", "yes"}}).error().message,
            "unknown field \"\\nonymizt\" for export");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"ip", {"1.2.3.4\n"}}}).error().message,
            "ip: bad network \"1.2.3.4\\n\": not an IPv4 or IPv6 address");
  EXPECT_EQ(decode({{"op", std::string(40, 'x') + "\r"}}).error().message,
            "op: unknown command \"" + std::string(32, 'x') + "\"...");
}

TEST(RequestDecode, RefusesDeepNestingBeforeBuildingATree) {
  std::string deep = "{\"op\":\"query\",\"purpose\":\"p\",\"host\":" + std::string(100'000, '[') +
                     std::string(100'000, ']') + "}";
  EXPECT_EQ(decode_request(deep).error().message, "request: nested deeper than 3 levels");
  // Brackets inside strings are text, not nesting.
  auto r = decode({{"op", "query"}, {"purpose", std::string(200, '[')}});
  EXPECT_TRUE(r) << r.error().message;
}

TEST(RequestDecode, BoundsEveryFieldsSize) {
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"grep", std::string(5000, 'x')}}).error().message,
            "grep: at most 4096 bytes, got 5000");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", std::string(600, 'p')}}).error().message,
            "purpose: at most 512 bytes, got 600");
  json many = json::array();
  for (int i = 0; i < 1001; ++i) many.push_back("u" + std::to_string(i));
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"user", many}}).error().message,
            "user: at most 1000 values, got 1001");
  EXPECT_EQ(decode({{"op", "query"}, {"purpose", "p"}, {"user", {std::string(300, 'u')}}}).error().message,
            "user: each value at most 256 bytes, got 300");
  EXPECT_EQ(decode_request(std::string(kMaxRequestBytes + 1, ' ')).error().message,
            "request: at most 1048576 bytes");
}

TEST(AuditDigest, KeepsSmallFiltersWholeAndSummarisesLargeOnes) {
  auto small = decode({{"op", "query"}, {"purpose", "p"}, {"user", {"alice"}}, {"grep", "Failed"}});
  ASSERT_TRUE(small);
  EXPECT_EQ(audit_digest(small->body), R"({"grep":"Failed","user":["alice"]})");
  json many = json::array();
  for (int i = 0; i < 1000; ++i) many.push_back(std::string(200, 'a' + i % 26));
  auto large = decode({{"op", "query"}, {"purpose", "p"}, {"user", many}, {"grep", std::string(4000, 'g')}});
  ASSERT_TRUE(large);
  std::string digest = audit_digest(large->body);
  EXPECT_LT(digest.size(), 4500u);
  EXPECT_NE(digest.find("<4000 bytes, sha256 "), std::string::npos);
  EXPECT_NE(digest.find("<984 more>"), std::string::npos);
}

TEST(AuditDigest, NeverCarriesTheExportKey) {
  auto r = decode({{"op", "export"}, {"purpose", "p"}, {"anonymize", true}, {"key_hex", "5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(audit_digest(r->body).find("5e5e"), std::string::npos);
  EXPECT_EQ(purpose_of(r->body), "p");
}

}  // namespace
}  // namespace hokan::api
