#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine, builds Conflux and runs the demo flow (examples/foreach):
# it shows the flow, runs it, and dumps the result.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
flow=build/examples/foreach
export METAFLOW_DATASTORE_SYSROOT_LOCAL=${METAFLOW_DATASTORE_SYSROOT_LOCAL:-$PWD/build/demo-datastore}
$flow show
$flow run --shards 8
