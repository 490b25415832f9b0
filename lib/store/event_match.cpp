#include "store/event_match.h"

#include <algorithm>

namespace hokan::store {
namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return !value.empty() && std::find(list.begin(), list.end(), value) != list.end();
}

bool in_prefixes(const std::vector<core::IpPrefix>& prefixes, const std::string& text) {
  if (text.empty()) return false;
  auto address = core::parse_ip(text);
  return address && std::any_of(prefixes.begin(), prefixes.end(),
                                [&](const core::IpPrefix& p) { return p.contains(*address); });
}

}  // namespace

Result<IpFilter> parse_ip_filter(const std::vector<std::string>& texts) {
  IpFilter filter;
  for (const auto& text : texts) {
    auto prefix = core::parse_ip_prefix(text);
    if (!prefix) return std::unexpected(prefix.error());
    if (prefix->length == (prefix->network.v6 ? 128 : 32))
      filter.exact.push_back(core::format_ip(prefix->network));
    else
      filter.prefixes.push_back(*prefix);
  }
  return filter;
}

Result<std::vector<std::string>> canonical_ip_filter(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& text : texts) {
    auto prefix = core::parse_ip_prefix(text);
    if (!prefix) return std::unexpected(prefix.error());
    out.push_back(core::format_ip_prefix(*prefix));
  }
  return out;
}

bool matches_users(const Event& e, const std::vector<std::string>& users) {
  return users.empty() || listed(users, e.fields.user) || listed(users, e.fields.target_user);
}

bool matches_ips(const Event& e, const std::vector<std::string>& ips,
                 const std::vector<core::IpPrefix>& prefixes) {
  if (ips.empty() && prefixes.empty()) return true;
  auto named = [&](const std::string& address) {
    return listed(ips, address) || (!prefixes.empty() && in_prefixes(prefixes, address));
  };
  // ips holds src_ip and origin_ip too when the extractor filled it; records that came
  // another way (audit, hand-built) may have only src_ip.
  return named(e.fields.src_ip) || named(e.fields.origin_ip) ||
         std::any_of(e.fields.ips.begin(), e.fields.ips.end(), named);
}

}  // namespace hokan::store
