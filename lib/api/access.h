// Who may do what: the [[role]] rules applied to a caller identified by SO_PEERCRED.
// A caller with no role is refused; an action or category no role grants is refused
// with the reason; a request that names no category gets exactly the categories its
// roles grant for that action. The built-in "audit" category is granted by the "admin"
// action (or by naming it in a role), and reached only by naming it — except by a
// purge, which keeps the audit trail to its own retention like any category. The
// daemon's own user is granted everything: it can read the state directory anyway, and
// its requests are audited like all others.
// Thread-safety: immutable after construction.
#pragma once

#include <sys/types.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "api/server.h"
#include "config/config.h"
#include "core/error.h"

namespace hokan::api {

// What a request may touch once it is allowed.
struct Grant {
  std::vector<std::string> categories;
};

class AccessControl {
 public:
  AccessControl(std::shared_ptr<const config::Config> config, uid_t daemon_uid);

  // `action`: query export hold erase purge admin, or "any" (any role at all: status and
  // the category list). `requested`: categories named in the request (empty: all the
  // caller may `action`; "audit" among them only with `with_audit`). Errors:
  // permission_denied with one line for the caller.
  [[nodiscard]] Result<Grant> check(const Caller& caller, const std::string& action,
                                    const std::vector<std::string>& requested, bool with_audit = false) const;
  // Whether the caller has any role (refusals of strangers are rate-limited).
  bool has_role(const Caller& caller) const;
  // Every category the caller may `action` ("audit" included when granted).
  std::set<std::string> permitted(const Caller& caller, const std::string& action) const;

 private:
  struct Roles {
    bool any = false, action = false;
    std::set<std::string> categories;
  };
  Roles roles_of(const Caller& caller, const std::string& action) const;
  std::vector<std::string> groups_of(const Caller& caller) const;
  std::shared_ptr<const config::Config> config_;
  uid_t daemon_uid_;
};

}  // namespace hokan::api
