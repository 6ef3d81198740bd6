#!/usr/bin/env bash
# Measures the floor a Slurm cluster itself puts under any runtime that uses it: how long a bare job
# array of `true` takes from submission to the end, and what one `sbatch` costs. Conflux's Slurm
# figures are only meaningful next to these.
#   . DIR/env.sh              # a started cluster: tests/slurm/slurm_cluster.sh start DIR PORT
#   bench/slurm/floor.sh [N]  # N array elements, default 200
# The cluster should be idle: other jobs would share its CPUs and skew the figures.
set -euo pipefail
n=${1:-200}
[[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/slurm/floor.sh [N]   (N >= 1, default 200)" >&2; exit 2; }
if [ -z "${SLURM_CONF:-}" ]; then
  echo "floor.sh: SLURM_CONF is not set; start a cluster and source its env.sh:" >&2
  echo "  tests/slurm/slurm_cluster.sh start DIR PORT && . DIR/env.sh" >&2
  exit 2
fi
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# active JOBID...: how many of these jobs are pending, running or completing.
active() { squeue -h -t pending,running,completing,configuring,suspended -j "$(IFS=,; echo "$*")" 2>/dev/null | wc -l; }

busy=$(squeue -h -t pending,running,completing,configuring,suspended | wc -l)
[ "$busy" -eq 0 ] || echo "floor.sh: warning: the cluster has $busy other active jobs; figures will be high" >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/slurm-floor-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"   # the jobs write their default slurm-*.out files here

echo "Slurm floor  $(date -Iseconds)  host $(hostname -s)  nproc $(nproc)  $(sinfo -V)" \
  " node CPUs $(sinfo -h -N -o %c | head -1)"

# 1. One array of N `true`. `sbatch --wait` checks the job after 2, 8, 32... s, so it returns
#    later than the array ends; the end is also taken by polling squeue every 0.1 s.
t0=$(now)
sbatch --parsable --wait --array=0-$((n - 1)) --mem=50M --wrap true >id 2>err &
waiter=$!
until [ -s id ]; do
  kill -0 "$waiter" 2>/dev/null || { cat err >&2; exit 1; }
  sleep 0.02
done
id=$(cut -d';' -f1 id)
while [ "$(active "$id")" -gt 0 ]; do sleep 0.1; done
t_done=$(now)
rc=0
wait "$waiter" || rc=$?
t_wait=$(now)
states=$(squeue -h -t all -j "$id" -o %T | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
wall=$(secs "$t0" "$t_done")
echo "array of $n x true (--mem=50M): all done after ${wall} s" \
  "($(awk -v w="$wall" -v n="$n" 'BEGIN { printf "%.1f ms per element, %.1f elements/s", 1000 * w / n, n / w }'));" \
  "sbatch --wait returned after $(secs "$t0" "$t_wait") s (rc $rc); states: $states"

# 2. Five single submissions, one after the other: the latency of sbatch itself.
ids=()
lat=()
t0=$(now)
for _ in 1 2 3 4 5; do
  a=$(now)
  ids+=("$(sbatch --parsable --mem=50M --wrap true | cut -d';' -f1)")
  lat+=("$(secs "$a" "$(now)")")
done
deadline=$((SECONDS + 60))
while [ "$(active "${ids[@]}")" -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
echo "single sbatch (5 jobs): $(printf '%s\n' "${lat[@]}" | awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
  END { printf "avg %.0f ms per sbatch (min %.0f, max %.0f)", 1000 * s / NR, 1000 * lo, 1000 * hi }');" \
  "first submit to all 5 done: $(secs "$t0" "$(now)") s"
