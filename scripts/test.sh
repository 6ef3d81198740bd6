#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages), builds Conflux and runs every test.
# Usage: scripts/test.sh           all tests (unit, integration, s3, postgres, slurm)
#        scripts/test.sh --fast    only the fast `unit` subset (about a minute)
# Every test has a time limit (its own TIMEOUT, else ctest's --timeout below), so a hang fails
# that test by name instead of stalling the run. At the end the tests run per label are counted;
# a label that must have tests but ran none fails the script (a fixture that silently skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
label=()
required=(unit integration s3 postgres slurm)
if [ "${1:-}" = "--fast" ]; then
  label=(-L unit)
  required=(unit)
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --test-dir build --output-on-failure --timeout 600 -j"$(nproc)" "${label[@]}" 2>&1 | tee "$log" || status=$?
echo "Tests per label:"
for l in "${required[@]}"; do
  count=$(sed -n "s/^$l *= .*(\([0-9]*\) tests\{0,1\}).*/\1/p" "$log")
  echo "  $l: ${count:-0}"
  if [ -z "$count" ] || [ "$count" -eq 0 ]; then
    echo "scripts/test.sh: no test with label '$l' ran" >&2
    status=1
  fi
done
exit "$status"
