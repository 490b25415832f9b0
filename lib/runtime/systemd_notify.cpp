#include "runtime/systemd_notify.h"

#include <systemd/sd-daemon.h>

namespace hokan::runtime {

SystemdNotifier::SystemdNotifier() {
  uint64_t usec = 0;
  // unset_environment = 0: tests and tools that run hokand under a fake notify socket
  // read the same variables.
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_interval_ = std::chrono::microseconds(usec / 2);
}

void SystemdNotifier::send(const std::string& state) const { (void)sd_notify(0, state.c_str()); }

void SystemdNotifier::ready(const std::string& status) const { send("READY=1\nSTATUS=" + status); }

void SystemdNotifier::reloading() const { send("RELOADING=1\nSTATUS=reloading rules and roles"); }

void SystemdNotifier::stopping() const { send("STOPPING=1\nSTATUS=draining"); }

void SystemdNotifier::watchdog() const { send("WATCHDOG=1"); }

void SystemdNotifier::starting(const std::string& status, std::chrono::seconds more) const {
  send("STATUS=" + status + "\nEXTEND_TIMEOUT_USEC=" +
       std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(more).count()));
}

}  // namespace hokan::runtime
