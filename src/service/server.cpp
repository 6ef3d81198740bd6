#include "service/server.hpp"

#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <regex>

#include <nlohmann/json.hpp>

#include "service/api/common.hpp"
#include "service/json_writer.hpp"
#include "service/router.hpp"
#include "service/ui_api/event_bus.hpp"
#include "service/ui_api/ui_api.hpp"
#include "ui/ui_assets.hpp"

namespace conflux::service {

namespace {

constexpr int kListenBacklog = 1024;

// Per-worker scratch: when the current request started and which route it took (for the
// access log and metrics, written after httplib has sent the response).
struct RequestInfo {
  std::chrono::steady_clock::time_point start;
  const char* route = "unmatched";
  bool started = false;
};
thread_local RequestInfo t_request;

// UTC now as 2026-01-31T12:34:56.789Z. From <chrono>'s calendar, not gmtime_r: glibc's
// gmtime_r takes a process-wide lock, and every request thread formats a time.
std::string iso_time_now() {
  using namespace std::chrono;
  auto now = time_point_cast<milliseconds>(system_clock::now());
  auto day = floor<days>(now);
  year_month_day ymd(day);
  hh_mm_ss<milliseconds> t(now - day);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()), static_cast<int>(t.hours().count()),
                static_cast<int>(t.minutes().count()), static_cast<int>(t.seconds().count()),
                static_cast<int>(t.subseconds().count()));
  return buf;
}

