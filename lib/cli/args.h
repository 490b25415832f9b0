// hokanctl's command-line parsing: "--name value", "--name=value", repeatable options and
// flags, positional words. Pure; thread-safe.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace hokan::cli {

struct ArgSpec {
  std::set<std::string> options;  // take a value: "since", "host", ...
  std::set<std::string> flags;    // take none: "reverse", "count", ...
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;  // in the order given
  std::set<std::string> flags;

  bool has(const std::string& name) const { return options.contains(name) || flags.contains(name); }
  // The last value given, or `fallback`.
  std::string value(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> values(const std::string& name) const;
};

// Errors: invalid_argument ("unknown option --x", "--since needs a value").
[[nodiscard]] Result<Args> parse_args(const std::vector<std::string>& argv, const ArgSpec& spec);

}  // namespace hokan::cli
