#include "runtime/resources.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace hokan::runtime {
namespace {

struct Filesystem {
  uint64_t size = 0, free = 0;
};

Filesystem filesystem_of(const std::string& dir) {
  // The state directory may not exist yet: ask the nearest existing parent.
  std::filesystem::path p(dir);
  std::error_code ec;
  while (!p.empty() && !std::filesystem::exists(p, ec)) p = p.parent_path();
  struct statvfs st {};
  if (::statvfs(p.empty() ? "." : p.c_str(), &st) != 0) return {};
  return {uint64_t{st.f_blocks} * st.f_frsize, uint64_t{st.f_bavail} * st.f_frsize};
}

}  // namespace

DescriptorBudget plan_descriptors(const config::Config& config) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  DescriptorBudget b;
  b.limit = lim.rlim_cur == RLIM_INFINITY ? 1u << 20 : lim.rlim_cur;
  uint64_t usable = b.limit > kDescriptorsFixed ? b.limit - kDescriptorsFixed : 0;
  b.writable_buckets = std::clamp<std::size_t>(usable * 4 / 10 / kDescriptorsPerBucket, 8, 256);
  const std::size_t read_only = std::clamp<std::size_t>(usable * 3 / 10 / kDescriptorsPerReadOnlyBucket, 8, 2048);
  b.buckets = b.writable_buckets + read_only;
  uint64_t for_buckets = b.writable_buckets * kDescriptorsPerBucket + read_only * kDescriptorsPerReadOnlyBucket;
  uint64_t left = usable > for_buckets ? usable - for_buckets : 0;
  std::size_t listeners = config.listen.tcp.size() + config.listen.tls.size() + config.listen.relp.size() +
                          (config.listen.http.empty() ? 0 : 1);
  b.connections = std::max<std::size_t>(
      1, std::min<uint64_t>(config.listen.max_connections, left / std::max<std::size_t>(listeners, 1)));
  return b;
}

uint64_t reserve_bytes(const config::Config& config, const std::string& state_dir) {
  if (config.storage.reserve_bytes) return config.storage.reserve_bytes;
  if (config.storage.reserve_fraction <= 0) return 0;
  auto fs = filesystem_of(state_dir);
  auto share = static_cast<uint64_t>(static_cast<double>(fs.size) * config.storage.reserve_fraction);
  return std::min<uint64_t>(std::max<uint64_t>(share, 16u << 20), fs.size / 4);
}

bool wait_for_space(const std::string& state_dir, uint64_t needed, const SystemdNotifier& systemd) {
  // A filesystem that reports no size (proc, or statvfs failing) is not waited on: opening
  // the stores will say what is wrong with it.
  if (auto fs = filesystem_of(state_dir); fs.size == 0 || fs.free >= needed) return true;
  auto log = spdlog::get("daemon");
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  sigset_t before;
  ::pthread_sigmask(SIG_BLOCK, &stop, &before);
  auto logged = std::chrono::steady_clock::time_point{};
  bool stopped = false;
  while (true) {
    auto fs = filesystem_of(state_dir);
    if (fs.size == 0 || fs.free >= needed) break;
    std::string status = "waiting for disk space: " + std::to_string(fs.free >> 20) + " MiB free on the filesystem of " +
                         state_dir + ", " + std::to_string(needed >> 20) + " MiB needed to open the stores";
    if (std::chrono::steady_clock::now() - logged > std::chrono::minutes(1)) {
      if (log) log->error("{}", status);
      logged = std::chrono::steady_clock::now();
    }
    systemd.starting(status, std::chrono::seconds(30));
    timespec wait{2, 0};
    if (::sigtimedwait(&stop, nullptr, &wait) > 0) {
      stopped = true;
      break;
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  if (log && !stopped) log->info("disk space is back: opening the stores");
  return !stopped;
}

}  // namespace hokan::runtime
