// A hand-written scanner over string_views: parse() runs on every received message
// (~300k/s on one core), so there is no regex, no exception, and every string is assigned
// from a substring of the line rather than built a character at a time.
#include "syslog/parser.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

namespace hokan::syslog {
namespace {

constexpr int64_t kMicros = 1'000'000;
constexpr int64_t kDayMicros = 86'400 * kMicros;
constexpr std::size_t npos = std::string_view::npos;

constexpr std::array<std::string_view, 24> kFacilities = {
    "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
    "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
constexpr std::array<std::string_view, 8> kSeverities = {"emerg",   "alert",  "crit", "err",
                                                         "warning", "notice", "info", "debug"};
constexpr std::array<std::string_view, 12> kMonths = {"jan", "feb", "mar", "apr", "may", "jun",
                                                      "jul", "aug", "sep", "oct", "nov", "dec"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
// PRINTUSASCII (%d33-126): what RFC 5424 header fields and SD names may hold. A plain
// char may be signed, so bytes >= 0x80 compare below 33 and are rejected too.
bool is_print(char c) { return c >= 33 && c <= 126; }

// Exactly n decimal digits at s[at].
bool read_digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at > s.size() || s.size() - at < n) return false;
  int value = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (!is_digit(s[i])) return false;
    value = value * 10 + (s[i] - '0');
  }
  out = value;
  return true;
}

bool is_leap(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

// TimeZone::utc() hands out a shared_ptr; copying it per message would cost two atomic
// operations for nothing.
const core::TimeZone& utc_zone() {
  static const std::shared_ptr<const core::TimeZone> zone = core::TimeZone::utc();
  return *zone;
}

// Keeps the first problem only: later ones are mostly its consequences.
void flag(Message& m, const char* why) {
  if (m.malformed) return;
  m.malformed = true;
  m.malformed_reason = why;
}

void assign_message(Message& m, std::string_view msg) {
  if (msg.size() >= 3 && static_cast<unsigned char>(msg[0]) == 0xEF &&
      static_cast<unsigned char>(msg[1]) == 0xBB && static_cast<unsigned char>(msg[2]) == 0xBF)
    msg.remove_prefix(3);
  m.message.assign(msg);
}

// "<PRI>" at the start: 1 to 3 digits without a leading zero (RFC 5424 6.2.1), at most
// 191. Returns the characters used, or 0 with `why` set.
std::size_t parse_pri(std::string_view s, int& pri, const char*& why) {
  if (s.empty()) {
    why = "empty line";
    return 0;
  }
  if (s[0] != '<') {
    why = "no <PRI> at the start";
    return 0;
  }
  std::size_t i = 1;
  int value = 0;
  while (i < s.size() && i <= 3 && is_digit(s[i])) value = value * 10 + (s[i++] - '0');
  if (i == 1 || i >= s.size() || s[i] != '>') {
    why = "<PRI> is not 1 to 3 digits closed by '>'";
    return 0;
  }
  if (i > 2 && s[1] == '0') {
    why = "<PRI> has a leading zero";
    return 0;
  }
  if (value > 191) {
    why = "<PRI> is above 191";
    return 0;
  }
  pri = value;
  return i + 1;
}

// ---- Timestamps --------------------------------------------------------------------------

struct IsoTime {
  std::size_t length = 0;  // characters read; 0 when the text is not shaped like a time
  bool valid = false;      // every field in range; utc_us is set only then
  bool has_offset = false;
  bool strict = true;          // upper-case 'T'/'Z', "+hh:mm" offset, at most 6 fraction digits
  bool long_fraction = false;  // more than 6 fraction digits (RFC 5424 6.2.3 forbids them)
  int64_t utc_us = 0;
};

// "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|-hh:mm]" at the start of s. Without an offset the
// time is read in `zone`, as for the ISO stamps some RFC 3164 senders use. Lenient where
// senders differ (lower-case 't'/'z', "+hhmm", long fractions: digits past the sixth are
// dropped) but says so in `strict`, so RFC 5424 can insist.
IsoTime parse_iso(std::string_view s, const core::TimeZone& zone) {
  IsoTime r;
  core::CivilTime c;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':')
    return r;
  // Events arrive in time order, and most share their second with the one before: its
  // six numbers are read again only when the text of the second differs.
  struct LastSecond {
    char text[19];
    core::CivilTime civil;
    bool set = false;
  };
  thread_local LastSecond last;
  if (last.set && std::memcmp(last.text, s.data(), 19) == 0) {
    c = last.civil;
  } else {
    if (!read_digits(s, 0, 4, c.year) || !read_digits(s, 5, 2, c.month) || !read_digits(s, 8, 2, c.day) ||
        !read_digits(s, 11, 2, c.hour) || !read_digits(s, 14, 2, c.minute) || !read_digits(s, 17, 2, c.second))
      return r;
    std::memcpy(last.text, s.data(), 19);
    last.civil = c;
    last.set = true;
  }
  if (s[10] == 't') r.strict = false;
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    const std::size_t start = ++i;
    int64_t scale = 100'000;
    while (i < s.size() && is_digit(s[i])) {
      c.micros += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return r;
    if (i - start > 6) {
      r.long_fraction = true;
      r.strict = false;
    }
  }
  int offset_seconds = 0;
  bool offset_in_range = true;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    if (s[i] == 'z') r.strict = false;
    r.has_offset = true;
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int h = 0, m = 0;
    std::size_t used = 0;
    if (read_digits(s, i + 1, 2, h) && i + 3 < s.size() && s[i + 3] == ':' &&
        read_digits(s, i + 4, 2, m)) {
      used = 6;
    } else if (read_digits(s, i + 1, 2, h) && read_digits(s, i + 3, 2, m)) {
      used = 5;
      r.strict = false;
    } else {
      return r;
    }
    offset_in_range = h <= 23 && m <= 59;
    offset_seconds = (s[i] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    r.has_offset = true;
    i += used;
  }
  r.length = i;
  r.valid = offset_in_range && c.month >= 1 && c.month <= 12 && c.day >= 1 &&
            c.day <= days_in_month(c.year, c.month) && c.hour <= 23 && c.minute <= 59 &&
            c.second <= 60;
  if (!r.valid) return r;
  // A leap second is read as the second before it: the order of events is kept and
  // nothing downstream has to know about 60.
  if (c.second == 60) c.second = 59;
  if (r.has_offset) {
    const int64_t local = core::days_from_civil(c.year, c.month, c.day) * 86'400 + c.hour * 3600 +
                          c.minute * 60 + c.second;
    r.utc_us = (local - offset_seconds) * kMicros + c.micros;
  } else {
    r.utc_us = zone.from_civil(c);
  }
  return r;
}

struct BsdTime {
  std::size_t length = 0;  // 0 when the text is not shaped like "Mmm dd hh:mm:ss"
  bool valid = false;
  core::CivilTime civil;  // without a year
};

// "Mmm dd hh:mm:ss" (RFC 3164 4.1.2), the day space-padded ("Nov  5"), zero-padded or,
// as whole real archives are written, not padded at all ("Nov 5"). Month names in any
// case, and a fraction after the seconds (rsyslog's high-precision and Cisco's msec
// stamps) are accepted too.
BsdTime parse_bsd_time(std::string_view s) {
  BsdTime r;
  if (s.size() < 14 || s[3] != ' ') return r;
  int month = 0;
  while (month < 12 && ((s[0] | 0x20) != kMonths[month][0] || (s[1] | 0x20) != kMonths[month][1] ||
                        (s[2] | 0x20) != kMonths[month][2]))
    ++month;
  if (month == 12) return r;
  core::CivilTime& c = r.civil;
  c.month = month + 1;
  std::size_t t = 7;  // where hh:mm:ss starts
  if (s[4] == ' ') {
    if (!read_digits(s, 5, 1, c.day)) return r;
  } else if (!read_digits(s, 4, 2, c.day)) {
    if (!read_digits(s, 4, 1, c.day)) return r;
    t = 6;
  }
  if (s.size() < t + 8 || s[t - 1] != ' ' || s[t + 2] != ':' || s[t + 5] != ':' ||
      !read_digits(s, t, 2, c.hour) || !read_digits(s, t + 3, 2, c.minute) ||
      !read_digits(s, t + 6, 2, c.second))
    return r;
  std::size_t i = t + 8;
  if (i + 1 < s.size() && s[i] == '.' && is_digit(s[i + 1])) {
    int64_t scale = 100'000;
    for (++i; i < s.size() && is_digit(s[i]); ++i) {
      c.micros += (s[i] - '0') * scale;
      scale /= 10;
    }
  }
  r.length = i;
  r.valid = c.day >= 1 && c.day <= 31 && c.hour <= 23 && c.minute <= 59 && c.second <= 60;
  if (c.second == 60) c.second = 59;
  return r;
}

// RFC 3164 stamps carry no year. The latest year that puts the time no more than a day
// after the received time is the nearest one: senders' clocks run a little fast, never
// a year. Next year is only worth trying around New Year, so the usual cost is one
// from_civil().
std::optional<int64_t> infer_year(core::CivilTime c, const ParseContext& context,
                                  const core::TimeZone& zone) {
  const core::CivilTime now = zone.to_civil(context.received_us);
  const int64_t latest = context.received_us + kDayMicros;
  const int first = now.month == 12 && c.month == 1 ? now.year + 1 : now.year;
  for (int year = first; year >= now.year - 1; --year) {
    if (c.day > days_in_month(year, c.month)) continue;  // 29 Feb only in leap years
    c.year = year;
    const int64_t t = zone.from_civil(c);
    if (t <= latest) return t;
  }
  return std::nullopt;
}

// ---- RFC 5424 ----------------------------------------------------------------------------

// A header field: "-" stays empty; a field that breaks the RFC's limits is kept anyway
// (it is still the best name for the host or app) and the message is flagged.
void header_field(Message& m, std::string& out, std::string_view value, std::size_t max,
                  const char* why) {
  if (value == "-") return;
  bool ok = !value.empty() && value.size() <= max;
  for (std::size_t i = 0; ok && i < value.size(); ++i) ok = is_print(value[i]);
  if (!ok) flag(m, why);
  out.assign(value);
}

// SD-NAME (SD-ID or PARAM-NAME): printable characters except '=', SP, ']' and '"'.
std::string_view sd_name(std::string_view s, std::size_t& at) {
  const std::size_t start = at;
  while (at < s.size() && is_print(s[at]) && s[at] != '=' && s[at] != ']' && s[at] != '"') ++at;
  return s.substr(start, at - start);
}

// PARAM-VALUE after its opening quote, up to the closing one. \" \\ \] stand for the
// character; any other backslash is kept as it is (RFC 5424 6.3.3). Whole runs between
// escapes are copied at once.
bool param_value(std::string_view s, std::size_t& at, std::string& value) {
  std::size_t run = at;
  while (true) {
    const std::size_t stop = s.find_first_of("\"\\", at);
    if (stop == npos) return false;
    if (s[stop] == '"') {
      value.append(s.substr(run, stop - run));
      at = stop + 1;
      return true;
    }
    if (stop + 1 < s.size() && (s[stop + 1] == '"' || s[stop + 1] == '\\' || s[stop + 1] == ']')) {
      value.append(s.substr(run, stop - run));
      run = stop + 1;  // the escaped character starts the next run
      at = stop + 2;
    } else {
      at = stop + 1;
    }
  }
}

// STRUCTURED-DATA at s[at]: "-" or one or more "[SD-ID *(SP PARAM-NAME="value")]".
// Complete elements are kept even when a later one is broken. Returns why it is broken,
// or nullptr.
const char* parse_sd(std::string_view s, std::size_t& at, std::vector<SdElement>& out) {
  if (at < s.size() && s[at] == '-') {
    ++at;
    return nullptr;
  }
  if (at >= s.size() || s[at] != '[') return "RFC 5424 STRUCTURED-DATA is neither '-' nor '['";
  while (at < s.size() && s[at] == '[') {
    ++at;
    SdElement element;
    const std::string_view id = sd_name(s, at);
    if (id.empty() || id.size() > 32) return "RFC 5424 SD-ID is not 1 to 32 printable characters";
    element.id.assign(id);
    while (at < s.size() && s[at] == ' ') {
      ++at;
      const std::string_view name = sd_name(s, at);
      if (name.empty() || name.size() > 32)
        return "RFC 5424 PARAM-NAME is not 1 to 32 printable characters";
      if (at + 1 >= s.size() || s[at] != '=' || s[at + 1] != '"')
        return "RFC 5424 SD-PARAM has no =\"value\"";
      at += 2;
      SdParam& param = element.params.emplace_back();
      param.name.assign(name);
      if (!param_value(s, at, param.value)) return "RFC 5424 PARAM-VALUE has no closing quote";
    }
    if (at >= s.size() || s[at] != ']') return "RFC 5424 SD-ELEMENT is not closed by ']'";
    ++at;
    out.push_back(std::move(element));
  }
  return nullptr;
}

// RFC 5424 6.3.2: an SD-ID occurs at most once in a message. Sorting copies only for
// long lists keeps a line of thousands of "[x]" from costing a quadratic compare.
bool repeats_sd_id(const std::vector<SdElement>& sd) {
  if (sd.size() <= 16) {
    for (std::size_t i = 1; i < sd.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (sd[i].id == sd[j].id) return true;
    return false;
  }
  std::vector<std::string_view> ids;
  ids.reserve(sd.size());
  for (const auto& element : sd) ids.push_back(element.id);
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) != ids.end();
}

void parse_5424(std::string_view s, std::size_t at, Message& m, const core::TimeZone& zone) {
  m.format = Format::rfc5424;
  // TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each followed by one SP.
  std::array<std::string_view, 5> field;
  std::size_t fields = 0;
  bool sd_follows = false;
  while (fields < field.size()) {
    const std::size_t end = s.find(' ', at);
    field[fields++] = s.substr(at, end == npos ? npos : end - at);
    if (end == npos) break;
    at = end + 1;
    sd_follows = fields == field.size();
  }

  if (field[0] != "-") {
    const IsoTime t = parse_iso(field[0], zone);
    if (t.length != field[0].size() || !t.valid) {
      flag(m, "RFC 5424 TIMESTAMP is not an RFC 3339 time");
    } else {
      m.time_us = t.utc_us;
      if (!t.has_offset)
        flag(m, "RFC 5424 TIMESTAMP has no time offset");
      else if (t.long_fraction)
        flag(m, "RFC 5424 TIMESTAMP has more than 6 fraction digits");
      else if (!t.strict)
        flag(m, "RFC 5424 TIMESTAMP is not in RFC 3339 form (upper-case T and Z, +hh:mm)");
    }
  }
  if (fields > 1)
    header_field(m, m.host, field[1], 255,
                 "RFC 5424 HOSTNAME is not 1 to 255 printable characters");
  if (fields > 2)
    header_field(m, m.app, field[2], 48, "RFC 5424 APP-NAME is not 1 to 48 printable characters");
  if (fields > 3)
    header_field(m, m.procid, field[3], 128,
                 "RFC 5424 PROCID is not 1 to 128 printable characters");
  if (fields > 4)
    header_field(m, m.msgid, field[4], 32, "RFC 5424 MSGID is not 1 to 32 printable characters");
  if (!sd_follows) return flag(m, "RFC 5424 HEADER ends before STRUCTURED-DATA");

  const char* why = parse_sd(s, at, m.sd);
  if (why) flag(m, why);
  // Every element is kept: the second one of an SD-ID is as much the sender's as the first.
  if (repeats_sd_id(m.sd)) flag(m, "RFC 5424 SD-ID occurs more than once");
  if (why) return;
  if (at == s.size()) return;  // MSG is optional
  if (s[at] != ' ') return flag(m, "RFC 5424 STRUCTURED-DATA is not followed by a space");
  assign_message(m, s.substr(at + 1));
}

// ---- RFC 3164 ----------------------------------------------------------------------------

struct Tag {
  std::string_view name, pid;
  std::size_t length = 0;  // with "[pid]", ':' and one space after; 0 when there is no tag
  bool has_pid = false;
  bool has_colon = false;
};

// TAG at the start of s (RFC 3164 4.1.3): up to 48 printable characters other than ':'
// and '[', then an optional "[pid]" and an optional ':'. A word counts as a tag only when
// a ':' or a [pid] marks it; otherwise it is just the first word of the message.
Tag read_tag(std::string_view s) {
  Tag t;
  std::size_t i = 0;
  while (i < s.size() && i < 48 && is_print(s[i]) && s[i] != ':' && s[i] != '[') ++i;
  if (i == 0) return t;
  std::size_t j = i;
  if (j < s.size() && s[j] == '[') {
    const std::size_t close = s.substr(0, j + 130).find(']', j + 1);
    if (close == npos) return t;
    t.pid = s.substr(j + 1, close - j - 1);
    t.has_pid = true;
    j = close + 1;
  }
  if (j < s.size() && s[j] == ':') {
    t.has_colon = true;
    ++j;
  } else if (!t.has_pid || (j < s.size() && s[j] != ' ')) {
    return t;
  }
  if (j < s.size() && s[j] == ' ') ++j;
  t.name = s.substr(0, i);
  t.length = j;
  return t;
}

bool looks_like_tag(std::string_view word) {
  return !word.empty() && (word.back() == ':' || word.find('[') != npos);
}

bool hostname_chars(std::string_view word) {
  if (word.empty() || word.size() > 255) return false;
  for (char c : word) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '-' ||
          c == '_' || c == ':'))
      return false;
  }
  return true;
}

