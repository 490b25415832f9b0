#include "objects/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <future>
#include <variant>

#include "core/log_exceptions.h"
#include "core/sha256.h"
#include "core/time_format.h"
#include "ingest/connections.h"
#include "ingest/listeners.h"
#include "objects/put_request.h"
#include "objects/rate_limit.h"
#include "store/object_names.h"

namespace hokan::objects {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::ip::tcp;
using nlohmann::json;
constexpr auto as_tuple_awaitable = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr std::size_t kReadChunk = 1 << 20;
// An upload may start slowly (a camera finishing a segment); after this its average
// rate must reach [listen] upload_min_rate.
constexpr auto kUploadGrace = std::chrono::seconds(10);

// The refusal for a store error: 507 when the disk is full (the sender should retry
// later), 500 otherwise.
Refusal refusal_for(const Error& e) {
  return e.code == Errc::no_space ? Refusal{507, Reason::disk_full, e.message} : Refusal{500, Reason::failed, e.message};
}
constexpr std::size_t kHeaderLimit = 16 * 1024;
// A body read only to be thrown away (an ignored playlist, a DELETE) is read whole when it
// is at most this, so the sender sees the answer instead of a reset connection.
constexpr uint64_t kDrainLimit = 1 << 20;

// Who sent a request, for the log and the audit trail: the request line, the peer's
// address and, once asked, the [[sender]] its token names.
struct Asker {
  std::string peer;
  std::string request;        // "PUT /v1/objects/cctv/x.ts", made printable
  std::string authorization;  // as received

  // The sender's name when the token names one, else "".
  std::string sender(const config::Config& config) const {
    const config::Sender* s = sender_of(config, authorization);
    return s ? s->name : std::string();
  }
};

// Request text for a log line: printable ASCII only and bounded, whatever was sent.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, 240));
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  if (text.size() > 240) out += "...";
  return out;
}
const std::string kJson = "application/json";
const std::string kText = "text/plain";
const std::string kPrometheus = "text/plain; version=0.0.4";

