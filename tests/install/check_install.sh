#!/usr/bin/env bash
# Installs the built Conflux into a temporary prefix, builds tests/install/project against it
# with find_package(conflux) + conflux_add_flow(), runs the flow, then runs it through the
# installed `conflux service` and reads it back with a program that uses the client API.
# Usage: check_install.sh <conflux build dir> <conflux source dir>
set -euo pipefail
build=$1; source=$2
work=$(mktemp -d "$build/install-check-XXXXXX")
service_pid=
trap '[ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null; rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/tests/install/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
out=$("$work/build/myflow" --quiet show)
grep -q "A flow built outside the Conflux tree." <<<"$out" || { echo "show printed: $out"; exit 1; }
run=$(METAFLOW_DATASTORE_SYSROOT_LOCAL="$work" "$work/build/myflow" --quiet run --n 21)
grep -q "doubled 42" <<<"$run" || { echo "run printed: $run"; exit 1; }
[ -x "$work/prefix/bin/conflux" ] || { echo "the conflux command was not installed"; exit 1; }

# The installed service on loopback, a run registered through it, read back by myclient.
"$work/prefix/bin/conflux" service --port 0 --db "$work/service.db" >"$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$work/service.log" && break; sleep 0.1; done
url=$(grep -o "http://127.0.0.1:[0-9]*" "$work/service.log") || { cat "$work/service.log"; exit 1; }
METAFLOW_DATASTORE_SYSROOT_LOCAL="$work" METAFLOW_DEFAULT_METADATA=service METAFLOW_SERVICE_URL="$url" \
  "$work/build/myflow" --quiet run --n 5 >/dev/null
read_back=$("$work/build/myclient" "$work/.metaflow" "$url")
grep -q "doubled 10" <<<"$read_back" || { echo "myclient printed: $read_back"; exit 1; }
echo "ok: an out-of-tree flow and client program build against the installed Conflux and run"
