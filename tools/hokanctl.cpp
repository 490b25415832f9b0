// hokanctl: hands its arguments to the CLI library. Nothing else lives here.
#include <string>
#include <vector>

#include "cli/hokanctl.h"

int main(int argc, char** argv) {
  return hokan::cli::run_hokanctl(std::vector<std::string>(argv + 1, argv + argc));
}
