#include "api/access.h"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <set>

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

Decision AccessControl::check(const Caller& caller, const std::string& action,
                              const std::vector<std::string>& requested) const {
  std::set<std::string> all;
  for (const auto& c : config_->categories) all.insert(c.name);
  std::set<std::string> permitted;
  bool any_role = false, action_granted = false;
  if (caller.uid == daemon_uid_) {
    any_role = action_granted = true;
    permitted = all;
    permitted.insert("audit");
  } else {
    auto groups = groups_of(caller);
    for (const auto& role : config_->roles) {
      bool member = std::find(role.users.begin(), role.users.end(), caller.user) != role.users.end() ||
                    std::any_of(role.groups.begin(), role.groups.end(), [&](const std::string& g) {
                      return std::find(groups.begin(), groups.end(), g) != groups.end();
                    });
      if (!member) continue;
      any_role = true;
      bool admin = std::find(role.actions.begin(), role.actions.end(), "admin") != role.actions.end();
      if (std::find(role.actions.begin(), role.actions.end(), action) == role.actions.end()) continue;
      action_granted = true;
      for (const auto& c : role.categories) {
        if (c == "*") permitted.insert(all.begin(), all.end());
        else permitted.insert(c);
      }
      if (admin) permitted.insert("audit");
    }
  }
  Decision d;
  std::string who = caller.user + " (uid " + std::to_string(caller.uid) + ")";
  if (!any_role) {
    d.why = who + " has no role in hokan.toml; ask the administrator for one";
    return d;
  }
  if (!action_granted) {
    d.why = who + " has no role that grants \"" + action + "\"";
    return d;
  }
  if (requested.empty()) {
    // The audit trail is read only when asked for by name: it would otherwise echo every
    // earlier query's filter back into the results.
    permitted.erase("audit");
    d.categories.assign(permitted.begin(), permitted.end());
    if (d.categories.empty()) {
      d.why = who + " may " + action + " no category";
      return d;
    }
  } else {
    for (const auto& c : requested) {
      if (!permitted.contains(c)) {
        d.why = who + " may not " + action + " category \"" + c + "\"";
        return d;
      }
    }
    d.categories = requested;
  }
  d.allowed = true;
  return d;
}

}  // namespace hokan::api
