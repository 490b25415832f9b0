#include "core/timezone.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

namespace hokan::core {

int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int& year, int& month, int& day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  year = static_cast<int>(y + (month <= 2));
}

namespace {

constexpr int64_t kMicros = 1'000'000;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// A POSIX TZ rule as found in a TZif footer, e.g. "EST5EDT,M3.2.0,M11.1.0", for instants
// after the file's last transition.
struct PosixRule {
  bool valid = false;
  int32_t std_offset = 0, dst_offset = 0;  // seconds east of UTC
  bool has_dst = false;
  struct When {
    int month = 0, week = 0, weekday = 0;  // Mm.w.d
    int32_t time = 7200;                   // seconds after local midnight
  } start, end;
};

bool parse_name(std::string_view& s) {
  if (!s.empty() && s[0] == '<') {
    auto close = s.find('>');
    if (close == std::string_view::npos) return false;
    s.remove_prefix(close + 1);
    return true;
  }
  std::size_t n = 0;
  while (n < s.size() && std::isalpha(static_cast<unsigned char>(s[n]))) ++n;
  if (n < 3) return false;
  s.remove_prefix(n);
  return true;
}

// "[+-]hh[:mm[:ss]]" -> seconds.
bool parse_hms(std::string_view& s, int32_t& out) {
  int sign = 1;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
  }
  int32_t parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return i > 0;
    int v = 0;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
      v = v * 10 + (s[0] - '0');
      s.remove_prefix(1);
    }
    parts[i] = v;
    out = sign * (parts[0] * 3600 + parts[1] * 60 + parts[2]);
    if (s.empty() || s[0] != ':') return true;
    s.remove_prefix(1);
  }
  return true;
}

bool parse_when(std::string_view& s, PosixRule::When& w) {
  if (s.empty() || s[0] != 'M') return false;  // Julian-day forms are not used by tzdata
  s.remove_prefix(1);
  int fields[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    int v = 0;
    if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return false;
    while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
      v = v * 10 + (s[0] - '0');
      s.remove_prefix(1);
    }
    fields[i] = v;
    if (i < 2) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  w.month = fields[0];
  w.week = fields[1];
  w.weekday = fields[2];
  if (!s.empty() && s[0] == '/') {
    s.remove_prefix(1);
    if (!parse_hms(s, w.time)) return false;
  }
  return w.month >= 1 && w.month <= 12 && w.week >= 1 && w.week <= 5 && w.weekday <= 6;
}

PosixRule parse_posix(std::string_view s) {
  PosixRule r;
  int32_t west = 0;
  if (!parse_name(s) || !parse_hms(s, west)) return r;
  r.std_offset = -west;
  r.valid = true;
  if (s.empty()) return r;
  if (!parse_name(s)) return PosixRule{};
  r.has_dst = true;
  r.dst_offset = r.std_offset + 3600;
  if (!s.empty() && s[0] != ',') {
    int32_t dst_west = 0;
    if (!parse_hms(s, dst_west)) return PosixRule{};
    r.dst_offset = -dst_west;
  }
  if (s.empty() || s[0] != ',') return PosixRule{};
  s.remove_prefix(1);
  if (!parse_when(s, r.start) || s.empty() || s[0] != ',') return PosixRule{};
  s.remove_prefix(1);
  if (!parse_when(s, r.end)) return PosixRule{};
  return r;
}

// Local seconds since the epoch at which rule `w` fires in `year` (local wall time).
int64_t rule_local_seconds(const PosixRule::When& w, int year) {
  int64_t first = days_from_civil(year, w.month, 1);
  int first_weekday = static_cast<int>((first % 7 + 11) % 7);  // 1970-01-01 was a Thursday (4)
  int64_t day = first + (w.weekday - first_weekday + 7) % 7 + 7 * (w.week - 1);
  int y = 0, m = 0, d = 0;
  civil_from_days(day, y, m, d);
  if (m != w.month) day -= 7;  // week 5 means the last such weekday
  return day * 86400 + w.time;
}

}  // namespace

struct TimeZone::Impl {
  std::string name;
  std::vector<int64_t> transitions;   // UTC seconds, ascending
  std::vector<int32_t> offsets;       // offset in force from transitions[i]
  int32_t initial_offset = 0;         // before the first transition
  PosixRule footer;

  int32_t offset_at_seconds(int64_t t) const {
    if (transitions.empty() || t < transitions.front()) {
      if (transitions.empty() && footer.valid) return footer_offset(t);
      return initial_offset;
    }
    if (t >= transitions.back() && footer.valid) return footer_offset(t);
    auto it = std::upper_bound(transitions.begin(), transitions.end(), t);
    return offsets[static_cast<std::size_t>(it - transitions.begin()) - 1];
  }

  int32_t footer_offset(int64_t t) const {
    if (!footer.has_dst) return footer.std_offset;
    int y = 0, m = 0, d = 0;
    civil_from_days(floor_div(t + footer.std_offset, 86400), y, m, d);
    // Start fires on standard local time, end on daylight local time.
    int64_t start = rule_local_seconds(footer.start, y) - footer.std_offset;
    int64_t end = rule_local_seconds(footer.end, y) - footer.dst_offset;
    bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? footer.dst_offset : footer.std_offset;
  }
};

