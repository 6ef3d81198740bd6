#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Conflux and runs the demo flow (examples/foreach):
# it shows the flow and its steps, runs it, then shows the result: the run's summary and the
# best score the join kept.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
flow=build/examples/foreach
export METAFLOW_DATASTORE_SYSROOT_LOCAL=${METAFLOW_DATASTORE_SYSROOT_LOCAL:-$PWD/build/demo-datastore}
run_id_file=$(mktemp)
trap 'rm -f "$run_id_file"' EXIT
$flow show
$flow run --shards 8 --run-id-file "$run_id_file"
run=$(cat "$run_id_file")
echo
echo "== The run, as the conflux command shows it"
build/bin/conflux show "ShardFlow/$run"
echo
echo "== The artifacts of its join step"
$flow --quiet dump "$run/join"
