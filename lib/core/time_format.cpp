#include "core/time_format.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>

#include "core/quote.h"

namespace hokan::core {
namespace {

constexpr int64_t kMicros = 1'000'000;
// Relative times further out than this (about 3,000 years) are typos, and refusing them
// keeps the arithmetic far from overflow.
constexpr int64_t kMaxRelativeSeconds = 100'000'000'000;

constexpr std::string_view kForms =
    "expected a date like 2026-11-01 or \"2026-11-01 03:12:00\", RFC 3339, now, today, "
    "yesterday, tomorrow or a relative time like -2h";

std::unexpected<Error> bad(std::string_view text, std::string_view why) {
  return fail(Errc::invalid_argument, "bad time " + core::quoted(text, 64) + ": " + std::string(why));
}

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
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// A written date and time, with its offset when the text gives one.
struct Stamp {
  CivilTime civil;
  std::optional<int32_t> offset;
};

// "YYYY-MM-DD[(T| )hh:mm[:ss[.ffffff]]][Z|+hh:mm|+hhmm|+hh]". Strict is RFC 3339: 'T',
// seconds and an offset required, '.' before a fraction, the offset only as Z or +hh:mm.
Result<Stamp> parse_stamp(std::string_view text, bool strict) {
  Stamp stamp;
  CivilTime& c = stamp.civil;
  if (text.size() < 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4, c.year) ||
      !digits(text, 5, 2, c.month) || !digits(text, 8, 2, c.day))
    return bad(text, strict ? "expected RFC 3339 like 2026-11-20T03:12:00+09:00" : kForms);
  if (c.month < 1 || c.month > 12) return bad(text, "month out of range");
  if (c.day < 1 || c.day > days_in_month(c.year, c.month)) return bad(text, "day out of range");

  std::string_view rest = text.substr(10);
  if (rest.empty()) {
    if (strict) return bad(text, "expected 'T' and a time after the date");
    return stamp;
  }
  if (rest[0] != 'T' && rest[0] != 't' && (strict || rest[0] != ' '))
    return bad(text, strict ? "expected 'T' after the date" : "unexpected text after the date");
  rest.remove_prefix(1);

  const char* clock_form = strict ? "expected hh:mm:ss after the date" : "expected hh:mm[:ss]";
  if (rest.size() < 5 || rest[2] != ':' || !digits(rest, 0, 2, c.hour) ||
      !digits(rest, 3, 2, c.minute))
    return bad(text, clock_form);
  rest.remove_prefix(5);
  if (!rest.empty() && rest[0] == ':') {
    if (!digits(rest, 1, 2, c.second)) return bad(text, clock_form);
    rest.remove_prefix(3);
    if (!rest.empty() && (rest[0] == '.' || (!strict && rest[0] == ','))) {
      std::size_t n = 1;
      // Digits past the sixth are read and dropped: hokan keeps microseconds.
      for (int64_t scale = 100000; n < rest.size() && rest[n] >= '0' && rest[n] <= '9';
           ++n, scale /= 10)
        c.micros += (rest[n] - '0') * scale;
      if (n == 1) return bad(text, "expected digits after the decimal point");
      rest.remove_prefix(n);
    }
  } else if (strict) {
    return bad(text, clock_form);
  }
  if (c.hour > 23 || c.minute > 59 || c.second > 60) return bad(text, "time of day out of range");
  if (c.second == 60) {
    // A leap second: POSIX time has none, so read it as the last microsecond before the
    // next minute, which keeps it in order with its neighbours.
    c.second = 59;
    c.micros = kMicros - 1;
  }