// The TIMESTAMP at the start of `rest`, BSD or ISO; consumes it and the space after it.
// A text shaped like a time but out of range is consumed and flagged.
bool read_3164_time(std::string_view& rest, Message& m, const ParseContext& context,
                    const core::TimeZone& zone) {
  auto ends_word = [&](std::size_t n) { return n == rest.size() || rest[n] == ' '; };
  std::size_t used = 0;
  if (const BsdTime b = parse_bsd_time(rest); b.length > 0 && ends_word(b.length)) {
    used = b.length;
    if (!b.valid)
      flag(m, "RFC 3164 TIMESTAMP is out of range");
    else if (auto t = infer_year(b.civil, context, zone))
      m.time_us = *t;
    else
      flag(m, "RFC 3164 TIMESTAMP names a day that no year near the received time has");
  } else if (const IsoTime iso = parse_iso(rest, zone); iso.length > 0 && ends_word(iso.length)) {
    used = iso.length;
    if (iso.valid)
      m.time_us = iso.utc_us;
    else
      flag(m, "RFC 3164 ISO TIMESTAMP is out of range");
  } else {
    return false;
  }
  rest.remove_prefix(used < rest.size() ? used + 1 : used);
  return true;
}

// Fills time, host, app, procid and message from what follows the PRI.
void parse_3164(std::string_view rest, Message& m, const ParseContext& context,
                const core::TimeZone& zone) {
  m.format = Format::rfc3164;
  const bool have_time = read_3164_time(rest, m, context, zone);
  const std::size_t space = rest.find(' ');
  const std::string_view word = rest.substr(0, space);
  if (space != npos && !word.empty()) {
    if (have_time) {
      // After a timestamp comes the HOSTNAME, unless the sender left it out and the
      // next word is already the tag ("app:" or "app[pid]").
      if (!looks_like_tag(word)) {
        m.host.assign(word);
        rest.remove_prefix(space + 1);
      }
    } else if (hostname_chars(word) && word.back() != ':') {
      // No timestamp: a host is only believed when an unmistakable "tag[pid]:" follows,
      // or the first word of any message would turn into a host name.
      const Tag next = read_tag(rest.substr(space + 1));
      if (next.has_pid && next.has_colon) {
        m.host.assign(word);
        rest.remove_prefix(space + 1);
      }
    }
  }
  if (const Tag tag = read_tag(rest); tag.length > 0) {
    m.app.assign(tag.name);
    m.procid.assign(tag.pid);
    rest.remove_prefix(tag.length);
  }
  assign_message(m, rest);
}

