#include "store/codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

#include "store/keyed_hash.h"
#include "store/varint.h"

namespace hokan::store {
namespace {

TEST(BlockKey, SortsByTimeThenIdIncludingTimesBefore1970) {
  std::string early, late, same_time_later_id;
  codec::append_block_key(early, {-5'000'000, 9});
  codec::append_block_key(late, {1'700'000'000'000'000, 1});
  codec::append_block_key(same_time_later_id, {1'700'000'000'000'000, 2});
  EXPECT_LT(early, late);
  EXPECT_LT(late, same_time_later_id);
  auto decoded = codec::decode_block_key(early);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->time_us, -5'000'000);
  EXPECT_EQ(decoded->id, 9u);
}

TEST(BlockKey, RejectsKeysOfTheWrongShape) {
  EXPECT_FALSE(codec::decode_block_key("b123"));
  EXPECT_FALSE(codec::decode_block_key(std::string(17, 'i')));
}

TEST(Posting, RoundTripsHitsInSeveralBlocks) {
  std::vector<codec::PostingHit> hits{
      {{100, 7}, 0}, {{100, 7}, 3}, {{100, 7}, 250}, {{250, 300}, 1}, {{-1'000'000, 4}, 9}};
  std::sort(hits.begin(), hits.end());
  std::vector<codec::PostingHit> out;
  ASSERT_TRUE(codec::decode_posting(codec::encode_posting(hits), out));
  EXPECT_EQ(out, hits);
}

TEST(Posting, RejectsTruncatedValues) {
  std::vector<codec::PostingHit> hits{{{100, 7}, 0}, {{100, 7}, 3}};
  auto value = codec::encode_posting(hits);
  std::vector<codec::PostingHit> out;
  EXPECT_FALSE(codec::decode_posting(value.substr(0, value.size() - 1), out));
  EXPECT_FALSE(codec::decode_posting(value + "x", out));
}

// Issue 9: UBSan reported a signed overflow in decode_posting on a corrupt posting.
TEST(Posting, RejectsTimesPastTheRangeOfTimes) {
  // Two blocks, no hits: the first at the largest time, the second `step` after it.
  auto posting = [](int64_t step) {
    std::string value;
    bytes::put_varint(value, 2);
    for (int64_t delta : {std::numeric_limits<int64_t>::max(), step}) {
      bytes::put_varint(value, bytes::zigzag(delta));
      bytes::put_varint(value, 0);
      bytes::put_varint(value, 0);
    }
    return value;
  };
  std::vector<codec::PostingHit> out;
  ASSERT_TRUE(codec::decode_posting(posting(0), out));
  auto decoded = codec::decode_posting(posting(1), out);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, Errc::corruption);
}

TEST(Posting, KeyStartsWithItsValuePrefix) {
  auto prefix = codec::posting_prefix(codec::IndexField::user, 42);
  auto key = codec::posting_key(codec::IndexField::user, 42, {5, 6});
  EXPECT_TRUE(key.starts_with(prefix));
  EXPECT_FALSE(codec::posting_key(codec::IndexField::host, 42, {5, 6}).starts_with(prefix));
}

TEST(EventCodec, RoundTripsEveryField) {
  Event e;
  e.time_us = 1'763'600'000'123'456;
  e.received_us = e.time_us + 1500;
  e.facility = 4;
  e.severity = 6;
  e.host = "web01";
  e.app = "sshd";
  e.procid = "811";
  e.msgid = "ID47";
  e.sd = {{"exampleSDID@32473", {{"iut", "3"}, {"eventSource", "Application"}}}};
  e.message = "Accepted password for alice from 192.0.2.7 port 4242 ssh2";
  e.source = "127.0.0.1:50000";
  e.fields.user = "alice";
  e.fields.src_ip = "192.0.2.7";
  e.fields.action = "login";
  e.fields.case_id = "REQ-1";
  e.fields.extra = {{"port", "4242"}};
  e.malformed = true;
  e.truncated = true;
  e.raw = "<34>garbage";
  e.claimed_time_us = e.time_us + 3'600'000'000;
  std::string bytes;
  codec::encode_event(e, bytes);
  Event d;
  d.time_us = e.time_us;
  d.received_us = 77;  // the block's directory holds it: the value leaves it as it is
  ASSERT_TRUE(codec::decode_event(bytes, d));
  EXPECT_EQ(d.received_us, 77);
  EXPECT_EQ(d.facility, 4);
  EXPECT_EQ(d.severity, 6);
  EXPECT_EQ(d.host, "web01");
  EXPECT_EQ(d.procid, "811");
  EXPECT_EQ(d.msgid, "ID47");
  ASSERT_EQ(d.sd.size(), 1u);
  EXPECT_EQ(d.sd[0].params[1].value, "Application");
  EXPECT_EQ(d.message, e.message);
  EXPECT_EQ(d.fields.user, "alice");
  EXPECT_EQ(d.fields.case_id, "REQ-1");
  EXPECT_EQ(d.fields.extra, e.fields.extra);
  EXPECT_TRUE(d.malformed);
  EXPECT_TRUE(d.truncated);
  EXPECT_EQ(d.raw, e.raw);
  EXPECT_EQ(d.claimed_time_us, e.claimed_time_us);
}

Event sshd_event() {
  Event e;
  e.time_us = 1'763'600'000'123'456;
  e.received_us = e.time_us + 20;
  e.facility = 10;
  e.severity = 6;
  e.host = "web01";
  e.app = "sshd";
  e.procid = "811";
  e.raw =
      "<86>1 2025-11-20T00:53:20.123456Z web01 sshd 811 - [origin ip=\"10.0.0.5\" ip=\"10.0.0.6\"] "
      "Accepted password for alice from 192.0.2.7 port 4242 ssh2";
  e.message = e.raw.substr(e.raw.find("Accepted"));
  e.sd = {{"origin", {{"ip", "10.0.0.5"}, {"ip", "10.0.0.6"}}}};
  e.source = "127.0.0.1:50000";
  e.fields.user = "alice";
  e.fields.target_user = "root";
  e.fields.src_ip = "192.0.2.7";
  e.fields.origin_ip = "10.0.0.5";
  e.fields.ips = {"10.0.0.5", "10.0.0.6", "192.0.2.7"};
  return e;
}

Event round_trip(const Event& e, std::string* bytes_out = nullptr) {
  std::string bytes;
  codec::encode_event(e, bytes);
  Event d;
  d.time_us = e.time_us;
  d.received_us = e.received_us;
  d.id = e.id;
  d.category = e.category;
  d.lane = e.lane;
  EXPECT_TRUE(codec::decode_event(bytes, d));
  if (bytes_out) *bytes_out = bytes;
  return d;
}

// The bytes of version 4 values, as the first encoder wrote them: a faster encoder must
// write the same, and append to what its buffer already holds.
TEST(EventCodec, WritesVersion4ValuesByteForByte) {
  Event every = sshd_event();
  every.msgid = "ID47";
  every.fields.action = "login";
  every.fields.case_id = "REQ-1";
  every.fields.extra = {{"port", "4242"}, {"note", "not in the line"}};
  every.fields.ips.push_back("2001:db8::1");
  every.malformed = true;
  every.claimed_time_us = every.time_us + 3'600'000'000;
  Event object;
  object.time_us = 1'763'600'000'000'000;
  object.category = "footage";
  object.host = "cam-03";
  object.message = "segment 0042";
  object.object_size = 1 << 20;
  const std::string sshd_hex =
      "04000b073b0b44090207020001501e3132372e302e302e313a35303030300b2c08726f6f74130c11850100000305110c"
      "03010d4102046970110a046970110c003c38363e3120323032352d31312d32305430303a35333a32302e313233343536"
      "5a207765623031207373686420383131202d205b6f726967696e2069703d2231302e302e302e35222069703d2231302e"
      "302e302e36225d2041636365707465642070617373776f726420666f7220616c6963652066726f6d203139322e302e32"
      "2e3720706f727420343234322073736832";
  const std::string every_hex =
      "04050b07730b4409020702084944343701501e3132372e302e302e313a35303030300b2c08726f6f74130c1185010a6c"
      "6f67696e0a5245512d310405110c0316323030313a6462383a3a31010d4102046970110a046970110c02095c0902086e"
      "6f74651e6e6f7420696e20746865206c696e6580909de91a3c38363e3120323032352d31312d32305430303a35333a32"
      "302e3132333435365a207765623031207373686420383131202d205b6f726967696e2069703d2231302e302e302e3522"
      "2069703d2231302e302e302e36225d2041636365707465642070617373776f726420666f7220616c6963652066726f6d"
      "203139322e302e322e3720706f727420343234322073736832";
  const std::string object_hex = "04080000240c63616d2d3033000000187365676d656e74203030343200000000000000000000808040";
  for (const auto& [e, hex] : {std::pair{sshd_event(), sshd_hex}, std::pair{every, every_hex}, std::pair{object, object_hex}}) {
    std::string bytes = "held";
    codec::encode_event(e, bytes);
    ASSERT_TRUE(bytes.starts_with("held"));
    std::string got;
    for (unsigned char c : bytes.substr(4)) got += "0123456789abcdef"[c >> 4], got += "0123456789abcdef"[c & 15];
    EXPECT_EQ(got, hex);
  }
}

TEST(EventCodec, KeepsTheBytesReceivedAndStoresTheMessageOnceWhenItIsTheirTail) {
  Event e = sshd_event();
  std::string bytes;
  EXPECT_EQ(round_trip(e, &bytes), e);
  // The message is not written twice: one copy of its text in the value.
  auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto at = bytes.find(needle); at != std::string::npos; at = bytes.find(needle, at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count("Accepted password"), 1u);
  Event literal = e;
  literal.message += " ";  // no longer raw's tail: stored as it is
  std::string literal_bytes;
  codec::encode_event(literal, literal_bytes);
  // (less the two bytes that said where the tail starts)
  EXPECT_GE(literal_bytes.size(), bytes.size() + e.message.size() - 2);
}

TEST(EventCodec, StoresTheMessageLiterallyWhenItIsNotTheTailOfTheBytes) {
  Event e = sshd_event();
  e.message = "Accepted password for alice";  // not raw's tail (a parser that rewrote it)
  EXPECT_EQ(round_trip(e), e);
  e.message.clear();
  EXPECT_EQ(round_trip(e), e);
  e.message = e.raw;  // a malformed line: the whole frame
  e.malformed = true;
  EXPECT_EQ(round_trip(e), e);
  e.raw = std::string("bad \xff\0 bytes", 11);
  e.message = "bad \xef\xbf\xbd";
  EXPECT_EQ(round_trip(e), e);
}

TEST(EventCodec, ObjectsAndAuditRecordsHaveNoRawBytes) {
  Event e;
  e.time_us = 5;
  e.received_us = 5;
  e.host = "entrance-1";
  e.message = "segment-0001.ts";
  e.object_size = 4096;
  EXPECT_EQ(round_trip(e), e);
  e.object_size = 0;
  e.object_marker = true;
  EXPECT_EQ(round_trip(e), e);
}

// Records written by hokan before issue 13 (event value version 1) must still read back
// after a package upgrade. These bytes are laid out by hand, as version 1 wrote them:
// version, flags, received delta, facility + 1, severity + 1, then host, app, procid,
// msgid, message, source, user, src_ip, action, case, raw as length-prefixed strings,
// the SD elements, the extra fields, and the claimed time when flag 4 is set.
TEST(EventCodec, DecodesVersion1ValuesWrittenBeforeTheUpgrade) {
  // clang-format off: one field a line reads better than one string a line
  static constexpr char kV1[] =
      "\x01"      // version 1
      "\x04"      // flags: claimed time
      "\x28"      // received - time = +20 µs, zigzagged
      "\x0b\x07"  // facility 10, severity 6
      "\x05web01" "\x04sshd" "\x03" "811" "\x00"
      "\x39" "Accepted password for alice from 192.0.2.7 port 4242 ssh2"
      "\x0f" "127.0.0.1:50000" "\x05" "alice" "\x09" "192.0.2.7" "\x05login" "\x00" "\x00"
      "\x01" "\x06origin" "\x01" "\x02ip" "\x08" "10.0.0.5"  // [origin ip="10.0.0.5"]
      "\x01" "\x04port" "\x04" "4242"                          // extra: port=4242
      "\x90\x1c";                                              // claimed = time + 1800 µs
  // clang-format on
  const std::string v1(kV1, sizeof kV1 - 1);
  Event d;
  d.time_us = 1'763'600'000'123'456;
  ASSERT_TRUE(codec::decode_event(v1, d));
  Event want;
  want.time_us = d.time_us;
  want.received_us = d.time_us + 20;
  want.facility = 10;
  want.severity = 6;
  want.host = "web01";
  want.app = "sshd";
  want.procid = "811";
  want.message = "Accepted password for alice from 192.0.2.7 port 4242 ssh2";
  want.source = "127.0.0.1:50000";
  want.fields.user = "alice";
  want.fields.src_ip = "192.0.2.7";
  want.fields.action = "login";
  want.sd = {{"origin", {{"ip", "10.0.0.5"}}}};
  want.fields.extra = {{"port", "4242"}};
  want.claimed_time_us = d.time_us + 1800;
  EXPECT_EQ(d, want);
  // Re-encoded (a bucket rewrite does that), it comes back the same as version 2.
  EXPECT_EQ(round_trip(d), d);
  // A malformed version 1 record kept its line in raw.
  std::string malformed = v1;
  malformed[1] = '\x05';  // malformed | claimed time
  malformed.replace(malformed.find("\x05login\x00\x00") + 7, 1, "\x03<1>");
  ASSERT_TRUE(codec::decode_event(malformed, d));
  EXPECT_TRUE(d.malformed);
  EXPECT_EQ(d.raw, "<1>");
  EXPECT_EQ(d.message, want.message);
}

TEST(EventCodec, RejectsAnOffsetPastTheBytes) {
  Event e;
  e.raw = "<13>1 - web01 hello world";
  e.host = "web01";  // kept as a reference: 5 bytes at 8, 8 after the cursor (zigzag 16)
  e.message = "hello world";
  std::string bytes;
  codec::encode_event(e, bytes);
  const std::string reference("\x0b\x10", 2);
  auto at = bytes.find(reference);
  ASSERT_LT(at, bytes.find(e.raw)) << "the fields come before the line";
  Event d;
  ASSERT_TRUE(codec::decode_event(bytes, d));
  EXPECT_EQ(d.host, "web01");
  const auto size = static_cast<int64_t>(e.raw.size());
  for (int64_t offset : {size - 4,      // 5 bytes from there pass the end
                         int64_t{-1},   // before the line
                         size + 1}) {
    std::string altered = bytes;
    altered[at + 1] = static_cast<char>(bytes::zigzag(offset));
    EXPECT_FALSE(codec::decode_event(altered, d)) << offset;
  }
}

// Issue 12: the message, raw's tail, is kept as where it starts, without its size; each
// reference is kept as a distance from where the field before it ended; raw comes last,
// without its size.
TEST(EventCodec, KeepsTheLinesTailAndEachReferenceAfterTheOneBefore) {
  Event e;
  e.raw = "<13>1 - web01 cron - - - hello world";
  e.host = "web01";
  e.app = "cron";
  e.message = "hello world";
  std::string bytes;
  codec::encode_event(e, bytes);
  const auto fields = bytes.substr(0, bytes.find(e.raw));
  EXPECT_TRUE(bytes.ends_with(e.raw)) << "the line comes last, its size not written";
  // host: 5 bytes 8 after the start; app: 4 bytes 1 after host; ...; message: the tail
  // from 7 after app (zigzag 14).
  EXPECT_NE(fields.find(std::string("\x0b\x10\x09\x02", 4)), std::string::npos);
  EXPECT_NE(fields.find(std::string("\x01\x0e", 2)), std::string::npos);
  Event d;
  ASSERT_TRUE(codec::decode_event(bytes, d));
  EXPECT_EQ(d.host, "web01");
  EXPECT_EQ(d.app, "cron");
  EXPECT_EQ(d.message, "hello world");
}

// Values written before the received time moved to the block (issue 12) carry it.
TEST(EventCodec, ReadsTheReceivedTimeOfVersion3Values) {
  std::string v3("\x03"     // version
                 "\x00"     // flags
                 "\x28"     // received - time = +20 µs, zigzagged
                 "\x05\x07"  // facility + 1, severity + 1
                 "\x05hello", 11);
  v3 += std::string(12, '\0');  // host ... case_id, message: empty literals
  v3 += std::string(3, '\0');   // no ips, sd or extra
  Event d;
  d.time_us = 1000;
  ASSERT_TRUE(codec::decode_event(v3, d));
  EXPECT_EQ(d.received_us, 1020);
  EXPECT_EQ(d.facility, 4);
  EXPECT_EQ(d.raw, "hello");
}

// Issue 12: text fields are references into the bytes received, not second copies.
TEST(EventCodec, KeepsFieldsTheLineHoldsAsReferencesIntoIt) {
  Event e;
  e.raw = "<38>1 2026-11-30T10:00:00Z bastion sshd 4242 - - Accepted publickey for taro.yamada from "
          "10.20.3.4 port 50022 ssh2";
  e.host = "bastion";
  e.app = "sshd";
  e.procid = "4242";
  e.message = e.raw.substr(e.raw.find("Accepted"));
  e.fields.user = "taro.yamada";
  e.fields.src_ip = "10.20.3.4";
  e.fields.ips = {"10.20.3.4"};
  e.fields.action = "login";  // not in the line: kept as it is
  e.fields.extra = {{"port", "50022"}};
  std::string bytes;
  codec::encode_event(e, bytes);
  EXPECT_LT(bytes.size(), e.raw.size() + 40) << "no second copy of the fields";
  EXPECT_EQ(bytes.find("taro.yamada"), bytes.rfind("taro.yamada")) << "one copy, in the line";
  Event d;
  ASSERT_TRUE(codec::decode_event(bytes, d));
  EXPECT_EQ(d.host, e.host);
  EXPECT_EQ(d.app, e.app);
  EXPECT_EQ(d.procid, e.procid);
  EXPECT_EQ(d.message, e.message);
  EXPECT_EQ(d.fields.user, e.fields.user);
  EXPECT_EQ(d.fields.src_ip, e.fields.src_ip);
  EXPECT_EQ(d.fields.ips, e.fields.ips);
  EXPECT_EQ(d.fields.action, "login");
  EXPECT_EQ(d.fields.extra, e.fields.extra);
}

// Issue 12: the address list repeats src_ip and origin_ip; those take a byte each.
TEST(EventCodec, NamesTheAddressesTheListRepeats) {
  Event e = sshd_event();  // ips: origin_ip, another, src_ip
  std::string bytes;
  EXPECT_EQ(round_trip(e, &bytes), e);
  Event fewer = e;
  fewer.fields.ips = {"10.0.0.6"};
  std::string fewer_bytes;
  codec::encode_event(fewer, fewer_bytes);
  EXPECT_EQ(bytes.size(), fewer_bytes.size() + 2);
  // An address equal to both is named once, as src_ip.
  e.fields.origin_ip = e.fields.src_ip;
  e.fields.ips = {e.fields.src_ip};
  EXPECT_EQ(round_trip(e), e);
}

TEST(EventCodec, RejectsTruncatedValuesInsteadOfReadingPastThem) {
  Event e;
  e.message = "hello";
  std::string bytes;
  codec::encode_event(e, bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Event d;
    EXPECT_FALSE(codec::decode_event(std::string_view(bytes).substr(0, n), d)) << n;
  }
}

TEST(EventCodec, RejectsTimesPastTheRangeOfTimes) {
  // A version 3 value (received time inside: +100 µs) and a claimed time of +100 µs.
  // Version, flags, the delta, facility and severity, an empty raw, then 12 empty text
  // fields and three empty lists.
  const std::string received = std::string("\x03\x00\xc8\x01\x00\x00\x00", 7) + std::string(15, '\0');
  Event e;
  e.time_us = 0;
  e.claimed_time_us = 100;
  std::string claimed;
  codec::encode_event(e, claimed);
  for (const std::string& bytes : {received, claimed}) {
    Event d;
    d.time_us = std::numeric_limits<int64_t>::max() - 100;
    ASSERT_TRUE(codec::decode_event(bytes, d));
    d.time_us = std::numeric_limits<int64_t>::max() - 99;
    auto decoded = codec::decode_event(bytes, d);
    ASSERT_FALSE(decoded);
    EXPECT_EQ(decoded.error().code, Errc::corruption);
  }
}

TEST(KeyedHash, DependsOnTheKey) {
  KeyedHash::Key a{}, b{};
  b[0] = 1;
  EXPECT_NE(KeyedHash(a)("alice"), KeyedHash(b)("alice"));
  EXPECT_EQ(KeyedHash(a)("alice"), KeyedHash(a)("alice"));
  EXPECT_NE(KeyedHash(a)("alice"), KeyedHash(a)("alicf"));
}

TEST(KeyedHash, MatchesTheSipHashReferenceVector) {
  // SipHash-2-4 paper, appendix A: key 00..0f, message 00..0e -> a129ca6149be45e5.
  KeyedHash::Key key;
  for (int i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(i);
  std::string message;
  for (int i = 0; i < 15; ++i) message.push_back(static_cast<char>(i));
  EXPECT_EQ(KeyedHash(key)(message), 0xa129ca6149be45e5ULL);
}

}  // namespace
}  // namespace hokan::store
