// Extraction runs on every message, so each recogniser sits behind a check that costs a
// memchr, a memmem or a few compares, values stay views until one is kept, and a field
// once filled is never overwritten (the first recogniser to find it wins). The
// recognisers themselves live in recognise_auth.cpp and recognise_services.cpp, the
// search for addresses in free text in addresses.cpp.
#include "syslog/extract.h"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "core/ip.h"
#include "syslog/addresses.h"
#include "syslog/recognisers.h"

namespace hokan::syslog {
namespace {

using detail::FieldSink;

constexpr std::size_t npos = std::string_view::npos;

// A message names at most this many distinct addresses in `ips`: enough for any real
// line, and a line that is nothing but addresses cannot make an index entry per byte.
constexpr std::size_t kMaxAddresses = 64;

// memmem prepares each search afresh (glibc builds a shift table), which costs more than
// these short needles in one line: memchr for the needle's first byte that is neither a
// lower-case letter nor a space (rarer in log text), then a compare around it.
bool contains(std::string_view s, std::string_view needle) {
  if (needle.empty()) return true;
  std::size_t anchor = 0;
  for (std::size_t i = 0; i < needle.size(); ++i)
    if (!(needle[i] >= 'a' && needle[i] <= 'z') && needle[i] != ' ') {
      anchor = i;
      break;
    }
  if (s.size() < needle.size()) return false;
  const char* p = s.data() + anchor;
  const char* last = s.data() + (s.size() - needle.size()) + anchor;  // the anchor's last place
  while (p <= last) {
    p = static_cast<const char*>(memchr(p, needle[anchor], static_cast<std::size_t>(last - p) + 1));
    if (!p) return false;
    if (std::memcmp(p - anchor, needle.data(), needle.size()) == 0) return true;
    ++p;
  }
  return false;
}

bool contains(std::string_view s, char c) { return memchr(s.data(), c, s.size()) != nullptr; }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

void fill(std::string& field, std::string_view value) {
  if (field.empty() && !value.empty() && value != "-") field.assign(value);
}

enum class Target { none, user, src_ip, action, case_id, extra };

// Names the built-in recognisers (structured data, key=value) understand.
Target builtin_target(std::string_view name) {
  if (name == "user" || name == "username" || name == "sasl_username" || name == "acct")
    return Target::user;
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

// [[extract]] rules: exactly the four field names, everything else is extra (as
// conf/hokan.toml documents).
Target rule_target(std::string_view name) {
  if (name == "user") return Target::user;
  if (name == "src_ip") return Target::src_ip;
  if (name == "action") return Target::action;
  if (name == "case") return Target::case_id;
  return Target::extra;
}

void assign(Fields& f, Target t, std::string_view name, std::string_view value) {
  switch (t) {
    case Target::user:
      fill(f.user, value);
      break;
    case Target::src_ip:
      // Canonical when it is an address, so --ip finds it; a configured rule's group
      // that holds something else is kept as the rule wrote it.
      if (!f.src_ip.empty()) break;
      if (const auto a = core::parse_ip(value))
        f.src_ip = core::format_ip(*a);
      else
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
  if (t == Target::src_ip) {
    if (!f.src_ip.empty()) return;
    if (const auto a = core::parse_ip(value)) f.src_ip = core::format_ip(*a);
    return;
  }
  // Dovecot writes user=<alice>.
  if (t == Target::user && value.size() > 2 && value.front() == '<' && value.back() == '>')
    value = value.substr(1, value.size() - 2);
  assign(f, t, name, value);
}

// Structured data. The origin SD's "ip" params are the sender's own addresses (RFC 5424
// 7.2.1): origin_ip and ips, never src_ip. Every param value is searched for addresses.
void from_sd(const Message& m, Fields& f, std::vector<core::IpAddress>& named,
             std::vector<AddressInText>& found) {
  for (const auto& element : m.sd) {
    const bool origin = element.id == "origin";
    for (const auto& p : element.params) {
      if (origin && p.name == "ip") {
        if (const auto a = core::parse_ip(p.value)) {
          fill(f.origin_ip, core::format_ip(*a));
          named.push_back(*a);
        }
        continue;
      }
      assign_builtin(f, p.name, p.value);
      // Most values (timeQuality's, counters, names) have no separator at all.
      if (std::none_of(p.value.begin(), p.value.end(), [](char c) { return c == '.' || c == ':'; }))
        continue;
      found.clear();
      find_addresses(p.value, found);
      for (const auto& a : found) named.push_back(a.address);
    }
  }
}

// ---- key=value ---------------------------------------------------------------------------

bool is_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '_';
}

// Where an unquoted value ends: a byte of " ,;)]", or the end. By table: find_first_of
// tries each of the five for every byte.
std::size_t value_end(std::string_view msg, std::size_t from) {
  static constexpr auto kEnds = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : std::string_view(" ,;)]")) t[c] = true;
    return t;
  }();
  for (std::size_t i = from; i < msg.size(); ++i)
    if (kEnds[static_cast<unsigned char>(msg[i])]) return i;
  return npos;
}

// key=value or key="value" anywhere in the message; only known keys are kept.
void from_key_values(std::string_view msg, Fields& f) {
  // Where the next unquoted value ends, kept across pairs: searching again from every '='
  // made a line of '=' quadratic (a 64 KiB line took seconds).
  std::size_t stop = 0;
  bool stop_known = false;
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
      if (!stop_known || stop < value_at) {
        stop = value_end(msg, value_at);
        stop_known = true;
      }
      value = msg.substr(value_at, stop == npos ? npos : stop - value_at);
      pos = value_at;
    }
    if (!key.empty()) assign_builtin(f, key, value);
  }
}

