#include "ingest/relp_session.h"

#include <boost/asio.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/log_exceptions.h"
#include "core/quote.h"
#include "core/time_format.h"
#include "syslog/relp.h"

namespace hokan::ingest {
namespace asio = boost::asio;
using asio::awaitable;
using asio::ip::tcp;

namespace {
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// RELP frames carry their length, so a frame over max_message_bytes can still be read
// whole and stored truncated (rather than breaking the session, which the sender would
// retry for ever); past this the stream is not believed.
constexpr std::size_t kMaxRelpFrame = 1 << 20;
// A session stops reading while this much of its answers waits for the client to read
// them, or this many batches wait for the writer: its memory stays bounded whatever the
// client does.
constexpr std::size_t kMaxPendingAnswers = 256 * 1024;
constexpr std::size_t kMaxInFlight = 64;

// What the reading side and the answering side of a session share. Lives on the
// io_context's thread only; the writer's callbacks reach it through asio::post.
struct Answers {
  explicit Answers(tcp::socket s) : socket(std::move(s)), wake(socket.get_executor()) {
    wake.expires_at(asio::steady_timer::time_point::max());
  }
  tcp::socket socket;
  asio::steady_timer wake;  // cancelled when there is something to do
  std::string pending;      // answers not yet written
  std::size_t in_flight = 0;  // batches handed to the writer, not yet answered
  bool reading_done = false;  // the client closed, or the session must end
  bool close_after = false;   // end once `pending` is out (it ends with serverclose)
  bool broken = false;        // a protocol error: serverclose once every batch is answered
  std::unique_ptr<ConnectionTable::Entry> entry;  // in the listener's table while open
  asio::steady_timer room{socket.get_executor()};  // the reader waits here for room
  void poke() {
    wake.cancel();
    room.cancel();
  }
  bool crowded() const { return pending.size() > kMaxPendingAnswers || in_flight > kMaxInFlight; }
};

// Writes answers as they become due; ends the session once nothing more can come.
awaitable<void> answer(std::shared_ptr<Answers> a) {
  while (true) {
    if (!a->pending.empty()) {
      std::string out;
      out.swap(a->pending);
      auto [ec, n] = co_await asio::async_write(a->socket, asio::buffer(out), as_tuple_awaitable);
      if (ec) break;
      continue;
    }
    if (a->close_after) break;
    if (a->reading_done && a->in_flight == 0) {
      if (!a->broken) break;
      a->pending = syslog::relp::server_close();
      a->close_after = true;
      continue;
    }
    co_await a->wake.async_wait(as_tuple_awaitable);
    a->wake.expires_at(asio::steady_timer::time_point::max());
  }
  boost::system::error_code ignored;
  a->socket.shutdown(tcp::socket::shutdown_both, ignored);
  a->socket.close(ignored);
}

// Reads frames and hands them to the writer until the client closes or breaks the
// protocol.
awaitable<void> read_frames(std::shared_ptr<Answers> a, Source source, const RelpSessionContext& context) {
  syslog::relp::Parser parser(std::max(context.max_message_bytes, kMaxRelpFrame));
  std::vector<char> buffer(64 * 1024);
  std::vector<store::Event> batch;
  std::vector<uint64_t> txnrs;
  asio::steady_timer retry(context.io);
  bool opened = false, closing = false;
  std::string protocol_error;
  while (!closing && protocol_error.empty()) {
    while (a->crowded() && a->socket.is_open()) {
      a->room.expires_after(std::chrono::seconds(1));
      co_await a->room.async_wait(as_tuple_awaitable);
    }
    auto [ec, n] = co_await a->socket.async_read_some(asio::buffer(buffer), as_tuple_awaitable);
    if (ec) break;
    if (a->entry) a->entry->touch();
    parser.feed(std::string_view(buffer.data(), n));
    auto builder = context.builder();
    int64_t now = core::now_us();
    uint64_t close_txnr = 0;
    while (auto frame = parser.next()) {
      if (frame->command == "open") {
        opened = true;
        a->pending += syslog::relp::response(frame->txnr, 200, "OK", syslog::relp::open_offers());
      } else if (!opened) {
        protocol_error = "RELP: " + core::quoted(frame->command, 32) + " before \"open\"";
        break;
      } else if (frame->command == "syslog" && !context.writer.accepting()) {
        // Nothing can be stored now: say so at once, so the sender keeps the message
        // and sends it again, rather than waiting on a queue that cannot drain.
        auto why = context.writer.trouble().value_or("the store refuses writes");
        a->pending += syslog::relp::response(frame->txnr, 500, why.substr(0, 200));
      } else if (frame->command == "syslog") {
        bool truncated = frame->data.size() > context.max_message_bytes;
        auto& e = batch.emplace_back();
        builder->build(e, frame->data.substr(0, context.max_message_bytes), source, now, truncated);
        context.count(e, frame->data.size());
        txnrs.push_back(frame->txnr);
      } else if (frame->command == "close") {
        close_txnr = frame->txnr;
        closing = true;
        break;
      } else {
        a->pending += syslog::relp::response(frame->txnr, 500, "command not supported");
      }
    }
    if (protocol_error.empty() && !parser.error().empty()) protocol_error = parser.error();
    if (!batch.empty() || closing) {
      // Answered on the I/O thread once the batch (or, for a close, everything before
      // it) is durable; the writer keeps submission order.
      auto acknowledge = [a, ids = std::move(txnrs), close_txnr, closing](bool ok) {
        std::string out;
        for (uint64_t id : ids)
          out += ok ? syslog::relp::response(id, 200, "OK") : syslog::relp::response(id, 500, "not stored");
        if (closing) out += syslog::relp::response(close_txnr, 200, "OK") + syslog::relp::server_close();
        asio::post(a->socket.get_executor(), [a, out = std::move(out), closing] {
          a->pending += out;
          --a->in_flight;
          if (closing) a->close_after = true;
          a->poke();
        });
      };
      ++a->in_flight;
      // Backpressure, as for TCP: stop reading until the writer takes the batch.
      while (!context.writer.try_submit(batch, acknowledge)) {
        retry.expires_after(std::chrono::milliseconds(1));
        co_await retry.async_wait(as_tuple_awaitable);
      }
      txnrs = {};
    }
    a->poke();
  }
  if (!protocol_error.empty()) {
    if (context.log) context.log->warn("relp session from {} ended: {}", source.text, protocol_error);
    a->broken = true;
  }
  a->reading_done = true;
  a->poke();
}

}  // namespace

void start_relp_session(tcp::socket socket, Source source, const RelpSessionContext& context,
                        ConnectionTable& connections) {
  auto a = std::make_shared<Answers>(std::move(socket));
  a->entry = connections.add([weak = std::weak_ptr<Answers>(a)] {
    if (auto s = weak.lock()) {
      boost::system::error_code ignored;
      s->socket.close(ignored);
      s->poke();
    }
  });
  asio::co_spawn(context.io, answer(a), core::log_exceptions(context.log, "relp answers"));
  asio::co_spawn(context.io, read_frames(a, std::move(source), context), core::log_exceptions(context.log, "relp session"));
}

}  // namespace hokan::ingest
