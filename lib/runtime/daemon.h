// hokand's life cycle: wires store, writer, listeners and control server together, runs
// until SIGTERM/SIGINT, reloads rules on SIGHUP, and drains on the way out so that
// nothing accepted is lost. Thread-safety: run() once, from main.
#pragma once

#include <memory>
#include <string>

#include "config/config.h"

namespace hokan::runtime {

// Sets up one named spdlog logger per module ("daemon", "ingest", "store", "api",
// "retention") at the configured level, writing to stderr (the journal under systemd).
void setup_logging(const std::string& level);

// Runs the daemon; returns the process exit code (0 after a clean stop, 1 when start-up
// failed, with the reason logged). `config_path` is empty for the embedded default.
int run_daemon(std::shared_ptr<const config::Config> config, const std::string& config_path);

}  // namespace hokan::runtime
