// Recognisers for network services that name their users: web servers (access logs,
// Apache and nginx authentication errors), FTP servers and Dovecot. The forms follow the
// servers' own log formats as the corpus in tests/syslog/recall shows them.
#include <algorithm>

#include "syslog/recognisers.h"

namespace hokan::syslog::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

}  // namespace

bool may_be_access_log(std::string_view msg) {
  if (msg.empty()) return false;
  // An address first, or vhost_combined's "name:port" first.
  if (!is_hex(msg[0]) && msg[0] != ':' && word_at(msg, 0).find(':') == npos) return false;
  return msg.find("] \"") != npos;
}

// Common and combined formats:
// '192.0.2.7 - alice [20/Nov/2026:03:12:00 +0900] "GET /x HTTP/1.1" 200 512 "-" "curl"'.
void recognise_access_log(std::string_view msg, FieldSink& f) {
  std::string_view ip = word_at(msg, 0);
  auto address = core::parse_ip(ip);
  if (!address) {
    // Apache's vhost_combined: "www.example.jp:443 192.0.2.7 - - [...] ..."
    const std::string_view next = word_at(msg, ip.size() + 1);
    if (ip.find(':') == npos || !(address = core::parse_ip(next))) return;
    msg.remove_prefix(ip.size() + 1);
    ip = next;
  }
  const std::string_view ident = word_at(msg, ip.size() + 1);
  const std::size_t user_at = ip.size() + ident.size() + 2;
  const std::string_view user = word_at(msg, user_at);
  const std::size_t date_at = user_at + user.size() + 1;
  if (ident.empty() || user.empty() || date_at >= msg.size() || msg[date_at] != '[') return;
  const std::size_t request_at = msg.find("] \"", date_at);
  if (request_at == npos) return;
  f.src_ip(*address);
  f.user(user);  // "-" is no user
  const std::string_view method = word_at(msg, request_at + 3);
  const bool is_method =
      !method.empty() && method.size() <= 16 &&
      std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (is_method) f.action(method);
}

void recognise_web_auth(std::string_view msg, FieldSink& f) {
  // nginx: 'user "alice" was not found in "/etc/nginx/.htpasswd"', 'user "alice":
  // password mismatch'; PostgreSQL: 'password authentication failed for user "alice"'.
  // MySQL: "Access denied for user 'app'@'192.0.2.1' (using password: YES)".
  for (std::string_view quote : {"\"", "'"}) {
    const std::size_t at = msg.find(std::string("user ") + std::string(quote));
    if (at == npos || (at > 0 && msg[at - 1] != ' ')) continue;
    const std::size_t close = msg.find(quote, at + 6);
    if (close != npos && close - at - 6 <= 256) f.user(msg.substr(at + 6, close - at - 6));
    return;
  }
  // Apache: "[client A] user alice: authentication failure for "/x": Password Mismatch",
  // "AH01618: user alice not found: /x".
  for (std::size_t at = msg.find("user "); at != npos; at = msg.find("user ", at + 5)) {
    if (at > 0 && msg[at - 1] != ' ') continue;
    std::string_view user = word_at(msg, at + 5);
    const std::string_view tail = msg.substr(at + 5 + user.size());
    if (user.ends_with(':') && tail.starts_with(" authentication failure for ")) {
      user.remove_suffix(1);
    } else if (!tail.starts_with(" not found")) {
      continue;
    }
    f.user(user);
    return;
  }
}

void recognise_ftp(std::string_view msg, std::string_view app, FieldSink& f) {
  // vsftpd: '[alice] OK LOGIN: Client "192.0.2.1"', '[alice] FAIL LOGIN: ...'.
  if (msg.starts_with('[')) {
    const std::size_t close = msg.find("] ");
    if (close == npos) return;
    const std::string_view verdict = word_at(msg, close + 2);
    if (verdict == "OK" || verdict == "FAIL") f.user(msg.substr(1, close - 1));
    return;
  }
  // pure-ftpd: "(alice@192.0.2.1) [INFO] Logout.", "(?@192.0.2.1) [WARNING] Authentication
  // failed for user [alice]", "(?@192.0.2.1) [INFO] alice is now logged in".
  if (msg.starts_with('(')) {
    const std::size_t at = msg.find('@'), close = msg.find(") ");
    if (at == npos || close == npos || at > close) return;
    const std::string_view user = msg.substr(1, at - 1);
    f.src_ip(msg.substr(at + 1, close - at - 1));
    if (user != "?") f.user(user);
    if (const std::size_t failed = msg.find("failed for user [", close); failed != npos) {
      const std::string_view rest = msg.substr(failed + 17);
      f.user(rest.substr(0, rest.find(']')));
    } else if (const std::size_t in = msg.find(" is now logged in", close); in != npos) {
      const std::size_t word = msg.rfind(' ', in - 1);
      if (word != npos && word > close) f.user(msg.substr(word + 1, in - word - 1));
    }
    return;
  }
  // proftpd: "server (name[A]) - USER alice: Login successful.", "... - USER alice (Login
  // failed): Incorrect password".
  if (app == "proftpd") {
    const std::size_t open = msg.find(" ("), dash = msg.find(") - ");
    if (open == npos || dash == npos || open > dash) return;
    const std::string_view peer = msg.substr(open + 2, dash - open - 2);
    const std::size_t bracket = peer.rfind('[');
    if (bracket != npos && peer.ends_with(']'))
      f.src_ip(peer.substr(bracket + 1, peer.size() - bracket - 2));
    if (const std::string_view rest = msg.substr(dash + 4); rest.starts_with("USER ")) {
      std::string_view user = word_at(rest, 5);
      if (user.ends_with(':')) user.remove_suffix(1);
      f.user(user);
    }
    return;
  }
  // wu-ftpd: "FTP LOGIN FROM host [A], alice" (not "ANONYMOUS FTP LOGIN ...", whose last
  // word is the e-mail address given as a password).
  if (msg.starts_with("FTP LOGIN FROM ")) {
    const std::size_t comma = msg.rfind("], ");
    if (comma != npos) f.user(word_at(msg, comma + 3));
  }
}

void recognise_dovecot(std::string_view msg, FieldSink& f) {
  // "auth: pam(alice,192.0.2.1,<session>): ...", "auth-worker(123): sql(alice,...): ...".
  std::size_t at = msg.find("auth: ");
  if (at != npos) {
    at += 6;
  } else if ((at = msg.find("auth-worker(")) != npos) {
    at = msg.find("): ", at);
    if (at == npos) return;
    at += 3;
  } else {
    return;
  }
  const std::size_t open = msg.find('(', at);
  if (open == npos || open - at > 16 || msg.substr(at, open - at).find(' ') != npos) return;
  const std::size_t comma = msg.find(',', open);
  if (comma == npos || comma - open > 256) return;
  f.user(msg.substr(open + 1, comma - open - 1));
}

void recognise_openvpn(std::string_view msg, FieldSink& f) {
  const std::size_t slash = msg.find('/'), space = msg.find(' ');
  if (slash == npos || space == npos || slash > space || slash == 0) return;
  const std::string_view peer = msg.substr(slash + 1, space - slash - 1);
  const std::size_t colon = peer.rfind(':');
  if (colon == npos || !core::parse_ip(peer.substr(0, colon))) return;
  f.user(msg.substr(0, slash));
}

}  // namespace hokan::syslog::detail
