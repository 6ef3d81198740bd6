#!/usr/bin/env bash
# Writes the compatibility fixtures of this release: a datastore and a metadata service database
# written by its flows, with what each run must read back as, into tests/data/compat/<version>/.
# tests/compat/compat_test.cpp reads every version's fixtures with the current build, so a later
# release that cannot read them fails its tests (docs/compatibility.md). Run once per release,
# from a build of that release:
#
#   scripts/release/make-compat-fixtures.sh build            # version from `conflux version`
#
# The fixtures: datastore.tar.gz (a .metaflow tree: runs with local metadata, and the artifacts of
# the runs registered in the service), service.db (SQLite, written by `conflux service`), and
# expected.json ({"local": {pathspec: dump}, "service": {pathspec: dump}}, `conflux dump --json`).
set -euo pipefail

build=$(cd "${1:?usage: make-compat-fixtures.sh BUILD_DIR}" && pwd)
repo=$(cd "$(dirname "$0")/../.." && pwd)
version=$("$build/bin/conflux" version | awk '{print $2}')
out="$repo/tests/data/compat/$version"
if [ -e "$out" ]; then
  echo "make-compat-fixtures.sh: $out exists; the fixtures of a release never change" >&2
  exit 1
fi

work=$(mktemp -d)
service_pid=""
cleanup() {
  [ -n "$service_pid" ] && kill "$service_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/ds" "$work/home" "$work/ids"
export HOME="$work/home" METAFLOW_HOME="" METAFLOW_USER=compat USER=compat
export METAFLOW_DATASTORE_SYSROOT_LOCAL="$work/ds" METAFLOW_DEFAULT_DATASTORE=local METAFLOW_DEFAULT_METADATA=local

run() {  # NAME BINARY ARGS...: runs a flow, keeps its run id as ids/NAME
  local name=$1 binary=$2
  shift 2
  "$build/$binary" run --run-id-file "$work/ids/$name" "$@" > "$work/$name.log" 2>&1 ||
    { cat "$work/$name.log" >&2; exit 1; }
}

# Local metadata.
run foreach examples/foreach --shards 3 --tag compat
run parameters examples/parameters --region eu --count 5 --config '{"depth": 4}' --files a.csv,b.csv
FAILING_FLOW_BREAK=1 "$build/tests/flows/failing_flow" run --mode env --run-id-file "$work/ids/failing" \
  > "$work/failing.log" 2>&1 && { echo "failing_flow did not fail" >&2; exit 1; }
"$build/tests/flows/failing_flow" resume --run-id-file "$work/ids/resumed" > "$work/resumed.log" 2>&1 ||
  { cat "$work/resumed.log" >&2; exit 1; }

# The metadata service (SQLite).
"$build/bin/conflux" service --port 0 --db "$work/service.db" > "$work/service.log" 2>&1 &
service_pid=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/service.log" && break
  sleep 0.1
done
port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/service.log" | grep -o '[0-9]*$')
service_env=(env METAFLOW_DEFAULT_METADATA=service METAFLOW_SERVICE_URL="http://127.0.0.1:$port")
"${service_env[@]}" "$build/examples/foreach" run --shards 2 --run-id-file "$work/ids/service_foreach" \
  > "$work/service_foreach.log" 2>&1 || { cat "$work/service_foreach.log" >&2; exit 1; }

# What every run reads back as.
dump() {  # PATHSPEC [env...]
  local path=$1
  shift
  "$@" "$build/bin/conflux" dump "$path" --json --all-namespaces
}
{
  echo '{"local": {'
  first=1
  for entry in "ShardFlow foreach start train join end" "ParameterFlow parameters start end" \
               "FailingFlow resumed start work join end"; do
    set -- $entry
    flow=$1 name=$2
    shift 2
    for step in "$@"; do
      [ $first = 1 ] || echo ','
      first=0
      echo "\"$flow/$(cat "$work/ids/$name")/$step\": $(dump "$flow/$(cat "$work/ids/$name")/$step")"
    done
  done
  echo '}, "service": {'
  first=1
  for step in start train join end; do
    [ $first = 1 ] || echo ','
    first=0
    path="ShardFlow/$(cat "$work/ids/service_foreach")/$step"
    echo "\"$path\": $(dump "$path" "${service_env[@]}")"
  done
  echo '}}'
} > "$work/expected.json"
/usr/bin/python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=1, sort_keys=True)' \
  "$work/expected.json" "$work/expected.pretty.json"

kill "$service_pid"
wait "$service_pid" || true
service_pid=""
mkdir -p "$out"
"$build/bin/conflux" service backup --db "$work/service.db" --to "$out/service.db" > /dev/null
tar -C "$work/ds" --sort=name --owner=0 --group=0 --numeric-owner -czf "$out/datastore.tar.gz" .metaflow
cp "$work/expected.pretty.json" "$out/expected.json"
echo "make-compat-fixtures.sh: wrote $out ($(du -sh "$out" | cut -f1))"
