#include "syslog/extract.h"

#include <re2/re2.h>

#include <cstring>

namespace hokan::syslog {
namespace {

bool contains(std::string_view s, std::string_view needle) {
  return memmem(s.data(), s.size(), needle.data(), needle.size()) != nullptr;
}

void fill(std::string& field, std::string_view value) {
  if (field.empty() && !value.empty() && value != "-") field.assign(value);
}

// The word after `marker` (up to a space), or "" when the marker is absent.
std::string_view word_after(std::string_view s, std::string_view marker, std::size_t from = 0) {
  auto pos = s.find(marker, from);
  if (pos == std::string_view::npos) return {};
  auto start = pos + marker.size();
  auto end = s.find(' ', start);
  return s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

bool looks_like_ip(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  bool digit = false;
  for (char c : s) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) digit = true;
    else if (c != '.' && c != ':') return false;
  }
  return digit && (s.find('.') != std::string_view::npos || s.find(':') != std::string_view::npos);
}

enum class Target { none, user, src_ip, action, case_id, extra };

Target field_for(std::string_view name) {
  if (name == "user" || name == "username" || name == "uid_name") return Target::user;
  if (name == "src_ip" || name == "ip" || name == "srcip" || name == "src" || name == "rhost" ||
      name == "client_ip" || name == "remote_addr")
    return Target::src_ip;
  if (name == "action") return Target::action;
  if (name == "case") return Target::case_id;
  // A case can be closed by an event: case=ID case_state=closed outcome=rejected.
  if (name == "case_state" || name == "outcome") return Target::extra;
  return Target::none;
}

void assign(Fields& f, Target t, std::string_view value, std::string_view name = {}) {
  switch (t) {
    case Target::extra:
      if (!value.empty()) f.extra.emplace_back(std::string(name), std::string(value));
      break;
    case Target::user: fill(f.user, value); break;
    case Target::src_ip: fill(f.src_ip, value); break;
    case Target::action: fill(f.action, value); break;
    case Target::case_id: fill(f.case_id, value); break;
    case Target::none: break;
  }
}

void from_sd(const Message& m, Fields& f) {
  for (const auto& element : m.sd)
    for (const auto& p : element.params) assign(f, field_for(p.name), p.value, p.name);
}

void from_sshd(std::string_view msg, Fields& f) {
  // "Accepted password for alice from 192.0.2.7 port 50022 ssh2" (also publickey, ...)
  if (msg.starts_with("Accepted ")) {
    fill(f.user, word_after(msg, " for "));
    fill(f.src_ip, word_after(msg, " from "));
    fill(f.action, "login");
  } else if (msg.starts_with("Failed ")) {
    auto pos = msg.find(" for ");
    if (pos != std::string_view::npos) {
      std::string_view rest = msg.substr(pos + 5);
      if (rest.starts_with("invalid user ")) rest.remove_prefix(13);
      fill(f.user, rest.substr(0, rest.find(' ')));
    }
    fill(f.src_ip, word_after(msg, " from "));
    fill(f.action, "login_failed");
  } else if (msg.starts_with("Invalid user ")) {
    fill(f.user, word_after(msg, "Invalid user "));
    fill(f.src_ip, word_after(msg, " from "));
    fill(f.action, "invalid_user");
  } else if (msg.starts_with("Disconnected from user ") || msg.starts_with("Connection closed by authenticating user ") ||
             msg.starts_with("Received disconnect from ")) {
    std::string_view user = word_after(msg, " user ");
    fill(f.user, user);
    std::string_view ip = user.empty() ? word_after(msg, " from ") : word_after(msg, std::string(user) + " ");
    if (!ip.empty() && ip.back() == ':') ip.remove_suffix(1);
    if (looks_like_ip(ip)) fill(f.src_ip, ip);
    fill(f.action, "logout");
  }
}

void from_pam(std::string_view msg, Fields& f) {
  // "pam_unix(sshd:session): session opened for user alice(uid=1000) by (uid=0)"
  if (auto pos = msg.find("session opened for user "); pos != std::string_view::npos) {
    std::string_view user = msg.substr(pos + 24);
    user = user.substr(0, user.find_first_of(" ("));
    fill(f.user, user);
    fill(f.action, "session_open");
  } else if (auto closed = msg.find("session closed for user "); closed != std::string_view::npos) {
    std::string_view user = msg.substr(closed + 24);
    user = user.substr(0, user.find_first_of(" ("));
    fill(f.user, user);
    fill(f.action, "session_close");
  } else if (contains(msg, "authentication failure;")) {
    fill(f.action, "auth_failure");  // rhost= and user= come from the key=value pass
  }
}

// '192.0.2.7 - alice [20/Nov/2026:03:12:00 +0900] "GET /x HTTP/1.1" 200 512 ...'
void from_access_log(std::string_view msg, Fields& f) {
  auto first = msg.find(' ');
  if (first == std::string_view::npos || !looks_like_ip(msg.substr(0, first))) return;
  auto second = msg.find(' ', first + 1);
  if (second == std::string_view::npos) return;
  auto third = msg.find(' ', second + 1);
  if (third == std::string_view::npos || third + 1 >= msg.size() || msg[third + 1] != '[') return;
  auto close = msg.find("] \"", third);
  if (close == std::string_view::npos) return;
  fill(f.src_ip, msg.substr(0, first));
  std::string_view user = msg.substr(second + 1, third - second - 1);
  if (user != "-") fill(f.user, user);
  std::string_view method = msg.substr(close + 3);
  method = method.substr(0, method.find(' '));
  if (!method.empty() && method.size() <= 16) fill(f.action, method);
}

// key=value or key="value" anywhere in the message.
void from_key_values(std::string_view msg, Fields& f) {
  std::size_t pos = 0;
  while ((pos = msg.find('=', pos)) != std::string_view::npos) {
    std::size_t start = pos;
    while (start > 0) {
      char c = msg[start - 1];
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) break;
      --start;
    }
    std::string_view key = msg.substr(start, pos - start);
    std::size_t vstart = pos + 1;
    std::string_view value;
    if (vstart < msg.size() && msg[vstart] == '"') {
      auto end = msg.find('"', vstart + 1);
      if (end == std::string_view::npos) break;
      value = msg.substr(vstart + 1, end - vstart - 1);
      pos = end + 1;
    } else {
      auto end = msg.find_first_of(" ,;", vstart);
      value = msg.substr(vstart, end == std::string_view::npos ? std::string_view::npos : end - vstart);
      pos = vstart;
    }
    Target t = field_for(key);
    if (t == Target::src_ip && !looks_like_ip(value)) t = Target::none;  // rhost= may be a name
    assign(f, t, value, key);
  }
}

}  // namespace

