// hokand: flags, config, then the runtime. Nothing else lives here.
#include <cstdio>
#include <cstring>
#include <string>

#include "config/config.h"
#include "runtime/daemon.h"

namespace {

constexpr int kExitConfig = 78;  // EX_CONFIG

void usage(FILE* to) {
  std::fputs(
      "usage: hokand [--config FILE]\n"
      "       hokand --check-config FILE\n"
      "       hokand --print-default-config\n"
      "       hokand --version\n"
      "Without --config, hokand runs on the embedded default: loopback listeners,\n"
      "state under ./var.\n",
      to);
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path;
  bool check_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if ((arg == "--config" || arg == "-c" || arg == "--check-config") && i + 1 < argc) {
      check_only = check_only || arg == "--check-config";
      config_path = argv[++i];
    } else if (arg == "--print-default-config") {
      std::fwrite(hokan::config::embedded_default_text().data(), 1,
                  hokan::config::embedded_default_text().size(), stdout);
      return 0;
    } else if (arg == "--version") {
      std::printf("hokand %s\n", HOKAN_VERSION);
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "hokand: unknown argument \"%s\"\n", argv[i]);
      usage(stderr);
      return 64;
    }
  }
  std::shared_ptr<const hokan::config::Config> config;
  if (config_path.empty()) {
    config = hokan::config::embedded_default();
  } else {
    auto loaded = hokan::config::load_file(config_path);
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.c_str());
    if (!loaded.config) return kExitConfig;
    config = loaded.config;
  }
  if (check_only) {
    std::printf("%s: ok\n", config_path.c_str());
    return 0;
  }
  hokan::runtime::setup_logging(config->daemon.log_level);
  return hokan::runtime::run_daemon(config, config_path);
}
