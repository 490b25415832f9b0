// Field extraction: turns common message formats into user / src_ip / action / case.
// Built-in recognisers (tried in this order, first value for a field wins):
//   1. RFC 5424 structured data params named user, src_ip (or ip, srcip, src, rhost),
//      action, case;
//   2. sshd ("Accepted password for U from A port P ssh2", "Failed password for
//      [invalid user] U from A", "Invalid user U from A", "Disconnected from user U A");
//   3. PAM ("pam_unix(sshd:auth): authentication failure; ... rhost=A  user=U",
//      "session opened for user U");
//   4. web access logs in combined/common format ('A - U [date] "GET /x HTTP/1.1" ...':
//      src_ip = A, user = U unless "-", action = the method);
//   5. key=value pairs anywhere in the message (user=, src_ip=, ip=, action=, case=,
//      values optionally double-quoted).
// Then configured [[extract]] rules (RE2 named groups) run and may fill what is missing.
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

  ~Extractor();
  struct Impl;
  explicit Extractor(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hokan::syslog
