// A frozen copy of the built-in recognisers of lib/syslog/extract.cpp as they were at
// commit 13be969 (before issue 13), minus the [[extract]] rules. It exists only so the
// recall test and the extract benchmark can print "before" beside "after" on the same
// corpus and lines. Do not fix it: it is the baseline. Delete it when the comparison is
// no longer wanted.
#include "legacy_extract.h"

#include <algorithm>
#include <cstring>

namespace hokan::syslog::legacy {
namespace {
constexpr std::size_t npos = std::string_view::npos;

bool contains(std::string_view s, std::string_view needle) {
  return memmem(s.data(), s.size(), needle.data(), needle.size()) != nullptr;
}

bool contains(std::string_view s, char c) { return memchr(s.data(), c, s.size()) != nullptr; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

void fill(std::string& field, std::string_view value) {
  if (field.empty() && !value.empty() && value != "-") field.assign(value);
}

// The word starting at `at` (up to a space or the end).
std::string_view word_at(std::string_view s, std::size_t at) {
  if (at >= s.size()) return {};
  const std::size_t end = s.find(' ', at);
  return s.substr(at, end == npos ? npos : end - at);
}

// Dotted quad: four numbers of 1 to 3 digits, each at most 255.
bool is_ipv4(std::string_view s) {
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0 && (i >= s.size() || s[i++] != '.')) return false;
    const std::size_t start = i;
    int value = 0;
    while (i < s.size() && i - start < 4 && is_digit(s[i])) value = value * 10 + (s[i++] - '0');
    if (i == start || i - start > 3 || value > 255) return false;
  }
  return i == s.size();
}

// RFC 4291 text forms: hex groups of up to 4 digits, at most one "::", optionally an
// IPv4 tail ("::ffff:192.0.2.1") and a zone ("fe80::1%eth0").
bool is_ipv6(std::string_view s) {
  if (const std::size_t zone = s.find('%'); zone != npos) s = s.substr(0, zone);
  if (s.size() < 2 || s.size() > 45) return false;
  const std::size_t gap = s.find("::");
  if (gap != npos && s.find("::", gap + 1) != npos) return false;
  int groups = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] == ':') {
      ++i;
      continue;
    }
    std::size_t start = i;
    while (i < s.size() && is_hex(s[i])) ++i;
    if (i < s.size() && s[i] == '.') {  // the IPv4 tail counts as two groups
      if (!is_ipv4(s.substr(start))) return false;
      groups += 2;
      break;
    }
    if (i - start == 0 || i - start > 4 || (i < s.size() && s[i] != ':')) return false;
    ++groups;
  }
  if (s.find(":::") != npos) return false;
  if ((s.front() == ':' && !s.starts_with("::")) || (s.back() == ':' && !s.ends_with("::")))
    return false;
  return gap == npos ? groups == 8 : groups < 8;
}

bool looks_like_ip(std::string_view s) {
  if (s.empty()) return false;
  return contains(s, ':') ? is_ipv6(s) : is_ipv4(s);
}

enum class Target { none, user, src_ip, action, case_id, extra };

// Names the built-in recognisers (structured data, key=value) understand.
Target builtin_target(std::string_view name) {
  if (name == "user" || name == "username") return Target::user;
  if (name == "src_ip" || name == "ip" || name == "srcip" || name == "src" || name == "rhost" ||
      name == "client_ip" || name == "remote_addr")
    return Target::src_ip;
  if (name == "action") return Target::action;
  if (name == "case") return Target::case_id;
  // A case is closed by an event: case=ID case_state=closed outcome=rejected. The daemon
  // reads these two from `extra`.
  if (name == "case_state" || name == "outcome") return Target::extra;
  return Target::none;
}

