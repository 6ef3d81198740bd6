#!/usr/bin/env bash
# Conflux side by side with Metaflow, measured in the same run on the same datastore settings (the
# caller's environment: local unless bench/s3/run exported the S3 ones): FanoutBench and
# BigArtifactBench, the Conflux flows (bench/*.cpp) and their Metaflow twins (bench/metaflow/*.py).
# Prints each figure and the ratio. Metaflow takes about 0.3 s per foreach task (twice, for the
# better of two runs): n=100 takes about a minute.
# Usage: bench/metaflow/compare.sh METAFLOW_SRC BUILD_DIR N MIB
#   METAFLOW_SRC  a checkout of github.com/Netflix/metaflow; it is pure Python and runs on Debian's
#                 python3-boto3, python3-requests and python3-numpy (scripts/install-deps.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "${1:?usage: compare.sh METAFLOW_SRC BUILD_DIR N MIB}" && pwd)
build=$(cd "${2:?}" && pwd)
n=${3:?}
mib=${4:?}
[ -f "$src/metaflow/__init__.py" ] || { echo "compare.sh: $src is not a Metaflow checkout" >&2; exit 2; }
version=$(cd "$src" && PYTHONPATH=$src /usr/bin/python3 -c 'import metaflow; print(metaflow.__version__)' 2>/dev/null || echo unknown)
work=$(mktemp -d "$build/metaflow-compare-XXXXXX")
trap 'rm -rf "$work"' EXIT
export USERNAME=${USERNAME:-bench} PYTHONPATH=$src
s3_root=${METAFLOW_DATASTORE_SYSROOT_S3:-}

# The machines are shared and noisy: each figure is the better of two runs, for both tools.
seconds() {  # TOOL CMD...: wall seconds of the command, each tool in its own datastore root
  local tool=$1 start; shift
  mkdir -p "$work/$tool"
  export METAFLOW_DATASTORE_SYSROOT_LOCAL=$work/$tool
  [ -n "$s3_root" ] && export METAFLOW_DATASTORE_SYSROOT_S3=$s3_root/$tool
  local best=
  for _ in 1 2; do
    start=$(date +%s.%N)
    (cd "$work/$tool" && "$@") >"$work/out" 2>&1 || { tail -20 "$work/out" >&2; exit 1; }
    best=$(awk -v a="$start" -v b="$(date +%s.%N)" -v best="$best" \
               'BEGIN { t = b - a; if (best != "" && best < t) t = best; printf "%.2f", t }')
  done
  echo "$best"
}
per_task() { awk -v w="$1" -v n="$n" 'BEGIN { printf "%.1f", 1000 * w / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b / a }'; }

ours=$(seconds conflux "$build/bench/fanout_bench" run --n "$n" --max-workers 16 --max-num-splits "$n")
theirs=$(seconds metaflow /usr/bin/python3 "$here/fanout_bench.py" --no-pylint run --n "$n" --max-workers 16 --max-num-splits "$n")
echo "vs Metaflow $version  FanoutBench n=$n: Conflux $(per_task "$ours") ms per foreach task," \
     "Metaflow $(per_task "$theirs") ms: $(ratio "$ours" "$theirs")x less wall time"

ours=$(seconds conflux "$build/bench/big_artifact_bench" run --mib "$mib")
theirs=$(seconds metaflow /usr/bin/python3 "$here/big_artifact_bench.py" --no-pylint run --mib "$mib")
echo "vs Metaflow $version  BigArtifactBench mib=$mib: Conflux ${ours}s, Metaflow ${theirs}s: $(ratio "$ours" "$theirs")x faster"