void apply(ApiResponse&& api, httplib::Response& res) {
  res.status = api.status;
  if (api.version_header) res.set_header("METADATA_SERVICE_VERSION", std::string(kServiceVersion));
  for (const auto& [k, v] : api.headers) res.set_header(k, v);
  // Not set_content(), which copies: list answers run to hundreds of kilobytes.
  res.body = std::move(api.body);
  res.set_header("Content-Type", api.content_type);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Database& db;
  const Clock& clock;
  Metrics& metrics;
  ApiContext ctx;
  std::unique_ptr<httplib::Server> http;
  int port = 0;
  int listen_fd = -1;  // the listening socket, seen in the socket-options hook
  std::thread background;
  EventBus events;
  // The heartbeat sweep (ServerOptions::sweep_seconds).
  std::thread sweeper;
  std::mutex sweeper_mu;
  std::condition_variable sweeper_cv;
  bool stopping = false;  // GUARDED_BY(sweeper_mu)

  Impl(ServerOptions o, Database& d, const Clock& c, Metrics& m)
      : options(std::move(o)),
        db(d),
        clock(c),
        metrics(m),
        ctx{d, c, options.event_log},
        events(static_cast<size_t>(std::max(1, options.threads / 4))) {
    ctx.datastore = options.datastore;
    ctx.events = &events;
    ctx.run_inactive_cutoff_seconds = options.inactive_cutoff_seconds;
  }

  void start_sweeper() {
    if (options.sweep_seconds <= 0) return;
    sweeper = std::thread([this] {
      std::unique_lock lock(sweeper_mu);
      while (!sweeper_cv.wait_for(lock, std::chrono::seconds(options.sweep_seconds), [&] { return stopping; })) {
        lock.unlock();
        Result<ExpiredRows> expired = db.expire_stale(clock.now_seconds(), options.inactive_cutoff_seconds);
        if (expired.ok()) {
          publish_expired(ctx, *expired);
        } else if (options.event_log) {
          options.event_log("{\"event\": \"heartbeat_sweep_failed\", \"detail\": " +
                            nlohmann::json(expired.status().to_string()).dump() + "}");
        }
        lock.lock();
      }
    });
  }

  void stop_background() {
    {
      std::lock_guard lock(sweeper_mu);
      stopping = true;
    }
    sweeper_cv.notify_all();
    if (sweeper.joinable()) sweeper.join();
    events.close();  // ends the open event streams, which would hold their workers
  }

  // GET /api/events?resource=...: Server-Sent Events of one resource (EventBus).
  void serve_events(const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/api/events";
    static const std::regex kResource(R"re(/runs|/flows/[^/]+/runs(/[^/]+(/tasks)?)?)re");
    const std::string resource = req.get_param_value("resource");
    if (!std::regex_match(resource, kResource)) {
      apply(ui_error(400, "bad-resource",
                     "resource '" + resource + "' is not one of /runs, /flows/F/runs, /flows/F/runs/R, "
                     "/flows/F/runs/R/tasks"),
            res);
      return;
    }
    std::shared_ptr<EventBus::Subscription> sub = events.subscribe(resource);
    if (!sub) {
      apply(ui_error(503, "too-many-streams", "too many open event streams; poll instead"), res);
      return;
    }
    res.set_header("Cache-Control", "no-store");
    res.set_header("X-Accel-Buffering", "no");  // proxies must not hold the stream back
    auto first = std::make_shared<bool>(true);
    auto last_write = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
    res.set_chunked_content_provider(
        "text/event-stream",
        [sub, first, last_write](size_t, httplib::DataSink& sink) {
          if (*first) {
            *first = false;
            const std::string hello = "retry: 2000\n: connected\n\n";
            return sink.write(hello.data(), hello.size());
          }
          // Wake every second: a client that went away frees its worker within about a second.
          std::optional<std::string> message = sub->next(std::chrono::seconds(1));
          if (!message && sub->closed()) {
            sink.done();
            return true;
          }
          if (!sink.is_writable()) return false;
          const auto now = std::chrono::steady_clock::now();
          if (!message && now - *last_write < std::chrono::seconds(15)) return true;
          *last_write = now;
          const std::string chunk = message ? "data: " + *message + "\n\n" : ": keep-alive\n\n";
          return sink.write(chunk.data(), chunk.size());
        },
        [this, sub](bool) { events.unsubscribe(sub); });
  }

  // A service listening on a loopback address serves its pages and their API only to pages of
  // that address: another site's page that resolves its own name to 127.0.0.1 (DNS rebinding)
  // must not read the runs through the user's browser.
  bool host_allowed(const httplib::Request& req) const {
    const std::string& bound = options.host;
    if (bound != "127.0.0.1" && bound != "::1" && bound != "localhost") return true;
    std::string host = req.get_header_value("Host");
    if (host.empty()) return true;  // HTTP/1.0 clients and tools; a browser always sends it
    if (host.starts_with("[")) {
      host = host.substr(0, host.find(']') + 1);
    } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
      host.resize(colon);
    }
    return host == "127.0.0.1" || host == "localhost" || host == "[::1]";
  }

  // GET /ui and /ui/...: the web UI's files, embedded in the binary (src/ui).
  void serve_ui(const httplib::Request& req, httplib::Response& res) {
    t_request.route = "/ui";
    std::optional<ui::UiAsset> asset = ui::ui_asset(req.path);
    if (!asset) {
      apply(api::problem(404, "no file " + req.path + " in the web UI"), res);
      return;
    }
    res.status = 200;
    res.body.assign(asset->body);
    res.set_header("Content-Type", std::string(asset->content_type));
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Cache-Control", asset->immutable ? "public, max-age=300" : "no-cache");
    // The UI runs only its own script and style, and frames only the cards the API serves.
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                   "frame-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    t_request.start = std::chrono::steady_clock::now();
    t_request.started = true;
    RouteMatch route = match_route(req.method, req.path);
    t_request.route = route.label;
    std::optional<std::string> principal = "anonymous";
    if (options.auth && req.path != "/ping") principal = options.auth->principal(req.get_header_value("Authorization"));
    if (!principal) {
      apply(api::problem(401, "a valid 'Authorization: Bearer <token>' header is required"), res);
      res.set_header("WWW-Authenticate", "Bearer");
      audit(req, res, route, "unauthenticated");
      return;
    }
    handle_authenticated(req, res, route);
    audit(req, res, route, *principal);
  }

  void handle_authenticated(const httplib::Request& req, httplib::Response& res, RouteMatch& route) {
    if ((req.path == "/ui" || req.path.starts_with("/ui/") || req.path.starts_with("/api/")) && !host_allowed(req)) {
      apply(api::problem(403, "the Host header '" + req.get_header_value("Host") +
                                  "' is not this service's address (a service on a loopback address answers "
                                  "only to 127.0.0.1, ::1 and localhost)"),
            res);
      return;
    }
    if (req.method == "GET" && req.path == "/api/events") return serve_events(req, res);
    if (req.method == "GET" && (req.path == "/ui" || req.path.starts_with("/ui/"))) return serve_ui(req, res);
    if (req.method == "GET" && req.path == "/") {
      res.status = 302;
      res.set_header("Location", "/ui/");
      return;
    }
    if (req.method == "GET" && req.path == "/metrics") {
      t_request.route = "/metrics";
      res.status = 200;
      res.set_content(metrics.render(), "text/plain; version=0.0.4");
      return;
    }
    if (route.handler == nullptr) {
      apply(api::problem(route.path_known ? 405 : 404,
                         route.path_known ? "method " + req.method + " is not allowed on " + req.path
                                          : "no route for " + req.path),
            res);
      return;
    }
    ApiRequest api_req;
    api_req.method = req.method;
    api_req.path = req.path;
    api_req.params = std::move(route.params);
    for (const auto& [k, v] : req.params) api_req.query.emplace_back(k, v);
    api_req.body = req.body;
    apply(route.handler(ctx, api_req), res);
  }

  // One audit line per mutating request (see ServerOptions::audit_log).
  void audit(const httplib::Request& req, const httplib::Response& res, const RouteMatch& route,
             const std::string& principal) {
    if (req.method != "POST" && req.method != "PUT" && req.method != "PATCH" && req.method != "DELETE") return;
    if (req.path.ends_with("/heartbeat")) return;
    const auto& sink = options.audit_log;
    if (!sink) return;
    std::string line;
    JsonWriter w(line);
    w.begin_object();
    w.key("audit");
    w.string(req.method + " " + (route.label != nullptr ? std::string(route.label) : req.path));
    w.key("time");
    w.string(iso_time_now());
    w.key("principal");
    w.string(principal);
    w.key("path");
    w.string(req.path);
    w.key("status");
    w.number(res.status);
    w.key("remote");
    w.string(req.remote_addr);
    // The user the client says it acts for (metaflow's user_name): claimed, not authenticated.
    nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_object() && body.contains("user_name") && body["user_name"].is_string()) {
      w.key("user_name");
      w.string(body["user_name"].get<std::string>());
    }
    w.end_object();
    sink(line);
  }

  void log(const httplib::Request& req, const httplib::Response& res) {
    double seconds = 0;
    if (t_request.started) {
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request.start).count();
    }
    const char* route = t_request.started ? t_request.route : "unmatched";
    t_request.started = false;
    metrics.record_request(route, req.method, res.status, seconds);
    if (!options.access_log) return;
    std::string line;
    JsonWriter w(line);
    w.begin_object();
    w.key("time");
    w.string(iso_time_now());
    w.key("method");
    w.string(req.method);
    w.key("path");
    w.string(req.path);
    w.key("status");
    w.number(res.status);
    w.key("duration_ms");
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
    w.raw(ms);
    w.key("bytes");
    w.number(static_cast<int64_t>(res.body.size()));
    w.key("remote");
    w.string(req.remote_addr);
    // The client's port tells one connection from another (keep-alive reuse, reconnects).
    w.key("remote_port");
    w.number(static_cast<int64_t>(req.remote_port));
    w.end_object();
    options.access_log(line);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { stop(); }