// The text after the header. A malformed message holds the whole line; the parser says
// where its text starts, so a line without PRI reads as it would with one.
std::string_view text_of(const Message& m) {
  std::string_view text = m.message;
  if (m.malformed && m.msg_offset <= text.size()) text.remove_prefix(m.msg_offset);
  return text;
}

// "su" from "su(pam_unix)": the service of a PAM line whose module sits in the tag.
std::string_view pam_service_of_tag(std::string_view app) {
  const std::size_t open = app.find("(pam_");
  return open == npos ? std::string_view{} : app.substr(0, open);
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if ((s[i] | 0x20) != prefix[i]) return false;
  return true;
}

// The recognisers of message forms, each behind its cheap check.
void recognise(const Message& m, std::string_view text, Fields& f) {
  FieldSink sink(f);
  const std::string_view app = m.app;
  const bool sshd = detail::is_sshd(app);
  const char first = text[0];
  if (sshd || first == 'A' || first == 'F' || first == 'I' || first == 'm')
    detail::recognise_sshd(text, sshd, sink);
  const std::string_view tag_service = pam_service_of_tag(app);
  if (!tag_service.empty() || contains(text, "pam_"))
    detail::recognise_pam(text, tag_service, sink);
  if (app == "su") detail::recognise_su(text, sink);
  if (app == "sudo") detail::recognise_sudo(text, sink);
  // login(1), sshd's "ROOT LOGIN REFUSED", and Red Hat's "-- root[1]: ROOT LOGIN ON tty2",
  // which has no tag.
  if ((app.empty() || app == "login" || sshd) && contains(text, "LOGIN"))
    detail::recognise_login(text, sink);
  if (first == '(' && starts_with_ignoring_case(app, "cron"))
    detail::recognise_cron(text, app == "crontab", sink);
  if (app.starts_with("systemd")) detail::recognise_systemd(text, sink);
  if (app.starts_with("user")) detail::recognise_account_tool(text, app, sink);
  if (app.find("ftp") != npos) detail::recognise_ftp(text, app, sink);
  if (app == "dovecot") detail::recognise_dovecot(text, sink);
  if (app == "openvpn") detail::recognise_openvpn(text, sink);
  if (app == "polkitd") detail::recognise_polkit(text, sink);
  if (detail::may_be_access_log(text))
    detail::recognise_access_log(text, sink);
  else if (detail::may_log_web_auth(app) && contains(text, "user "))
    detail::recognise_web_auth(text, sink);
}

// ips: the addresses structured data and text name, each once, in order, and src_ip.
void collect_addresses(std::vector<core::IpAddress>& named, Fields& f) {
  std::size_t kept = 0;  // named[0, kept) are distinct
  for (std::size_t i = 0; i < named.size() && kept < kMaxAddresses; ++i)
    if (std::find(named.begin(), named.begin() + kept, named[i]) == named.begin() + kept)
      named[kept++] = named[i];
  f.ips.reserve(kept + 1);
  for (std::size_t i = 0; i < kept; ++i) f.ips.push_back(core::format_ip(named[i]));
  // src_ip is nearly always among them already; a configured rule's value that is not an
  // address is not.
  if (!f.src_ip.empty() && std::find(f.ips.begin(), f.ips.end(), f.src_ip) == f.ips.end() &&
      core::parse_ip(f.src_ip))
    f.ips.push_back(f.src_ip);
}

