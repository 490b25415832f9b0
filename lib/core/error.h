// Error values for every fallible call in hokan (errors are values, never exceptions on
// the data plane). Thread-safe: plain value types.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace hokan {

enum class Errc {
  invalid_argument,  // the caller passed something malformed (bad time, bad regex, ...)
  not_found,
  already_exists,
  permission_denied,
  io,                // disk or network failure
  no_space,          // the disk is full, or only the reserve for purges and the audit trail is left
  corruption,        // stored data does not decode
  unavailable,       // daemon not reachable, shutting down
  internal,
};

struct Error {
  Errc code = Errc::internal;
  std::string message;  // one line, meant for a person
};

template <typename T>
using Result = std::expected<T, Error>;

[[nodiscard]] inline std::unexpected<Error> fail(Errc code, std::string message) {
  return std::unexpected<Error>(Error{code, std::move(message)});
}

}  // namespace hokan
