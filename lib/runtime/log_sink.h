// Where hokand's log lines go: stderr, which is the journal when systemd started hokand.
// There each line opens with its syslog priority ("<3>" for an error, the prefixes of
// sd-daemon(3)), so that journald files it at that priority (journalctl -p err), and
// carries no timestamp, since the journal adds its own. Anywhere else lines are
// timestamped. Thread-safety: the sink is spdlog's _mt sink, safe from every thread.
#pragma once

#include <memory>

namespace spdlog::sinks {
class sink;
}

namespace hokan::runtime {

// True when $JOURNAL_STREAM names the device and inode of stderr, the check
// systemd.exec(5) prescribes: a unit that redirects stderr to a file sets the variable
// but does not write to the journal.
bool stderr_is_journal();

// The sink every module logger writes to, formatted as above.
std::shared_ptr<spdlog::sinks::sink> make_log_sink();

}  // namespace hokan::runtime
