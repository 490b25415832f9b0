// Who may do what: the [[role]] rules applied to a caller identified by SO_PEERCRED.
// A caller with no role is refused; an action or category no role grants is refused
// with the reason; a request that names no category gets exactly the categories its
// roles grant, but never the audit trail, which is read by naming it. The built-in
// "audit" category is granted by the "admin" action (or by naming it in a role). The daemon's own user is granted everything: it can read the state
// directory anyway, and its requests are audited like all others.
// Thread-safety: immutable after construction.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "api/server.h"
#include "config/config.h"

namespace hokan::api {

struct Decision {
  bool allowed = false;
  std::string why;                      // for a refusal: one line, for the caller
  std::vector<std::string> categories;  // what the request may touch
};

class AccessControl {
 public:
  AccessControl(std::shared_ptr<const config::Config> config, uid_t daemon_uid);

  // `action`: query export hold erase purge admin. `requested`: categories named in the
  // request (empty: all the caller may see).
  Decision check(const Caller& caller, const std::string& action, const std::vector<std::string>& requested) const;

 private:
  std::vector<std::string> groups_of(const Caller& caller) const;
  std::shared_ptr<const config::Config> config_;
  uid_t daemon_uid_;
};

}  // namespace hokan::api
