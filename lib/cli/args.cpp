#include "cli/args.h"

namespace hokan::cli {

std::string Args::value(const std::string& name, const std::string& fallback) const {
  auto it = options.find(name);
  return it == options.end() || it->second.empty() ? fallback : it->second.back();
}

std::vector<std::string> Args::values(const std::string& name) const {
  auto it = options.find(name);
  return it == options.end() ? std::vector<std::string>{} : it->second;
}

Result<Args> parse_args(const std::vector<std::string>& argv, const ArgSpec& spec) {
  Args args;
  bool only_positional = false;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (only_positional || a.size() < 3 || !a.starts_with("--")) {
      // "-2h" is a time, not an option: single-dash words are positional values.
      args.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      only_positional = true;
      continue;
    }
    std::string name = a.substr(2);
    std::string value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    if (spec.flags.contains(name)) {
      if (inline_value) return fail(Errc::invalid_argument, "--" + name + " takes no value");
      args.flags.insert(name);
    } else if (spec.options.contains(name)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) return fail(Errc::invalid_argument, "--" + name + " needs a value");
        value = argv[++i];
      }
      args.options[name].push_back(value);
    } else {
      return fail(Errc::invalid_argument, "unknown option --" + name);
    }
  }
  return args;
}

}  // namespace hokan::cli
