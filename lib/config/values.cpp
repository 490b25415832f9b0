// Parsers for the value forms config keys take (periods, schedules, durations, byte sizes,
// networks, listen addresses). They stay apart from the TOML reader because other modules
// parse the same forms without toml++: retention reads a Period back from a bucket name.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <optional>

#include "config/config.h"
#include "core/quote.h"

namespace hokan::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Plain decimal digits only: from_chars alone would take "-1" and stop at "0x" without
// complaint, and a config value is either entirely a number or wrong.
std::optional<uint64_t> parse_count(std::string_view digits, uint64_t max) {
  if (digits.empty() || digits.size() > 19 || !std::all_of(digits.begin(), digits.end(), is_digit))
    return std::nullopt;
  uint64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value > max) return std::nullopt;
  return value;
}

}  // namespace

Result<Period> parse_period(std::string_view text) {
  auto bad = [&] {
    return fail(
        Errc::invalid_argument,
        "bad period " + core::quoted(text) +
            ": expected a number and d, w, m or y (\"365d\", \"4w\", \"6m\", \"1y\", \"0d\")");
  };
  if (text.size() < 2) return bad();
  // 100000 days is centuries: anything larger is a typo, and it keeps date arithmetic far
  // from overflow.
  auto count = parse_count(text.substr(0, text.size() - 1), 100000);
  if (!count) return bad();
  Period p;
  p.count = static_cast<int64_t>(*count);
  p.text = std::string(text);
  switch (text.back()) {
    case 'd':
      p.unit = Period::Unit::days;
      break;
    case 'w':
      p.unit = Period::Unit::weeks;
      break;
    case 'm':
      p.unit = Period::Unit::months;
      break;
    case 'y':
      p.unit = Period::Unit::years;
      break;
    default:
      return bad();
  }
  return p;
}

Result<Schedule> parse_schedule(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument, "bad schedule " + core::quoted(text) + ": " + std::string(why));
  };
  constexpr std::string_view kForms = "expected \"daily HH:MM\" or \"every Nh\" / \"every Nm\"";
  Schedule s;
  s.text = std::string(text);
  if (text.starts_with("daily ")) {
    auto t = text.substr(6);
    auto hour = t.size() == 5 && t[2] == ':' ? parse_count(t.substr(0, 2), 23) : std::nullopt;
    auto minute = t.size() == 5 && t[2] == ':' ? parse_count(t.substr(3, 2), 59) : std::nullopt;
    if (!hour || !minute) return bad("expected \"daily HH:MM\", 00:00 to 23:59");
    s.kind = Schedule::Kind::daily;
    s.minute_of_day = static_cast<int>(*hour * 60 + *minute);
    s.interval_s = 86400;
    return s;
  }
  if (text.starts_with("every ")) {
    auto t = text.substr(6);
    if (t.empty()) return bad(kForms);
    const int64_t unit = t.back() == 'h' ? 3600 : t.back() == 'm' ? 60 : 0;
    auto n = parse_count(t.substr(0, t.size() - 1), 86400);
    if (unit == 0 || !n) return bad(kForms);
    // Runs are counted from local midnight, so a period longer than a day has no meaning.
    if (*n == 0 || static_cast<int64_t>(*n) * unit > 86400)
      return bad("the interval must be from 1m to 24h");
    s.kind = Schedule::Kind::every;
    s.interval_s = static_cast<int64_t>(*n) * unit;
    return s;
  }
  return bad(kForms);
}

Result<int64_t> parse_duration_seconds(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  const std::string_view unit = text.substr(digits);
  const int64_t scale = unit == "s"                    ? 1
                        : unit == "min" || unit == "m" ? 60
                        : unit == "h"                  ? 3600
                        : unit == "d"                  ? 86400
                                                       : 0;
  auto n = parse_count(text.substr(0, digits), 1'000'000'000);
  if (!n || scale == 0)
    return fail(Errc::invalid_argument,
                "bad duration " + core::quoted(text) +
                    ": expected a number and s, min, h or d (\"300s\", \"5min\", \"1h\")");
  return static_cast<int64_t>(*n) * scale;
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && is_digit(text[digits])) ++digits;
  const std::string_view unit = text.substr(digits);
  const int shift = unit.empty() || unit == "B" ? 0
                    : unit == "KiB"             ? 10
                    : unit == "MiB"             ? 20
                    : unit == "GiB"             ? 30
                    : unit == "TiB"             ? 40
                                                : -1;
  auto n = shift < 0 ? std::nullopt : parse_count(text.substr(0, digits), ~uint64_t{0} >> shift);
  if (!n || *n == 0)
    return fail(Errc::invalid_argument,
                "bad size " + core::quoted(text) +
                    ": expected a number of bytes above 0, or KiB, MiB, GiB, TiB (\"100MiB\")");
  return *n << shift;
}

Result<Network> parse_network(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument, "bad network " + core::quoted(text) + ": " + std::string(why));
  };
  Network net;
  net.text = std::string(text);
  const auto slash = text.find('/');
  const std::string address(text.substr(0, slash));
  if (inet_pton(AF_INET, address.c_str(), net.bytes) == 1) {
    net.prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), net.bytes) == 1) {
    net.v6 = true;
    net.prefix = 128;
  } else {
    return bad("not an IPv4 or IPv6 address");
  }
  if (slash != std::string_view::npos) {
    auto prefix = parse_count(text.substr(slash + 1), static_cast<uint64_t>(net.prefix));
    if (!prefix)
      return bad(net.v6 ? "the prefix length must be 0 to 128"
                        : "the prefix length must be 0 to 32");
    net.prefix = static_cast<int>(*prefix);
  }
  // "10.1.2.3/8" means 10.0.0.0/8, as ip(8) and iptables read it.
  for (int bit = net.prefix; bit < (net.v6 ? 128 : 32); ++bit)
    net.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return net;
}

Result<void> check_address(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_argument, "bad address " + core::quoted(text) + ": " + why);
  };
  const std::string forms =
      "expected \"IPv4:port\" or \"[IPv6]:port\" (\"127.0.0.1:5514\", \"[::1]:5514\")";
  std::string host;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return bad(forms);
    host = std::string(text.substr(1, close - 1));
    port = text.substr(close + 2);
    in6_addr a6;
    if (inet_pton(AF_INET6, host.c_str(), &a6) != 1)
      return bad(core::quoted(host) + " is not an IPv6 address");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return bad(forms);
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    if (host.find(':') != std::string::npos)
      return bad("an IPv6 address goes in brackets: \"[" + host + "]:" + std::string(port) + "\"");
    in_addr a4;
    // Listeners bind to an address; a host name would be resolved by nobody.
    if (inet_pton(AF_INET, host.c_str(), &a4) != 1)
      return bad(core::quoted(host) + " is not an IP address (listeners bind to addresses, not names)");
  }
  if (!parse_count(port, 65535)) return bad("the port must be a number from 0 to 65535");
  return {};
}

bool Match::empty() const {
  return facility.empty() && severity.empty() && app.empty() && host.empty() && msgid.empty() &&
         sd_id.empty() && source.empty() && regex.empty();
}

const Category* Config::find_category(std::string_view name) const {
  for (const auto& c : categories)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace hokan::config
