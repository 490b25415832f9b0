// hokanctl: hands its arguments to the CLI library. Nothing else lives here but the
// version, which only the build knows.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/hokanctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("hokanctl %s\n", HOKAN_VERSION);
    return 0;
  }
  // An answer of a shape this hokanctl does not expect (another version's daemon) ends
  // in one line, like every other error, not an abort.
  try {
    return hokan::cli::run_hokanctl(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hokanctl: unexpected answer from the daemon: %s\n", e.what());
    return 1;
  }
}
