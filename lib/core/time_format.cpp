#include "core/time_format.h"

#include <chrono>
#include <cstdio>

namespace hokan::core {
namespace {

constexpr int64_t kMicros = 1'000'000;

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

std::string quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Parses "YYYY-MM-DD" at the start; returns chars used, 0 on mismatch.
std::size_t parse_date(std::string_view s, CivilTime& c, std::string& why) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return 0;
  if (!digits(s, 0, 4, c.year) || !digits(s, 5, 2, c.month) || !digits(s, 8, 2, c.day)) return 0;
  if (c.month < 1 || c.month > 12) { why = "month out of range"; return 0; }
  if (c.day < 1 || c.day > days_in_month(c.year, c.month)) { why = "day out of range"; return 0; }
  return 10;
}

// Parses "hh:mm[:ss[.ffffff]]"; returns chars used, 0 on mismatch.
std::size_t parse_clock(std::string_view s, CivilTime& c, std::string& why) {
  if (s.size() < 5 || s[2] != ':' || !digits(s, 0, 2, c.hour) || !digits(s, 3, 2, c.minute)) return 0;
  std::size_t used = 5;
  c.second = 0;
  c.micros = 0;
  if (s.size() >= 8 && s[5] == ':') {
    if (!digits(s, 6, 2, c.second)) return 0;
    used = 8;
    if (used < s.size() && (s[used] == '.' || s[used] == ',')) {
      ++used;
      std::size_t start = used;
      int64_t scale = 100000;
      while (used < s.size() && s[used] >= '0' && s[used] <= '9') {
        c.micros += (s[used] - '0') * scale;
        scale /= 10;
        ++used;
      }
      if (used == start) return 0;
    }
  }
  if (c.hour > 23 || c.minute > 59 || c.second > 60) { why = "time of day out of range"; return 0; }
  if (c.second == 60) c.second = 59;  // a leap second reads as the second before it
  return used;
}

// Parses "Z", "+09:00", "+0900", "+09"; returns chars used (0 on mismatch).
std::size_t parse_offset(std::string_view s, int32_t& offset) {
  if (s.empty()) return 0;
  if (s[0] == 'Z' || s[0] == 'z') { offset = 0; return 1; }
  if (s[0] != '+' && s[0] != '-') return 0;
  int h = 0, m = 0;
  std::size_t used = 0;
  if (!digits(s, 1, 2, h)) return 0;
  if (s.size() >= 6 && s[3] == ':' && digits(s, 4, 2, m)) used = 6;
  else if (s.size() >= 5 && digits(s, 3, 2, m)) used = 5;
  else used = 3;
  if (h > 23 || m > 59) return 0;
  offset = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
  return used;
}

int64_t utc_from_fields(const CivilTime& c, int32_t offset) {
  int64_t local = days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  return (local - offset) * kMicros + c.micros;
}

// "-2h", "+1h30min", "-7d": returns false when it is not a relative time.
bool parse_relative(std::string_view s, int64_t now_us, int64_t& out) {
  if (s.size() < 3 || (s[0] != '-' && s[0] != '+')) return false;
  int64_t sign = s[0] == '-' ? -1 : 1;
  std::size_t i = 1;
  int64_t total = 0;
  while (i < s.size()) {
    int64_t n = 0;
    std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 12) n = n * 10 + (s[i++] - '0');
    if (i == start) return false;
    std::size_t unit_start = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    std::string_view unit = s.substr(unit_start, i - unit_start);
    int64_t seconds = 0;
    if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds") seconds = 1;
    else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" || unit == "minutes") seconds = 60;
    else if (unit == "h" || unit == "hour" || unit == "hours") seconds = 3600;
    else if (unit == "d" || unit == "day" || unit == "days") seconds = 86400;
    else if (unit == "w" || unit == "week" || unit == "weeks") seconds = 7 * 86400;
    else return false;
    total += n * seconds;
  }
  out = now_us + sign * total * kMicros;
  return true;
}

}  // namespace

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_rfc3339(int64_t utc_us, const TimeZone& zone) {
  CivilTime c = zone.to_civil(utc_us);
  int32_t offset = zone.offset_at(utc_us);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day,
                        c.hour, c.minute, c.second);
  if (c.micros != 0) n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(c.micros));
  int32_t a = offset < 0 ? -offset : offset;
  std::snprintf(buf + n, sizeof buf - n, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 3600, a / 60 % 60);
  return buf;
}

Result<int64_t> parse_rfc3339(std::string_view text) {
  CivilTime c;
  std::string why;
  std::size_t used = parse_date(text, c, why);
  if (!used || used >= text.size() || (text[used] != 'T' && text[used] != 't'))
    return fail(Errc::invalid_argument, "bad time " + quote(text) + ": " + (why.empty() ? "expected RFC 3339" : why));
  std::size_t clock = parse_clock(text.substr(used + 1), c, why);
  if (!clock)
    return fail(Errc::invalid_argument, "bad time " + quote(text) + ": " + (why.empty() ? "expected hh:mm:ss" : why));
  used += 1 + clock;
  int32_t offset = 0;
  std::size_t off = parse_offset(text.substr(used), offset);
  if (!off || used + off != text.size())
    return fail(Errc::invalid_argument, "bad time " + quote(text) + ": expected Z or an offset like +09:00");
  return utc_from_fields(c, offset);
}

Result<int64_t> parse_time(std::string_view text, int64_t now, const TimeZone& zone) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  if (text.empty()) return fail(Errc::invalid_argument, "bad time \"\": empty");
  if (text == "now") return now;
  if (text == "today" || text == "yesterday" || text == "tomorrow") {
    CivilTime c = zone.to_civil(now);
    int64_t day = days_from_civil(c.year, c.month, c.day) + (text == "yesterday" ? -1 : text == "tomorrow" ? 1 : 0);
    CivilTime midnight;
    civil_from_days(day, midnight.year, midnight.month, midnight.day);
    return zone.from_civil(midnight);
  }
  int64_t relative = 0;
  if (parse_relative(text, now, relative)) return relative;
  CivilTime c;
  std::string why;
  std::size_t used = parse_date(text, c, why);
  if (!used) {
    return fail(Errc::invalid_argument,
                "bad time " + quote(text) + ": " +
                    (why.empty() ? "expected 2026-11-01, \"2026-11-01 03:12:00\", RFC 3339, now, today, "
                                   "yesterday or a relative time like -2h"
                                 : why));
  }
  if (used < text.size()) {
    if (text[used] != ' ' && text[used] != 'T' && text[used] != 't')
      return fail(Errc::invalid_argument, "bad time " + quote(text) + ": unexpected text after the date");
    std::size_t clock = parse_clock(text.substr(used + 1), c, why);
    if (!clock)
      return fail(Errc::invalid_argument, "bad time " + quote(text) + ": " + (why.empty() ? "expected hh:mm[:ss]" : why));
    used += 1 + clock;
  }
  if (used == text.size()) return zone.from_civil(c);
  int32_t offset = 0;
  std::size_t off = parse_offset(text.substr(used), offset);
  if (!off || used + off != text.size())
    return fail(Errc::invalid_argument, "bad time " + quote(text) + ": unexpected text after the time");
  return utc_from_fields(c, offset);
}

}  // namespace hokan::core
