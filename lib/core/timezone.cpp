#include "core/timezone.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <system_error>
#include <vector>

#include "core/quote.h"

namespace hokan::core {

// Both from Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms". Years are
// shifted to start on March 1st so that the leap day falls at the end of one; an era is
// the 400-year cycle after which the Gregorian calendar repeats.
int64_t days_from_civil(int year, int month, int day) {
  const int64_t y = int64_t{year} - (month <= 2);
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                                  // [0, 399]
  const int64_t doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                          // [0, 146096]
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t days, int& year, int& month, int& day) {
  const int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;                                       // [0, 146096]
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365]
  const int64_t mp = (5 * doy + 2) / 153;                                     // [0, 11], March = 0
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(yoe + era * 400 + (month <= 2));
}

namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr int64_t kDay = 86400;

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// 0 = Sunday, as POSIX rules count; 1970-01-01 was a Thursday.
int weekday_of(int64_t days) {
  return static_cast<int>(days >= -4 ? (days + 4) % 7 : (days + 5) % 7 + 6);
}

// The POSIX TZ string a TZif v2+ file ends with, e.g. "EST5EDT,M3.2.0,M11.1.0". It covers
// every instant after the file's last transition, which for "slim" files is years ago.
// Only the "Mm.w.d" rule form is read: tzdata writes no other.
struct PosixRule {
  struct When {
    int month = 0, week = 0, weekday = 0;  // week 5 means the last such weekday
    int32_t time = 2 * 3600;               // local seconds after midnight; may be <0 or >24h
  };
  int32_t std_offset = 0;  // seconds east of UTC
  std::optional<int32_t> dst_offset;
  When start, end;

  // Local (wall clock) seconds since the epoch at which `w` fires in `year`.
  static int64_t local_seconds(const When& w, int year) {
    const int64_t first = days_from_civil(year, w.month, 1);
    int64_t day = first + (w.weekday - weekday_of(first) + 7) % 7 + 7 * (w.week - 1);
    int y = 0, m = 0, d = 0;
    civil_from_days(day, y, m, d);
    if (m != w.month) day -= 7;
    return day * kDay + w.time;
  }

  int32_t offset_at(int64_t t) const {
    if (!dst_offset) return std_offset;
    int year = 0, month = 0, day = 0;
    civil_from_days(floor_div(t + std_offset, kDay), year, month, day);
    // The start is read on the standard clock and the end on the daylight clock, as the
    // wall clock shows them just before each change.
    const int64_t begins = local_seconds(start, year) - std_offset;
    const int64_t ends = local_seconds(end, year) - *dst_offset;
    // Southern hemisphere (and Dublin's "negative DST"): the daylight period spans New Year.
    const bool dst = begins < ends ? t >= begins && t < ends : t < ends || t >= begins;
    return dst ? *dst_offset : std_offset;
  }
};