// The header fields decode_put() reads, as views into Beast's parsed request.
PutHeaders headers_of(const http::request_parser<http::buffer_body>& parser) {
  const auto& req = parser.get();
  auto view = [&](auto field) {
    auto v = req[field];
    return std::string_view(v.data(), v.size());
  };
  PutHeaders h;
  h.time = view("X-Hokan-Time");
  h.end = view("X-Hokan-End");
  h.camera = view("X-Hokan-Camera");
  h.host = view("X-Hokan-Host");
  h.case_id = view("X-Hokan-Case");
  h.content_type = view(http::field::content_type);
  h.authorization = view(http::field::authorization);
  if (auto length = parser.content_length()) h.content_length = *length;
  return h;
}

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& io;
  HttpContext ctx;
  tcp::acceptor acceptor;
  asio::thread_pool blocking{1};  // uploads' store work: never on the I/O thread
  HttpCounters counters;
  std::atomic<std::size_t> uploads{0};
  std::shared_ptr<spdlog::logger> log = spdlog::get("ingest");
  WindowLimiter log_limiter;    // refusal log lines: one per sender (or peer) and reason a minute
  WindowLimiter audit_limiter;  // audited DELETEs of peers no token names: one a minute each

  std::shared_ptr<ingest::ConnectionTable> connections;

  Impl(asio::io_context& io_, HttpContext c)
      : io(io_),
        ctx(std::move(c)),
        acceptor(io_),
        connections(std::make_shared<ingest::ConnectionTable>(ctx.max_connections)) {}

  template <typename Body>
  awaitable<void> respond(beast::tcp_stream& stream, http::status status, std::string body,
                          const std::string& content_type, unsigned version, bool keep_alive,
                          std::function<void(http::response<http::string_body>&)> extra = {}) {
    http::response<http::string_body> res{status, version};
    res.set(http::field::server, "hokand");
    res.set(http::field::content_type, content_type);
    res.keep_alive(keep_alive);
    if (extra) extra(res);
    res.body() = std::move(body);
    res.prepare_payload();
    co_await http::async_write(stream, res, as_tuple_awaitable);
  }

  // Tells the sender why (the body), counts the reason and logs it, at most one line per
  // sender and reason a minute: a recorder that is refused keeps retrying.
  void note_refusal(const Refusal& r, const Asker& asker) {
    counters.refused[static_cast<std::size_t>(r.reason)].fetch_add(1, std::memory_order_relaxed);
    if (!log) return;
    std::string sender = asker.sender(*ctx.config());
    std::string who = sender.empty() ? asker.peer : "sender " + sender + " (" + asker.peer + ")";
    auto held = log_limiter.admit((sender.empty() ? asker.peer : sender) + "\n" + std::string(reason_name(r.reason)));
    if (!held) return;
    std::string more = *held ? " (and " + std::to_string(*held) + " more like it in the last minute)" : "";
    log->warn("http: {} {} for {}: {}: {}{}", r.status, reason_name(r.reason), who, asker.request,
              printable(r.message), more);
  }

  awaitable<void> error(beast::tcp_stream& stream, Refusal r, unsigned version, const Asker& asker) {
    note_refusal(r, asker);
    // (Plain locals, not literals, in co_await arguments: g++ 12 miscompiles arrays there.)
    std::string body = json{{"error", r.message}}.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    std::string type = kJson;
    auto status = static_cast<http::status>(r.status);
    std::function<void(http::response<http::string_body>&)> headers = [status](http::response<http::string_body>& res) {
      if (status == http::status::unauthorized) res.set(http::field::www_authenticate, "Bearer realm=hokan");
      if (status == http::status::method_not_allowed) res.set(http::field::allow, "PUT");
    };
    co_await respond<http::string_body>(stream, status, std::move(body), type, version, false, std::move(headers));
  }

  // Chunks handed from the I/O thread to the upload thread, and their buffers back.
  // Everything but `stopped` is touched on the I/O thread only: the upload thread posts
  // each chunk's outcome back, which also wakes a reader waiting for a free slot (a
  // timer that never expires serves as the I/O thread's condition variable).
  struct Pipeline {
    static constexpr int kInFlight = 2;
    explicit Pipeline(asio::io_context& io) : ready(io, asio::steady_timer::time_point::max()) {}
    int in_flight = 0;
    std::vector<std::shared_ptr<std::vector<char>>> free;
    std::string failure;
    int failure_status = 500;
    std::atomic<bool> stopped{false};  // read by the upload thread to skip the rest
    asio::steady_timer ready;
    std::shared_ptr<std::vector<char>> take_buffer() {
      if (free.empty()) return std::make_shared<std::vector<char>>(kReadChunk);
      auto b = std::move(free.back());
      free.pop_back();
      return b;
    }
    void done(std::shared_ptr<std::vector<char>> b, std::string error, int status) {
      free.push_back(std::move(b));
      if (!error.empty() && failure.empty()) {
        failure = std::move(error);
        failure_status = status;
      }
      --in_flight;
      ready.cancel();
    }
  };

  // Waits on the I/O thread until at most `limit` chunks are still with the upload thread.
  awaitable<void> settle(Pipeline& p, int limit) {
    while (p.in_flight > limit) {
      p.ready.expires_at(asio::steady_timer::time_point::max());
      co_await p.ready.async_wait(as_tuple_awaitable);
    }
  }

  // Fills `chunk` from the body, up to its size or the body's end, and says how many
  // bytes it got. With a Content-Length the bytes go from the socket straight into the
  // chunk, in reads as large as the chunk: through the parser they would be copied once
  // more and arrive 64 KiB per read. A chunked body goes through the parser.
  awaitable<std::tuple<boost::system::error_code, std::size_t>> read_body(
      beast::tcp_stream& stream, beast::flat_buffer& buffer, http::request_parser<http::buffer_body>& parser,
      std::optional<uint64_t>& direct_left, std::vector<char>& chunk) {
    stream.expires_after(std::chrono::seconds(ctx.idle_timeout_seconds));
    if (!direct_left) {
      parser.get().body().data = chunk.data();
      parser.get().body().size = chunk.size();
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, as_tuple_awaitable);
      if (ec == http::error::need_buffer) ec = {};
      co_return std::tuple{ec, chunk.size() - parser.get().body().size};
    }
    std::size_t want = static_cast<std::size_t>(std::min<uint64_t>(chunk.size(), *direct_left));
    // Body bytes that came in with the header are in `buffer`; never take more than the
    // body, so a pipelined next request stays there for the parser.
    std::size_t early = std::min(want, buffer.size());
    asio::buffer_copy(asio::buffer(chunk.data(), early), buffer.data());
    buffer.consume(early);
    *direct_left -= early;
    if (early == want) co_return std::tuple{boost::system::error_code{}, early};
    // Asio's own completion conditions cap each read at 64 KiB; this one lets a read take
    // all that is left.
    auto rest = [](const boost::system::error_code& e, std::size_t) -> std::size_t { return e ? 0 : kReadChunk; };
    auto [ec, n] =
        co_await asio::async_read(stream, asio::buffer(chunk.data() + early, want - early), rest, as_tuple_awaitable);
    *direct_left -= n;
    co_return std::tuple{ec, early + n};
  }

  // Runs blocking work on the upload thread and comes back to the I/O thread.
  template <typename F>
  awaitable<std::invoke_result_t<F>> off_io(F f) {
    co_await asio::post(blocking.get_executor(), asio::use_awaitable);
    auto result = f();
    co_await asio::post(io.get_executor(), asio::use_awaitable);
    co_return result;
  }

  // Reads a body that is not kept, when it is small enough; true when it was read whole
  // (the connection may then carry another request). A sender waiting for 100-continue
  // sends none, and is answered at once.
  awaitable<bool> drain(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                        http::request_parser<http::buffer_body>& parser) {
    if (beast::iequals(parser.get()[http::field::expect], "100-continue")) co_return false;
    std::optional<uint64_t> direct_left;
    if (!parser.chunked()) direct_left = parser.content_length().value_or(0);
    if (direct_left && *direct_left > kDrainLimit) co_return false;
    std::vector<char> chunk(64 * 1024);
    uint64_t total = 0;
    while (direct_left ? *direct_left > 0 : !parser.is_done()) {
      auto [ec, got] = co_await read_body(stream, buffer, parser, direct_left, chunk);
      if (ec || (total += got) > kDrainLimit) co_return false;
    }
    co_return true;
  }

  // A DELETE of an object: refused, since only hokan's retention and erasure destroy
  // objects, and audited (a sender that no token names: one record a minute per peer,
  // counting those left out), so that whoever tried is on record.
  awaitable<void> refuse_delete(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                http::request_parser<http::buffer_body>& parser, const std::string& rest,
                                const Asker& asker) {
    unsigned version = parser.get().version();
    auto slash = rest.find('/');
    std::string category = printable(rest.substr(0, slash));
    std::string name = slash == std::string::npos ? "" : printable(rest.substr(slash + 1));
    std::string sender = asker.sender(*ctx.config());
    std::optional<uint64_t> unrecorded = 0;
    if (sender.empty()) unrecorded = audit_limiter.admit(asker.peer);
    bool recorded = false;
    if (ctx.auditor && unrecorded) {
      audit::Entry entry;
      entry.uid = ::getuid();  // written by hokand on the sender's behalf; the sender is in `user`
      entry.user = "http:" + (sender.empty() ? asker.peer : sender);
      entry.action = "object_delete";
      entry.filter = json{{"category", category}, {"name", name}, {"peer", asker.peer}, {"sender", sender}}.dump(
          -1, ' ', false, json::error_handler_t::replace);
      entry.phase = audit::Phase::refused;
      entry.why = "objects are destroyed by hokan's retention and erasure, not by DELETE";
      if (*unrecorded)
        entry.why += " (" + std::to_string(*unrecorded) + " earlier DELETEs of this peer were not recorded: rate limit)";
      recorded = co_await off_io([&] { return ctx.auditor->record(entry); });
      if (!recorded && log) log->error("audit: could not record a DELETE from {}", asker.peer);
    }
    co_await drain(stream, buffer, parser);
    Refusal r{405, Reason::delete_,
              "objects are destroyed by hokan's retention (purge) and erasure, never by DELETE" +
                  std::string(recorded ? "; this request is in the audit trail" : "")};
    co_await error(stream, r, version, asker);
  }

  // Answers one PUT. True when its body was read whole and answered with success (or
  // 204 for an ignored name), so the connection can carry another request.
  awaitable<bool> put_object(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                             http::request_parser<http::buffer_body>& parser, const std::string& category,
                             const std::string& sent_name, ingest::ConnectionTable::Entry* entry,
                             const Asker& asker) {
    auto& req = parser.get();
    unsigned version = req.version();
    auto decoded = decode_put(headers_of(parser), category, sent_name, asker.peer, *ctx.config(), *ctx.policy(),
                              core::now_us());
    if (auto* refusal = std::get_if<Refusal>(&decoded)) {
      Refusal r = *refusal;
      co_await error(stream, r, version, asker);
      co_return false;
    }
    if (auto* ignored = std::get_if<Ignored>(&decoded)) {
      // A playlist, rewritten after every segment: not kept, and no error for the recorder.
      counters.ignored.fetch_add(1, std::memory_order_relaxed);
      if (log) log->debug("http: {}: ignored (matches \"{}\")", asker.request, ignored->pattern);
      bool whole = co_await drain(stream, buffer, parser);
      bool keep_alive = whole && req.keep_alive();
      co_await respond<http::string_body>(stream, http::status::no_content, std::string(), kText, version, keep_alive);
      co_return keep_alive;
    }
    store::Event meta = std::get<PutPlan>(decoded).meta;
    uint64_t limit = std::get<PutPlan>(decoded).limit;
    const std::string name = std::get<PutPlan>(decoded).name;
    if (auto space = ctx.store->space(); space.full) {
      Refusal r{507, Reason::disk_full,
                "disk full: nothing can be stored now (" + std::to_string(space.free >> 20) +
                    " MiB free, the rest kept for purges); retry later"};
      co_await error(stream, r, version, asker);
      co_return false;
    }
    if (uploads.fetch_add(1) >= ctx.max_concurrent_uploads) {
      uploads.fetch_sub(1);
      Refusal r{503, Reason::busy, "too many uploads at once; retry"};
      co_await error(stream, r, version, asker);
      co_return false;
    }
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { n.fetch_sub(1); }
    } release{uploads};
    // The name is taken before any byte is stored: of concurrent PUTs of one name, one
    // wins and the others get 409. Until the upload commits it, leaving frees it.
    auto reserved = co_await off_io([&] { return ctx.names->reserve(category, name); });
    if (!reserved) {
      Refusal r = reserved.error().code == Errc::already_exists
                      ? Refusal{409, Reason::exists, reserved.error().message}
                      : refusal_for(reserved.error());
      co_await error(stream, r, version, asker);
      co_return false;
    }
    struct Reservation {
      store::ObjectNames& names;
      const std::string &category, &name;
      bool committed = false;
      ~Reservation() {
        if (!committed) names.release(category, name);
      }
    } reservation{*ctx.names, category, name};
    auto begun = co_await off_io([&] { return ctx.store->begin_object(meta); });
    if (!begun) {
      Refusal r = refusal_for(begun.error());
      co_await error(stream, r, version, asker);
      co_return false;
    }
    std::unique_ptr<store::ObjectUpload> upload = std::move(*begun);
    uint64_t received = 0;
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      co_await http::async_write(stream, cont, as_tuple_awaitable);
    }
    auto sha = std::make_shared<core::Sha256>();
    // Reading the next chunk overlaps with storing the last: chunks go to the upload
    // thread in order (one thread, FIFO), at most kInFlight at a time, so memory stays
    // bounded and the socket is read while the disk works.
    auto pipeline = std::make_shared<Pipeline>(io);
    std::optional<uint64_t> direct_left;
    if (!parser.chunked()) direct_left = parser.content_length().value_or(0);
    auto body_done = [&] { return direct_left ? *direct_left == 0 : parser.is_done(); };
    std::optional<Refusal> failed;
    auto started = std::chrono::steady_clock::now();
    while (!body_done() && !failed) {
      auto chunk = pipeline->take_buffer();
      auto [ec, got] = co_await read_body(stream, buffer, parser, direct_left, *chunk);
      if (!ec && entry) entry->touch();
      // A trickle would hold an upload slot for ever: after a grace period the sender must
      // keep up the minimum rate on average.
      auto elapsed = std::chrono::steady_clock::now() - started;
      if (!ec && ctx.upload_min_rate && elapsed > kUploadGrace &&
          static_cast<double>(received + got) / std::chrono::duration<double>(elapsed).count() <
              static_cast<double>(ctx.upload_min_rate)) {
        failed = Refusal{408, Reason::too_slow,
                         "the upload is slower than " + std::to_string(ctx.upload_min_rate / 1024) +
                             " KiB/s ([listen] upload_min_rate)"};
        counters.too_slow.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      if (ec) {
        pipeline->stopped = true;
        co_await settle(*pipeline, 0);
        co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
        co_return false;  // the sender went away or was too slow: nothing was acknowledged
      }
      if ((received += got) > limit) {
        failed = Refusal{413, Reason::too_large, "the object is larger than max_object_bytes"};
        break;
      }
      co_await settle(*pipeline, Pipeline::kInFlight - 1);
      ++pipeline->in_flight;
      asio::post(blocking, [this, pipeline, chunk, got, sha, up = upload.get()]() mutable {
        std::string error;
        int status = 500;
        if (!pipeline->stopped) {
          sha->update(std::string_view(chunk->data(), got));
          if (auto r = up->append(std::string_view(chunk->data(), got)); !r) {
            error = r.error().message;
            status = refusal_for(r.error()).status;
            pipeline->stopped = true;
          }
        }
        asio::post(io, [pipeline, chunk = std::move(chunk), error = std::move(error), status]() mutable {
          pipeline->done(std::move(chunk), std::move(error), status);
        });
      });
    }
    if (failed) pipeline->stopped = true;
    co_await settle(*pipeline, 0);
    if (!failed && !pipeline->failure.empty())
      failed = Refusal{pipeline->failure_status, pipeline->failure_status == 507 ? Reason::disk_full : Reason::failed,
                       pipeline->failure};
    if (failed) {
      co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
      Refusal r = *failed;
      co_await error(stream, r, version, asker);
      co_return false;
    }
    std::string sha_hex = core::hex(sha->finish());
    meta.id = upload->id();
    meta.object_size = upload->size();
    meta.object_marker = true;
    meta.fields.extra.emplace_back("size", std::to_string(meta.object_size));
    meta.fields.extra.emplace_back("sha256", sha_hex);
    // Durable bytes, then the durable record, then the name: 201 only after all three.
    auto stored = co_await off_io([&]() -> Result<void> {
      if (auto f = upload->finish(); !f) return f;
      auto done = std::make_shared<std::promise<bool>>();
      auto future = done->get_future();
      std::vector<store::Event> batch{meta};
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
      while (!ctx.writer->try_submit(batch, [done](bool ok) { done->set_value(ok); })) {
        if (std::chrono::steady_clock::now() > deadline) return fail(Errc::unavailable, "the writer is overloaded");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      if (future.wait_until(deadline) != std::future_status::ready || !future.get())
        return fail(Errc::io, "the metadata record could not be written");
      auto committed = ctx.names->commit(category, name, meta.id);
      if (committed) reservation.committed = true;
      return committed;
    });
    if (!stored) {
      co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
      Refusal r = refusal_for(stored.error());
      co_await error(stream, r, version, asker);
      co_return false;
    }
    co_await off_io([&] { upload.reset(); return 0; });
    counters.objects.fetch_add(1, std::memory_order_relaxed);
    counters.object_bytes.fetch_add(meta.object_size, std::memory_order_relaxed);
    std::string body =
        json{{"id", meta.id}, {"category", category}, {"name", name}, {"size", meta.object_size}, {"sha256", sha_hex}}
            .dump() + "\n";
    std::string location = "/v1/objects/" + category + "/" + name;
    std::string type = kJson;
    std::function<void(http::response<http::string_body>&)> headers = [location](http::response<http::string_body>& res) {
      res.set(http::field::location, location);
    };
    co_await respond<http::string_body>(stream, http::status::created, std::move(body), type, version, req.keep_alive(),
                                        std::move(headers));
    co_return true;
  }

  awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    auto entry = connections->add([&stream] {
      boost::system::error_code ignored;
      stream.socket().close(ignored);
    });
    beast::flat_buffer buffer;
    // Beast sizes each socket read by the buffer's free capacity: without room, a body
    // arrives 512 bytes per syscall.
    buffer.reserve(256 * 1024);
    boost::system::error_code peer_ec;
    const std::string peer = stream.socket().remote_endpoint(peer_ec).address().to_string();
    while (true) {
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(boost::none);
      stream.expires_after(std::chrono::seconds(ctx.idle_timeout_seconds));
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple_awaitable);
      entry->touch();
      if (ec) {
        if (ec == http::error::header_limit) {
          Refusal r{431, Reason::headers, "headers over 16 KiB"};
          Asker asker{peer, "(headers)", ""};
          co_await error(stream, r, 11, asker);
        }
        co_return;
      }
      auto& req = parser.get();
      std::string target(req.target());
      unsigned version = req.version();
      bool keep_alive = req.keep_alive();
      Asker asker{peer, printable(std::string(req.method_string()) + " " + target),
                  std::string(req[http::field::authorization])};
      std::optional<Refusal> refused;
      if (target == "/healthz" && req.method() == http::verb::get) {
        // 503 with the reason while the writer cannot store what it is sent.
        auto trouble = ctx.trouble ? ctx.trouble() : std::nullopt;
        std::string body = trouble ? *trouble + "\n" : "ok\n", type = kText;
        if (auto remote = ctx.remote_state ? ctx.remote_state() : std::nullopt) body += *remote + "\n";
        auto status = trouble ? http::status::service_unavailable : http::status::ok;
        co_await respond<http::string_body>(stream, status, std::move(body), type, version, keep_alive);
      } else if (target == "/metrics" && req.method() == http::verb::get) {
        std::string body = ctx.metrics ? ctx.metrics() : std::string(), type = kPrometheus;
        co_await respond<http::string_body>(stream, http::status::ok, std::move(body), type, version, keep_alive);
      } else if (target.starts_with("/v1/objects/")) {
        std::string rest = target.substr(12);
        auto slash = rest.find('/');
        if (req.method() == http::verb::delete_) {
          co_await refuse_delete(stream, buffer, parser, rest, asker);
          co_return;
        } else if (req.method() != http::verb::put) {
          refused = Refusal{405, Reason::method, "objects are stored with PUT and read with hokanctl"};
        } else if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
          refused = Refusal{400, Reason::path, "expected /v1/objects/{category}/{name}"};
        } else {
          std::string category = rest.substr(0, slash), name = rest.substr(slash + 1);
          bool answered = co_await put_object(stream, buffer, parser, category, name, entry.get(), asker);
          if (!answered) co_return;  // refused before the body's end: close rather than drain it
        }
      } else {
        refused = Refusal{404, Reason::path, "no such resource"};
      }
      if (refused) {
        Refusal r = *refused;
        co_await error(stream, r, version, asker);
        co_return;
      }
      if (!keep_alive) co_return;
    }
  }

  awaitable<void> accept_loop() {
    asio::steady_timer pause(io);
    auto backoff = std::chrono::milliseconds(10);
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
      if (ec) {
        if (!acceptor.is_open()) break;
        // Out of descriptors: wait instead of spinning (see ingest's accept loop).
        pause.expires_after(backoff);
        co_await pause.async_wait(as_tuple_awaitable);
        backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
        continue;
      }
      backoff = std::chrono::milliseconds(10);
      asio::co_spawn(io, session(std::move(socket)), core::log_exceptions(log, "http session"));
    }
  }
};