// "VERSION SP" of an RFC 5424 header whose VERSION is not 1 (RFC 5424 6.2.2: 1 to 3
// digits, no leading zero), followed by what an RFC 5424 TIMESTAMP starts with. Returns
// its length, or 0. The TIMESTAMP check keeps a BSD message that starts with a number
// ("<13>2 files removed") a BSD message.
std::size_t other_version(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size() && i < 3 && is_digit(s[i])) ++i;
  if (i == 0 || s[0] == '0' || s.substr(0, i) == "1" || i >= s.size() || s[i] != ' ') return 0;
  const std::string_view next = s.substr(i + 1);
  const bool nil_time = next.size() >= 2 && next[0] == '-' && next[1] == ' ';
  const IsoTime iso = nil_time ? IsoTime{} : parse_iso(next, utc_zone());
  if (!nil_time && (iso.length == 0 || iso.length >= next.size() || next[iso.length] != ' '))
    return 0;
  return i + 1;
}

bool starts_with_time(std::string_view s) {
  return parse_bsd_time(s).length > 0 || parse_iso(s, utc_zone()).length > 0;
}

}  // namespace

std::string_view facility_name(int facility) {
  return facility >= 0 && facility < static_cast<int>(kFacilities.size()) ? kFacilities[facility]
                                                                          : "";
}