void assign(Fields& f, Target t, std::string_view name, std::string_view value) {
  switch (t) {
    case Target::user:
      fill(f.user, value);
      break;
    case Target::src_ip:
      fill(f.src_ip, value);
      break;
    case Target::action:
      fill(f.action, value);
      break;
    case Target::case_id:
      fill(f.case_id, value);
      break;
    case Target::extra:
      if (!value.empty()) f.extra.emplace_back(std::string(name), std::string(value));
      break;
    case Target::none:
      break;
  }
}

// A built-in src_ip alias such as rhost= may hold a host name; the field holds addresses
// only, so lookups by --ip stay exact.
void assign_builtin(Fields& f, std::string_view name, std::string_view value) {
  Target t = builtin_target(name);
  if (t == Target::src_ip && !looks_like_ip(value)) return;
  assign(f, t, name, value);
}

void from_sd(const Message& m, Fields& f) {
  for (const auto& element : m.sd)
    for (const auto& p : element.params) assign_builtin(f, p.name, p.value);
}

// ---- sshd --------------------------------------------------------------------------------

bool sshd_app(std::string_view app) {
  return app == "sshd" || app == "sshd-session";  // OpenSSH 9.8 logs as sshd-session
}

// "METHOD for [invalid user ]U from A port P ...", after "Accepted " or "Failed ".
void sshd_auth(std::string_view rest, Fields& f, std::string_view action) {
  std::size_t for_at = rest.find(" for ");
  if (for_at == npos) return;
  std::size_t user_at = for_at + 5;
  if (rest.substr(user_at).starts_with("invalid user ")) user_at += 13;
  const std::string_view user = word_at(rest, user_at);
  const std::size_t from_at = rest.find(" from ", user_at + user.size());
  if (from_at == npos) return;  // not sshd's shape: "Failed to start x for y" is systemd's
  fill(f.user, user);
  if (const std::string_view ip = word_at(rest, from_at + 6); looks_like_ip(ip)) fill(f.src_ip, ip);
  fill(f.action, action);
}

// After "Disconnected from ", "Connection closed by ": "[invalid |authenticating ]user U
// A port P" or just "A port P".
void sshd_disconnect(std::string_view rest, Fields& f, bool session_end) {
  std::size_t at = 0;
  bool named = false;
  for (std::string_view prefix : {"user ", "invalid user ", "authenticating user "}) {
    if (rest.starts_with(prefix)) {
      at = prefix.size();
      named = true;
      break;
    }
  }
  if (named) {
    const std::string_view user = word_at(rest, at);
    fill(f.user, user);
    at += user.size() + 1;
  }
  if (const std::string_view ip = word_at(rest, at); looks_like_ip(ip)) fill(f.src_ip, ip);
  // Only "Disconnected from user" closes a session; the others end an attempt.
  fill(f.action, session_end && rest.starts_with("user ") ? "logout" : "disconnect");
}

void from_sshd(std::string_view msg, bool is_sshd, Fields& f) {
  // rsyslog folds repeats: "message repeated 3 times: [ Failed password for ...]".
  if (msg.starts_with("message repeated ")) {
    const std::size_t open = msg.find(": [ ");
    if (open == npos) return;
    msg.remove_prefix(open + 4);
  }
  if (msg.starts_with("Accepted ")) {
    sshd_auth(msg.substr(8), f, "login");
  } else if (msg.starts_with("Failed ")) {
    sshd_auth(msg.substr(6), f, "login_failed");
  } else if (msg.starts_with("Invalid user ")) {
    const std::string_view user = word_at(msg, 13);
    const std::size_t from_at = msg.find(" from ", 13 + user.size());
    if (from_at == npos) return;
    fill(f.user, user);
    if (const std::string_view ip = word_at(msg, from_at + 6); looks_like_ip(ip))
      fill(f.src_ip, ip);
    fill(f.action, "invalid_user");
  } else if (!is_sshd) {
    return;  // the lines below are too generic to trust from other programs
  } else if (msg.starts_with("Disconnected from ")) {
    sshd_disconnect(msg.substr(18), f, true);
  } else if (msg.starts_with("Connection closed by ")) {
    sshd_disconnect(msg.substr(21), f, false);
  }
}

