#include "objects/http_server.h"

#include <openssl/evp.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <future>
#include <variant>

#include "core/log_exceptions.h"
#include "core/time_format.h"
#include "ingest/listeners.h"

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
constexpr std::size_t kHeaderLimit = 16 * 1024;
const std::string kJson = "application/json";
const std::string kText = "text/plain";
const std::string kPrometheus = "text/plain; version=0.0.4";

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 15]);
  }
  return out;
}

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), digest, &n, EVP_sha256(), nullptr);
  return hex(digest, n);
}

bool valid_object_name(std::string_view name) {
  return !name.empty() && name.size() <= 200 && name != "." && name != ".." &&
         std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
         });
}

// A refusal before or while the body is read.
struct Refusal {
  http::status status;
  std::string message;
};

}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  asio::io_context& io;
  HttpContext ctx;
  tcp::acceptor acceptor;
  asio::thread_pool blocking{1};  // uploads' store work: never on the I/O thread
  HttpCounters counters;
  std::atomic<std::size_t> uploads{0};
  std::shared_ptr<spdlog::logger> log = spdlog::get("ingest");

  Impl(asio::io_context& io_, HttpContext c) : io(io_), ctx(std::move(c)), acceptor(io_) {}

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

  awaitable<void> error(beast::tcp_stream& stream, Refusal r, unsigned version) {
    counters.refused.fetch_add(1, std::memory_order_relaxed);
    // (Plain locals, not literals, in co_await arguments: g++ 12 miscompiles arrays there.)
    std::string body = json{{"error", r.message}}.dump() + "\n";
    std::string type = kJson;
    http::status status = r.status;
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
    std::atomic<bool> stopped{false};  // read by the upload thread to skip the rest
    asio::steady_timer ready;
    std::shared_ptr<std::vector<char>> take_buffer() {
      if (free.empty()) return std::make_shared<std::vector<char>>(kReadChunk);
      auto b = std::move(free.back());
      free.pop_back();
      return b;
    }
    void done(std::shared_ptr<std::vector<char>> b, std::string error) {
      free.push_back(std::move(b));
      if (!error.empty() && failure.empty()) failure = std::move(error);
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

  std::optional<Refusal> check_sender(const config::Config& c, const std::string& category,
                                      const http::request_parser<http::buffer_body>::value_type& req) {
    if (c.senders.empty()) return std::nullopt;
    auto auth = req[http::field::authorization];
    if (auth.empty() || !auth.starts_with("Bearer "))
      return Refusal{http::status::unauthorized, "Authorization: Bearer TOKEN is required"};
    std::string digest = sha256_hex(std::string_view(auth.data() + 7, auth.size() - 7));
    for (const auto& s : c.senders) {
      if (s.token_sha256 != digest) continue;
      if (!s.categories.empty() && std::find(s.categories.begin(), s.categories.end(), category) == s.categories.end())
        return Refusal{http::status::forbidden, "sender " + s.name + " may not store into " + category};
      return std::nullopt;
    }
    return Refusal{http::status::forbidden, "unknown token"};
  }

  std::string name_key(const std::string& category, const std::string& name) const {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(ctx.store->keyed_hash(name)));
    return category + "/" + buf;
  }

  struct Prepared {
    store::Event meta;
    uint64_t limit = 0;
  };

  // Every check that needs no disk, as a plain function: the coroutine below then only
  // co_awaits named values (g++ 12 miscompiles string literals inside co_await calls).
  std::variant<Refusal, Prepared> prepare(const http::request_parser<http::buffer_body>& parser,
                                          const std::string& category, const std::string& name,
                                          const std::string& peer) {
    const auto& req = parser.get();
    auto config = ctx.config();
    const config::Category* cat = config->find_category(category);
    if (!cat || cat->kind != config::Category::Kind::object)
      return Refusal{http::status::not_found, "no object category \"" + category + "\""};
    if (auto refusal = check_sender(*config, category, req)) return *refusal;
    if (!valid_object_name(name)) return Refusal{http::status::bad_request, "name: use 1 to 200 of A-Z a-z 0-9 . _ -"};
    auto content_type = req[http::field::content_type];
    if (content_type.starts_with("multipart/") || content_type.starts_with("application/x-www-form-urlencoded"))
      return Refusal{http::status::unsupported_media_type, "send the object's bytes as the body, not a form encoding"};
    Prepared p;
    store::Event& meta = p.meta;
    meta.category = category;
    meta.received_us = core::now_us();
    auto time_text = req["X-Hokan-Time"];
    if (time_text.empty()) return Refusal{http::status::bad_request, "X-Hokan-Time: required (RFC 3339)"};
    auto start = core::parse_rfc3339(std::string_view(time_text.data(), time_text.size()));
    if (!start) return Refusal{http::status::bad_request, "X-Hokan-Time: " + start.error().message};
    meta.time_us = *start;
    // A claimed time ahead of ours cannot stretch a retention.
    if (meta.time_us > meta.received_us + config->storage.clock_skew_seconds * 1'000'000) {
      meta.claimed_time_us = meta.time_us;
      meta.time_us = meta.received_us;
    }
    if (auto end_text = req["X-Hokan-End"]; !end_text.empty()) {
      auto end = core::parse_rfc3339(std::string_view(end_text.data(), end_text.size()));
      if (!end) return Refusal{http::status::bad_request, "X-Hokan-End: " + end.error().message};
      if (*end < *start) return Refusal{http::status::bad_request, "X-Hokan-End: before X-Hokan-Time"};
      meta.fields.extra.emplace_back("end", core::format_rfc3339(*end, *config->zone));
    }
    auto camera = req["X-Hokan-Camera"], host = req["X-Hokan-Host"];
    if (!camera.empty() && !host.empty())
      return Refusal{http::status::bad_request, "X-Hokan-Camera and X-Hokan-Host: give one"};
    meta.host = std::string(camera.empty() ? host : camera);
    if (!camera.empty()) meta.fields.extra.emplace_back("camera", meta.host);
    meta.fields.case_id = std::string(req["X-Hokan-Case"]);
    if (cat->starts == config::Category::Starts::case_closed && meta.fields.case_id.empty())
      return Refusal{http::status::bad_request,
                     "X-Hokan-Case: required for " + category + " (its clock starts when the case closes)"};
    meta.app = "http";
    meta.message = name;
    meta.source = peer;
    if (!content_type.empty()) meta.fields.extra.emplace_back("content_type", std::string(content_type));
    meta.lane = ctx.policy()->lane_for(meta);
    p.limit = config->storage.max_object_bytes;
    if (auto length = parser.content_length(); length && *length > p.limit)
      return Refusal{http::status::payload_too_large,
                     "the object is larger than max_object_bytes (" + std::to_string(p.limit) + ")"};
    return p;
  }

  // Answers one PUT. True when its body was read whole and answered with success, so
  // the connection can carry another request.
  awaitable<bool> put_object(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                             http::request_parser<http::buffer_body>& parser, const std::string& category,
                             const std::string& name) {
    auto& req = parser.get();
    unsigned version = req.version();
    boost::system::error_code peer_ec;
    std::string peer = stream.socket().remote_endpoint(peer_ec).address().to_string();
    auto prepared = prepare(parser, category, name, peer);
    if (auto* refusal = std::get_if<Refusal>(&prepared)) {
      Refusal r = *refusal;
      co_await error(stream, r, version);
      co_return false;
    }
    store::Event meta = std::get<Prepared>(prepared).meta;
    uint64_t limit = std::get<Prepared>(prepared).limit;
    std::string key = name_key(category, name);
    auto taken = co_await off_io([&] { return ctx.meta->get("objname", key); });
    std::optional<Refusal> refused;
    if (!taken) refused = Refusal{http::status::internal_server_error, taken.error().message};
    else if (*taken) refused = Refusal{http::status::conflict, "an object named \"" + name + "\" exists in " + category};
    else if (uploads.fetch_add(1) >= ctx.max_concurrent_uploads) {
      uploads.fetch_sub(1);
      refused = Refusal{http::status::service_unavailable, "too many uploads at once; retry"};
    }
    if (refused) {
      Refusal r = *refused;
      co_await error(stream, r, version);
      co_return false;
    }
    struct Release {
      std::atomic<std::size_t>& n;
      ~Release() { n.fetch_sub(1); }
    } release{uploads};
    auto begun = co_await off_io([&] { return ctx.store->begin_object(meta); });
    if (!begun) {
      Refusal r{http::status::internal_server_error, begun.error().message};
      co_await error(stream, r, version);
      co_return false;
    }
    std::unique_ptr<store::ObjectUpload> upload = std::move(*begun);
    uint64_t received = 0;
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      http::response<http::empty_body> cont{http::status::continue_, version};
      co_await http::async_write(stream, cont, as_tuple_awaitable);
    }
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> sha(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    EVP_DigestInit_ex(sha.get(), EVP_sha256(), nullptr);
    // Reading the next chunk overlaps with storing the last: chunks go to the upload
    // thread in order (one thread, FIFO), at most kInFlight at a time, so memory stays
    // bounded and the socket is read while the disk works.
    auto pipeline = std::make_shared<Pipeline>(io);
    std::optional<uint64_t> direct_left;
    if (!parser.chunked()) direct_left = parser.content_length().value_or(0);
    auto body_done = [&] { return direct_left ? *direct_left == 0 : parser.is_done(); };
    std::optional<Refusal> failed;
    while (!body_done() && !failed) {
      auto chunk = pipeline->take_buffer();
      auto [ec, got] = co_await read_body(stream, buffer, parser, direct_left, *chunk);
      if (ec) {
        pipeline->stopped = true;
        co_await settle(*pipeline, 0);
        co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
        co_return false;  // the sender went away or was too slow: nothing was acknowledged
      }
      if ((received += got) > limit) {
        failed = Refusal{http::status::payload_too_large, "the object is larger than max_object_bytes"};
        break;
      }
      co_await settle(*pipeline, Pipeline::kInFlight - 1);
      ++pipeline->in_flight;
      asio::post(blocking, [this, pipeline, chunk, got, ctxp = sha.get(), up = upload.get()]() mutable {
        std::string error;
        if (!pipeline->stopped) {
          EVP_DigestUpdate(ctxp, chunk->data(), got);
          if (auto r = up->append(std::string_view(chunk->data(), got)); !r) {
            error = r.error().message;
            pipeline->stopped = true;
          }
        }
        asio::post(io, [pipeline, chunk = std::move(chunk), error = std::move(error)]() mutable {
          pipeline->done(std::move(chunk), std::move(error));
        });
      });
    }
    if (failed) pipeline->stopped = true;
    co_await settle(*pipeline, 0);
    if (!failed && !pipeline->failure.empty())
      failed = Refusal{http::status::internal_server_error, pipeline->failure};
    if (failed) {
      co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
      Refusal r = *failed;
      co_await error(stream, r, version);
      co_return false;
    }
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_size = 0;
    EVP_DigestFinal_ex(sha.get(), digest, &digest_size);
    std::string sha_hex = hex(digest, digest_size);
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
      return ctx.meta->put("objname", key, json{{"id", meta.id}}.dump());
    });
    if (!stored) {
      co_await off_io([&] { upload->abort(); upload.reset(); return 0; });
      Refusal r{http::status::internal_server_error, stored.error().message};
      co_await error(stream, r, version);
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
    beast::flat_buffer buffer;
    // Beast sizes each socket read by the buffer's free capacity: without room, a body
    // arrives 512 bytes per syscall.
    buffer.reserve(256 * 1024);
    while (true) {
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(boost::none);
      stream.expires_after(std::chrono::seconds(ctx.idle_timeout_seconds));
      auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, as_tuple_awaitable);
      if (ec) {
        if (ec == http::error::header_limit) {
          Refusal r{http::status::request_header_fields_too_large, "headers over 16 KiB"};
          co_await error(stream, r, 11);
        }
        co_return;
      }
      auto& req = parser.get();
      std::string target(req.target());
      unsigned version = req.version();
      bool keep_alive = req.keep_alive();
      std::optional<Refusal> refused;
      if (target == "/healthz" && req.method() == http::verb::get) {
        std::string body = "ok\n", type = kText;
        co_await respond<http::string_body>(stream, http::status::ok, std::move(body), type, version, keep_alive);
      } else if (target == "/metrics" && req.method() == http::verb::get) {
        std::string body = ctx.metrics ? ctx.metrics() : std::string(), type = kPrometheus;
        co_await respond<http::string_body>(stream, http::status::ok, std::move(body), type, version, keep_alive);
      } else if (target.starts_with("/v1/objects/")) {
        std::string rest = target.substr(12);
        auto slash = rest.find('/');
        if (req.method() != http::verb::put) {
          refused = Refusal{http::status::method_not_allowed, "objects are stored with PUT and read with hokanctl"};
        } else if (slash == std::string::npos || slash == 0 || slash + 1 == rest.size()) {
          refused = Refusal{http::status::bad_request, "expected /v1/objects/{category}/{name}"};
        } else {
          std::string category = rest.substr(0, slash), name = rest.substr(slash + 1);
          bool answered = co_await put_object(stream, buffer, parser, category, name);
          if (!answered) co_return;  // refused before the body's end: close rather than drain it
        }
      } else {
        refused = Refusal{http::status::not_found, "no such resource"};
      }
      if (refused) {
        Refusal r = *refused;
        co_await error(stream, r, version);
        co_return;
      }
      if (!keep_alive) co_return;
    }
  }

  awaitable<void> accept_loop() {
    while (acceptor.is_open()) {
      auto [ec, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
      if (ec) {
        if (!acceptor.is_open()) break;
        continue;
      }
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
