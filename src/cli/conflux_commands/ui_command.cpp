// `conflux ui`: the web UI of `conflux service` for one user, straight from a datastore and its
// local metadata: no service or database to set up. The runs are copied into a private SQLite
// database in a temporary directory (removed at exit) and kept current every 2 s
// (service/mirror); the pages, the UI API and the live updates are the service's.
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "service/clock.hpp"
#include "service/db/open_database.hpp"
#include "service/metrics.hpp"
#include "service/mirror/local_metadata_mirror.hpp"
#include "service/server.hpp"

namespace conflux::cli::tool {

namespace {

constexpr auto kSyncInterval = std::chrono::seconds(2);

CommandSpec ui_spec() {
  CommandSpec spec;
  spec.usage = "ui [OPTIONS]";
  spec.description =
      "Serve the web UI for the runs of this datastore and its local metadata (the pages of "
      "`conflux service`, docs/ui.md), and print the address to open. New runs and tasks show up "
      "as they are recorded. For runs recorded in a metadata service, open that service's /ui "
      "instead. Ctrl-C stops it.";
  spec.options = {
      {"host", "ADDR", "Listen address", false, "127.0.0.1"},
      {"port", "N", "Listen port (0: any free port)", false, "8324"},
  };
  return spec;
}

// A directory of our own for the database, removed when this goes out of scope.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

int ui_command(ToolContext& ctx) {
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, ui_spec(), &code);
  if (!args) return code;
  Result<int64_t> port = args->get_int("port", 8324);
  if (!port.ok()) return usage_error(ctx, port.status());
  if (*port < 0 || *port > 65535) return usage_error(ctx, Status::invalid_argument("--port must be 0..65535"));
  // Block the stop signals before any thread starts (the database's among them): every thread
  // inherits the mask, and one waits for the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Result<Backends> backends = open_backends(ctx);
  if (!backends.ok()) return fail(ctx, backends.status());

  TempDir dir;
  std::string pattern = (std::filesystem::temp_directory_path() / "conflux-ui-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return fail(ctx, Status::io_error("cannot create a directory in " + pattern));
  dir.path = pattern;
  service::DatabaseSpec spec;
  spec.url = (dir.path / "ui.db").string();
  Result<std::unique_ptr<service::Database>> db = service::open_database(spec);
  if (!db.ok()) return fail(ctx, db.status());
  Result<int> version = (*db)->migrate();
  if (!version.ok()) return fail(ctx, version.status());

  service::ServerOptions options;
  options.host = args->get("host", "127.0.0.1");
  options.port = static_cast<int>(*port);
  options.threads = 16;
  options.datastore = backends->storage.get();
  // Local metadata has no heartbeats: a run is running until it reaches its end or the runtime
  // records that it stopped.
  options.sweep_seconds = 0;
  service::SystemClock clock;
  service::Metrics metrics;
  Result<std::unique_ptr<service::Server>> server = service::Server::create(std::move(options), **db, clock, metrics);
  if (!server.ok()) return fail(ctx, server.status());
  service::Server* srv = server->get();

  service::LocalMetadataMirror mirror(*backends->local, **db, &srv->api_context());
  Result<service::MirrorCounts> first = mirror.sync();
  if (!first.ok()) return fail(ctx, first.status().with_context("reading the local metadata"));
  const std::string where = backends->ds_root.empty() ? backends->root.string() : backends->ds_root;
  std::cout << "conflux ui: " << first->runs << " runs of " << where << "\n"
            << "conflux ui: open http://" << args->get("host", "127.0.0.1") << ":" << srv->port() << "/ui/"
            << std::endl;

  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;
  std::thread syncer([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, kSyncInterval, [&] { return stopping; })) {
      lock.unlock();
      Result<service::MirrorCounts> synced = mirror.sync();
      if (!synced.ok()) std::cerr << "conflux ui: " << synced.status().to_string() << "\n";
      lock.lock();
    }
  });
  std::thread waiter([&stop_signals, srv] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    srv->stop();
  });
  Status served = srv->serve();
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  {
    std::lock_guard lock(mu);
    stopping = true;
  }
  cv.notify_all();
  syncer.join();
  if (!served.ok()) return fail(ctx, served);
  return kExitOk;
}

}  // namespace conflux::cli::tool
