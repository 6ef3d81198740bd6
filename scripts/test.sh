#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages), builds Conflux and runs every test.
# Usage: scripts/test.sh           all tests
#        scripts/test.sh --fast    only the fast `unit` subset (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
label=()
[ "${1:-}" = "--fast" ] && label=(-L unit)
ctest --test-dir build --output-on-failure -j"$(nproc)" "${label[@]}"
