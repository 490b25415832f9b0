// Internal to lib/syslog: the built-in recognisers Extractor::extract runs, and the sink
// they fill. Each recogniser reads one family of message forms and is called only after a
// check that costs a compare or a memmem (see extract.cpp); values stay views until one
// is kept. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/ip.h"
#include "syslog/message.h"

namespace hokan::syslog::detail {

// Fills Fields the way every recogniser must: the first value for a field wins, "-" and
// "" are no value, and an address is kept in its canonical form.
class FieldSink {
 public:
  explicit FieldSink(Fields& fields) : f_(fields) {}

  void user(std::string_view name) { fill(f_.user, name); }
  void target_user(std::string_view name) { fill(f_.target_user, name); }
  void action(std::string_view value) { fill(f_.action, value); }
  // Takes `text` only when it reads whole as an address (core::parse_ip).
  void src_ip(std::string_view text) {
    if (f_.src_ip.empty())
      if (const auto a = core::parse_ip(text)) f_.src_ip = core::format_ip(*a);
  }
  void src_ip(const core::IpAddress& a) {
    if (f_.src_ip.empty()) f_.src_ip = core::format_ip(a);
  }

 private:
  static void fill(std::string& field, std::string_view value) {
    if (field.empty() && !value.empty() && value != "-") field.assign(value);
  }
  Fields& f_;
};

// The word starting at `at`, up to a space or the end.
std::string_view word_at(std::string_view s, std::size_t at);

bool is_sshd(std::string_view app);

// sshd: logins, failures, invalid users, disconnects and resets in every form OpenSSH 5
// to 9.x writes. Lines of other programs are read only for the unmistakable
// "Accepted/Failed/Invalid user" forms.
void recognise_sshd(std::string_view msg, bool from_sshd, FieldSink& f);
// PAM, its module in the message ("pam_unix(su:session): ...") or in the tag
// ("su(pam_unix)"): `service` is then the tag's part before the parenthesis.
void recognise_pam(std::string_view msg, std::string_view service, FieldSink& f);
void recognise_su(std::string_view msg, FieldSink& f);
void recognise_sudo(std::string_view msg, FieldSink& f);
// login(1) of util-linux and shadow: "ROOT LOGIN ON tty1", "FAILED LOGIN 1 FROM h FOR u".
void recognise_login(std::string_view msg, FieldSink& f);
// cron, cronie and crontab: "(root) CMD (...)", "(root) LIST (judy)".
void recognise_cron(std::string_view msg, bool crontab, FieldSink& f);
// systemd and systemd-logind: "New session 4 of user alice.".
void recognise_systemd(std::string_view msg, FieldSink& f);
// polkitd: the account that authenticated for an action.
void recognise_polkit(std::string_view msg, FieldSink& f);
// useradd, userdel, usermod: the account they change.
void recognise_account_tool(std::string_view msg, std::string_view app, FieldSink& f);

// Web servers: access logs (common, combined, vhost_combined); Apache, nginx, and
// database servers' authentication errors ('user "alice"', "user 'app'@'host'").
bool may_be_access_log(std::string_view msg);
void recognise_access_log(std::string_view msg, FieldSink& f);
void recognise_web_auth(std::string_view msg, FieldSink& f);
// The programs recognise_web_auth knows; no tag is Apache's own error_log line.
inline bool may_log_web_auth(std::string_view app) {
  for (std::string_view name : {"nginx", "apache", "httpd", "postgres", "mysql", "mariadb"})
    if (app.starts_with(name)) return true;
  return app.empty();
}
// FTP servers: vsftpd, proftpd, pure-ftpd, wu-ftpd.
void recognise_ftp(std::string_view msg, std::string_view app, FieldSink& f);
// Dovecot's authentication lines: "auth: pam(alice,192.0.2.1,<...>): ...".
void recognise_dovecot(std::string_view msg, FieldSink& f);
// OpenVPN's per-client lines: "alice/192.0.2.1:50000 ...", the certificate's common name.
void recognise_openvpn(std::string_view msg, FieldSink& f);

}  // namespace hokan::syslog::detail
