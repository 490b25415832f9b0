// Parsers for the value forms config keys take (periods, schedules, durations, networks).
#include <arpa/inet.h>

#include <charconv>

#include "config/config.h"

namespace hokan::config {

Result<Period> parse_period(std::string_view text) {
  Period p;
  p.text = std::string(text);
  auto bad = [&] {
    return fail(Errc::invalid_argument, "bad period \"" + std::string(text) +
                                            "\": expected a number and d, w, m or y (\"365d\", \"6m\", \"1y\")");
  };
  if (text.size() < 2) return bad();
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, p.count);
  if (ec != std::errc{} || end != text.data() + text.size() - 1 || p.count < 0 || p.count > 100000) return bad();
  switch (text.back()) {
    case 'd': p.unit = Period::Unit::days; break;
    case 'w': p.unit = Period::Unit::weeks; break;
    case 'm': p.unit = Period::Unit::months; break;
    case 'y': p.unit = Period::Unit::years; break;
    default: return bad();
  }
  return p;
}

Result<Schedule> parse_schedule(std::string_view text) {
  Schedule s;
  s.text = std::string(text);
  auto bad = [&] {
    return fail(Errc::invalid_argument, "bad schedule \"" + std::string(text) +
                                            "\": expected \"daily HH:MM\" or \"every Nh\" / \"every Nm\"");
  };
  if (text.starts_with("daily ")) {
    auto t = text.substr(6);
    int h = 0, m = 0;
    if (t.size() != 5 || t[2] != ':' || std::from_chars(t.data(), t.data() + 2, h).ec != std::errc{} ||
        std::from_chars(t.data() + 3, t.data() + 5, m).ec != std::errc{} || h > 23 || m > 59)
      return bad();
    s.kind = Schedule::Kind::daily;
    s.minute_of_day = h * 60 + m;
    s.interval_s = 86400;
    return s;
  }
  if (text.starts_with("every ")) {
    auto t = text.substr(6);
    if (t.size() < 2) return bad();
    int64_t n = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size() - 1, n);
    if (ec != std::errc{} || end != t.data() + t.size() - 1 || n <= 0) return bad();
    int64_t unit = t.back() == 'h' ? 3600 : t.back() == 'm' ? 60 : 0;
    if (unit == 0 || n * unit > 86400) return bad();
    s.kind = Schedule::Kind::every;
    s.interval_s = n * unit;
    return s;
  }
  return bad();
}

Result<int64_t> parse_duration_seconds(std::string_view text) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  std::string_view unit(end, static_cast<std::size_t>(text.data() + text.size() - end));
  int64_t scale = unit == "s" ? 1 : unit == "min" || unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
  if (ec != std::errc{} || n < 0 || scale == 0)
    return fail(Errc::invalid_argument,
                "bad duration \"" + std::string(text) + "\": expected a number and s, min, h or d (\"5min\")");
  return n * scale;
}

Result<Network> parse_network(std::string_view text) {
  Network net;
  net.text = std::string(text);
  std::string address(text.substr(0, text.find('/')));
  auto bad = [&](const char* why) {
    return fail(Errc::invalid_argument, "bad network \"" + std::string(text) + "\": " + why);
  };
  if (inet_pton(AF_INET, address.c_str(), net.bytes) == 1) {
    net.prefix = 32;
  } else if (inet_pton(AF_INET6, address.c_str(), net.bytes) == 1) {
    net.v6 = true;
    net.prefix = 128;
  } else {
    return bad("not an IPv4 or IPv6 address");
  }
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    int prefix = -1;
    auto digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || prefix < 0 || prefix > net.prefix)
      return bad("prefix length out of range");
    net.prefix = prefix;
  }
  return net;
}

bool Match::empty() const {
  return facility.empty() && severity.empty() && app.empty() && host.empty() && msgid.empty() && sd_id.empty() &&
         source.empty() && regex.empty();
}

const Category* Config::find_category(std::string_view name) const {
  for (const auto& c : categories)
    if (c.name == name) return &c;
  return nullptr;
}

}  // namespace hokan::config