HttpServer::HttpServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::start(asio::io_context& io, const std::string& address,
                                                      HttpContext context) {
  auto impl = std::make_shared<Impl>(io, std::move(context));
  auto hp = ingest::split_host_port(address);
  if (!hp) return std::unexpected(hp.error());
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(hp->first, ec);
  if (ec) return fail(Errc::invalid_argument, "http " + address + ": " + ec.message());
  tcp::endpoint ep(ip, hp->second);
  if (auto fd = impl->ctx.inherited ? impl->ctx.inherited->take("http", address) : std::nullopt) {
    impl->acceptor.assign(fd->v6 ? tcp::v6() : tcp::v4(), fd->fd, ec);
  } else if (impl->acceptor.open(ep.protocol(), ec); !ec) {
    impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    impl->acceptor.bind(ep, ec);
    if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  }
  if (ec) return fail(Errc::io, "http " + address + ": cannot listen: " + ec.message());
  asio::co_spawn(io, impl->accept_loop(), core::log_exceptions(impl->log, "http listener"));
  return std::make_unique<HttpServer>(impl);
}

std::string HttpServer::endpoint() const {
  boost::system::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  return "http " + ep.address().to_string() + ":" + std::to_string(ep.port());
}

void HttpServer::stop() {
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
}

const HttpCounters& HttpServer::counters() const { return impl_->counters; }

}  // namespace hokan::objects
