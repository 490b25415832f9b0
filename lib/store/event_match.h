// Which events a user or address filter selects: the one rule the store's scans, live
// follow, holds and subject requests share, so that `--user` and `--ip` mean the same
// wherever they are typed. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "store/event.h"

namespace hokan::store {

// An address filter as typed (`--ip`, repeated): the exact addresses, canonical, which
// the index finds, and the shorter prefixes, which it cannot.
struct IpFilter {
  std::vector<std::string> exact;
  std::vector<core::IpPrefix> prefixes;
};
// Reads each text as core::parse_ip_prefix does: "2001:DB8::AB" becomes the exact
// "2001:db8::ab", "::ffff:198.51.100.77" the exact "198.51.100.77", "198.51.100.0/24" a
// prefix. Errors: invalid_argument, one line naming the first bad text and why.
[[nodiscard]] Result<IpFilter> parse_ip_filter(const std::vector<std::string>& texts);

// The canonical text of each value (an address, or a prefix as core::format_ip_prefix
// prints it), for requests that keep the filter as text (holds). Errors as above.
[[nodiscard]] Result<std::vector<std::string>> canonical_ip_filter(
    const std::vector<std::string>& texts);

// True when `users` is empty or names the event's account: its user (the invoker) or
// its target_user (su and sudo's target), so `--user alice` finds her sudo to root.
bool matches_users(const Event& e, const std::vector<std::string>& users);

// True when both lists are empty, or when any address the event names (src_ip,
// origin_ip, ips) equals one of `ips` (canonical text, core::format_ip) or lies in one
// of `prefixes`. A prefix has to parse each of the event's addresses: cheap next to
// decoding the event, but paid for every record of the time range (no index serves a
// prefix).
bool matches_ips(const Event& e, const std::vector<std::string>& ips,
                 const std::vector<core::IpPrefix>& prefixes);

}  // namespace hokan::store
