#!/usr/bin/env bash
# Installs the built Conflux into a temporary prefix, builds tests/install/project against it
# with find_package(conflux) + conflux_add_flow(), and runs the flow.
# Usage: check_install.sh <conflux build dir> <conflux source dir>
set -euo pipefail
build=$1; source=$2
work=$(mktemp -d "$build/install-check-XXXXXX")
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$source/tests/install/project" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/build" >/dev/null
out=$("$work/build/myflow" --quiet show)
grep -q "A flow built outside the Conflux tree." <<<"$out" || { echo "show printed: $out"; exit 1; }
run=$(METAFLOW_DATASTORE_SYSROOT_LOCAL="$work" "$work/build/myflow" --quiet run --n 21)
grep -q "doubled 42" <<<"$run" || { echo "run printed: $run"; exit 1; }
[ -x "$work/prefix/bin/conflux" ] || { echo "the conflux command was not installed"; exit 1; }
echo "ok: an out-of-tree flow builds against the installed Conflux and runs"
