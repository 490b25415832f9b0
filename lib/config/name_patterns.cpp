// Object name patterns (see name_patterns.h). A name is at most 200 bytes and a pattern
// short, so matching tries every start offset: simple, and linear enough.
#include "config/name_patterns.h"

#include <algorithm>

#include "core/quote.h"

namespace hokan::config {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The first character of `text` that no object name may hold, as a reason; nothing when
// all may appear.
std::optional<std::string> foreign_char(std::string_view text) {
  for (char c : text)
    if (!object_name_char(c))
      return core::quoted(std::string(1, c)) + " cannot appear in an object name (" +
             std::string(kObjectNameRule) + ")";
  return std::nullopt;
}

const char* conversion(NameTime::Field f) {
  switch (f) {
    case NameTime::Field::year:
      return "%Y";
    case NameTime::Field::month:
      return "%m";
    case NameTime::Field::day:
      return "%d";
    case NameTime::Field::hour:
      return "%H";
    case NameTime::Field::minute:
      return "%M";
    case NameTime::Field::second:
      return "%S";
    case NameTime::Field::offset:
      return "%z";
    default:
      return "";
  }
}

// What one part expects, for the message about a name that does not fit.
std::string expectation(const NameTime::Part& p) {
  switch (p.field) {
    case NameTime::Field::literal:
      return core::quoted(p.literal);
    case NameTime::Field::year:
      return "%Y (4 digits)";
    case NameTime::Field::offset:
      return "%z (Z, +hhmm or +hh:mm)";
    default:
      return std::string(conversion(p.field)) + " (2 digits)";
  }
}

int digits_at(std::string_view s, std::size_t at, std::size_t n) {
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) v = v * 10 + (s[at + i] - '0');
  return v;
}

bool all_digits(std::string_view s, std::size_t at, std::size_t n) {
  return at + n <= s.size() &&
         std::all_of(s.begin() + static_cast<std::ptrdiff_t>(at),
                     s.begin() + static_cast<std::ptrdiff_t>(at + n), is_digit);
}

// Reads a %z offset at `at`: its length, or 0 when none is there.
std::size_t read_offset(std::string_view s, std::size_t at, int& seconds) {
  if (at < s.size() && s[at] == 'Z') {
    seconds = 0;
    return 1;
  }
  if (at >= s.size() || (s[at] != '+' && s[at] != '-')) return 0;
  const int sign = s[at] == '-' ? -1 : 1;
  if (!all_digits(s, at + 1, 2)) return 0;
  std::size_t minutes_at = at + 3, length = 5;
  if (minutes_at < s.size() && s[minutes_at] == ':') ++minutes_at, length = 6;
  if (!all_digits(s, minutes_at, 2)) return 0;
  int hours = digits_at(s, at + 1, 2), minutes = digits_at(s, minutes_at, 2);
  if (hours > 23 || minutes > 59) return 0;
  seconds = sign * (hours * 3600 + minutes * 60);
  return length;
}

int days_in_month(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

bool object_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '_' ||
         c == '-' || c == '+';
}

bool valid_object_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), object_name_char);
}

Result<NameTime> NameTime::parse(std::string_view pattern) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_argument, "bad time pattern " + core::quoted(pattern) + ": " + why);
  };
  NameTime t;
  t.text_ = std::string(pattern);
  bool seen[8] = {};
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c != '%') {
      if (auto why = foreign_char(std::string_view(&c, 1))) return bad(*why);
      if (t.parts_.empty() || t.parts_.back().field != Field::literal)
        t.parts_.push_back({Field::literal, ""});
      t.parts_.back().literal += c;
      continue;
    }
    if (++i == pattern.size()) return bad("a lone % at the end (write %% for a percent sign)");
    Field f;
    switch (pattern[i]) {
      case 'Y':
        f = Field::year;
        break;
      case 'm':
        f = Field::month;
        break;
      case 'd':
        f = Field::day;
        break;
      case 'H':
        f = Field::hour;
        break;
      case 'M':
        f = Field::minute;
        break;
      case 'S':
        f = Field::second;
        break;
      case 'z':
        f = Field::offset;
        break;
      case '%':
        return bad("%% is a percent sign, which cannot appear in an object name");
      default:
        return bad("%" + std::string(1, pattern[i]) +
                   " is not supported (use %Y %m %d %H %M %S %z)");
    }
    if (seen[static_cast<int>(f)]) return bad(std::string(conversion(f)) + " appears twice");
    seen[static_cast<int>(f)] = true;
    t.parts_.push_back({f, ""});
  }
  for (Field f : {Field::year, Field::month, Field::day})
    if (!seen[static_cast<int>(f)])
      return bad(std::string("needs ") + conversion(f) + " (a date needs %Y %m %d)");
  return t;
}

