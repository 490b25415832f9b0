#include "api/access.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>

#include "audit/auditor.h"

namespace hokan::api {

AccessControl::AccessControl(std::shared_ptr<const config::Config> config, uid_t daemon_uid)
    : config_(std::move(config)), daemon_uid_(daemon_uid) {}

std::vector<std::string> AccessControl::groups_of(const Caller& caller) const {
  std::vector<std::string> names;
  std::vector<gid_t> gids(64);
  int count = static_cast<int>(gids.size());
  if (getgrouplist(caller.user.c_str(), caller.gid, gids.data(), &count) < 0) {
    gids.resize(static_cast<std::size_t>(count));
    if (getgrouplist(caller.user.c_str(), caller.gid, gids.data(), &count) < 0) count = 0;
  }
  gids.resize(static_cast<std::size_t>(std::max(count, 0)));
  if (std::find(gids.begin(), gids.end(), caller.gid) == gids.end()) gids.push_back(caller.gid);
  char buf[4096];
  for (gid_t gid : gids) {
    group gr{};
    group* found = nullptr;
    if (getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found) names.emplace_back(found->gr_name);
  }
  return names;
}

AccessControl::Roles AccessControl::roles_of(const Caller& caller, const std::string& action) const {
  Roles r;
  std::set<std::string> all;
  for (const auto& c : config_->categories) all.insert(c.name);
  if (caller.uid == daemon_uid_) {
    r.any = r.action = true;
    r.categories = all;
    r.categories.insert(audit::kCategory);
    return r;
  }
  auto groups = groups_of(caller);
  for (const auto& role : config_->roles) {
    bool member = std::find(role.users.begin(), role.users.end(), caller.user) != role.users.end() ||
                  std::any_of(role.groups.begin(), role.groups.end(), [&](const std::string& g) {
                    return std::find(groups.begin(), groups.end(), g) != groups.end();
                  });
    if (!member) continue;
    r.any = true;
    bool admin = std::find(role.actions.begin(), role.actions.end(), "admin") != role.actions.end();
    if (action != "any" && std::find(role.actions.begin(), role.actions.end(), action) == role.actions.end()) continue;
    r.action = true;
    for (const auto& c : role.categories) {
      if (c == "*") r.categories.insert(all.begin(), all.end());
      else r.categories.insert(c);
    }
    if (admin) r.categories.insert(audit::kCategory);
  }
  return r;
}

bool AccessControl::has_role(const Caller& caller) const { return roles_of(caller, "any").any; }

std::set<std::string> AccessControl::permitted(const Caller& caller, const std::string& action) const {
  return roles_of(caller, action).categories;
}

Result<Grant> AccessControl::check(const Caller& caller, const std::string& action,
                                   const std::vector<std::string>& requested, bool with_audit) const {
  Roles r = roles_of(caller, action);
  std::string who = caller.user + " (uid " + std::to_string(caller.uid) + ")";
  if (!r.any) return fail(Errc::permission_denied, who + " has no role in hokan.toml; ask the administrator for one");
  if (!r.action) return fail(Errc::permission_denied, who + " has no role that grants \"" + action + "\"");
  Grant g;
  if (requested.empty()) {
    // The audit trail is read only when asked for by name: it would otherwise echo every
    // earlier query's filter back into the results.
    if (!with_audit) r.categories.erase(audit::kCategory);
    g.categories.assign(r.categories.begin(), r.categories.end());
    if (g.categories.empty() && action != "any")
      return fail(Errc::permission_denied, who + " may " + action + " no category");
    return g;
  }
  for (const auto& c : requested)
    if (!r.categories.contains(c))
      return fail(Errc::permission_denied, who + " may not " + action + " category \"" + c + "\"");
  g.categories = requested;
  return g;
}

}  // namespace hokan::api
