#include "runtime/daemon.h"

#include <unistd.h>

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "core/time_format.h"

#include "api/server.h"
#include "api/service.h"
#include "ingest/classifier.h"
#include "ingest/event_builder.h"
#include "ingest/inherited_sockets.h"
#include "ingest/listeners.h"
#include "ingest/writer.h"
#include "objects/http_server.h"
#include "runtime/log_sink.h"
#include "runtime/metrics.h"
#include "runtime/resources.h"
#include "runtime/systemd_notify.h"
#include "retention/cases.h"
#include "retention/holds.h"
#include "retention/period.h"
#include "retention/policy.h"
#include "remote/shipper.h"
#include "retention/purger.h"
#include "store/meta.h"
#include "store/object_names.h"
#include "store/store.h"
#include "syslog/extract.h"

namespace hokan::runtime {
namespace asio = boost::asio;

void setup_logging(const std::string& level) {
  auto sink = make_log_sink();
  for (const char* name : {"daemon", "ingest", "store", "api", "retention", "remote"}) {
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

Result<std::shared_ptr<const ingest::EventBuilder>> make_builder(std::shared_ptr<const config::Config> config,
                                                                 std::shared_ptr<const retention::Policy> policy) {
  auto classifier = ingest::Classifier::create(*config);
  if (!classifier) return std::unexpected(classifier.error());
  std::vector<syslog::ExtractRule> rules;
  for (const auto& x : config->extracts) rules.push_back({x.name, x.app, x.pattern});
  auto extractor = syslog::Extractor::create(rules);
  if (!extractor) return std::unexpected(extractor.error());
  return std::make_shared<const ingest::EventBuilder>(std::move(config), *classifier, *extractor, std::move(policy));
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

// The policy in force; swapped whole on SIGHUP, read by ingest and purges.
class PolicyHolder {
 public:
  void set(std::shared_ptr<const retention::Policy> p) {
    std::lock_guard lock(mutex_);
    policy_ = std::move(p);
  }
  std::shared_ptr<const retention::Policy> get() const {
    std::lock_guard lock(mutex_);
    return policy_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const retention::Policy> policy_;
};

// Case clocks follow the events: the first record of a case opens it, and an event
// with case_state=closed closes it.
ingest::Writer::Observer case_observer(retention::Cases& cases, const PolicyHolder& policies) {
  return [&cases, &policies](const std::vector<store::Event>& batch) {
    auto log = spdlog::get("retention");
    auto policy = policies.get();
    for (const auto& e : batch) {
      if (e.fields.case_id.empty()) continue;
      const config::Category* c = policy->config().find_category(e.category);
      if (!c || c->starts != config::Category::Starts::case_closed) continue;
      if (auto r = cases.seen(e.fields.case_id, e.category, e.received_us); !r && log)
        log->error("case {}: {}", e.fields.case_id, r.error().message);
      std::string state, outcome;
      for (const auto& [k, v] : e.fields.extra) {
        if (k == "case_state") state = v;
        if (k == "outcome") outcome = v;
      }
      if (state != "closed") continue;
      auto closed = cases.close(e.fields.case_id, e.category, outcome, "closing event " + std::to_string(e.id),
                                "event from " + e.source, e.received_us);
      if (!closed && log) log->warn("closing event for case {}: {}", e.fields.case_id, closed.error().message);
    }
  };
}

}  // namespace

int run_daemon(std::shared_ptr<const config::Config> config, const std::string& config_path) {
  auto log = spdlog::get("daemon");
  // Taken before anything else runs, as sd_listen_fds(3) asks; empty outside systemd.
  auto inherited = ingest::InheritedSockets::from_environment();
  SystemdNotifier systemd;
  auto descriptors = plan_descriptors(*config);
  uint64_t reserve = reserve_bytes(*config, config->daemon.state_dir);
  log->info("descriptors: {} (a bucket cache of {}, {} of them writable; {} connections per stream listener); disk "
            "reserve {} MiB",
            descriptors.limit, descriptors.buckets, descriptors.writable_buckets, descriptors.connections, reserve >> 20);
  if (descriptors.connections < config->listen.max_connections)
    log->warn("[listen] max_connections lowered to {} by the descriptor limit {} (raise LimitNOFILE or ulimit -n)",
              descriptors.connections, descriptors.limit);
  // A start on a full disk waits for room instead of failing (and being restarted, and
  // failing again): opening the stores writes a few files.
  if (!wait_for_space(config->daemon.state_dir, std::min<uint64_t>(reserve / 4, 4u << 20) + (1u << 20), systemd))
    return 0;
  auto meta = store::MetaStore::open(config->daemon.state_dir);
  if (!meta) {
    log->critical("cannot open the metadata store: {}", meta.error().message);
    return 1;
  }
  std::shared_ptr<store::MetaStore> meta_store = std::move(*meta);
  store::StoreOptions store_options{config->daemon.state_dir, config->zone, sync_mode(config->storage.sync)};
  store_options.meta = meta_store;
  store_options.max_open_buckets = descriptors.buckets;
  store_options.max_writable_buckets = descriptors.writable_buckets;
  store_options.reserve_bytes = reserve;
  for (const auto& c : config->categories)
    if (c.kind == config::Category::Kind::object) store_options.object_categories.insert(c.name);
  auto st = store::Store::open(store_options);
  if (!st) {
    log->critical("cannot open the store: {}", st.error().message);
    return 1;
  }
  auto& store = **st;
  auto cases_loaded = retention::Cases::load(meta_store, [&store](std::string_view v) { return store.keyed_hash(v); });
  auto holds_loaded = retention::Holds::load(meta_store);
  if (!cases_loaded || !holds_loaded) {
    log->critical("cannot load cases and holds: {}",
                  !cases_loaded ? cases_loaded.error().message : holds_loaded.error().message);
    return 1;
  }
  std::shared_ptr<retention::Cases> cases = std::move(*cases_loaded);
  std::shared_ptr<retention::Holds> holds = std::move(*holds_loaded);
  PolicyHolder policies;
  policies.set(std::make_shared<const retention::Policy>(config, cases));
  auto names = std::make_shared<store::ObjectNames>(meta_store, [&store](std::string_view v) { return store.keyed_hash(v); });
  retention::Purger purger(store, meta_store, [&policies] { return policies.get(); }, holds, names);
  // [remote]: footage beyond this machine. Its purges destroy the remote copies first.
  std::unique_ptr<remote::Shipper> shipper;
  if (config->remote.enabled) {
    auto opened = remote::Shipper::open(config->remote, config->daemon.state_dir, store, meta_store,
                                        [&policies] { return policies.get(); }, holds);
    if (!opened) {
      log->critical("remote tier: {}", opened.error().message);
      return 1;
    }
    shipper = std::move(*opened);
    auto* s = shipper.get();
    auto as_receipt = [](const remote::RemoteDestroyed& d) {
      return retention::RemoteDestruction{true, d.bucket, d.versions_deleted, d.key_destroyed, d.escrow_versions_deleted};
    };
    purger.set_remote(
        // By the keys that exist, not by today's [remote] categories: a category taken out
        // of the list still has copies and keys out there.
        [s, as_receipt](const store::BucketInfo& b) -> Result<retention::RemoteDestruction> {
          if (!s->ships(b.category) && !s->has_key(b)) return retention::RemoteDestruction{};
          auto d = s->destroy_bucket(b);
          if (!d) return std::unexpected(d.error());
          return as_receipt(*d);
        },
        [s, as_receipt](const store::BucketInfo& b, const std::vector<store::Event>& objects)
            -> Result<retention::RemoteDestruction> {
          if (!s->ships(b.category) && !s->has_key(b)) return retention::RemoteDestruction{};
          auto d = s->destroy_objects(b, objects);
          if (!d) return std::unexpected(d.error());
          return as_receipt(*d);
        },
        [s](const store::BucketInfo& b) { s->bucket_rewritten(b); });
    log->info("remote tier: {} for {}", config->remote.endpoint, fmt::join(config->remote.categories, ", "));
  }
  // Finish what a crash interrupted: receipts of destructions that happened, then the
  // purge itself (whatever has expired meanwhile).
  if (auto settled = purger.settle(); !settled) log->error("settling receipts: {}", settled.error().message);
  if (auto caught_up = purger.run(core::now_us(), false, "schedule", "schedule (start-up catch-up)"); !caught_up)
    log->error("start-up purge: {}", caught_up.error().message);
  ingest::Writer writer(store, sync_mode(config->storage.sync));
  writer.add_observer(case_observer(*cases, policies));
  if (shipper)
    writer.add_observer([s = shipper.get()](const std::vector<store::Event>& batch) { s->notice(batch); });
  auto builder = make_builder(config, policies.get());
  if (!builder) {
    log->critical("{}", builder.error().message);
    return 1;
  }
  asio::io_context io(1);
  auto listeners = ingest::Listeners::start(io, *config, *builder, writer, descriptors.connections, &inherited);
  if (!listeners) {
    log->critical("{}", listeners.error().message);
    return 1;
  }
  api::ServiceContext service_context{config, &store, &writer, meta_store, cases, holds, &purger};
  service_context.lane_for = [&policies](const store::Event& e) { return policies.get()->lane_for(e); };
  service_context.daemon_uid = ::getuid();
  if (shipper) {
    service_context.read_remote = [s = shipper.get()](const store::Event& e,
                                                      const std::function<bool(std::string_view)>& sink) {
      return s->read(e, sink);
    };
    service_context.hold_changed = [s = shipper.get()](const retention::Hold& h) { s->hold_changed(h); };
    service_context.anchored_head = [s = shipper.get()](const store::BucketInfo& b) { return s->anchored_head(b); };
    service_context.object_shipped = [s = shipper.get()](uint64_t id) { return s->shipped(id); };
  }
  api::Service service(std::move(service_context));
  if (shipper) {
    shipper->on_hold_synced([&service](const std::string& hold, uint64_t versions) {
      service.audit_daemon_action("remote_legal_hold", "hold " + hold + ": remote legal holds brought in line", versions);
    });
    shipper->start();  // after its callback is set: the thread may call it at once
  }
  purger.on_scheduled_run([&service](const retention::PurgeReport& report) {
    uint64_t destroyed = 0;
    for (const auto& c : report.categories) destroyed += c.records;
    service.audit_daemon_action("purge", "scheduled", destroyed);
  });
  purger.start_schedule([&policies](int64_t after) {
    auto p = policies.get();
    return retention::next_run(p->config().purge.schedule, after, *p->config().zone);
  });

  api::ServerOptions control_options{config->listen.control, config->listen.control_mode, config->listen.control_group};
  control_options.request_timeout = std::chrono::seconds(config->listen.control_timeout_seconds);
  auto control = api::ControlServer::start(
      control_options,
      [&service](const api::Caller& caller, const std::string& request, api::Responder& out) {
        service.handle(caller, request, out);
      });
  if (!control) {
    log->critical("{}", control.error().message);
    return 1;
  }
  std::shared_ptr<const config::Config> live_config = config;  // swapped on SIGHUP (I/O thread only)
  // The HTTP listener audits refused DELETEs (declared first: it outlives the listener).
  audit::Auditor http_auditor(writer, [&policies](const store::Event& e) { return policies.get()->lane_for(e); });
  std::unique_ptr<objects::HttpServer> http;
  MetricSources metric_sources{listeners->get(), &(*listeners)->counters(), &writer.counters(), &purger.counters(),
                               holds.get(),     nullptr,                     &store.counters(),
                               [&store] { return store.space(); }};
  metric_sources.shipper = shipper.get();
  if (!config->listen.http.empty()) {
    objects::HttpContext http_context;
    http_context.config = [&live_config] { return live_config; };
    http_context.policy = [&policies] { return policies.get(); };
    http_context.store = &store;
    http_context.writer = &writer;
    http_context.meta = meta_store;
    http_context.names = names;
    http_context.metrics = [&metric_sources] { return render_metrics(metric_sources); };
    http_context.trouble = [&writer] { return writer.trouble(); };
    if (shipper)
      http_context.remote_state = [s = shipper.get()]() -> std::optional<std::string> {
        auto shipping = s->status();
        if (shipping.backlog_objects == 0 && shipping.trouble.empty()) return std::nullopt;
        std::string line = "remote: " + std::to_string(shipping.backlog_objects) + " objects (" +
                           std::to_string(shipping.backlog_bytes) + " bytes) wait here to be shipped";
        if (!shipping.trouble.empty()) line += "; last error: " + shipping.trouble;
        return line;
      };
    http_context.max_connections = descriptors.connections;
    http_context.upload_min_rate = config->listen.upload_min_rate;
    http_context.inherited = &inherited;
    http_context.auditor = &http_auditor;
    auto started = objects::HttpServer::start(io, config->listen.http, std::move(http_context));
    if (!started) {
      log->critical("{}", started.error().message);
      return 1;
    }
    http = std::move(*started);
    metric_sources.http = &http->counters();
  }
  auto endpoints = (*listeners)->endpoints();
  if (http) endpoints.push_back(http->endpoint());
  write_endpoints(config->daemon.state_dir, endpoints, config->listen.control);
  for (const auto& e : endpoints) log->info("listening on {}", e);
  if (inherited.size() > 0)
    log->info("socket activation: {} of {} passed sockets serve [listen]", inherited.taken(), inherited.size());
  // systemd keeps its copy open, so a sender to such an address would wait on a backlog
  // nobody accepts; say which unit line to remove or which listener to configure.
  for (const auto& s : inherited.close_unclaimed())
    log->warn("the socket unit passes {}, but [listen] names no listener there: not served", s);
  log->info("control socket {}; state in {}", config->listen.control, config->daemon.state_dir);

  systemd.ready("listening on " + std::to_string(endpoints.size()) + " endpoints");
  // The watchdog is fed from the I/O thread, and only while the writer keeps up: a
  // stuck loop or a stuck writer stops the keep-alives and systemd restarts hokand.
  asio::steady_timer watchdog_timer(io);
  std::function<void()> feed_watchdog = [&] {
    auto interval = *systemd.watchdog_interval();
    if (writer.healthy(2 * interval)) systemd.watchdog();
    else log->error("watchdog: the writer has made no progress for {} ms", std::chrono::duration_cast<std::chrono::milliseconds>(2 * interval).count());
    watchdog_timer.expires_after(interval);
    watchdog_timer.async_wait([&](const boost::system::error_code& ec) {
      if (!ec) feed_watchdog();
    });
  };
  if (systemd.watchdog_interval()) feed_watchdog();

  asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
  std::function<void()> wait_signal;
  wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGHUP) {
        systemd.reloading();
        if (config_path.empty()) {
          log->info("SIGHUP: running on the embedded default, nothing to reload");
        } else {
          auto loaded = config::load_file(config_path);
          if (!loaded.config) {
            for (const auto& e : loaded.errors) log->error("reload refused: {}", e);
          } else if (auto b = make_builder(loaded.config,
                                           std::make_shared<const retention::Policy>(loaded.config, cases));
                     !b) {
            log->error("reload refused: {}", b.error().message);
          } else {
            policies.set(std::make_shared<const retention::Policy>(loaded.config, cases));
            live_config = loaded.config;
            (*listeners)->set_builder(*b);
            service.set_config(loaded.config);
            service.audit_daemon_action("reload", "rules and roles from " + config_path, 0);
            log->info("reloaded rules and roles from {}", config_path);
          }
        }
        systemd.ready("reload done");
        wait_signal();
        return;
      }
      systemd.stopping();
      watchdog_timer.cancel();
      log->info("signal {}: draining", signo);
      (*listeners)->stop();
      if (http) http->stop();
      // Let sessions parse what they already read, then stop the loop.
      auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::milliseconds(200));
      timer->async_wait([&io, timer](auto) { io.stop(); });
    });
  };
  wait_signal();
  io.run();
  service.shutdown();
  (*control)->stop();
  purger.stop_schedule();
  if (shipper) shipper->stop();
  writer.stop();
  log->info("stopped: {} events written", writer.counters().written.load());
  return 0;
}

}  // namespace hokan::runtime