// ---- PAM ---------------------------------------------------------------------------------

// "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)", and the
// failures, whose rhost= and user= the key=value pass reads.
void from_pam(std::string_view msg, Fields& f) {
  auto user_after = [&](std::size_t at) {
    std::string_view user = msg.substr(at);
    return user.substr(0, user.find_first_of(" ("));
  };
  if (const std::size_t at = msg.find("session opened for user "); at != npos) {
    fill(f.user, user_after(at + 24));
    fill(f.action, "session_open");
  } else if (const std::size_t closed = msg.find("session closed for user "); closed != npos) {
    fill(f.user, user_after(closed + 24));
    fill(f.action, "session_close");
  } else if (contains(msg, "authentication failure;")) {
    fill(f.action, "auth_failure");
  }
}

// ---- web access logs ---------------------------------------------------------------------

// Common and combined formats:
// '192.0.2.7 - alice [20/Nov/2026:03:12:00 +0900] "GET /x HTTP/1.1" 200 512 "-" "curl"'.
void from_access_log(std::string_view msg, Fields& f) {
  const std::string_view ip = word_at(msg, 0);
  if (!looks_like_ip(ip)) return;
  const std::string_view ident = word_at(msg, ip.size() + 1);
  const std::size_t user_at = ip.size() + ident.size() + 2;
  const std::string_view user = word_at(msg, user_at);
  const std::size_t date_at = user_at + user.size() + 1;
  if (ident.empty() || user.empty() || date_at >= msg.size() || msg[date_at] != '[') return;
  const std::size_t request_at = msg.find("] \"", date_at);
  if (request_at == npos) return;
  fill(f.src_ip, ip);
  fill(f.user, user);  // "-" is no user
  const std::string_view method = word_at(msg, request_at + 3);
  const bool is_method =
      !method.empty() && method.size() <= 16 &&
      std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (is_method) fill(f.action, method);
}

bool may_be_access_log(std::string_view msg) {
  return !msg.empty() && (is_hex(msg[0]) || msg[0] == ':') && contains(msg, "] \"");
}

// ---- key=value ---------------------------------------------------------------------------

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

// key=value or key="value" anywhere in the message; only known keys are kept.
void from_key_values(std::string_view msg, Fields& f) {
  std::size_t pos = 0;
  while ((pos = msg.find('=', pos)) != npos) {
    std::size_t start = pos;
    while (start > 0 && is_key_char(msg[start - 1])) --start;
    const std::string_view key = msg.substr(start, pos - start);
    const std::size_t value_at = pos + 1;
    std::string_view value;
    if (value_at < msg.size() && msg[value_at] == '"') {
      const std::size_t end = msg.find('"', value_at + 1);
      if (end == npos) return;
      value = msg.substr(value_at + 1, end - value_at - 1);
      pos = end + 1;
    } else {
      const std::size_t end = msg.find_first_of(" ,;)]", value_at);
      value = msg.substr(value_at, end == npos ? npos : end - value_at);
      pos = value_at;
    }
    if (!key.empty()) assign_builtin(f, key, value);
  }
}

}  // namespace

Fields extract(const Message& m) {
  Fields f;
  const std::string_view msg = m.message;
  if (!m.sd.empty()) from_sd(m, f);
  if (!msg.empty()) {
    const bool is_sshd = sshd_app(m.app);
    if (is_sshd || msg[0] == 'A' || msg[0] == 'F' || msg[0] == 'I' || msg[0] == 'm')
      from_sshd(msg, is_sshd, f);
    if (contains(msg, "pam_")) from_pam(msg, f);
    if (may_be_access_log(msg)) from_access_log(msg, f);
    if (contains(msg, '=')) from_key_values(msg, f);
  }
  return f;
}

}  // namespace hokan::syslog::legacy
