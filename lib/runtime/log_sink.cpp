#include "runtime/log_sink.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hokan::runtime {
namespace {

// "%*": the syslog priority of the line's level, as journald reads it from a stream.
class PriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string_view prefix;
    switch (msg.level) {
      case spdlog::level::critical:
        prefix = "<2>";
        break;
      case spdlog::level::err:
        prefix = "<3>";
        break;
      case spdlog::level::warn:
        prefix = "<4>";
        break;
      case spdlog::level::info:
        prefix = "<6>";
        break;
      default:
        prefix = "<7>";
        break;
    }
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityFlag>();
  }
};

}  // namespace

bool stderr_is_journal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (!stream) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(stream, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

std::shared_ptr<spdlog::sinks::sink> make_log_sink() {
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  if (stderr_is_journal()) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<PriorityFlag>('*').set_pattern("%*%n: %l: %v");
    sink->set_formatter(std::move(formatter));
  } else {
    sink->set_pattern("%Y-%m-%d %H:%M:%S.%e %n %l: %v");
  }
  return sink;
}

}  // namespace hokan::runtime
