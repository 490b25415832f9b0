#include "ingest/listeners.h"

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <mutex>

#include "core/log_exceptions.h"
#include "core/time_format.h"
#include "ingest/connections.h"
#include "ingest/relp_session.h"
#include "ingest/udp_drops.h"
#include "syslog/framing.h"

namespace hokan::ingest {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;
using namespace asio::experimental::awaitable_operators;
constexpr auto as_tuple_awaitable = asio::as_tuple(use_awaitable);
// A TLS client that has not finished its handshake by then is dropped.
constexpr auto kHandshakeTimeout = std::chrono::seconds(10);

Result<std::pair<std::string, uint16_t>> split_host_port(const std::string& text) {
  std::string host;
  std::string_view port;
  if (text.starts_with('[')) {
    auto close = text.find("]:");
    if (close == std::string::npos) return fail(Errc::invalid_argument, "bad address \"" + text + "\": expected [v6]:port");
    host = text.substr(1, close - 1);
    port = std::string_view(text).substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return fail(Errc::invalid_argument, "bad address \"" + text + "\": expected host:port");
    host = text.substr(0, colon);
    port = std::string_view(text).substr(colon + 1);
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || p != port.data() + port.size() || value > 65535)
    return fail(Errc::invalid_argument, "bad address \"" + text + "\": bad port");
  return std::pair{host, static_cast<uint16_t>(value)};
}

namespace {

PeerAddress peer_of(const asio::ip::address& a) {
  PeerAddress p;
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), p.bytes);
  } else {
    p.v6 = true;
    auto b = a.to_v6().to_bytes();
    std::copy(b.begin(), b.end(), p.bytes);
  }
  return p;
}

template <typename Endpoint>
Source source_of(const Endpoint& ep) {
  auto address = ep.address();
  std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return Source{text + ":" + std::to_string(ep.port()), peer_of(address)};
}

template <typename Endpoint>
std::string endpoint_text(const Endpoint& ep) {
  auto address = ep.address();
  std::string text = address.is_v6() ? "[" + address.to_string() + "]" : address.to_string();
  return text + ":" + std::to_string(ep.port());
}

// The server side of RFC 5425: TLS 1.2 or later with the configured chain and key; with
// a CA bundle, clients must present a certificate it signed (mutual authentication).
Result<std::shared_ptr<asio::ssl::context>> tls_context(const config::TlsListener& l, const std::string& key) {
  namespace ssl = asio::ssl;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                   ec);
  auto problem = [&](const char* what, const std::string& path) {
    return fail(Errc::invalid_argument, key + "." + what + ": " + path + ": " + ec.message());
  };
  if (ctx->use_certificate_chain_file(l.cert, ec); ec) return problem("cert", l.cert);
  if (ctx->use_private_key_file(l.key, ssl::context::pem, ec); ec) return problem("key", l.key);
  if (!l.ca.empty()) {
    if (ctx->load_verify_file(l.ca, ec); ec) return problem("ca", l.ca);
    ctx->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  return ctx;
}

}  // namespace

struct Listeners::Impl : std::enable_shared_from_this<Listeners::Impl> {
  asio::io_context& io;
  Writer& writer;
  std::size_t max_message_bytes;
  mutable std::mutex builder_mutex;
  std::shared_ptr<const EventBuilder> builder;
  ListenerCounters counters;
  std::vector<std::unique_ptr<udp::socket>> udp_sockets;
  std::vector<unsigned long> udp_inodes;  // to find their drop counters in /proc
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  std::vector<std::shared_ptr<ConnectionTable>> tables;  // one per acceptor
  std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(10);
  bool stopped = false;
  std::vector<std::string> endpoints;
  std::shared_ptr<spdlog::logger> log = spdlog::get("ingest");
  InheritedSockets* inherited = nullptr;  // sockets systemd bound for us, taken first

  Impl(asio::io_context& io_, Writer& writer_, std::size_t max_bytes)
      : io(io_), writer(writer_), max_message_bytes(max_bytes) {}

  std::shared_ptr<const EventBuilder> current_builder() const {
    std::lock_guard lock(builder_mutex);
    return builder;
  }

  // What a stream session received since it last told the shared counters: it tells
  // them once per read, not with two atomic adds per event.
  struct Tally {
    uint64_t received = 0, bytes = 0, malformed = 0, truncated = 0;
    void add(const store::Event& e, std::size_t frame_bytes) {
      ++received;
      bytes += frame_bytes;
      malformed += e.malformed;
      truncated += e.truncated;
    }
  };
  void count(const Tally& t) {
    if (t.received == 0) return;
    counters.received.fetch_add(t.received, std::memory_order_relaxed);
    counters.received_bytes.fetch_add(t.bytes, std::memory_order_relaxed);
    if (t.malformed) counters.malformed.fetch_add(t.malformed, std::memory_order_relaxed);
    if (t.truncated) counters.truncated.fetch_add(t.truncated, std::memory_order_relaxed);
  }
  void count(const store::Event& e, std::size_t bytes) {
    Tally t;
    t.add(e, bytes);
    count(t);
  }

