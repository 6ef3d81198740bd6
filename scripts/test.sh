#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages), builds Conflux and runs every test.
# Usage: scripts/test.sh             all tests (unit, integration, s3, postgres, slurm)
#        scripts/test.sh --fast      only the fast `unit` subset (about a minute)
#        scripts/test.sh --sanitize  every suite built with AddressSanitizer and
#                                    UndefinedBehaviorSanitizer, in build-asan/ (a 10-minute build
#                                    on 2 cores; not part of CI yet)
# Every test has a time limit (its own TIMEOUT, else ctest's --timeout below), so a hang fails
# that test by name instead of stalling the run. At the end the tests run per label are counted;
# a label that must have tests but ran none fails the script (a fixture that silently skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build=build
label=()
required=(unit integration s3 postgres slurm)
case "${1:-}" in
  --fast)
    scripts/build.sh
    label=(-L unit)
    required=(unit);;
  --sanitize)
    # Any report fails the test that triggered it. handle_segv=0: the tests that crash a step on
    # purpose expect a real SIGSEGV, not ASan's report of it.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:handle_segv=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    build=build-asan
    flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -g $flags" \
      -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
    cmake --build "$build" -j"$(nproc)"
    # The install test builds a flow outside the tree without the sanitizer runtime: skipped.
    label=(-E "^install\\.")
    required=(unit integration s3 postgres slurm);;
  "")
    scripts/build.sh;;
  *)
    echo "usage: scripts/test.sh [--fast | --sanitize]" >&2
    exit 2;;
esac
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
ctest --test-dir "$build" --output-on-failure --timeout 600 -j"$(nproc)" "${label[@]}" 2>&1 | tee "$log" || status=$?
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