bool consume(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

bool number(std::string_view& s, int& out, int max) {
  std::size_t n = 0;
  out = 0;
  while (n < s.size() && s[n] >= '0' && s[n] <= '9' && out <= max) out = out * 10 + (s[n++] - '0');
  s.remove_prefix(n);
  return n > 0 && out <= max;
}

// "EST" or "<+0330>".
bool posix_name(std::string_view& s) {
  if (consume(s, '<')) {
    const auto close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
    return true;
  }
  std::size_t n = 0;
  while (n < s.size() && ((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z'))) ++n;
  s.remove_prefix(n);
  return n >= 3;
}

// "[+-]hh[:mm[:ss]]"; v3 allows hours up to 167 in rule times.
bool posix_hms(std::string_view& s, int32_t& seconds) {
  int sign = 1;
  if (consume(s, '-'))
    sign = -1;
  else
    consume(s, '+');
  int h = 0, m = 0, sec = 0;
  if (!number(s, h, 167)) return false;
  if (consume(s, ':') && (!number(s, m, 59) || (consume(s, ':') && !number(s, sec, 59))))
    return false;
  seconds = sign * (h * 3600 + m * 60 + sec);
  return true;
}

bool posix_when(std::string_view& s, PosixRule::When& w) {
  if (!consume(s, 'M') || !number(s, w.month, 12) || w.month < 1 || !consume(s, '.') ||
      !number(s, w.week, 5) || w.week < 1 || !consume(s, '.') || !number(s, w.weekday, 6))
    return false;
  return !consume(s, '/') || posix_hms(s, w.time);
}

// posix_hms reads up to 167 hours, as rule times may be; an offset is under a day, which
// from_civil() relies on (POSIX's own limit is 24 hours).
bool offset_in_range(int64_t seconds) { return seconds > -kDay && seconds < kDay; }

std::optional<PosixRule> parse_posix_rule(std::string_view s) {
  PosixRule r;
  int32_t west = 0;  // POSIX counts offsets west of Greenwich as positive
  if (!posix_name(s) || !posix_hms(s, west)) return std::nullopt;
  r.std_offset = -west;
  if (!offset_in_range(r.std_offset)) return std::nullopt;
  if (s.empty()) return r;
  if (!posix_name(s)) return std::nullopt;
  r.dst_offset = r.std_offset + 3600;
  if (!s.empty() && s.front() != ',') {
    if (!posix_hms(s, west)) return std::nullopt;
    r.dst_offset = -west;
  }
  if (!consume(s, ',') || !posix_when(s, r.start) || !consume(s, ',') || !posix_when(s, r.end) ||
      !s.empty())
    return std::nullopt;
  if (!offset_in_range(*r.dst_offset)) return std::nullopt;
  return r;
}

}  // namespace

struct TimeZone::Impl {
  std::string name;
  std::vector<int64_t> transitions;  // UTC seconds, strictly ascending
  std::vector<int32_t> offsets;      // in force from transitions[i] on
  int32_t initial_offset = 0;        // before the first transition: time type 0 (RFC 8536)
  std::optional<PosixRule> rule;     // from the last transition on

  int32_t offset_at(int64_t t) const {
    if (!transitions.empty() && t < transitions.front()) return initial_offset;
    if (transitions.empty() || t >= transitions.back()) {
      if (rule) return rule->offset_at(t);
      return transitions.empty() ? initial_offset : offsets.back();
    }
    const auto it = std::upper_bound(transitions.begin(), transitions.end(), t);
    return offsets[static_cast<std::size_t>(it - transitions.begin()) - 1];
  }
};

namespace {

int64_t read_be(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | p[i];
  return bytes == 4 ? int64_t{static_cast<int32_t>(v)} : static_cast<int64_t>(v);
}

// RFC 8536. A v2+ file repeats its data with 64-bit times after a v1 block whose 32-bit
// times stop at 2038; only the second block is read then. Leap-second records ("right/"
// zones) are skipped: they move transitions by under a minute.
Result<std::unique_ptr<TimeZone::Impl>> parse_tzif(std::string_view name, std::string_view tzif) {
  auto corrupt = [&](const char* why) {
    return fail(Errc::corruption, "time zone " + core::quoted(name, 64) + ": " + why);
  };
  const auto* data = reinterpret_cast<const unsigned char*>(tzif.data());
  struct Counts {
    std::size_t isut, isstd, leap, time, type, chars;
    std::size_t body(std::size_t time_bytes) const {
      return time * (time_bytes + 1) + type * 6 + chars + leap * (time_bytes + 4) + isstd + isut;
    }
  };
  auto header = [&](std::size_t at, Counts& c) {
    if (tzif.size() < at + 44 || tzif.substr(at, 4) != "TZif") return false;
    std::size_t n[6];
    for (int i = 0; i < 6; ++i) {
      n[i] = static_cast<uint32_t>(read_be(data + at + 20 + 4 * i, 4));
      if (n[i] > (1u << 20)) return false;  // keeps the size arithmetic far from overflow
    }
    c = {n[0], n[1], n[2], n[3], n[4], n[5]};
    return true;
  };

  Counts c{};
  if (!header(0, c)) return corrupt("not a TZif file");
  const bool v2 = tzif[4] >= '2';
  std::size_t at = 44;
  std::size_t time_bytes = 4;
  if (v2) {
    at += c.body(4);
    if (!header(at, c)) return corrupt("no 64-bit data block");
    at += 44;
    time_bytes = 8;
  }
  if (c.type == 0) return corrupt("no local time types");
  if (tzif.size() < at + c.body(time_bytes)) return corrupt("truncated");

  auto impl = std::make_unique<TimeZone::Impl>();
  impl->name = std::string(name);
  const unsigned char* times = data + at;
  const unsigned char* indexes = times + c.time * time_bytes;
  const unsigned char* types = indexes + c.time;
  std::vector<int32_t> type_offsets(c.type);
  for (std::size_t i = 0; i < c.type; ++i) {
    const int64_t offset = read_be(types + 6 * i, 4);
    if (!offset_in_range(offset)) return corrupt("UTC offset out of range");
    type_offsets[i] = static_cast<int32_t>(offset);
  }
  impl->initial_offset = type_offsets[0];
  for (std::size_t i = 0; i < c.time; ++i) {
    const int64_t t = read_be(times + i * time_bytes, static_cast<int>(time_bytes));
    if (indexes[i] >= c.type) return corrupt("transition to an unknown time type");
    if (!impl->transitions.empty() && t <= impl->transitions.back())
      return corrupt("transitions out of order");
    impl->transitions.push_back(t);
    impl->offsets.push_back(type_offsets[indexes[i]]);
  }
  if (v2) {
    // The footer, "\n<TZ string>\n", may be empty: then the last transition holds forever.
    std::string_view footer = tzif.substr(at + c.body(time_bytes));
    if (!consume(footer, '\n') || footer.find('\n') == std::string_view::npos)
      return corrupt("no footer");
    footer = footer.substr(0, footer.find('\n'));
    if (!footer.empty()) {
      impl->rule = parse_posix_rule(footer);
      if (!impl->rule) return corrupt("unreadable POSIX TZ footer");
    }
  }
  return impl;
}

}  // namespace

TimeZone::TimeZone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TimeZone::~TimeZone() = default;

const std::string& TimeZone::name() const { return impl_->name; }

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const auto zone = [] {
    auto impl = std::make_unique<Impl>();
    impl->name = "UTC";
    return std::make_shared<const TimeZone>(std::move(impl));
  }();
  return zone;
}

Result<std::shared_ptr<const TimeZone>> TimeZone::from_tzif(std::string_view name,
                                                            std::string_view tzif) {
  auto impl = parse_tzif(name, tzif);
  if (!impl) return std::unexpected(std::move(impl.error()));
  return std::make_shared<const TimeZone>(std::move(*impl));
}

Result<std::shared_ptr<const TimeZone>> TimeZone::load(std::string_view name) {
  // UTC needs no file, so a container without tzdata still runs in it.
  if (name == "UTC" || name == "Etc/UTC") return utc();
  const std::string shown = core::quoted(name, 64);
  // The name comes from config and from clients: keep it inside the zoneinfo tree.
  const bool plain = !name.empty() && name.front() != '/' &&
                     std::all_of(name.begin(), name.end(),
                                 [](char ch) {
                                   return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                                          (ch >= '0' && ch <= '9') || ch == '/' || ch == '_' ||
                                          ch == '-' || ch == '+' || ch == '.';
                                 }) &&
                     name.find("..") == std::string_view::npos;
  if (!plain) return fail(Errc::not_found, "unknown time zone " + shown);
  const std::string path = "/usr/share/zoneinfo/" + std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return fail(Errc::not_found, "unknown time zone " + shown + " (no file " + path + ")");
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in && !in.eof()) return fail(Errc::io, "time zone " + shown + ": cannot read " + path);
  return from_tzif(name, bytes);
}

int32_t TimeZone::offset_at(int64_t utc_us) const {
  return impl_->offset_at(floor_div(utc_us, kMicros));
}

CivilTime TimeZone::to_civil(int64_t utc_us) const {
  const int64_t seconds = floor_div(utc_us, kMicros);
  const int64_t local = seconds + impl_->offset_at(seconds);
  const int64_t days = floor_div(local, kDay);
  const int64_t second_of_day = local - days * kDay;
  CivilTime c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(second_of_day / 3600);
  c.minute = static_cast<int>(second_of_day / 60 % 60);
  c.second = static_cast<int>(second_of_day % 60);
  c.micros = utc_us - seconds * kMicros;
  return c;
}

int64_t TimeZone::from_civil(const CivilTime& c) const {
  const int64_t local =
      days_from_civil(c.year, c.month, c.day) * kDay + c.hour * 3600 + c.minute * 60 + c.second;
  // Offsets are under a day and transitions over a day apart, so the offsets in force a
  // day either side are the only readings a local time can have. A reading holds when the
  // instant it gives has the offset it assumed: both hold in an overlap, neither in a gap.
  const int32_t before = impl_->offset_at(local - kDay);
  const int32_t after = impl_->offset_at(local + kDay);
  const int64_t first = local - before;
  const int64_t second = local - after;
  const bool first_holds = impl_->offset_at(first) == before;
  const bool second_holds = impl_->offset_at(second) == after;
  int64_t t = first;  // also the reading for a gap
  if (second_holds && (!first_holds || second < first)) t = second;
  return t * kMicros + c.micros;
}

}  // namespace hokan::core