struct Extractor::Impl {
  struct Rule {
    std::string name, app;
    std::unique_ptr<RE2> re;
    std::vector<std::pair<int, std::string>> groups;  // capture index -> field name
  };
  std::vector<Rule> rules;
};

Extractor::Extractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Extractor::~Extractor() = default;

Result<std::shared_ptr<const Extractor>> Extractor::create(const std::vector<ExtractRule>& rules) {
  auto impl = std::make_unique<Impl>();
  for (const auto& rule : rules) {
    RE2::Options options;
    options.set_log_errors(false);
    Impl::Rule r{rule.name, rule.app, std::make_unique<RE2>(rule.pattern, options), {}};
    if (!r.re->ok())
      return fail(Errc::invalid_argument, "extract rule \"" + rule.name + "\": bad pattern: " + r.re->error());
    for (const auto& [name, index] : r.re->NamedCapturingGroups()) r.groups.emplace_back(index, name);
    if (r.groups.empty())
      return fail(Errc::invalid_argument,
                  "extract rule \"" + rule.name + "\": the pattern has no named group such as (?P<user>\\w+)");
    impl->rules.push_back(std::move(r));
  }
  return std::make_shared<const Extractor>(std::move(impl));
}

Fields Extractor::extract(const Message& m) const {
  Fields f;
  std::string_view msg = m.message;
  if (!m.sd.empty()) from_sd(m, f);
  if (m.app == "sshd" || msg.starts_with("Accepted ") || msg.starts_with("Failed password") ||
      msg.starts_with("Invalid user "))
    from_sshd(msg, f);
  if (msg.starts_with("pam_") || contains(msg, "pam_unix")) from_pam(msg, f);
  if (msg.find("] \"") != std::string_view::npos) from_access_log(msg, f);
  if (msg.find('=') != std::string_view::npos) from_key_values(msg, f);
  for (const auto& rule : impl_->rules) {
    if (!rule.app.empty() && rule.app != m.app) continue;
    int n = rule.re->NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> groups(static_cast<std::size_t>(n));
    if (!rule.re->Match(re2::StringPiece(msg.data(), msg.size()), 0, msg.size(), RE2::UNANCHORED, groups.data(), n))
      continue;
    for (const auto& [index, name] : rule.groups) {
      const auto& g = groups[static_cast<std::size_t>(index)];
      if (g.data() == nullptr) continue;
      std::string_view value(g.data(), g.size());
      Target t = field_for(name);
      if (t != Target::none && t != Target::extra) assign(f, t, value);
      else f.extra.emplace_back(name, std::string(value));
    }
  }
  return f;
}

}  // namespace hokan::syslog
