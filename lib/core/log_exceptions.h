// The completion handler every co_spawn gets: a coroutine that ends by an exception is
// logged with what it was, never lost silently (the data plane itself does not throw;
// this catches bugs and allocation failures). Header-only; thread-safe.
#pragma once

#include <spdlog/logger.h>

#include <exception>
#include <memory>
#include <string>

namespace hokan::core {

// `what` names the coroutine in the log line: "tcp session", "http listener", ...
inline auto log_exceptions(std::shared_ptr<spdlog::logger> log, std::string what) {
  return [log = std::move(log), what = std::move(what)](std::exception_ptr e) {
    if (!e || !log) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log->error("{} ended by exception: {}", what, x.what());
    } catch (...) {
      log->error("{} ended by an exception of unknown type", what);
    }
  };
}

}  // namespace hokan::core
