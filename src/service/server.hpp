// Server: the HTTP(S) front of `conflux service`. It owns the listening socket and a pool of
// worker threads (cpp-httplib), enforces the body size limit (413) and the optional bearer
// token (401; /ping stays open), routes to the API handlers, writes one JSON access-log line
// per request, counts requests for /metrics, and on stop() stops accepting and lets the
// requests in flight finish before returning.
//
// Thread safety: start()/stop() from one controlling thread; requests are served concurrently.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "conflux/status.hpp"
#include "datastore/storage_backend.hpp"
#include "service/api/api.hpp"
#include "service/auth.hpp"
#include "service/clock.hpp"
#include "service/db/database.hpp"
#include "service/metrics.hpp"

namespace conflux::service {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (see Server::port())
  int threads = 64;  // workers; each keep-alive connection holds one while it is open
  // An idle keep-alive connection is closed after this long, freeing its worker: clients such as
  // Conflux tasks keep connections for their bursts of calls, not between them.
  int keep_alive_seconds = 2;
  size_t max_body_bytes = 8 * 1024 * 1024;
  std::optional<std::filesystem::path> tls_cert, tls_key;  // both or neither
  std::optional<BearerAuth> auth;
  // Receives each access-log line and each audit/event line (without newline). May be empty.
  std::function<void(const std::string& line)> access_log;
  std::function<void(const std::string& line)> event_log;
  // Receives one JSON line per mutating request (POST, PUT, PATCH, DELETE; heartbeats excepted,
  // they only refresh liveness), refused ones included: who (the token's principal, or
  // "anonymous" without auth), what, from where, and the answer. Empty: no audit log.
  std::function<void(const std::string& line)> audit_log;
  // The datastore the UI API reads cards from (must outlive the server); null: none.
  StorageBackend* datastore = nullptr;
  // How often running runs and tasks whose heartbeat stopped are marked failed (0: never), and
  // how old a heartbeat must be for that (metaflow-service's RUN_INACTIVE_CUTOFF_TIME).
  int sweep_seconds = 10;
  int inactive_cutoff_seconds = 360;
};

class Server {
 public:
  // Binds the socket (so port() is known). Does not serve yet.
  static Result<std::unique_ptr<Server>> create(ServerOptions options, Database& db, const Clock& clock,
                                                Metrics& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  int port() const;
  // What the handlers see: for code that writes to the database beside the server (`conflux
  // ui`'s mirror of local metadata) and announces its changes to the UI's event streams.
  ApiContext& api_context();
  // Serves until stop(); blocks.
  Status serve();
  // Serves on a background thread (tests).
  void start();
  // Stops accepting, finishes the requests in flight, and returns when the workers are done
  // (joins the background thread if start() was used). Safe to call from another thread.
  void stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace conflux::service
