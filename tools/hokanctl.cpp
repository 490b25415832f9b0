// hokanctl: hands its arguments to the CLI library. Nothing else lives here but the
// version, which only the build knows.
#include <cstdio>
#include <string>
#include <vector>

#include "cli/hokanctl.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "--version") {
    std::printf("hokanctl %s\n", HOKAN_VERSION);
    return 0;
  }
  return hokan::cli::run_hokanctl(args);
}
