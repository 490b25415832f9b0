#include "syslog/relp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hokan::syslog::relp {
namespace {

struct Seen {
  uint64_t txnr;
  std::string command, data;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> drain(Parser& p) {
  std::vector<Seen> out;
  while (auto f = p.next()) out.push_back({f->txnr, std::string(f->command), std::string(f->data)});
  return out;
}

std::string frame(uint64_t txnr, const std::string& command, const std::string& data) {
  return std::to_string(txnr) + " " + command + " " + std::to_string(data.size()) +
         (data.empty() ? "" : " " + data) + "\n";
}

const std::string kOffers = "relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog";
const std::string kSession = frame(1, "open", kOffers) + frame(2, "syslog", "<13>Nov 20 03:12:00 web01 a: b") +
                             frame(3, "syslog", "line\nbreak!!") + frame(4, "close", "");

TEST(RelpParser, ReadsAnRsyslogSession) {
  Parser p(1024);
  p.feed(kSession);
  auto frames = drain(p);
  ASSERT_EQ(frames.size(), 4u) << p.error();
  EXPECT_EQ(frames[0], (Seen{1, "open", kOffers}));
  EXPECT_EQ(frames[1], (Seen{2, "syslog", "<13>Nov 20 03:12:00 web01 a: b"}));
  EXPECT_EQ(frames[2], (Seen{3, "syslog", "line\nbreak!!"})) << "DATALEN, not LF, ends the data";
  EXPECT_EQ(frames[3], (Seen{4, "close", ""}));
  EXPECT_TRUE(p.error().empty());
}

TEST(RelpParser, JoinsFramesSplitAtEveryByte) {
  for (std::size_t cut = 1; cut < kSession.size(); ++cut) {
    Parser p(1024);
    p.feed(kSession.substr(0, cut));
    auto frames = drain(p);
    p.feed(kSession.substr(cut));
    auto rest = drain(p);
    frames.insert(frames.end(), rest.begin(), rest.end());
    ASSERT_EQ(frames.size(), 4u) << "cut at " << cut << ": " << p.error();
    EXPECT_EQ(frames[2].data, "line\nbreak!!");
  }
}

TEST(RelpParser, StopsAtWhatIsNotRelp) {
  for (std::string bad : {std::string("<13>plain syslog\n"), std::string("1 SYSLOG 3 abc\n"),
                          std::string("1 syslog 3 abcd\n"), std::string("1 syslog x\n"),
                          std::string("1234567890123 syslog 1 a\n")}) {
    Parser p(1024);
    p.feed(bad);
    EXPECT_TRUE(drain(p).empty()) << bad;
    EXPECT_FALSE(p.error().empty()) << bad;
  }
}

TEST(RelpParser, RefusesFramesOverTheLimitBeforeBufferingThem) {
  Parser p(100);
  p.feed("7 syslog 5000 ");
  EXPECT_FALSE(p.next());
  EXPECT_NE(p.error().find("exceeds the limit of 100"), std::string::npos) << p.error();
}

TEST(RelpResponse, FormatsAnswersAsLibrelpExpects) {
  EXPECT_EQ(response(2, 200, "OK"), "2 rsp 6 200 OK\n");
  EXPECT_EQ(response(1, 200, "OK", open_offers()),
            "1 rsp 57 200 OK\nrelp_version=0\nrelp_software=hokan\ncommands=syslog\n");
  EXPECT_EQ(server_close(), "0 serverclose 0\n");
}

}  // namespace
}  // namespace hokan::syslog::relp
