// Chooses each event's category by the configured [[category]] rules: first match wins,
// default_category takes the rest. Thread-safety: immutable after create(); classify()
// runs concurrently on every I/O thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "core/error.h"
#include "syslog/message.h"

namespace hokan::ingest {

// A sender's address in network byte order (IPv4 in the first 4 bytes).
struct PeerAddress {
  bool v6 = false;
  uint8_t bytes[16] = {};
};

class Classifier {
 public:
  // Errors: invalid_argument naming the category whose regex RE2 rejects.
  [[nodiscard]] static Result<std::shared_ptr<const Classifier>> create(const config::Config& config);

  const std::string& classify(const syslog::Message& message, const PeerAddress& peer) const;

  ~Classifier();
  struct Impl;
  explicit Classifier(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> impl_;
};

// True when `address` lies inside `network` (IPv4-mapped IPv6 peers match IPv4 networks).
bool in_network(const PeerAddress& address, const config::Network& network);

}  // namespace hokan::ingest
