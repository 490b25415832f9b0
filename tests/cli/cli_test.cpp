#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdio>

#include "cli/args.h"
#include "cli/format.h"

namespace hokan::cli {
namespace {

const ArgSpec kSpec{{"since", "host"}, {"count"}};

TEST(Args, TakesRepeatedOptionsInlineValuesAndDashedValues) {
  auto a = parse_args({"query", "--host", "web01", "--host=web02", "--since", "-2h", "--count"}, kSpec);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->positional, std::vector<std::string>{"query"});
  EXPECT_EQ(a->values("host"), (std::vector<std::string>{"web01", "web02"}));
  EXPECT_EQ(a->value("since"), "-2h");
  EXPECT_TRUE(a->flags.contains("count"));
}

TEST(Args, RefusesUnknownOptionsAndMissingValues) {
  EXPECT_EQ(parse_args({"--colour"}, kSpec).error().message, "unknown option --colour");
  EXPECT_EQ(parse_args({"--since"}, kSpec).error().message, "--since needs a value");
  EXPECT_EQ(parse_args({"--count=yes"}, kSpec).error().message, "--count takes no value");
}

std::string format(const std::string& name, const std::vector<std::string>& records) {
  char* buffer = nullptr;
  std::size_t size = 0;
  FILE* out = open_memstream(&buffer, &size);
  auto f = RecordFormatter::create(name, out);
  EXPECT_TRUE(f);
  for (const auto& r : records) (*f)->record(nlohmann::json::parse(r), r);
  (*f)->finish();
  std::fclose(out);
  std::string text(buffer, size);
  free(buffer);
  return text;
}

const std::string kRecord =
    R"({"id":7,"time":"2026-11-20T03:12:00.5+09:00","category":"access","host":"web01","app":"sshd","user":"alice","src_ip":"192.0.2.7","message":"Accepted, \"quoted\""})";

TEST(Format, JsonPassesRecordsThroughOnePerLine) {
  EXPECT_EQ(format("json", {kRecord, kRecord}), kRecord + "\n" + kRecord + "\n");
}

TEST(Format, CsvQuotesFieldsThatNeedIt) {
  std::string csv = format("csv", {kRecord});
  EXPECT_NE(csv.find("id,time,received,category"), std::string::npos);
  EXPECT_NE(csv.find("\"Accepted, \"\"quoted\"\"\""), std::string::npos);
}

TEST(Format, TableAlignsColumnsUnderAHeader) {
  std::string table = format("table", {kRecord});
  EXPECT_EQ(table.substr(0, table.find('\n')), "TIME                   CATEGORY  HOST   APP   USER   SRC_IP     MESSAGE");
  EXPECT_NE(table.find("2026-11-20 03:12:00.5  access    web01  sshd  alice  192.0.2.7  Accepted"), std::string::npos);
}

TEST(Format, RawWritesASyslogStyleLineOrTheOriginalBytes) {
  EXPECT_EQ(format("raw", {R"({"time":"T","host":"h","app":"a","procid":"9","message":"m"})"}), "T h a[9]: m\n");
  EXPECT_EQ(format("raw", {R"({"time":"T","message":"x","malformed":true,"raw":"junk line"})"}), "junk line\n");
}

// Issue 13: --format raw prints the bytes received, one record per line; backslash,
// LF, CR and NUL are escaped reversibly, every other byte goes out as received.
TEST(Format, RawPrintsTheBytesReceivedWithAReversibleEscape) {
  EXPECT_EQ(format("raw", {R"({"time":"T","message":"m","raw":"<13>a\\b\nc\rd\u0000e\tf"})"}),
            "<13>a\\\\b\\nc\\rd\\0e\tf\n");
  // Not UTF-8: raw_b64, decoded to the very bytes ("<13>bad \xff\xfe bytes").
  EXPECT_EQ(format("raw", {R"({"time":"T","message":"m","raw_b64":"PDEzPmJhZCD//iBieXRlcw=="})"}),
            "<13>bad \xff\xfe bytes\n");
  // One line per record, whatever the bytes.
  std::string two = format("raw", {R"({"raw":"one\n"})", R"({"raw":"two\r\n"})"});
  EXPECT_EQ(two, "one\\n\ntwo\\r\\n\n");
}

TEST(Format, RawEscapeGivesBackEveryByteString) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (const std::string& bytes :
       {all, std::string("\\n"), std::string("\\\\0"), std::string(3, '\0'), std::string()}) {
    std::string line = raw_line(bytes);
    EXPECT_EQ(line.find_first_of(std::string("\n\r\0", 3)), std::string::npos);
    EXPECT_EQ(unescape_raw_line(line), bytes);
  }
  EXPECT_FALSE(unescape_raw_line("a\\x"));
  EXPECT_FALSE(unescape_raw_line("a\\"));
}

TEST(Format, CsvKeepsANulAndListsEveryAddress) {
  std::string csv = format(
      "csv",
      {R"({"id":1,"user":"alice","target_user":"root","ips":["10.0.0.5","192.0.2.7"],"message":"a\u0000b"})"});
  EXPECT_NE(csv.find("id,time,received,category,facility,severity,host,app,procid,msgid,user,"
                     "target_user,src_ip,"
                     "origin_ip,ips,action,case,source,malformed,message\r\n"),
            std::string::npos);
  EXPECT_NE(csv.find(std::string("alice,root,,,10.0.0.5 192.0.2.7,,,,,a\0b\r\n", 41)),
            std::string::npos)
      << csv;
}

TEST(Format, RefusesUnknownFormats) { EXPECT_FALSE(RecordFormatter::create("yaml", stdout)); }

}  // namespace
}  // namespace hokan::cli
