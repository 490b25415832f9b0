// The daemon's side of systemd's Type=notify protocol: READY once it serves, RELOADING
// around SIGHUP, STOPPING on the way out, and the watchdog keep-alive. Every call is a
// no-op when systemd did not start the daemon ($NOTIFY_SOCKET unset).
// Thread-safety: safe from any thread (each call is one datagram).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace hokan::runtime {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET and $WATCHDOG_USEC / $WATCHDOG_PID once.
  SystemdNotifier();

  void ready(const std::string& status) const;
  void reloading() const;
  void stopping() const;
  void watchdog() const;
  // A status line while starting takes long (waiting for disk space), with more time
  // for the start-up so that systemd does not give up on it.
  void starting(const std::string& status, std::chrono::seconds more) const;
  // How often watchdog() must be called (half of WatchdogSec=), or nothing when the
  // unit has no watchdog for this process.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_interval_; }

 private:
  void send(const std::string& state) const;
  std::optional<std::chrono::microseconds> watchdog_interval_;
};

}  // namespace hokan::runtime