// Scratch space reused by each thread's calls, so extract() allocates only what it
// returns.
struct Scratch {
  std::vector<core::IpAddress> named;
  std::vector<AddressInText> found;
};

Scratch& scratch() {
  thread_local Scratch s;
  s.named.clear();
  s.found.clear();
  return s;
}

}  // namespace

struct Extractor::Impl {
  struct Group {
    int index;
    std::string name;
    Target target;
  };
  struct Rule {
    std::string app;
    std::unique_ptr<RE2> re;
    std::vector<Group> groups;  // in capture order, so `extra` is in match order
    int submatches = 0;         // captures to ask RE2 for: up to the last named one
  };
  std::vector<Rule> rules;
};

Extractor::Extractor(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Extractor::~Extractor() = default;

Result<std::shared_ptr<const Extractor>> Extractor::create(const std::vector<ExtractRule>& rules) {
  auto impl = std::make_unique<Impl>();
  for (const auto& rule : rules) {
    RE2::Options options;
    options.set_log_errors(false);  // the error is returned, not printed to stderr
    auto re = std::make_unique<RE2>(rule.pattern, options);
    const std::string quoted = "extract rule \"" + rule.name + "\": ";
    if (!re->ok()) return fail(Errc::invalid_argument, quoted + "bad pattern: " + re->error());
    Impl::Rule r{rule.app, std::move(re), {}, 0};
    for (const auto& [name, index] : r.re->NamedCapturingGroups())
      r.groups.push_back({index, name, rule_target(name)});
    if (r.groups.empty())
      return fail(Errc::invalid_argument,
                  quoted + "the pattern has no named group such as (?P<user>\\w+)");
    std::sort(r.groups.begin(), r.groups.end(),
              [](const Impl::Group& a, const Impl::Group& b) { return a.index < b.index; });
    r.submatches = r.groups.back().index + 1;
    impl->rules.push_back(std::move(r));
  }
  return std::make_shared<const Extractor>(std::move(impl));
}

Fields Extractor::extract(const Message& m) const {
  Fields f;
  extract(m, f);
  return f;
}

void Extractor::extract(const Message& m, Fields& f) const {
  Scratch& s = scratch();
  std::vector<core::IpAddress>& named = s.named;
  if (!m.sd.empty()) from_sd(m, f, named, s.found);
  const std::string_view text = text_of(m);
  if (!text.empty()) {
    recognise(m, text, f);
    if (contains(text, '=')) from_key_values(text, f);
    std::vector<AddressInText>& found = s.found;
    found.clear();
    find_addresses(text, found);
    for (const auto& a : found) {
      if (f.src_ip.empty() && marked_as_client(text, a.begin))
        f.src_ip = core::format_ip(a.address);
      named.push_back(a.address);
    }
  }
  // Rules read the message as stored, as they always have.
  const std::string_view msg = m.message;
  const re2::StringPiece piece(msg.data(), msg.size());
  std::array<re2::StringPiece, 16> small;
  std::vector<re2::StringPiece> large;
  for (const auto& rule : impl_->rules) {
    if (!rule.app.empty() && rule.app != m.app) continue;
    re2::StringPiece* groups = small.data();
    if (rule.submatches > static_cast<int>(small.size())) {
      large.resize(static_cast<std::size_t>(rule.submatches));
      groups = large.data();
    }
    if (!rule.re->Match(piece, 0, piece.size(), RE2::UNANCHORED, groups, rule.submatches)) continue;
    for (const auto& g : rule.groups) {
      const re2::StringPiece& value = groups[g.index];
      if (value.data() == nullptr) continue;  // the group took no part in the match
      assign(f, g.target, g.name, std::string_view(value.data(), value.size()));
    }
  }
  // A recogniser or rule may have taken text that is not an address (`from 10.ick_y`,
  // `src_ip=03:1E:00`): an address field holds an address in its canonical form or
  // nothing.
  for (std::string* address : {&f.src_ip, &f.origin_ip}) {
    if (address->empty()) continue;
    if (auto canonical = core::canonical_ip(*address)) *address = std::move(*canonical);
    else address->clear();
  }
  collect_addresses(named, f);
}

}  // namespace hokan::syslog
