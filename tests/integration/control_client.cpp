// A small control-socket client for the integration tests: it sends what hokanctl never
// would (wrong types, unknown fields, deep nesting, huge or cut-off frames) and reads
// answers as a slow or vanishing client would. Not installed; tests only.
//
//   control_client SOCKET lines FILE     each line of FILE (raw bytes) as one request on
//                                        its own connection; prints the first answer
//                                        frame per line, or CLOSED
//   control_client SOCKET deep N         a query whose "host" nests N levels deep
//   control_client SOCKET big N          a query with a grep of N bytes
//   control_client SOCKET stall REQUEST  sends REQUEST, reads one frame, prints it and
//                                        then reads nothing more until killed
//   control_client SOCKET header-only [N] on N connections (1), sends 4 of a frame's bytes,
//                                        then prints each connection's answer as it comes
//   control_client - tcp-hold HOST PORT N  opens N idle TCP connections, prints how many
//                                        it opened, and holds them until killed
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

int connect_to(const char* path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    std::perror("connect");
    std::exit(3);
  }
  return fd;
}

bool write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string frame(const std::string& payload) {
  auto n = static_cast<uint32_t>(payload.size());
  std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8),
                     static_cast<char>(n)};
  return out + payload;
}

// The next frame, or "CLOSED" when the daemon closed the connection first.
std::string read_frame(int fd) {
  unsigned char header[4];
  std::size_t got = 0;
  while (got < 4) {
    ssize_t n = ::read(fd, header + got, 4 - got);
    if (n <= 0) return "CLOSED";
    got += static_cast<std::size_t>(n);
  }
  uint32_t size = (uint32_t{header[0]} << 24) | (uint32_t{header[1]} << 16) | (uint32_t{header[2]} << 8) | header[3];
  std::string payload(size, '\0');
  got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, payload.data() + got, size - got);
    if (n <= 0) return "CLOSED";
    got += static_cast<std::size_t>(n);
  }
  return payload;
}

std::string ask(const char* socket, const std::string& payload) {
  int fd = connect_to(socket);
  // The daemon may refuse a frame from its header alone and stop reading: its answer
  // is still there to read after our write fails.
  (void)write_all(fd, frame(payload));
  std::string answer = read_frame(fd);
  ::close(fd);
  return answer;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: control_client SOCKET lines FILE | deep N | big N | stall REQUEST | header-only\n");
    return 2;
  }
  const char* socket = argv[1];
  std::string mode = argv[2];
  if (mode == "lines" && argc == 4) {
    std::ifstream in(argv[3], std::ios::binary);
    std::string line;
    while (std::getline(in, line)) std::printf("%s\n", ask(socket, line).c_str());
    return 0;
  }
  if (mode == "deep" && argc == 4) {
    std::size_t n = std::stoul(argv[3]);
    std::printf("%s\n", ask(socket, R"({"op":"query","purpose":"p","host":)" + std::string(n, '[') + std::string(n, ']') + "}").c_str());
    return 0;
  }
  if (mode == "big" && argc == 4) {
    std::size_t n = std::stoul(argv[3]);
    std::printf("%s\n", ask(socket, R"({"op":"query","purpose":"p","grep":")" + std::string(n, 'g') + "\"}").c_str());
    return 0;
  }
  if (mode == "stall" && argc == 4) {
    int fd = connect_to(socket);
    // A receive buffer as small as the kernel allows, so the daemon blocks soon.
    int small = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    if (!write_all(fd, frame(argv[3]))) return 3;
    std::printf("%s\n", read_frame(fd).c_str());
    std::fflush(stdout);
    while (true) ::pause();
  }
  if (mode == "tcp-hold" && argc == 6) {
    rlimit lim{};
    ::getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(argv[4])));
    ::inet_pton(AF_INET, argv[3], &addr.sin_addr);
    int opened = 0;
    for (int i = 0; i < std::stoi(argv[5]); ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) break;
      ++opened;
    }
    std::printf("%d\n", opened);
    std::fflush(stdout);
    while (true) ::pause();
  }
  if (mode == "header-only") {
    int n = argc > 3 ? std::stoi(argv[3]) : 1;
    std::vector<int> fds;
    for (int i = 0; i < n; ++i) {
      int fd = connect_to(socket);
      (void)write_all(fd, std::string("\0\0\0\x64", 4));
      fds.push_back(fd);
    }
    // Answers come in any order: read each as it is ready.
    std::vector<pollfd> waiting;
    for (int fd : fds) waiting.push_back({fd, POLLIN, 0});
    while (!waiting.empty()) {
      if (::poll(waiting.data(), waiting.size(), -1) < 0) return 3;
      for (std::size_t i = 0; i < waiting.size();) {
        if (waiting[i].revents) {
          std::printf("%s\n", read_frame(waiting[i].fd).c_str());
          std::fflush(stdout);
          ::close(waiting[i].fd);
          waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          ++i;
        }
      }
    }
    return 0;
  }
  std::fprintf(stderr, "control_client: unknown mode %s\n", mode.c_str());
  return 2;
}
