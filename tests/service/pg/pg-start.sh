#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster for the service tests: initdb into DIR/data (unless it is
# there), then a server on 127.0.0.1 and a free port, trust auth, durability off (fsync,
# synchronous_commit, full_page_writes: test data only). Writes DIR/url, the URL of its
# `postgres` database (tests create a fresh database per test from it). Idempotent: a running
# cluster is kept. As root, initdb and the server run as the `postgres` OS user (they refuse
# root). DIR belongs under the build tree: creating files in /tmp is slow on some machines.
# --durable keeps PostgreSQL's default durability (fsync, synchronous commits): the benchmark
# (bench/service/run) measures what a production cluster does.
#   tests/service/pg/pg-start.sh DIR [--durable]
set -euo pipefail
dir=${1:?usage: pg-start.sh DIR [--durable]}
durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
case "${2:-}" in
  "") ;;
  --durable) durability="" ;;
  *) echo "pg-start.sh: unknown option '$2' (expected --durable)" >&2; exit 2 ;;
esac
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ]; then
  echo "pg-start.sh: no PostgreSQL server in /usr/lib/postgresql/*/bin (scripts/install-deps.sh installs it)" >&2
  exit 1
fi
as_pg=()
if [ "$(id -u)" = 0 ]; then
  as_pg=(runuser -u postgres --)
  chown postgres: "$dir"
fi

if [ -f "$dir/url" ] && "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 \
   && "$pgbin/pg_isready" -q -d "$(cat "$dir/url")"; then
  exit 0
fi
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
rm -f "$dir/url"

if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as_pg[@]}" "$pgbin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/initdb.log" 2>&1 || { echo "pg-start.sh: initdb failed:" >&2; cat "$dir/initdb.log" >&2; exit 1; }
fi

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
for attempt in 1 2 3; do
  port=$(free_port)
  if "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
       -o "-h 127.0.0.1 -p $port -k $dir $durability -c max_connections=300" \
       >/dev/null 2>&1; then
    echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url"
    echo "pg-start.sh: PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $dir/data)"
    exit 0
  fi
  echo "pg-start.sh: start on port $port failed (attempt $attempt)" >&2
done
echo "pg-start.sh: PostgreSQL did not start; server log:" >&2
tail -30 "$dir/server.log" >&2
exit 1
