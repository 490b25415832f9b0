#include "ingest/udp_drops.h"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace hokan::ingest {

unsigned long socket_inode(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 ? static_cast<unsigned long>(st.st_ino) : 0;
}

uint64_t kernel_udp_drops(const std::vector<unsigned long>& inodes) {
  uint64_t drops = 0;
  for (const char* table : {"/proc/net/udp", "/proc/net/udp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
      std::istringstream fields(line);
      std::string f[13];
      int n = 0;
      while (n < 13 && fields >> f[n]) ++n;
      if (n < 13) continue;
      unsigned long inode = std::strtoul(f[9].c_str(), nullptr, 10);
      if (std::find(inodes.begin(), inodes.end(), inode) != inodes.end())
        drops += std::strtoull(f[12].c_str(), nullptr, 10);
    }
  }
  return drops;
}

}  // namespace hokan::ingest
