// hokanctl: the query and administration tool. It talks to hokand over the control
// socket and never opens the database itself.
#pragma once

#include <string>
#include <vector>

namespace hokan::cli {

// Runs one hokanctl invocation (argv without the program name); returns the exit code:
// 0 success, 1 the daemon refused or failed (message on stderr), 2 usage error,
// 69 daemon unreachable.
int run_hokanctl(const std::vector<std::string>& argv);

// Where hokanctl finds the daemon: --socket, else $HOKAN_SOCKET, else the control path
// of --config FILE, else /run/hokan/hokan.sock (or ./var/hokan.sock, the embedded
// default's, when only that one exists).
std::string resolve_socket(const std::string& socket_option, const std::string& config_option,
                           std::string& error);

}  // namespace hokan::cli