  // Waits (without reading more) until the writer takes the batch: TCP backpressure.
  // The wait grows while the writer refuses (a full disk), so a thousand held-back
  // connections do not poll it a million times a second.
  awaitable<void> submit(std::vector<store::Event>& batch) {
    asio::steady_timer timer(io);
    auto wait = std::chrono::milliseconds(1);
    while (!writer.try_submit(batch)) {
      timer.expires_after(wait);
      co_await timer.async_wait(as_tuple_awaitable);
      wait = std::min(wait * 2, std::chrono::milliseconds(100));
    }
  }

  awaitable<void> udp_loop(udp::socket& socket) {
    std::vector<char> buffer(std::max<std::size_t>(max_message_bytes, 65536));
    std::vector<store::Event> batch;
    udp::endpoint peer;
    while (socket.is_open()) {
      auto [ec, n] = co_await socket.async_receive_from(asio::buffer(buffer), peer, as_tuple_awaitable);
      if (ec) {
        if (ec == asio::error::operation_aborted || !socket.is_open()) break;
        continue;
      }
      auto frame_builder = current_builder();
      int64_t now = core::now_us();
      // Drain what the kernel already holds so the writer sees batches, not single events.
      for (int more = 0; more < 512; ++more) {
        std::size_t len = std::min(n, max_message_bytes);
        auto& e = batch.emplace_back();
        frame_builder->build(e, std::string_view(buffer.data(), len), source_of(peer), now, n > max_message_bytes);
        count(e, n);
        boost::system::error_code again;
        socket.non_blocking(true);
        n = socket.receive_from(asio::buffer(buffer), peer, 0, again);
        socket.non_blocking(false);
        if (again) break;
      }
      std::size_t size = batch.size();
      if (!writer.try_submit(batch)) {
        counters.udp_drops.fetch_add(size, std::memory_order_relaxed);
        batch.clear();
      }
    }
  }

  // Registers a session's socket with its listener's table, which may close it.
  static std::unique_ptr<ConnectionTable::Entry> enter(ConnectionTable& table, tcp::socket& socket) {
    return table.add([&socket] {
      boost::system::error_code ignored;
      socket.close(ignored);
    });
  }

  awaitable<void> tcp_session(tcp::socket socket, std::shared_ptr<ConnectionTable> table) {
    counters.connections.fetch_add(1, std::memory_order_relaxed);
    auto entry = enter(*table, socket);
    boost::system::error_code ignored;
    Source source = source_of(socket.remote_endpoint(ignored));
    co_await stream_session(socket, source, *entry);
  }

  awaitable<void> tls_session(tcp::socket socket, std::shared_ptr<asio::ssl::context> context,
                              std::shared_ptr<ConnectionTable> table) {
    counters.tls_connections.fetch_add(1, std::memory_order_relaxed);
    boost::system::error_code ignored;
    Source source = source_of(socket.remote_endpoint(ignored));
    asio::ssl::stream<tcp::socket> stream(std::move(socket), *context);
    auto entry = enter(*table, stream.next_layer());
    asio::steady_timer deadline(io, kHandshakeTimeout);
    auto outcome = co_await (stream.async_handshake(asio::ssl::stream_base::server, as_tuple_awaitable) ||
                             deadline.async_wait(as_tuple_awaitable));
    if (outcome.index() != 0 || std::get<0>(std::get<0>(outcome))) {
      counters.tls_handshake_failures.fetch_add(1, std::memory_order_relaxed);
      if (log) {
        auto why = outcome.index() == 0 ? std::get<0>(std::get<0>(outcome)).message() : std::string("timed out");
        log->info("tls handshake from {} failed: {}", source.text, why);
      }
      co_return;
    }
    co_await stream_session(stream, source, *entry);
    auto [ec] = co_await stream.async_shutdown(as_tuple_awaitable);
    (void)ec;  // the peer may simply have gone
  }

