// One RELP connection (see syslog/relp.h): each syslog frame is answered "200 OK" only
// once the writer has it durable under [storage] sync, so a sender that retransmits
// what was not answered (rsyslog's omrelp does) loses nothing when hokand stops or
// crashes. Internal to lib/ingest; runs on the listeners' io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>
#include <functional>
#include <memory>

#include "ingest/connections.h"
#include "ingest/event_builder.h"
#include "ingest/writer.h"

namespace spdlog {
class logger;
}

namespace hokan::ingest {

struct RelpSessionContext {
  boost::asio::io_context& io;
  Writer& writer;
  std::size_t max_message_bytes;
  std::function<std::shared_ptr<const EventBuilder>()> builder;
  // Counts one received frame (metrics).
  std::function<void(const store::Event&, std::size_t bytes)> count;
  std::shared_ptr<spdlog::logger> log;
};

// Serves the connection, on context.io, until the client closes it, breaks the protocol,
// goes away, or `connections` closes it (idle, or to make room). While the store
// refuses writes (a full disk) syslog frames are answered "500 disk full" at once, so
// the sender keeps them. A client that does not read its answers is not read from
// either: a session holds a bounded amount of memory. `context` and `connections` must
// outlive the session.
void start_relp_session(boost::asio::ip::tcp::socket socket, Source source, const RelpSessionContext& context,
                        ConnectionTable& connections);

}  // namespace hokan::ingest