  if (rest.empty()) {
    if (strict) return bad(text, "expected Z or an offset like +09:00");
    return stamp;
  }
  if (rest == "Z" || rest == "z") {
    stamp.offset = 0;
    return stamp;
  }
  int hours = 0, minutes = 0;
  const bool signed_hours = (rest[0] == '+' || rest[0] == '-') && digits(rest, 1, 2, hours);
  const bool with_colon = rest.size() == 6 && rest[3] == ':' && digits(rest, 4, 2, minutes);
  const bool compact =
      !strict && ((rest.size() == 5 && digits(rest, 3, 2, minutes)) || rest.size() == 3);
  if (!signed_hours || !(with_colon || compact))
    return bad(text,
               strict ? "expected Z or an offset like +09:00" : "unexpected text after the time");
  if (hours > 23 || minutes > 59) return bad(text, "offset out of range");
  stamp.offset = (rest[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  return stamp;
}

int64_t utc_of(const CivilTime& c, int32_t offset) {
  const int64_t local =
      days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  return (local - offset) * kMicros + c.micros;
}

bool looks_relative(std::string_view text) {
  return text.size() >= 2 && (text[0] == '-' || text[0] == '+') && text[1] >= '0' && text[1] <= '9';
}

// "-2h", "+1h30min", "-7d": a sign, then one or more number-unit pairs.
Result<int64_t> parse_relative(std::string_view text, int64_t now) {
  const int64_t sign = text[0] == '-' ? -1 : 1;
  std::string_view rest = text.substr(1);
  int64_t total = 0;
  while (!rest.empty()) {
    std::size_t n = 0;
    int64_t count = 0;
    for (; n < rest.size() && rest[n] >= '0' && rest[n] <= '9'; ++n)
      count = std::min(count * 10 + (rest[n] - '0'), kMaxRelativeSeconds + 1);
    if (n == 0) return bad(text, "expected a number before each unit");
    rest.remove_prefix(n);
    n = 0;
    while (n < rest.size() && rest[n] >= 'a' && rest[n] <= 'z') ++n;
    const std::string_view unit = rest.substr(0, n);
    rest.remove_prefix(n);
    int64_t seconds = 0;
    if (unit == "s" || unit == "sec" || unit == "secs" || unit == "second" || unit == "seconds")
      seconds = 1;
    else if (unit == "m" || unit == "min" || unit == "mins" || unit == "minute" ||
             unit == "minutes")
      seconds = 60;
    else if (unit == "h" || unit == "hr" || unit == "hour" || unit == "hours")
      seconds = 3600;
    else if (unit == "d" || unit == "day" || unit == "days")
      seconds = 86400;
    else if (unit == "w" || unit == "week" || unit == "weeks")
      seconds = 7 * 86400;
    else if (unit.empty())
      return bad(text, "expected a unit after the number (s, min, h, d or w)");
    else
      return bad(text, "unknown unit " + core::quoted(unit, 16) + " (use s, min, h, d or w)");
    if (count > kMaxRelativeSeconds / seconds || total + count * seconds > kMaxRelativeSeconds)
      return bad(text, "too far from now");
    total += count * seconds;
  }
  return now + sign * total * kMicros;
}

}  // namespace

int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_rfc3339(int64_t utc_us, const TimeZone& zone) {
  // RFC 3339 offsets have no seconds, but the local mean time zones before ~1900 do
  // (New York: -4:56:02). The offset is rounded to the minute and the clock read with it,
  // so the text still names this very instant.
  static const TimeZone& utc = *TimeZone::utc();
  const int32_t exact = zone.offset_at(utc_us);
  const int32_t offset = (exact >= 0 ? exact + 30 : exact - 30) / 60 * 60;
  const CivilTime c = utc.to_civil(utc_us + int64_t{offset} * kMicros);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day,
                        c.hour, c.minute, c.second);
  if (c.micros != 0)
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(c.micros));
  const int32_t magnitude = offset < 0 ? -offset : offset;
  std::snprintf(buf + n, sizeof buf - n, "%c%02d:%02d", offset < 0 ? '-' : '+', magnitude / 3600,
                magnitude / 60 % 60);
  return buf;
}

Result<int64_t> parse_rfc3339(std::string_view text) {
  auto stamp = parse_stamp(text, /*strict=*/true);
  if (!stamp) return std::unexpected(std::move(stamp.error()));
  return utc_of(stamp->civil, *stamp->offset);  // strict: the offset is always there
}

Result<int64_t> parse_time(std::string_view text, int64_t now, const TimeZone& zone) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = text.find_first_not_of(kSpace);
  text = first == std::string_view::npos
             ? std::string_view()
             : text.substr(first, text.find_last_not_of(kSpace) - first + 1);
  if (text.empty()) return bad(text, "empty");
  if (text == "now") return now;
  if (text == "today" || text == "yesterday" || text == "tomorrow") {
    const CivilTime c = zone.to_civil(now);
    const int64_t days = days_from_civil(c.year, c.month, c.day) + (text == "yesterday"  ? -1
                                                                    : text == "tomorrow" ? 1
                                                                                         : 0);
    CivilTime midnight;
    civil_from_days(days, midnight.year, midnight.month, midnight.day);
    return zone.from_civil(midnight);
  }
  if (looks_relative(text)) return parse_relative(text, now);
  auto stamp = parse_stamp(text, /*strict=*/false);
  if (!stamp) return std::unexpected(std::move(stamp.error()));
  return stamp->offset ? utc_of(stamp->civil, *stamp->offset) : zone.from_civil(stamp->civil);
}

}  // namespace hokan::core