  // Reads frames from a byte stream (TCP or TLS) until it ends.
  template <typename Stream>
  awaitable<void> stream_session(Stream& socket, const Source& source, ConnectionTable::Entry& entry) {
    syslog::StreamFramer framer(max_message_bytes);
    std::vector<char> buffer(256 * 1024);
    std::vector<store::Event> batch;
    while (true) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), as_tuple_awaitable);
      entry.touch();
      auto frame_builder = current_builder();
      int64_t now = core::now_us();
      if (ec) {
        if (auto last = framer.finish()) {
          auto& e = batch.emplace_back();
          frame_builder->build(e, last->bytes, source, now, last->truncated);
          count(e, last->bytes.size());
        }
        co_await submit(batch);
        break;
      }
      framer.feed(std::string_view(buffer.data(), n));
      Tally tally;
      while (auto frame = framer.next()) {
        auto& e = batch.emplace_back();
        frame_builder->build(e, frame->bytes, source, now, frame->truncated);
        if (frame->bad_framing) e.malformed = true;  // build() kept the frame's bytes
        tally.add(e, frame->bytes.size());
      }
      count(tally);
      if (!batch.empty()) {
        // The writer takes the storage with the events and hands back an emptied batch's
        // when it has one: the next read's batch is sized like this one, so that it does
        // not grow (moving every event) as it fills.
        const std::size_t size = batch.size();
        co_await submit(batch);
        batch.reserve(std::max<std::size_t>(size + size / 4, 64));
      }
    }
  }

  RelpSessionContext relp_context() {
    return RelpSessionContext{io, writer, max_message_bytes, [this] { return current_builder(); },
                              [this](const store::Event& e, std::size_t bytes) { count(e, bytes); }, log};
  }
  std::unique_ptr<RelpSessionContext> relp;  // set when a RELP listener exists

  enum class Kind { tcp, tls, relp };
  // Accepts connections and serves each by its listener's kind. Out of descriptors, it
  // waits before accepting again (growing to a second) instead of spinning, and says
  // so in the log at most once a minute; pending connections wait in the backlog.
  awaitable<void> accept_loop(tcp::acceptor& acceptor, Kind kind, std::shared_ptr<asio::ssl::context> tls,
                              std::shared_ptr<ConnectionTable> table) {
    asio::steady_timer pause(io);
    auto backoff = std::chrono::milliseconds(10);
    auto logged = std::chrono::steady_clock::time_point{};
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
        counters.accept_errors.fetch_add(1, std::memory_order_relaxed);
        if (log && std::chrono::steady_clock::now() - logged > std::chrono::minutes(1)) {
          log->warn("accept: {}; waiting before accepting more (connections open: {})", ec.message(), table->size());
          logged = std::chrono::steady_clock::now();
        }
        pause.expires_after(backoff);
        co_await pause.async_wait(as_tuple_awaitable);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
        continue;
      }
      backoff = std::chrono::milliseconds(10);
      switch (kind) {
        case Kind::tcp:
          asio::co_spawn(io, tcp_session(std::move(socket), table), core::log_exceptions(log, "tcp session"));
          break;
        case Kind::tls:
          asio::co_spawn(io, tls_session(std::move(socket), tls, table), core::log_exceptions(log, "tls session"));
          break;
        case Kind::relp: {
          counters.relp_connections.fetch_add(1, std::memory_order_relaxed);
          boost::system::error_code ignored;
          Source source = source_of(socket.remote_endpoint(ignored));
          start_relp_session(std::move(socket), std::move(source), *relp, *table);
          break;
        }
      }
    }
  }

  // Closes connections that have been silent for the idle timeout.
  awaitable<void> sweep_idle() {
    asio::steady_timer timer(io);
    auto every = std::clamp<std::chrono::steady_clock::duration>(idle_timeout / 4, std::chrono::milliseconds(100),
                                                                 std::chrono::seconds(30));
    while (!stopped) {
      timer.expires_after(every);
      co_await timer.async_wait(as_tuple_awaitable);
      for (auto& t : tables) t->close_idle(idle_timeout);
    }
  }

  // Binds and listens on "host:port". Errors name the listener and address.
  Result<std::unique_ptr<tcp::acceptor>> listen(const std::string& kind, const std::string& text) {
    auto hp = split_host_port(text);
    if (!hp) return std::unexpected(hp.error());
    boost::system::error_code ec;
    auto address = asio::ip::make_address(hp->first, ec);
    if (ec) return fail(Errc::invalid_argument, kind + " " + text + ": " + ec.message());
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    tcp::endpoint ep(address, hp->second);
    if (auto fd = inherited ? inherited->take(kind, text) : std::nullopt) {
      acceptor->assign(fd->v6 ? tcp::v6() : tcp::v4(), fd->fd, ec);
    } else if (acceptor->open(ep.protocol(), ec); !ec) {
      acceptor->set_option(asio::socket_base::reuse_address(true), ec);
      acceptor->bind(ep, ec);
      if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) return fail(Errc::io, kind + " " + text + ": cannot listen: " + ec.message());
    endpoints.push_back(kind + " " + endpoint_text(acceptor->local_endpoint()));
    return acceptor;
  }
};

