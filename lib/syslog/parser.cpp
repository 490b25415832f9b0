#include "syslog/parser.h"

#include <array>
#include <cstring>

namespace hokan::syslog {
namespace {

constexpr int64_t kMicros = 1'000'000;

constexpr std::array<std::string_view, 24> kFacilities = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
constexpr std::array<std::string_view, 8> kSeverities = {"emerg",  "alert", "crit", "err",
                                                         "warning", "notice", "info", "debug"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(s[i])) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// "<PRI>" at the start; returns chars used, 0 when absent or invalid.
std::size_t parse_pri(std::string_view s, int& pri) {
  if (s.size() < 3 || s[0] != '<') return 0;
  std::size_t i = 1;
  pri = 0;
  while (i < s.size() && i <= 4 && is_digit(s[i])) pri = pri * 10 + (s[i++] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>' || pri > 191) return 0;
  if (i > 2 && s[1] == '0') return 0;  // no leading zeros (RFC 5424 6.2.1)
  return i + 1;
}

// ISO 8601 / RFC 3339 timestamp at the start of s: "2026-11-20T03:12:00[.f][Z|+hh:mm]".
// Sets `with_offset` when a zone was given; without one, the time is local (zone).
std::size_t parse_iso(std::string_view s, int64_t& out, const core::TimeZone* zone, bool& with_offset) {
  core::CivilTime c;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
      s[16] != ':')
    return 0;
  if (!digits(s, 0, 4, c.year) || !digits(s, 5, 2, c.month) || !digits(s, 8, 2, c.day) ||
      !digits(s, 11, 2, c.hour) || !digits(s, 14, 2, c.minute) || !digits(s, 17, 2, c.second))
    return 0;
  if (c.month < 1 || c.month > 12 || c.day < 1 || c.day > days_in_month(c.year, c.month) || c.hour > 23 ||
      c.minute > 59 || c.second > 60)
    return 0;
  if (c.second == 60) c.second = 59;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    std::size_t start = i;
    int64_t scale = 100000;
    while (i < s.size() && is_digit(s[i])) {
      if (scale > 0) c.micros += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start || i - start > 9) return 0;
  }
  int32_t offset = 0;
  with_offset = false;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    with_offset = true;
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int h = 0, m = 0;
    if (i + 6 > s.size() || s[i + 3] != ':' || !digits(s, i + 1, 2, h) || !digits(s, i + 4, 2, m) || h > 23 ||
        m > 59)
      return 0;
    offset = (s[i] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    with_offset = true;
    i += 6;
  }
  if (with_offset || !zone) {
    int64_t local = core::days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
    out = (local - offset) * kMicros + c.micros;
  } else {
    out = zone->from_civil(c);
  }
  return i;
}

// Next space-delimited token; advances `at` past the token and one space.
std::string_view token(std::string_view s, std::size_t& at, bool& ok) {
  std::size_t end = s.find(' ', at);
  if (end == std::string_view::npos) {
    ok = false;
    end = s.size();
  }
  std::string_view t = s.substr(at, end - at);
  at = end + (end < s.size() ? 1 : 0);
  return t;
}

std::string nil_or(std::string_view t) { return t == "-" ? std::string() : std::string(t); }

bool printable_name(std::string_view t, std::size_t max) {
  if (t.empty() || t.size() > max) return false;
  for (char c : t)
    if (static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126) return false;
  return true;
}

// STRUCTURED-DATA at s[at]; fills m.sd. Returns false on a syntax error.
bool parse_sd(std::string_view s, std::size_t& at, Message& m) {
  if (at < s.size() && s[at] == '-') {
    ++at;
    return true;
  }
  if (at >= s.size() || s[at] != '[') return false;
  while (at < s.size() && s[at] == '[') {
    ++at;
    SdElement element;
    std::size_t start = at;
    while (at < s.size() && s[at] != ' ' && s[at] != ']' && s[at] != '=' && s[at] != '"') ++at;
    element.id.assign(s.substr(start, at - start));
    if (!printable_name(element.id, 32)) return false;
    while (at < s.size() && s[at] == ' ') {
      ++at;
      SdParam param;
      start = at;
      while (at < s.size() && s[at] != '=' && s[at] != ' ' && s[at] != ']' && s[at] != '"') ++at;
      param.name.assign(s.substr(start, at - start));
      if (!printable_name(param.name, 32) || at + 1 >= s.size() || s[at] != '=' || s[at + 1] != '"') return false;
      at += 2;
      // Escapes: \" \\ \] stand for the character; any other backslash is kept.
      bool closed = false;
      while (at < s.size()) {
        char c = s[at];
        if (c == '\\' && at + 1 < s.size() && (s[at + 1] == '"' || s[at + 1] == '\\' || s[at + 1] == ']')) {
          param.value.push_back(s[at + 1]);
          at += 2;
        } else if (c == '"') {
          ++at;
          closed = true;
          break;
        } else {
          param.value.push_back(c);
          ++at;
        }
      }
      if (!closed) return false;
      element.params.push_back(std::move(param));
    }
    if (at >= s.size() || s[at] != ']') return false;
    ++at;
    m.sd.push_back(std::move(element));
  }
  return true;
}

std::string strip_bom(std::string_view msg) {
  if (msg.size() >= 3 && static_cast<unsigned char>(msg[0]) == 0xEF && static_cast<unsigned char>(msg[1]) == 0xBB &&
      static_cast<unsigned char>(msg[2]) == 0xBF)
    msg.remove_prefix(3);
  return std::string(msg);
}

void mark_malformed(Message& m, std::string_view line, const char* why) {
  m.malformed = true;
  m.malformed_reason = why;
  m.message.assign(line);
}

void parse_5424(std::string_view s, std::size_t at, Message& m, const ParseContext& context) {
  m.format = Format::rfc5424;
  bool ok = true;
  std::string_view ts = token(s, at, ok);
  if (ts != "-") {
    int64_t t = 0;
    bool with_offset = false;
    if (parse_iso(ts, t, context.zone, with_offset) != ts.size() || !with_offset)
      return mark_malformed(m, s, "RFC 5424 TIMESTAMP is not RFC 3339 with an offset");
    m.time_us = t;
  }
  std::string_view host = ok ? token(s, at, ok) : std::string_view();
  std::string_view app = ok ? token(s, at, ok) : std::string_view();
  std::string_view procid = ok ? token(s, at, ok) : std::string_view();
  std::string_view msgid = ok ? token(s, at, ok) : std::string_view();
  if (!ok) return mark_malformed(m, s, "RFC 5424 header ends early");
  if (!printable_name(host, 255) || !printable_name(app, 48) || !printable_name(procid, 128) ||
      !printable_name(msgid, 32))
    return mark_malformed(m, s, "RFC 5424 header field empty or too long");
  m.host = nil_or(host);
  m.app = nil_or(app);
  m.procid = nil_or(procid);
  m.msgid = nil_or(msgid);
  if (!parse_sd(s, at, m)) {
    m.sd.clear();
    return mark_malformed(m, s, "RFC 5424 STRUCTURED-DATA does not parse");
  }
  if (at < s.size()) {
    if (s[at] != ' ') return mark_malformed(m, s, "RFC 5424 MSG not separated by a space");
    m.message = strip_bom(s.substr(at + 1));
  }
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Mmm dd hh:mm:ss" (day space-padded). Year chosen so the time is nearest the received
// time and not more than a day after it (clocks of senders run a little fast).
std::size_t parse_bsd_time(std::string_view s, int64_t& out, const ParseContext& context) {
  if (s.size() < 15 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':') return 0;
  int month = 0;
  while (month < 12 && s.substr(0, 3) != kMonths[month]) ++month;
  if (month == 12) return 0;
  core::CivilTime c;
  c.month = month + 1;
  if (s[4] == ' ') {
    if (!digits(s, 5, 1, c.day)) return 0;
  } else if (!digits(s, 4, 2, c.day)) {
    return 0;
  }
  if (!digits(s, 7, 2, c.hour) || !digits(s, 10, 2, c.minute) || !digits(s, 13, 2, c.second)) return 0;
  if (c.day < 1 || c.day > 31 || c.hour > 23 || c.minute > 59 || c.second > 60) return 0;
  if (c.second == 60) c.second = 59;
  const core::TimeZone& zone = context.zone ? *context.zone : *core::TimeZone::utc();
  int received_year = zone.to_civil(context.received_us).year;
  int64_t best = 0;
  bool found = false;
  for (int year : {received_year + 1, received_year, received_year - 1}) {
    if (c.day > days_in_month(year, c.month)) continue;  // 29 Feb only in leap years
    c.year = year;
    int64_t t = zone.from_civil(c);
    if (t > context.received_us + 86400 * kMicros) continue;
    if (!found || t > best) {
      best = t;
      found = true;
    }
  }
  if (!found) return 0;
  out = best;
  return 15;
}

void parse_3164(std::string_view s, std::size_t at, Message& m, const ParseContext& context) {
  m.format = Format::rfc3164;
  std::string_view rest = s.substr(at);
  int64_t t = 0;
  bool have_time = false;
  if (std::size_t n = parse_bsd_time(rest, t, context)) {
    have_time = true;
    rest.remove_prefix(n);
  } else {
    bool with_offset = false;
    if (std::size_t iso = parse_iso(rest, t, context.zone, with_offset)) {
      have_time = true;
      rest.remove_prefix(iso);
    }
  }
  if (have_time) {
    m.time_us = t;
    if (rest.empty() || rest[0] != ' ') {
      m.message.assign(rest);
      return;
    }
    rest.remove_prefix(1);
    // HOSTNAME follows a timestamp unless the next word is already the tag ("app:" or
    // "app[pid]:").
    std::size_t space = rest.find(' ');
    std::string_view word = rest.substr(0, space);
    bool looks_like_tag = !word.empty() && (word.back() == ':' || word.back() == ']' ||
                                            word.find('[') != std::string_view::npos);
    if (!looks_like_tag && space != std::string_view::npos && !word.empty()) {
      m.host.assign(word);
      rest.remove_prefix(space + 1);
    }
  }
  // TAG: up to 48 alphanumerics and a few punctuation marks, then "[pid]" and/or ":".
  std::size_t i = 0;
  while (i < rest.size() && i < 48) {
    char c = rest[i];
    if (c == ':' || c == '[' || c == ' ') break;
    if (static_cast<unsigned char>(c) < 33 || static_cast<unsigned char>(c) > 126) break;
    ++i;
  }
  std::string_view tag = rest.substr(0, i);
  std::size_t j = i;
  std::string_view pid;
  if (j < rest.size() && rest[j] == '[') {
    std::size_t close = rest.find(']', j);
    if (close != std::string_view::npos && close - j <= 129) {
      pid = rest.substr(j + 1, close - j - 1);
      j = close + 1;
    }
  }
  bool colon = j < rest.size() && rest[j] == ':';
  if (!tag.empty() && (colon || !pid.empty()) ) {
    m.app.assign(tag);
    m.procid.assign(pid);
    if (colon) ++j;
    if (j < rest.size() && rest[j] == ' ') ++j;
    rest.remove_prefix(j);
  }
  m.message = strip_bom(rest);
}

}  // namespace

std::string_view facility_name(int facility) {
  return facility >= 0 && facility < static_cast<int>(kFacilities.size()) ? kFacilities[facility] : "";
}
std::string_view severity_name(int severity) {
  return severity >= 0 && severity < static_cast<int>(kSeverities.size()) ? kSeverities[severity] : "";
}
int facility_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kFacilities.size(); ++i)
    if (kFacilities[i] == name) return static_cast<int>(i);
  if (name == "auth-priv") return 10;
  if (name == "clock" || name == "cron2") return 15;
  return -1;
}
int severity_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kSeverities.size(); ++i)
    if (kSeverities[i] == name) return static_cast<int>(i);
  if (name == "emergency" || name == "panic") return 0;
  if (name == "critical") return 2;
  if (name == "error") return 3;
  if (name == "warn") return 4;
  if (name == "informational") return 6;
  return -1;
}

Message parse(std::string_view line, const ParseContext& context) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == '\0')) line.remove_suffix(1);
  Message m;
  int pri = 0;
  std::size_t at = parse_pri(line, pri);
  if (at == 0) {
    mark_malformed(m, line, line.empty() ? "empty line" : "no valid <PRI> at the start");
    return m;
  }
  m.facility = pri / 8;
  m.severity = pri % 8;
  if (line.size() > at + 1 && line[at] == '1' && line[at + 1] == ' ') {
    parse_5424(line, at + 2, m, context);
  } else {
    parse_3164(line, at, m, context);
  }
  return m;
}

}  // namespace hokan::syslog
