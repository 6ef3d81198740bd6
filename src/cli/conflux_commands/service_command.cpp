// `conflux service`: run the metadata service (metaflow-service's REST API) on SQLite or
// PostgreSQL, and
// `conflux service migrate`: apply the schema migrations and exit. Flags, environment and
// signals are handled here; src/service receives plain values (docs/service.md).
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/backends.hpp"
#include "cli/conflux_commands/tool.hpp"
#include "cli/settings.hpp"
#include "service/clock.hpp"
#include "service/db/open_database.hpp"
#include "service/db/sqlite_backup.hpp"
#include "service/log_writer.hpp"
#include "service/metrics.hpp"
#include "service/server.hpp"

namespace conflux::cli::tool {

namespace {

// $XDG_DATA_HOME/conflux/service.db, else ~/.local/share/conflux/service.db.
std::string default_db_path() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/conflux/service.db";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/conflux/service.db";
}

CommandSpec service_spec() {
  CommandSpec spec;
  spec.usage = "service [migrate | backup --to FILE] [OPTIONS]";
  spec.description =
      "Run the metadata service: metaflow-service's REST API (Metaflow's Python client and flows "
      "work against it unchanged) on a SQLite database or PostgreSQL. 'conflux service migrate' applies the "
      "schema migrations and exits. 'conflux service backup --to FILE' copies a SQLite database while the "
      "service keeps running (a consistent snapshot, checked, renamed into place when complete; for "
      "PostgreSQL use pg_dump). SIGTERM or SIGINT stops the service after the requests in flight. "
      "It also serves the web UI at /ui (docs/ui.md) and its JSON API under /api (docs/service.md); with a "
      "datastore configured (METAFLOW_DATASTORE_SYSROOT_LOCAL, the S3 settings, or --datastore-root), the UI "
      "shows logs, artifacts, parameters, the DAG and cards too.";
  spec.options = {
      {"host", "ADDR", "Listen address", false, "127.0.0.1"},
      {"port", "N", "Listen port (0: any free port, printed at start)", false, "8080"},
      {"db", "PATH|URL", "SQLite file, sqlite:///path, or postgresql://user[:password]@host[:port]/db[?sslmode=...]", false,
       "$XDG_DATA_HOME/conflux/service.db or ~/.local/share/conflux/service.db"},
      {"auth-token-file", "FILE", "Require 'Authorization: Bearer <token>' with a token from FILE (one per line)", false, ""},
      {"tls-cert", "FILE", "Serve HTTPS with this PEM certificate (needs --tls-key)", false, ""},
      {"tls-key", "FILE", "The PEM private key of --tls-cert", false, ""},
      {"access-log", "FILE", "Append the JSON access log to FILE instead of stderr (written out every 100 ms)", false, ""},
      {"audit-log", "FILE", "Append one JSON line per mutating request (who, what, the answer) to FILE, written at once", false, ""},
      {"db-connections", "N", "PostgreSQL: connections in the pool at most", false, "16"},
      {"threads", "N", "Worker threads (each open keep-alive connection holds one; idle ones close after 2 s)", false, "64"},
      {"max-body-bytes", "N", "Largest accepted request body; larger ones get 413", false, "8388608"},
      {"to", "FILE", "backup: the file to write (must not exist)", false, ""},
  };
  spec.positionals = {"migrate|backup"};
  spec.max_positionals = 1;
  return spec;
}

}  // namespace

// `conflux service backup --to FILE`: an online copy of the SQLite database.
static int backup_database(ToolContext& ctx, const ParsedArgs& args) {
  if (!args.has("to")) return usage_error(ctx, Status::invalid_argument("give the backup file with --to FILE"));
  std::string db = args.get("db", default_db_path());
  if (db.starts_with("postgres")) {
    return usage_error(ctx, Status::invalid_argument(
                                "backup copies SQLite databases; back up PostgreSQL with pg_dump (docs/service.md)"));
  }
  if (db.starts_with("sqlite://")) db = db.substr(std::string_view("sqlite://").size());
  Status s = service::backup_sqlite(db, args.get("to"));
  if (!s.ok()) return fail(ctx, s);
  std::cout << "conflux service: backed up " << db << " to " << args.get("to") << "\n";
  return kExitOk;
}