Listeners::Listeners(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listeners::~Listeners() { stop(); }

Result<std::unique_ptr<Listeners>> Listeners::start(asio::io_context& io, const config::Config& config,
                                                    std::shared_ptr<const EventBuilder> builder, Writer& writer,
                                                    std::size_t max_connections, InheritedSockets* inherited) {
  auto impl = std::make_shared<Impl>(io, writer, config.storage.max_message_bytes);
  impl->builder = std::move(builder);
  impl->idle_timeout = std::chrono::seconds(config.listen.idle_timeout_seconds);
  impl->inherited = inherited;
  auto log_exception = core::log_exceptions(impl->log, "listener");
  for (const auto& text : config.listen.udp) {
    auto hp = split_host_port(text);
    if (!hp) return std::unexpected(hp.error());
    boost::system::error_code ec;
    auto address = asio::ip::make_address(hp->first, ec);
    if (ec) return fail(Errc::invalid_argument, "udp " + text + ": " + ec.message());
    auto socket = std::make_unique<udp::socket>(io);
    udp::endpoint ep(address, hp->second);
    if (auto fd = inherited ? inherited->take("udp", text) : std::nullopt) {
      socket->assign(fd->v6 ? udp::v6() : udp::v4(), fd->fd, ec);
    } else if (socket->open(ep.protocol(), ec); !ec) {
      socket->set_option(asio::socket_base::receive_buffer_size(8 << 20), ec);
      socket->bind(ep, ec);
    }
    if (ec) return fail(Errc::io, "udp " + text + ": cannot bind: " + ec.message());
    impl->endpoints.push_back("udp " + endpoint_text(socket->local_endpoint()));
    impl->udp_inodes.push_back(socket_inode(socket->native_handle()));
    impl->udp_sockets.push_back(std::move(socket));
  }
  using Kind = Impl::Kind;
  std::vector<std::pair<Kind, std::shared_ptr<asio::ssl::context>>> kinds;  // per acceptor
  for (const auto& text : config.listen.tcp) {
    auto acceptor = impl->listen("tcp", text);
    if (!acceptor) return std::unexpected(acceptor.error());
    impl->acceptors.push_back(std::move(*acceptor));
    kinds.emplace_back(Kind::tcp, nullptr);
  }
  if (!config.listen.relp.empty()) impl->relp = std::make_unique<RelpSessionContext>(impl->relp_context());
  for (const auto& text : config.listen.relp) {
    auto acceptor = impl->listen("relp", text);
    if (!acceptor) return std::unexpected(acceptor.error());
    impl->acceptors.push_back(std::move(*acceptor));
    kinds.emplace_back(Kind::relp, nullptr);
  }
  for (std::size_t i = 0; i < config.listen.tls.size(); ++i) {
    const auto& l = config.listen.tls[i];
    auto context = tls_context(l, "listen.tls[" + std::to_string(i) + "]");
    if (!context) return std::unexpected(context.error());
    auto acceptor = impl->listen("tls", l.address);
    if (!acceptor) return std::unexpected(acceptor.error());
    impl->acceptors.push_back(std::move(*acceptor));
    kinds.emplace_back(Kind::tls, std::move(*context));
  }
  for (auto& s : impl->udp_sockets) asio::co_spawn(io, impl->udp_loop(*s), log_exception);
  for (std::size_t i = 0; i < impl->acceptors.size(); ++i) {
    impl->tables.push_back(std::make_shared<ConnectionTable>(max_connections));
    asio::co_spawn(io, impl->accept_loop(*impl->acceptors[i], kinds[i].first, kinds[i].second, impl->tables.back()),
                   log_exception);
  }
  if (!impl->acceptors.empty()) asio::co_spawn(io, impl->sweep_idle(), log_exception);
  return std::make_unique<Listeners>(impl);
}

std::vector<std::string> Listeners::endpoints() const { return impl_->endpoints; }

void Listeners::stop() {
  impl_->stopped = true;
  boost::system::error_code ignored;
  for (auto& s : impl_->udp_sockets) s->close(ignored);
  for (auto& a : impl_->acceptors) a->close(ignored);
}

void Listeners::set_builder(std::shared_ptr<const EventBuilder> builder) {
  std::lock_guard lock(impl_->builder_mutex);
  impl_->builder = std::move(builder);
}

const ListenerCounters& Listeners::counters() const { return impl_->counters; }

uint64_t Listeners::kernel_udp_drops() const { return ingest::kernel_udp_drops(impl_->udp_inodes); }

ConnectionStats Listeners::connection_stats() const {
  ConnectionStats out;
  for (const auto& t : impl_->tables) {
    out.open += t->size();
    out.evicted += t->evicted;
    out.idle_closed += t->idle_closed;
  }
  return out;
}

}  // namespace hokan::ingest
