// config::load_string on any text, as hokand --check-config and a SIGHUP reload read it.
// Properties: no crash, UB or uncaught exception; either a config or errors, never both;
// every error line is "name:line:col: ..."; what loads, the daemon can use: a zone, valid
// category names, [[extract]] patterns the Extractor compiles (config checks them with the
// extractor's own RE2 options for exactly that reason).
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "support/fuzz_check.h"
#include "syslog/extract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace hokan;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const config::LoadResult loaded = config::load_string(text, "fuzz.toml");
  FUZZ_CHECK(!loaded.config != loaded.errors.empty());
  for (const auto& error : loaded.errors) FUZZ_CHECK(error.starts_with("fuzz.toml:"));
  if (!loaded.config) return 0;
  const config::Config& c = *loaded.config;
  FUZZ_CHECK(c.zone != nullptr);
  FUZZ_CHECK(c.find_category(c.default_category) != nullptr);
  std::vector<syslog::ExtractRule> rules;
  for (const auto& x : c.extracts) rules.push_back({x.name, x.app, x.pattern});
  FUZZ_CHECK(syslog::Extractor::create(rules).has_value());
  return 0;
}