Result<int64_t> NameTime::find(std::string_view name, const core::TimeZone& zone) const {
  // The nearest miss: the start that got furthest, for the message.
  std::size_t best_start = 0, best_length = 0;
  const Part* best_missing = nullptr;
  for (std::size_t start = 0; start < name.size(); ++start) {
    core::CivilTime civil;
    std::optional<int> offset;
    std::size_t at = start;
    const Part* missing = nullptr;
    for (const Part& p : parts_) {
      std::size_t width = p.field == Field::year ? 4 : 2;
      if (p.field == Field::literal) {
        if (name.substr(at, p.literal.size()) != p.literal) {
          missing = &p;
          break;
        }
        at += p.literal.size();
      } else if (p.field == Field::offset) {
        int seconds = 0;
        std::size_t n = read_offset(name, at, seconds);
        if (!n) {
          missing = &p;
          break;
        }
        offset = seconds;
        at += n;
      } else {
        if (!all_digits(name, at, width)) {
          missing = &p;
          break;
        }
        int v = digits_at(name, at, width);
        switch (p.field) {
          case Field::year:
            civil.year = v;
            break;
          case Field::month:
            civil.month = v;
            break;
          case Field::day:
            civil.day = v;
            break;
          case Field::hour:
            civil.hour = v;
            break;
          case Field::minute:
            civil.minute = v;
            break;
          default:
            civil.second = v;
            break;
        }
        at += width;
      }
    }
    if (missing) {
      if (at - start > best_length)
        best_start = start, best_length = at - start, best_missing = missing;
      continue;
    }
    // The shape fits here: the digits must also name a real date and time.
    std::string found(name.substr(start, at - start));
    auto invalid = [&](const std::string& what) {
      return fail(Errc::invalid_argument,
                  core::quoted(found) + " in the name is not a valid time (" + what + ")");
    };
    if (civil.month < 1 || civil.month > 12) return invalid("month " + std::to_string(civil.month));
    if (civil.day < 1 || civil.day > days_in_month(civil.year, civil.month))
      return invalid("day " + std::to_string(civil.day) + " of month " +
                     std::to_string(civil.month));
    if (civil.hour > 23) return invalid("hour " + std::to_string(civil.hour));
    if (civil.minute > 59) return invalid("minute " + std::to_string(civil.minute));
    if (civil.second > 59) return invalid("second " + std::to_string(civil.second));
    if (!offset) return zone.from_civil(civil);
    int64_t seconds = core::days_from_civil(civil.year, civil.month, civil.day) * 86400 +
                      civil.hour * 3600 + civil.minute * 60 + civil.second - *offset;
    return seconds * 1'000'000;
  }
  std::string why = "no time of the form " + core::quoted(text_) + " in " + core::quoted(name);
  if (best_missing && best_length > 0)
    why += ": after " + core::quoted(name.substr(best_start, best_length)) + " it expects " +
           expectation(*best_missing);
  return fail(Errc::invalid_argument, why);
}

Result<NameCamera> NameCamera::parse(std::string_view pattern) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_argument, "bad camera pattern " + core::quoted(pattern) + ": " + why);
  };
  constexpr std::string_view kField = "{camera}";
  auto at = pattern.find(kField);
  if (at == std::string_view::npos)
    return bad("expected {camera} and the separator after it, such as \"{camera}-\"");
  if (pattern.find(kField, at + 1) != std::string_view::npos) return bad("{camera} appears twice");
  NameCamera c;
  c.text_ = std::string(pattern);
  c.prefix_ = std::string(pattern.substr(0, at));
  c.separator_ = std::string(pattern.substr(at + kField.size()));
  if (c.separator_.empty())
    return bad(
        "{camera} needs a separator after it (\"{camera}-\"): the camera is the name's prefix up "
        "to it");
  if (auto why = foreign_char(c.prefix_ + c.separator_)) return bad(*why);
  return c;
}

std::optional<std::string> NameCamera::find(std::string_view name) const {
  if (!name.starts_with(prefix_) || name.size() <= prefix_.size()) return std::nullopt;
  auto end = name.find(separator_, prefix_.size() + 1);
  if (end == std::string_view::npos) return std::nullopt;
  return std::string(name.substr(prefix_.size(), end - prefix_.size()));
}

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative matching with one backtrack point: the last "*" seen.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p, ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<void> check_glob(std::string_view pattern) {
  if (pattern.empty()) return fail(Errc::invalid_argument, "must not be empty");
  for (char c : pattern)
    if (c != '*' && c != '?' && !object_name_char(c))
      return fail(Errc::invalid_argument, "bad name pattern " + core::quoted(pattern) + ": " +
                                              *foreign_char(std::string_view(&c, 1)) +
                                              "; * and ? are wildcards");
  return {};
}

}  // namespace hokan::config