Result<std::unique_ptr<Server>> Server::create(ServerOptions options, Database& db, const Clock& clock,
                                               Metrics& metrics) {
  auto impl = std::make_unique<Impl>(std::move(options), db, clock, metrics);
  const ServerOptions& o = impl->options;
  if (o.tls_cert.has_value() != o.tls_key.has_value()) {
    return Status::invalid_argument("TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
  }
  if (o.tls_cert) {
    for (const auto& f : {*o.tls_cert, *o.tls_key}) {
      if (!std::filesystem::is_regular_file(f)) return Status::io_error("TLS file '" + f.string() + "' does not exist");
    }
    auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert->c_str(), o.tls_key->c_str());
    if (!ssl->is_valid()) {
      return Status::invalid_argument("cannot load the TLS certificate '" + o.tls_cert->string() + "' and key '" +
                                      o.tls_key->string() + "'");
    }
    impl->http = std::move(ssl);
  } else {
    impl->http = std::make_unique<httplib::Server>();
  }
  httplib::Server& http = *impl->http;
  Impl* self = impl.get();
  int threads = std::max(1, o.threads);
  http.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  // Small JSON answers must leave at once: without TCP_NODELAY, Nagle's algorithm and delayed
  // ACKs add ~40 ms to every keep-alive request.
  http.set_tcp_nodelay(true);
  http.set_keep_alive_max_count(100000);
  http.set_keep_alive_timeout(std::max(1, o.keep_alive_seconds));
  http.set_payload_max_length(o.max_body_bytes);
  auto handler = [self](const httplib::Request& req, httplib::Response& res) { self->handle(req, res); };
  http.Get(".*", handler);
  http.Post(".*", handler);
  http.Patch(".*", handler);
  http.Delete(".*", handler);
  http.Put(".*", handler);
  http.Options(".*", handler);
  const size_t max_body = o.max_body_bytes;
  http.set_error_handler(httplib::Server::HandlerWithResponse([max_body](const httplib::Request&, httplib::Response& res) {
    // Statuses httplib decides itself (413, 400 on a malformed request line) get a JSON body.
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    std::string detail = res.status == 413 ? "the request body is larger than " + std::to_string(max_body) + " bytes"
                                           : "the request could not be handled";
    apply(api::problem(res.status, detail), res);
    return httplib::Server::HandlerResponse::Handled;
  }));
  http.set_logger([self](const httplib::Request& req, const httplib::Response& res) { self->log(req, res); });
  // httplib's default options set SO_REUSEPORT, which would let a second service bind the same
  // port and silently take half the connections; only SO_REUSEADDR (a quick restart while old
  // connections sit in TIME_WAIT).
  http.set_socket_options([self](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    self->listen_fd = sock;
  });
  int port = o.port == 0 ? http.bind_to_any_port(o.host) : (http.bind_to_port(o.host, o.port) ? o.port : -1);
  if (port < 0) {
    return Status::unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                               " (address in use, or not a local address)");
  }
  // httplib listens with a backlog of 5: a burst of new connections (a foreach's tasks starting
  // together, each opening its own) would overflow it and wait a whole SYN retry (1 s) each.
  // listen() again on the bound socket only raises the backlog.
  if (self->listen_fd >= 0 && ::listen(self->listen_fd, kListenBacklog) != 0) {
    return Status::io_error("cannot set the listen backlog on " + o.host + ":" + std::to_string(port));
  }
  impl->port = port;
  impl->start_sweeper();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

int Server::port() const { return impl_->port; }

ApiContext& Server::api_context() { return impl_->ctx; }

Status Server::serve() {
  if (!impl_->http->listen_after_bind()) {
    if (impl_->http->is_running()) return Status::internal("the server stopped unexpectedly");
  }
  return Status();
}

void Server::start() {
  impl_->background = std::thread([this] { (void)serve(); });
  while (!impl_->http->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Server::stop() {
  if (!impl_) return;
  impl_->stop_background();
  impl_->http->stop();
  if (impl_->background.joinable()) impl_->background.join();
}

}  // namespace conflux::service