TimeZone::TimeZone(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TimeZone::~TimeZone() = default;

const std::string& TimeZone::name() const { return impl_->name; }

std::shared_ptr<const TimeZone> TimeZone::utc() {
  static const std::shared_ptr<const TimeZone> zone = [] {
    auto impl = std::make_unique<Impl>();
    impl->name = "UTC";
    return std::make_shared<const TimeZone>(std::move(impl));
  }();
  return zone;
}

namespace {

int64_t read_be(const unsigned char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  if (bytes == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

}  // namespace

Result<std::shared_ptr<const TimeZone>> TimeZone::load(std::string_view name) {
  if (name == "UTC" || name == "Etc/UTC" || name == "Z") return utc();
  if (name.empty() || name.find("..") != std::string_view::npos || name.front() == '/')
    return fail(Errc::not_found, "unknown time zone \"" + std::string(name) + "\"");
  std::string path = "/usr/share/zoneinfo/" + std::string(name);
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::not_found, "unknown time zone \"" + std::string(name) + "\" (no " + path + ")");
  std::vector<unsigned char> data((std::istreambuf_iterator<char>(in)), {});
  auto corrupt = [&] { return fail(Errc::corruption, path + ": not a TZif file"); };
  auto header = [&](std::size_t at, int32_t counts[6]) {
    if (data.size() < at + 44 || std::memcmp(data.data() + at, "TZif", 4) != 0) return false;
    for (int i = 0; i < 6; ++i) counts[i] = static_cast<int32_t>(read_be(data.data() + at + 20 + 4 * i, 4));
    return true;
  };
  // counts: isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  int32_t c[6];
  if (!header(0, c)) return corrupt();
  char version = static_cast<char>(data[4]);
  std::size_t at = 44;
  int time_bytes = 4;
  if (version >= '2') {
    std::size_t v1_size = static_cast<std::size_t>(c[3]) * 5 + static_cast<std::size_t>(c[4]) * 6 + c[5] +
                          static_cast<std::size_t>(c[2]) * 8 + c[1] + c[0];
    if (!header(44 + v1_size, c)) return corrupt();
    at = 44 + v1_size + 44;
    time_bytes = 8;
  }
  std::size_t need = static_cast<std::size_t>(c[3]) * (time_bytes + 1) + static_cast<std::size_t>(c[4]) * 6 + c[5] +
                     static_cast<std::size_t>(c[2]) * (time_bytes + 4) + c[1] + c[0];
  if (data.size() < at + need || c[4] <= 0) return corrupt();
  auto impl = std::make_unique<Impl>();
  impl->name = std::string(name);
  const unsigned char* times = data.data() + at;
  const unsigned char* indexes = times + c[3] * time_bytes;
  const unsigned char* types = indexes + c[3];
  std::vector<int32_t> type_offsets(static_cast<std::size_t>(c[4]));
  std::vector<bool> type_dst(static_cast<std::size_t>(c[4]));
  for (int i = 0; i < c[4]; ++i) {
    type_offsets[i] = static_cast<int32_t>(read_be(types + 6 * i, 4));
    type_dst[i] = types[6 * i + 4] != 0;
  }
  impl->initial_offset = type_offsets[0];
  for (int i = 0; i < c[4]; ++i)
    if (!type_dst[i]) { impl->initial_offset = type_offsets[i]; break; }
  for (int i = 0; i < c[3]; ++i) {
    unsigned idx = indexes[i];
    if (idx >= type_offsets.size()) return corrupt();
    impl->transitions.push_back(read_be(times + i * time_bytes, time_bytes));
    impl->offsets.push_back(type_offsets[idx]);
  }
  if (version >= '2') {
    std::size_t footer = at + need;
    if (footer < data.size() && data[footer] == '\n') {
      auto end = std::find(data.begin() + static_cast<long>(footer) + 1, data.end(), '\n');
      std::string tz(data.begin() + static_cast<long>(footer) + 1, end);
      impl->footer = parse_posix(tz);
    }
  }
  return std::make_shared<const TimeZone>(std::move(impl));
}

int32_t TimeZone::offset_at(int64_t utc_us) const {
  return impl_->offset_at_seconds(floor_div(utc_us, kMicros));
}

CivilTime TimeZone::to_civil(int64_t utc_us) const {
  int64_t seconds = floor_div(utc_us, kMicros);
  int64_t micros = utc_us - seconds * kMicros;
  int64_t local = seconds + impl_->offset_at_seconds(seconds);
  int64_t days = floor_div(local, 86400);
  int64_t sod = local - days * 86400;
  CivilTime c;
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(sod / 3600);
  c.minute = static_cast<int>(sod / 60 % 60);
  c.second = static_cast<int>(sod % 60);
  c.micros = micros;
  return c;
}

int64_t TimeZone::from_civil(const CivilTime& c) const {
  int64_t local = days_from_civil(c.year, c.month, c.day) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  // Try the offsets in force a day either side: the earliest consistent reading wins
  // (overlap); with none consistent (gap), read with the offset before the gap.
  int32_t before = impl_->offset_at_seconds(local - 86400);
  int32_t after = impl_->offset_at_seconds(local + 86400);
  int64_t best = 0;
  bool found = false;
  for (int32_t off : {before, after}) {
    int64_t t = local - off;
    if (impl_->offset_at_seconds(t) == off && (!found || t < best)) {
      best = t;
      found = true;
    }
  }
  if (!found) best = local - before;
  return best * kMicros + c.micros;
}

}  // namespace hokan::core
