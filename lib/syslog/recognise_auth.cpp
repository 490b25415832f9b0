// Recognisers for the programs that log who logged in or became whom: sshd, PAM, su,
// sudo, login, cron, systemd-logind and the account tools. The forms follow what the
// programs print (OpenSSH's auth.c, auth2.c, sshd.c, packet.c; Linux-PAM's pam_unix;
// util-linux and shadow su and login; sudo's logging; cron and cronie), as the corpus in
// tests/syslog/recall shows them.
#include <algorithm>

#include "syslog/recognisers.h"

namespace hokan::syslog::detail {
namespace {

constexpr std::size_t npos = std::string_view::npos;

std::string_view after(std::string_view s, std::string_view prefix) {
  return s.starts_with(prefix) ? s.substr(prefix.size()) : std::string_view{};
}

// A name up to the first of `stops` (or the end).
std::string_view name_until(std::string_view s, std::string_view stops) {
  return s.substr(0, s.find_first_of(stops));
}

// "[invalid user |illegal user ]U" at the start of s: U, and s moved past it.
std::string_view take_account(std::string_view& s) {
  for (std::string_view prefix : {"invalid user ", "illegal user "})
    if (s.starts_with(prefix)) {
      s.remove_prefix(prefix.size());
      break;
    }
  const std::string_view user = word_at(s, 0);
  s.remove_prefix(std::min(s.size(), user.size() + 1));
  return user;
}

// "METHOD for [invalid user ]U from A port P ...", after "Accepted ", "Failed ",
// "Postponed ".
void sshd_auth(std::string_view rest, FieldSink& f, std::string_view action) {
  const std::size_t for_at = rest.find(" for ");
  if (for_at == npos) return;
  std::string_view tail = rest.substr(for_at + 5);
  const std::string_view user = take_account(tail);
  // Not sshd's shape without " from ": "Failed to start x for y" is systemd's.
  if (!tail.starts_with("from ")) return;
  f.user(user);
  f.src_ip(word_at(tail, 5));
  f.action(action);
}

// "[invalid |authenticating ]user U A port P" or just "A port P", after "Disconnected
// from ", "Connection closed by ", "Connection reset by ", "Disconnecting ",
// "Connection from ".
void sshd_peer(std::string_view rest, FieldSink& f) {
  for (std::string_view prefix : {"user ", "invalid user ", "authenticating user "}) {
    if (!rest.starts_with(prefix)) continue;
    rest.remove_prefix(prefix.size());
    const std::string_view user = word_at(rest, 0);
    f.user(user);
    rest.remove_prefix(std::min(rest.size(), user.size() + 1));
    break;
  }
  std::string_view address = word_at(rest, 0);
  if (address.ends_with(':')) address.remove_suffix(1);  // "Connection from A port P: ..."
  f.src_ip(address);
}

}  // namespace

std::string_view word_at(std::string_view s, std::size_t at) {
  if (at >= s.size()) return {};
  const std::size_t end = s.find(' ', at);
  return s.substr(at, end == npos ? npos : end - at);
}

bool is_sshd(std::string_view app) {
  return app == "sshd" || app == "sshd-session";  // OpenSSH 9.8 logs as sshd-session
}

void recognise_sshd(std::string_view msg, bool from_sshd, FieldSink& f) {
  // rsyslog folds repeats: "message repeated 3 times: [ Failed password for ...]".
  if (msg.starts_with("message repeated ")) {
    const std::size_t open = msg.find(": [ ");
    if (open == npos) return;
    msg.remove_prefix(open + 4);
  }
  if (msg.starts_with("Accepted ")) return sshd_auth(msg.substr(8), f, "login");
  if (msg.starts_with("Failed ")) return sshd_auth(msg.substr(6), f, "login_failed");
  if (std::string_view rest = after(msg, "Invalid user "); !rest.empty()) {
    const std::string_view user = word_at(rest, 0);
    const std::size_t from_at = rest.find(" from ", user.size());
    if (from_at == npos) return;
    f.user(user);
    f.src_ip(word_at(rest, from_at + 6));
    f.action("invalid_user");
    return;
  }
  if (!from_sshd) return;  // the forms below are too generic to trust from other programs

  for (std::string_view level : {"error: ", "fatal: "})
    if (msg.starts_with(level)) msg.remove_prefix(level.size());
  std::string_view rest;
  if (!(rest = after(msg, "Disconnected from ")).empty()) {
    // Only "Disconnected from user" closes a session; the others end an attempt.
    f.action(rest.starts_with("user ") ? "logout" : "disconnect");
    sshd_peer(rest, f);
  } else if (!(rest = after(msg, "Connection closed by ")).empty() ||
             !(rest = after(msg, "Connection reset by ")).empty()) {
    sshd_peer(rest, f);
    f.action("disconnect");
  } else if (!(rest = after(msg, "Disconnecting: Too many authentication failures for ")).empty()) {
    f.user(take_account(rest));
  } else if (!(rest = after(msg, "Disconnecting ")).empty()) {
    sshd_peer(rest, f);  // 9.x: "Disconnecting invalid user U A port P: Too many ..."
  } else if (!(rest = after(msg, "ssh_dispatch_run_fatal: Connection from ")).empty()) {
    sshd_peer(rest, f);
  } else if (!(rest = after(msg, "input_userauth_request: invalid user ")).empty()) {
    f.user(word_at(rest, 0));
  } else if (!(rest = after(msg, "maximum authentication attempts exceeded for ")).empty()) {
    f.user(take_account(rest));
  } else if (!(rest = after(msg, "PAM: ")).empty()) {
    // "PAM: Authentication failure for [illegal user ]U from A", "PAM: User not known to
    // the underlying authentication module for illegal user U from A"
    if (const std::size_t for_at = rest.find(" for "); for_at != npos) {
      std::string_view tail = rest.substr(for_at + 5);
      const std::string_view user = take_account(tail);
      if (tail.starts_with("from ")) f.user(user);
    }
  } else if (!(rest = after(msg, "subsystem request for ")).empty()) {
    // "subsystem request for sftp by user U"
    if (const std::size_t by = rest.find(" by user "); by != npos) f.user(word_at(rest, by + 9));
  } else if (!(rest = after(msg, "Postponed ")).empty()) {
    sshd_auth(rest, f, "");
  } else if (!(rest = after(msg, "Starting session: ")).empty()) {
    // "shell on pts/0 for U from A port P id 0"
    if (const std::size_t for_at = rest.find(" for "); for_at != npos) {
      std::string_view tail = rest.substr(for_at + 5);
      const std::string_view user = word_at(tail, 0);
      if (tail.substr(user.size()).starts_with(" from ")) f.user(user);
    }
  } else if (!(rest = after(msg, "Close session: user ")).empty()) {
    f.user(word_at(rest, 0));
  } else if (!(rest = after(msg, "User ")).empty()) {
    // "User U from A not allowed because ...", "User U not allowed because ..."
    const std::string_view user = word_at(rest, 0);
    const std::string_view tail = rest.substr(user.size());
    if (tail.starts_with(" from ") || tail.starts_with(" not allowed ")) f.user(user);
  } else if (!(rest = after(msg, "Access denied for user ")).empty()) {
    f.user(word_at(rest, 0));
  } else if (!(rest = after(msg, "Address ")).empty()) {
    // "Address A maps to H, but this does not map back to the address"
    if (rest.find(" maps to ") != npos) f.src_ip(word_at(rest, 0));
  }
}

void recognise_pam(std::string_view msg, std::string_view service, FieldSink& f) {
  // The service from "pam_unix(su-l:session): ..." when the tag did not give it.
  if (const std::size_t pam = msg.find("pam_"); service.empty() && pam != npos) {
    const std::size_t open = msg.find('(', pam);
    const std::size_t colon = open == npos ? npos : msg.find(':', open);
    if (colon != npos && colon - open < 32) service = msg.substr(open + 1, colon - open - 1);
  }
  // su, sudo and runuser switch accounts: the session's user is the target, "by" names
  // the invoker. Other services' "by" is the login uid's name or nothing ("by
  // LOGIN(uid=0)", "by (uid=0)"), not a second person.
  static constexpr std::string_view kSwitches[] = {"su",      "su-l",      "sudo", "sudo-i",
                                                   "runuser", "runuser-l", "doas"};
  const bool switches =
      std::find(std::begin(kSwitches), std::end(kSwitches), service) != std::end(kSwitches);
  auto session_user = [&](std::string_view account) {
    if (switches)
      f.target_user(account);
    else
      f.user(account);
  };
  if (const std::size_t opened = msg.find("session opened for user "); opened != npos) {
    std::string_view rest = msg.substr(opened + 24);
    const std::string_view account = name_until(rest, " (");
    if (switches)
      if (const std::size_t by = rest.find(" by "); by != npos)
        f.user(name_until(rest.substr(by + 4), " ("));
    session_user(account);
    f.action("session_open");
  } else if (const std::size_t closed = msg.find("session closed for user "); closed != npos) {
    session_user(name_until(msg.substr(closed + 24), " ("));
    f.action("session_close");
  } else if (msg.find("authentication failure;") != npos) {
    // "... ruser=R rhost=H  user=U": R asked to become U (su), or R is U (sudo), or
    // there is no R (sshd, login).
    auto value = [&](std::string_view key) -> std::string_view {
      for (std::size_t k = msg.find(key); k != npos; k = msg.find(key, k + 1))
        if (k == 0 || msg[k - 1] == ' ') return word_at(msg, k + key.size());
      return {};
    };
    const std::string_view ruser = value("ruser="), user = value("user=");
    if (!ruser.empty() && !user.empty() && ruser != user) {
      f.user(ruser);
      f.target_user(user);
    } else {
      f.user(user);
    }
    f.action("auth_failure");
  } else if (const std::size_t identify = msg.find("could not identify password for [");
             identify != npos) {
    f.user(name_until(msg.substr(identify + 33), "]"));
  } else if (const std::size_t changed = msg.find("password changed for "); changed != npos) {
    f.user(word_at(msg, changed + 21));
  } else if (const std::size_t account = msg.find("): account "); account != npos) {
    const std::string_view user = word_at(msg, account + 11);
    if (msg.substr(account + 11 + user.size()).starts_with(" has expired")) f.user(user);
  } else if (const std::size_t locked = msg.find("Consecutive login failures for user ");
             locked != npos) {
    f.user(word_at(msg, locked + 36));
  }
}

void recognise_su(std::string_view msg, FieldSink& f) {
  // util-linux: "(to root) alice on pts/1", "FAILED SU (to root) alice on pts/1".
  if (const std::size_t to = msg.find("(to "); to != npos) {
    const std::size_t close = msg.find(") ", to);
    if (close == npos) return;
    f.user(word_at(msg, close + 2));
    f.target_user(msg.substr(to + 4, close - to - 4));
    return;
  }
  // shadow: "Successful su for root by alice", "FAILED su for root by alice".
  if (const std::size_t for_at = msg.find("su for "); for_at != npos) {
    const std::string_view target = word_at(msg, for_at + 7);
    const std::string_view tail = msg.substr(for_at + 7 + target.size());
    if (!tail.starts_with(" by ")) return;
    f.user(word_at(tail, 4));
    f.target_user(target);
    return;
  }
  // shadow: "+ /dev/pts/0 alice:root" (success) or "- ..." (failure).
  if (msg.starts_with("+ ") || msg.starts_with("- ")) {
    const std::string_view pair = msg.substr(msg.rfind(' ') + 1);
    const std::size_t colon = pair.find(':');
    if (colon == npos) return;
    f.user(pair.substr(0, colon));
    f.target_user(pair.substr(colon + 1));
  }
}

void recognise_sudo(std::string_view msg, FieldSink& f) {
  // "   alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id", with a
  // reason first on refusals ("alice : 3 incorrect password attempts ; TTY=...").
  const std::size_t start = msg.find_first_not_of(' ');
  if (start == npos) return;
  msg.remove_prefix(start);
  const std::size_t colon = msg.find(" : ");
  if (colon == npos || msg.substr(0, colon).find(' ') != npos) return;
  const std::size_t user_at = msg.find(" ; USER=", colon);
  if (user_at == npos && msg.find("COMMAND=", colon) == npos) return;
  f.user(msg.substr(0, colon));
  if (user_at != npos) f.target_user(word_at(msg, user_at + 8));
}

void recognise_login(std::string_view msg, FieldSink& f) {
  if (msg.find("ROOT LOGIN") != npos) return f.user("root");  // also sshd's "ROOT LOGIN REFUSED"
  // "LOGIN ON tty1 BY alice", "DIALUP AT ttyS0 BY alice"
  if (const std::size_t on = msg.find("LOGIN ON "); on != npos) {
    if (const std::size_t by = msg.find(" BY ", on); by != npos) f.user(word_at(msg, by + 4));
    return;
  }
  // util-linux: "FAILED LOGIN 1 FROM host FOR alice, Authentication failure";
  // shadow: "FAILED LOGIN (1) on '/dev/tty1' FOR 'alice', ...", "TOO MANY LOGIN TRIES
  // (5) on '/dev/ttyS0' FOR 'alice'".
  if (!msg.starts_with("FAILED LOGIN ") && !msg.starts_with("TOO MANY LOGIN TRIES")) return;
  const std::size_t for_at = msg.find(" FOR ");
  if (for_at == npos) return;
  std::string_view user = name_until(msg.substr(for_at + 5), ", ");
  if (user.size() >= 2 && user.front() == '\'' && user.back() == '\'')
    user = user.substr(1, user.size() - 2);
  if (user != "UNKNOWN") f.user(user);  // shadow's word for a name it would not log
}

void recognise_cron(std::string_view msg, bool crontab, FieldSink& f) {
  // "(root) CMD (...)", "(alice) REPLACE (alice)", but not "(CRON) INFO (...)" or
  // "(*system*) RELOAD (...)", which name the daemon and the system crontab.
  const std::size_t close = msg.find(") ");
  if (close == npos || close < 2 || close > 64) return;
  const std::string_view user = msg.substr(1, close - 1);
  const std::string_view verb = word_at(msg, close + 2);
  const bool upper = !verb.empty() && std::all_of(verb.begin(), verb.end(),
                                                  [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!upper || user == "CRON" || user.front() == '*' || user.find(' ') != npos) return;
  f.user(user);
  // crontab -u: "(root) LIST (judy)": root looked at judy's crontab.
  if (!crontab) return;
  const std::size_t open = msg.rfind(" (");
  if (open == npos || open < close || !msg.ends_with(")")) return;
  const std::string_view other = msg.substr(open + 2, msg.size() - open - 3);
  if (other != user && other.find(' ') == npos) f.target_user(other);
}

void recognise_systemd(std::string_view msg, FieldSink& f) {
  // systemd-logind: "New session 4 of user alice."; systemd: "Started session-4.scope -
  // Session 4 of User alice.".
  for (std::string_view of : {" of user ", " of User "}) {
    const std::size_t at = msg.find(of);
    if (at == npos) continue;
    const std::string_view rest = msg.substr(at + of.size());
    if (rest.size() > 1 && rest.back() == '.' && rest.find(' ') == npos)
      f.user(rest.substr(0, rest.size() - 1));
    return;
  }
}

void recognise_account_tool(std::string_view msg, std::string_view app, FieldSink& f) {
  auto quoted_after = [&](std::string_view prefix) -> std::string_view {
    const std::size_t at = msg.find(prefix);
    if (at == npos) return {};
    const std::string_view rest = msg.substr(at + prefix.size());
    const std::size_t close = rest.find('\'');
    return close == npos ? std::string_view{} : rest.substr(0, close);
  };
  if (app == "useradd") {
    // "new user: name=alice, UID=1006, GID=1006, home=/home/alice, ..."
    if (const std::size_t at = msg.find("new user: name="); at != npos)
      f.user(name_until(msg.substr(at + 15), ", "));
  } else if (app == "userdel") {
    f.user(quoted_after("delete user '"));  // "delete user 'alice'"
  } else if (app == "usermod") {
    // "add 'alice' to group 'sudo'", "change user 'alice' password", "lock user 'alice' password"
    if (msg.starts_with("add '")) f.user(quoted_after("add '"));
    f.user(quoted_after(" user '"));
  }
}

void recognise_polkit(std::string_view msg, FieldSink& f) {
  // "Operator of unix-session:3 successfully authenticated as unix-user:grace to gain
  // ONE-SHOT authorization for action ...": grace proved who she is to act as root.
  const std::size_t at = msg.find("authenticated as unix-user:");
  if (at != npos) f.user(word_at(msg, at + 27));
}

}  // namespace hokan::syslog::detail
