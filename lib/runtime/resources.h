// What hokand may use of the machine, decided once at start: descriptors split between
// the bucket cache and the listeners' connections, the disk reserve in bytes, and the
// wait for free space before the stores are opened (so a start on a full disk waits
// rather than failing, and systemd does not restart it in a loop).
// Thread-safety: call from the main thread at start.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "runtime/systemd_notify.h"

namespace hokan::runtime {

struct DescriptorBudget {
  uint64_t limit = 0;               // RLIMIT_NOFILE after raising the soft limit to the hard one
  std::size_t buckets = 0;          // day buckets kept open at once, read-only or writable
  std::size_t writable_buckets = 0;  // of those, open for writing
  std::size_t connections = 0;      // per stream listener
};

// Each bucket open for writing may hold this many descriptors (its SSTs, WAL, MANIFEST,
// LOG, LOCK); one open read-only, its table files (store::kReadOnlyTables) and a spare.
constexpr std::size_t kDescriptorsPerBucket = 24;
constexpr std::size_t kDescriptorsPerReadOnlyBucket = 6;
// What the meta store, the control socket and its clients, logs and threads keep.
constexpr std::size_t kDescriptorsFixed = 96;

// Raises the soft descriptor limit to the hard one and splits it: about 40% to buckets
// open for writing (8 to 256), 30% to more buckets open read-only (8 to 2,048: a year
// of days in three categories, so that a year-wide text search finds them open), the
// rest to connections, shared by the stream listeners and capped by [listen]
// max_connections.
DescriptorBudget plan_descriptors(const config::Config& config);

// [storage] reserve in bytes for the filesystem of `state_dir`: the configured size, or
// the share of the filesystem (at least 16 MiB, at most a quarter of it).
uint64_t reserve_bytes(const config::Config& config, const std::string& state_dir);

// Blocks while the filesystem of `state_dir` has less than `needed` bytes free, saying so
// in the log (once a minute) and to systemd. Returns false when SIGTERM or SIGINT came
// meanwhile (the daemon should then exit cleanly).
bool wait_for_space(const std::string& state_dir, uint64_t needed, const SystemdNotifier& systemd);

}  // namespace hokan::runtime
