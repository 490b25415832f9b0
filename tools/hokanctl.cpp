// hokanctl: hands its arguments to the CLI library. Nothing else lives here.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cli/hokanctl.h"

int main(int argc, char** argv) {
  // An answer of a shape this hokanctl does not expect (another version's daemon) ends
  // in one line, like every other error, not an abort.
  try {
    return hokan::cli::run_hokanctl(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "hokanctl: unexpected answer from the daemon: %s\n", e.what());
    return 1;
  }
}
