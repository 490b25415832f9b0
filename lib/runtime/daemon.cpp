#include "runtime/daemon.h"

#include <boost/asio.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "api/server.h"
#include "api/service.h"
#include "ingest/classifier.h"
#include "ingest/event_builder.h"
#include "ingest/listeners.h"
#include "ingest/writer.h"
#include "store/store.h"
#include "syslog/extract.h"

namespace hokan::runtime {
namespace asio = boost::asio;

void setup_logging(const std::string& level) {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  // Under systemd the journal adds its own timestamps.
  sink->set_pattern(std::getenv("JOURNAL_STREAM") ? "%n: %l: %v" : "%Y-%m-%d %H:%M:%S.%e %n %l: %v");
  for (const char* name : {"daemon", "ingest", "store", "api", "retention"}) {
    if (spdlog::get(name)) continue;
    auto logger = std::make_shared<spdlog::logger>(name, sink);
    logger->set_level(spdlog::level::from_str(level));
    spdlog::register_logger(logger);
  }
}

namespace {

store::SyncMode sync_mode(config::Config::Storage::Sync s) {
  switch (s) {
    case config::Config::Storage::Sync::always: return store::SyncMode::always;
    case config::Config::Storage::Sync::none: return store::SyncMode::none;
    default: return store::SyncMode::batch;
  }
}

Result<std::shared_ptr<const ingest::EventBuilder>> make_builder(std::shared_ptr<const config::Config> config) {
  auto classifier = ingest::Classifier::create(*config);
  if (!classifier) return std::unexpected(classifier.error());
  std::vector<syslog::ExtractRule> rules;
  for (const auto& x : config->extracts) rules.push_back({x.name, x.app, x.pattern});
  auto extractor = syslog::Extractor::create(rules);
  if (!extractor) return std::unexpected(extractor.error());
  return std::make_shared<const ingest::EventBuilder>(std::move(config), *classifier, *extractor);
}

// Tests and scripts bind port 0 and read back what was bound.
void write_endpoints(const std::string& state_dir, const std::vector<std::string>& endpoints,
                     const std::string& control) {
  auto path = std::filesystem::path(state_dir) / "endpoints";
  auto tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp);
    for (const auto& e : endpoints) out << e << "\n";
    out << "control " << control << "\n";
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace

int run_daemon(std::shared_ptr<const config::Config> config, const std::string& config_path) {
  auto log = spdlog::get("daemon");
  auto st = store::Store::open({config->daemon.state_dir, config->zone, sync_mode(config->storage.sync)});
  if (!st) {
    log->critical("cannot open the store: {}", st.error().message);
    return 1;
  }
  auto& store = **st;
  ingest::Writer writer(store, sync_mode(config->storage.sync));
  auto builder = make_builder(config);
  if (!builder) {
    log->critical("{}", builder.error().message);
    return 1;
  }
  asio::io_context io(1);
  auto listeners = ingest::Listeners::start(io, *config, *builder, writer);
  if (!listeners) {
    log->critical("{}", listeners.error().message);
    return 1;
  }
  api::Service service(config, store, writer);
  auto control = api::ControlServer::start(
      {config->listen.control, config->listen.control_mode, config->listen.control_group},
      [&service](const api::Caller& caller, const std::string& request, api::Responder& out) {
        service.handle(caller, request, out);
      });
  if (!control) {
    log->critical("{}", control.error().message);
    return 1;
  }
  auto endpoints = (*listeners)->endpoints();
  write_endpoints(config->daemon.state_dir, endpoints, config->listen.control);
  for (const auto& e : endpoints) log->info("listening on {}", e);
  log->info("control socket {}; state in {}", config->listen.control, config->daemon.state_dir);

  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        if (config_path.empty()) {
          log->info("SIGHUP: running on the embedded default, nothing to reload");
        } else {
          auto loaded = config::load_file(config_path);
          if (!loaded.config) {
            for (const auto& e : loaded.errors) log->error("reload refused: {}", e);
          } else if (auto b = make_builder(loaded.config); !b) {
            log->error("reload refused: {}", b.error().message);
          } else {
            (*listeners)->set_builder(*b);
            service.set_config(loaded.config);
            log->info("reloaded rules and roles from {}", config_path);
          }
        }
        wait_signal();
        return;
      }
      log->info("signal {}: draining", signo);
      (*listeners)->stop();
      // Let sessions parse what they already read, then stop the loop.
      auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(200));
      timer->async_wait([&io, timer](auto) { io.stop(); });
    });
  };
  wait_signal();
  io.run();
  service.shutdown();
  (*control)->stop();
  writer.stop();
  log->info("stopped: {} events written", writer.counters().written.load());
  return 0;
}

}  // namespace hokan::runtime