int service_command(ToolContext& ctx) {
  int code = 0;
  std::optional<ParsedArgs> args = parse_command(ctx, service_spec(), &code);
  if (!args) return code;
  bool migrate_only = false;
  if (!args->positionals().empty()) {
    const std::string& sub = args->positionals()[0];
    if (sub == "backup") return backup_database(ctx, *args);
    if (sub != "migrate") {
      return usage_error(ctx, Status::invalid_argument("unknown subcommand '" + sub + "' (expected 'migrate' or 'backup')"));
    }
    migrate_only = true;
  }
  Result<int64_t> port = args->get_int("port", 8080);
  Result<int64_t> threads = args->get_int("threads", 64);
  Result<int64_t> max_body = args->get_int("max-body-bytes", 8 * 1024 * 1024);
  Result<int64_t> db_connections = args->get_int("db-connections", 16);
  for (const auto* r : {&port, &threads, &max_body, &db_connections}) {
    if (!r->ok()) return usage_error(ctx, r->status());
  }
  if (*port < 0 || *port > 65535) return usage_error(ctx, Status::invalid_argument("--port must be 0..65535"));
  if (*threads < 1 || *threads > 4096) return usage_error(ctx, Status::invalid_argument("--threads must be 1..4096"));
  if (*max_body < 1) return usage_error(ctx, Status::invalid_argument("--max-body-bytes must be positive"));
  if (*db_connections < 1 || *db_connections > 1000) {
    return usage_error(ctx, Status::invalid_argument("--db-connections must be 1..1000"));
  }

  // Block the stop signals in every thread (workers inherit the mask); one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  service::Metrics metrics;
  service::DatabaseSpec db_spec;
  db_spec.url = args->get("db", default_db_path());
  db_spec.on_operation = [&metrics](std::string_view op, double seconds) { metrics.record_db(op, seconds); };
  db_spec.pool_size = static_cast<int>(*db_connections);
  const std::string shown_db = service::redact_db_url(db_spec.url);  // never log a password
  Result<std::unique_ptr<service::Database>> db = service::open_database(db_spec);
  if (!db.ok()) return fail(ctx, db.status());
  Result<int> version = (*db)->migrate();
  if (!version.ok()) return fail(ctx, version.status().with_context("migrating " + shown_db));
  if (migrate_only) {
    std::cout << "conflux service: database " << shown_db << " is at schema version " << *version << "\n";
    return kExitOk;
  }

  std::ofstream access_file;
  std::ostream* access_out = &std::cerr;
  if (args->has("access-log")) {
    access_file.open(args->get("access-log"), std::ios::app);
    if (!access_file) return fail(ctx, Status::io_error("cannot open the access log '" + args->get("access-log") + "'"));
    access_out = &access_file;
  }
  service::ServerOptions options;
  options.host = args->get("host", "127.0.0.1");
  options.port = static_cast<int>(*port);
  options.threads = static_cast<int>(*threads);
  options.max_body_bytes = static_cast<size_t>(*max_body);
  if (args->has("tls-cert")) options.tls_cert = args->get("tls-cert");
  if (args->has("tls-key")) options.tls_key = args->get("tls-key");
  if (args->has("auth-token-file")) {
    Result<service::BearerAuth> auth = service::BearerAuth::load(args->get("auth-token-file"));
    if (!auth.ok()) return fail(ctx, auth.status());
    options.auth = std::move(*auth);
  }
  // Access lines are buffered (written out within 100 ms); events and the service's own lines go
  // out at once, after the access lines queued before them when both share stderr.
  service::LogWriter access_writer(*access_out);
  std::optional<service::LogWriter> stderr_writer;
  service::LogWriter* event_writer =
      access_out == &std::cerr ? &access_writer : &stderr_writer.emplace(std::cerr);
  options.access_log = [&access_writer](const std::string& line) { access_writer.write(line); };
  options.event_log = [event_writer](const std::string& line) { event_writer->write_now(line); };
  std::ofstream audit_file;
  std::optional<service::LogWriter> audit_writer;
  if (args->has("audit-log")) {
    audit_file.open(args->get("audit-log"), std::ios::app);
    if (!audit_file) return fail(ctx, Status::io_error("cannot open the audit log '" + args->get("audit-log") + "'"));
    service::LogWriter& writer = audit_writer.emplace(audit_file);
    options.audit_log = [&writer](const std::string& line) { writer.write_now(line); };
  }
  // The datastore the UI API reads cards from, when one is configured (as for `conflux card`).
  std::optional<Backends> datastore;
  if (ctx.config.sysroot || ctx.flags.datastore || find_setting("METAFLOW_DEFAULT_DATASTORE")) {
    Result<Backends> opened = open_backends(ctx);
    if (!opened.ok()) return fail(ctx, opened.status().with_context("opening the datastore the UI API reads"));
    datastore.emplace(std::move(*opened));
    options.datastore = datastore->storage.get();
  }
  service::SystemClock clock;
  Result<std::unique_ptr<service::Server>> server = service::Server::create(std::move(options), **db, clock, metrics);
  if (!server.ok()) return fail(ctx, server.status());
  event_writer->write_now("conflux service: listening on " + std::string(args->has("tls-cert") ? "https" : "http") +
                          "://" + args->get("host", "127.0.0.1") + ":" + std::to_string((*server)->port()) +
                          " (database " + shown_db + ", schema version " + std::to_string(*version) +
                          (datastore ? ", datastore " + (datastore->ds_root.empty() ? datastore->root.string() : datastore->ds_root)
                                     : std::string()) +
                          ")");

  service::Server* srv = server->get();
  std::thread waiter([&stop_signals, srv, event_writer] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    event_writer->write_now("conflux service: signal " + std::to_string(sig) + ", finishing the requests in flight");
    srv->stop();
  });
  Status s = srv->serve();
  // serve() also returns if listening failed; wake the waiter so it can be joined.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  event_writer->write_now("conflux service: stopped");
  if (!s.ok()) return fail(ctx, s);
  return kExitOk;
}

}  // namespace conflux::cli::tool
