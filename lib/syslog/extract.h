// Field extraction: turns common message formats into user / target_user / src_ip /
// origin_ip / ips / action / case. Built-in recognisers (tried in this order, first value
// for a field wins):
//   1. RFC 5424 structured data: params named user, src_ip (or ip, srcip, src, rhost,
//      client_ip, remote_addr), action, case; the `origin` SD's ip is origin_ip;
//   2. message forms (README, "Recognised forms", lists them): sshd in every OpenSSH 5 to 9.x form,
//      PAM (module in the message or in the tag), su, sudo, login, cron and crontab,
//      systemd-logind, polkit, useradd/userdel/usermod, FTP servers, web access logs
//      (common, combined, vhost_combined), Apache/nginx/MySQL/PostgreSQL authentication
//      errors, Dovecot, OpenVPN. Where one names two accounts (su, sudo, crontab -u) the
//      invoker is `user` and the account switched to is `target_user`;
//   3. key=value pairs anywhere in the message (user=, username=, sasl_username=, acct=,
//      src_ip=, ip=, rhost=, ..., action=, case=; values optionally double-quoted);
//   4. every address the text names, wherever it stands (addresses.h), into `ips`; the
//      first one the words around it mark as the client ("from A", "[client A]", ...)
//      is src_ip when no format above said.
// Then configured [[extract]] rules (RE2 named groups) run and may fill what is missing.
// A malformed message is read from its msg_offset, so a line sent without PRI gives the
// same fields. Addresses are canonical (core::format_ip).
// Thread-safety: an Extractor is immutable after construction; extract() is const and
// may run on many threads at once.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "syslog/message.h"

namespace hokan::syslog {

struct ExtractRule {
  std::string name;     // for error messages
  std::string app;      // only messages whose app equals this (empty: any)
  std::string pattern;  // RE2 syntax with named groups: (?P<user>\w+)
};

class Extractor {
 public:
  // Errors: invalid_argument naming the rule and RE2's message for a bad pattern, or a
  // pattern with no named group.
  [[nodiscard]] static Result<std::shared_ptr<const Extractor>> create(
      const std::vector<ExtractRule>& rules);

  Fields extract(const Message& message) const;
  // The same into `fields`, which must be empty (a new event's: ingest builds each event
  // where it is kept).
  void extract(const Message& message, Fields& fields) const;

  ~Extractor();
  struct Impl;
  explicit Extractor(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::syslog