std::string_view severity_name(int severity) {
  return severity >= 0 && severity < static_cast<int>(kSeverities.size()) ? kSeverities[severity]
                                                                          : "";
}

int facility_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kFacilities.size(); ++i)
    if (kFacilities[i] == name) return static_cast<int>(i);
  // rsyslog's and RFC 5424's names for the same numbers.
  if (name == "auth-priv") return 10;
  if (name == "audit") return 13;
  if (name == "alert") return 14;
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
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == '\0'))
    line.remove_suffix(1);
  Message m;
  const core::TimeZone& zone = context.zone ? *context.zone : utc_zone();
  int pri = 0;
  const char* why = nullptr;
  const std::size_t at = parse_pri(line, pri, why);
  if (at == 0) {
    flag(m, why);
    // Senders that forget the PRI often still send a BSD header: reading it lets the
    // record be found by its time, host and app.
    if (starts_with_time(line)) {
      parse_3164(line, m, context, zone);
      m.format = Format::unknown;
    }
  } else {
    m.facility = pri / 8;
    m.severity = pri % 8;
    if (line.size() >= at + 2 && line[at] == '1' && line[at + 1] == ' ') {
      parse_5424(line, at + 2, m, zone);
    } else if (const std::size_t version = other_version(line.substr(at)); version > 0) {
      // A later version may change the header; what it shares with version 1 is read,
      // and the record is flagged so nobody trusts it blindly.
      m.malformed = true;
      m.malformed_reason =
          "RFC 5424 VERSION is " + std::string(line.substr(at, version - 1)) + ", not 1";
      parse_5424(line, at + version, m, zone);
    } else if (at == line.size()) {
      flag(m, "nothing after <PRI>");
    } else {
      parse_3164(line.substr(at), m, context, zone);
    }
  }
  if (m.malformed) {
    // The whole line is kept as the message; msg_offset still says where the text after
    // the header starts (MSG always runs to the end of the line), so extraction reads
    // what it would read from a well-formed line.
    if (!m.message.empty() && line.ends_with(m.message))
      m.msg_offset = line.size() - m.message.size();
    m.message.assign(line);
  }
  return m;
}

}  // namespace hokan::syslog
