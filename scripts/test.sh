#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (packages), builds Conflux and runs every test.
# Usage: scripts/test.sh                    all tests (unit, integration, s3, postgres, slurm)
#        scripts/test.sh --fast             only the fast `unit` subset (about a minute)
#        scripts/test.sh --sanitize         every suite built with AddressSanitizer and
#                                           UndefinedBehaviorSanitizer (build-asan/), then the
#                                           service's and the runtime's tests under
#                                           ThreadSanitizer (build-tsan/); about 35 minutes
#        scripts/test.sh --sanitize --fast  the `unit` subset under ASan+UBSan only (CI runs it)
# Every test has a time limit (its own TIMEOUT, else ctest's --timeout below), so a hang fails
# that test by name instead of stalling the run. At the end the tests run per label are counted;
# a label that must have tests but ran none fails the script (a fixture that silently skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
fast=false sanitize=false
for arg in "$@"; do
  case "$arg" in
    --fast) fast=true;;
    --sanitize) sanitize=true;;
    *) echo "usage: scripts/test.sh [--fast] [--sanitize]" >&2; exit 2;;
  esac
done
scripts/install-deps.sh

# Configures and builds a sanitizer build in $1 with the flags $2; the rest are ninja targets.
# -g1: line tables only (reports keep file:line), far quicker to compile than full debug info.
sanitizer_build() {
  local dir=$1 flags=$2
  shift 2
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS="-O1 -g1 $flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
  cmake --build "$dir" -j"$(nproc)" -- "$@"
}

# Runs ctest in build dir $1 with the rest as ctest options, then counts the tests per label;
# every label in $required must have run some. Returns non-zero on a failure.
run_tests() {
  local dir=$1
  shift
  local log status=0
  log=$(mktemp)
  ctest --test-dir "$dir" --output-on-failure --timeout 600 -j"$(nproc)" "$@" 2>&1 | tee "$log" || status=$?
  echo "Tests per label ($dir):"
  for l in "${required[@]}"; do
    count=$(sed -n "s/^$l *= .*(\([0-9]*\) tests\{0,1\}).*/\1/p" "$log")
    echo "  $l: ${count:-0}"
    if [ -z "$count" ] || [ "$count" -eq 0 ]; then
      echo "scripts/test.sh: no test with label '$l' ran" >&2
      status=1
    fi
  done
  rm -f "$log"
  return "$status"
}

if ! $sanitize; then
  scripts/build.sh
  if $fast; then
    required=(unit)
    run_tests build -L unit
  else
    required=(unit integration s3 postgres slurm)
    run_tests build
  fi
  exit
fi

# Any report fails the test that triggered it. handle_segv=0: the tests that crash a step on
# purpose expect a real SIGSEGV, not ASan's report of it.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:handle_segv=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:handle_segv=0:suppressions=$PWD/tests/tsan.supp"
asan="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
status=0
if $fast; then
  sanitizer_build build-asan "$asan" unit_tests
  required=(unit)
  run_tests build-asan -L unit || status=1
  exit "$status"
fi
sanitizer_build build-asan "$asan"
# The install test builds a flow outside the tree without the sanitizer runtime: skipped.
required=(unit integration s3 postgres slurm)
run_tests build-asan -E "^install\\." || status=1
# ThreadSanitizer where threads share state: the service (request threads, write queues,
# batchers, connection pools) and the runtime (scheduler, parallel clones and input loading).
# (service_process_test: a real `conflux service` process stopped while clients write;
# service_flows_test: flows whose tasks talk to it from their main and heartbeat threads.)
sanitizer_build build-tsan "-fsanitize=thread" service_test sqlite_write_queue_test log_writer_test \
  service_process_test service_flows_test conflux runtime_run_test runtime_decorators_test runtime_resume_test \
  runtime_config_test
required=(unit integration postgres)
run_tests build-tsan -R "^(service_test|sqlite_write_queue_test|log_writer_test|service_process_test|service_flows_test|runtime_)" \
  || status=1
exit "$status"
