#!/usr/bin/env bash
# Starts or stops a private one-node Slurm cluster for the Slurm tests and bench/slurm: munged,
# slurmctld and slurmd on 127.0.0.1, everything (slurm.conf, munge key and socket, state, spool,
# logs, pids) under DIR. slurmctld listens on PORT, slurmd on PORT+1, so a system Slurm on the
# default ports (6817/6818) and a system munged (/run/munge) are left alone, and two clusters in two
# DIRs can run side by side. Clients find this cluster through SLURM_CONF; the script exports
# nothing but writes DIR/env.sh (`. DIR/env.sh`, then sbatch/squeue/scancel talk to this cluster).
#   tests/slurm/slurm_cluster.sh start DIR PORT   (a cluster already running in DIR is stopped first)
#   tests/slurm/slurm_cluster.sh stop DIR         (idempotent; cancels the jobs, stops the daemons)
# Needs root (slurmd runs jobs as their submitting user) and the Debian packages slurmctld, slurmd,
# slurm-client and munge (scripts/install-deps.sh). Slurm 22.05 (Debian 12). No systemd, cgroups or
# slurmdbd: processes are tracked through /proc, `sacct` is unavailable, and finished jobs stay in
# squeue/scontrol for MinJobAge (300 s) and are logged for good in DIR/log/jobcomp.txt.
set -euo pipefail
usage() { echo "usage: slurm_cluster.sh start DIR PORT | stop DIR" >&2; exit 2; }
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then usage; fi
PATH=$PATH:/usr/sbin:/sbin
say() { echo "slurm_cluster.sh: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }

# The daemons this script starts, in start order; stop goes in reverse.
daemons=(munged slurmctld slurmd)

# running PID: the process exists and is not a zombie (an exited daemon stays a zombie until PID 1
# reaps it, which some container inits do late).
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# alive NAME: the pid recorded in DIR/pids/NAME.pid is running and is the process this script
# started there (its command line names DIR), so a stale pid file never makes us signal a stranger.
pid_of() { cat "$dir/pids/$1.pid" 2>/dev/null || true; }
alive() {
  local pid
  pid=$(pid_of "$1")
  [ -n "$pid" ] && running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/"
}

# wait_gone SECONDS PID...: waits until none of the pids runs; fails when time runs out.
wait_gone() {
  local deadline=$((SECONDS + $1)); shift
  local p left
  while :; do
    left=0
    for p in "$@"; do running "$p" && left=1; done
    [ "$left" = 0 ] && return 0
    [ "$SECONDS" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# slurmstepd (one per running job step) outlives slurmd, so stop first cancels every job and waits
# for the steps' sockets in the spool dir to disappear.
step_sockets() { find "$dir/spool" -type s 2>/dev/null | wc -l; }

stop_cluster() {
  [ -d "$dir/pids" ] || return 0
  if alive slurmctld; then
    local ids
    ids=$(SLURM_CONF="$dir/slurm.conf" timeout 10 squeue -h -o %F 2>/dev/null | sort -u | tr '\n' ' ' || true)
    if [ -n "${ids// /}" ]; then
      # shellcheck disable=SC2086
      SLURM_CONF="$dir/slurm.conf" timeout 10 scancel $ids 2>/dev/null || true
    fi
  fi
  if alive slurmd; then
    local deadline=$((SECONDS + 20))
    while [ "$(step_sockets)" -gt 0 ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
  fi
  # Steps that did not finish (or whose slurmd died): their slurmstepd was started by our slurmd
  # with SLURM_CONF pointing into DIR, which identifies them without looking at any other process.
  if [ "$(step_sockets)" -gt 0 ]; then
    local p stray=()
    for p in $(pgrep -x slurmstepd || true); do
      tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qxF "SLURM_CONF=$dir/slurm.conf" && stray+=("$p")
    done
    if [ ${#stray[@]} -gt 0 ]; then
      say "killing leftover slurmstepd ${stray[*]}"
      kill -KILL "${stray[@]}" 2>/dev/null || true
    fi
  fi
  local i name pid pids=()
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do
    name=${daemons[$i]}
    if alive "$name"; then
      pid=$(pid_of "$name")
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
  done
  if [ ${#pids[@]} -gt 0 ] && ! wait_gone 15 "${pids[@]}"; then
    say "daemons ${pids[*]} ignored SIGTERM for 15 s; sending SIGKILL"
    kill -KILL "${pids[@]}" 2>/dev/null || true
    wait_gone 5 "${pids[@]}" || die "could not stop ${pids[*]}"
  fi
  rm -f "$dir"/pids/*.pid "$dir/env.sh"
}

if [ "$cmd" = stop ]; then
  [ $# -eq 2 ] || usage
  [ -d "$dir" ] || exit 0
  dir=$(cd "$dir" && pwd)
  stop_cluster
  exit 0
fi
if [ "$cmd" != start ] || [ $# -ne 3 ]; then usage; fi
port=$3
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65534 ]; then
  die "PORT must be a number in 1024..65534 (slurmctld uses PORT, slurmd PORT+1), not '$port'"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (slurmd starts jobs as their user; munged/slurmd need root here)"
for b in munged mungekey slurmctld slurmd sinfo squeue scancel; do
  command -v "$b" >/dev/null 2>&1 || die "$b not found (scripts/install-deps.sh installs slurmctld slurmd slurm-client munge)"
done
# slurmd finds its NodeName by the short host name, so it must exist and name this machine.
host=$(hostname -s 2>/dev/null || true)
if ! [[ "$host" =~ ^[A-Za-z0-9][A-Za-z0-9_-]*$ ]]; then
  die "'hostname -s' gave '$host'; slurmd needs a usable short host name for NodeName"
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ "$dir" != *[[:space:]]* ]] || die "DIR must not contain spaces: $dir"
stop_cluster
rm -rf "$dir/state" "$dir/spool" "$dir/log" "$dir/munge"
mkdir -p "$dir/state" "$dir/spool" "$dir/log" "$dir/pids" "$dir/munge"
chmod 711 "$dir/munge"   # others may reach the socket (jobs of other users), not read the key

# Size the node from what slurmd itself detects (a configured value above it drains the node),
# but not more CPUs than this process may use.
detected=$(slurmd -C 2>/dev/null | head -1) || true
mem_mb=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$detected")
[ -n "$mem_mb" ] || mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
cpus=$(nproc)
# CONFLUX_SLURM_CPUS=K (opt-in) advertises K CPUs whatever the machine has (slurmd's
# config_overrides), so K one-CPU jobs run at once: Slurm starts pending jobs on a ~1 s tick, so a
# job array's throughput is about (CPUs) elements per second. Leave it unset for honest figures.
overrides=""
if [ -n "${CONFLUX_SLURM_CPUS:-}" ]; then
  [[ "$CONFLUX_SLURM_CPUS" =~ ^[1-9][0-9]*$ ]] || die "CONFLUX_SLURM_CPUS must be a positive number"
  cpus=$CONFLUX_SLURM_CPUS
  overrides="SlurmdParameters=config_overrides"
fi

cat >"$dir/slurm.conf" <<EOF
# Written by tests/slurm/slurm_cluster.sh: a private one-node test cluster. Do not edit; re-run start.
ClusterName=conflux
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/state/slurmctld.pid
SlurmdPidFile=$dir/spool/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No systemd or cgroups in containers and CI: track job processes through /proc, no affinity.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
# Do not hold batch jobs back (default: up to 3 s) nor throttle scheduling passes. Pending jobs
# still start on slurmctld's ~1 s background tick (measured: ~1 s from submit or from a free CPU to
# start; the first job after start-up waits ~2 s).
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
# A job without --mem would otherwise get all the node's memory, and jobs would run one at a time.
DefMemPerCPU=100
MaxArraySize=1001
# Finished jobs stay visible to squeue -t all / scontrol for 5 minutes (Slurm's default).
MinJobAge=300
# A job past its time limit gets SIGTERM, then SIGKILL 5 s later (default 30 s), with no grace
# minutes past the limit. slurmctld checks limits on its own timer (about every 30 s).
KillWait=5
OverTimeLimit=0
ReturnToService=2
MailProg=/bin/true
# No slurmdbd: sacct says "Slurm accounting storage is disabled". Finished jobs are logged here.
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
$overrides
NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=ALL MaxTime=1 State=UP
EOF

# A private munge key and socket: the system munged (if any) and /etc/munge are not used.
mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 \
  || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none; }
chmod 400 "$dir/munge/munge.key"

# launch NAME CMD...: starts a daemon in the foreground mode, detached (own session, stdio to a
# file so a caller's pipe, e.g. ctest's, is not held open) and records its pid.
launch() {
  local name=$1; shift
  SLURM_CONF="$dir/slurm.conf" setsid "$@" </dev/null >"$dir/log/$name.stderr" 2>&1 &
  echo $! >"$dir/pids/$name.pid"
}

logs_tail() {
  local d f
  for d in munged slurmctld slurmd; do
    # A daemon's stderr repeats its log, but holds what it said before it could open the log.
    f=$d.log
    [ -s "$dir/log/$f" ] || f=$d.stderr
    [ -s "$dir/log/$f" ] || continue
    echo "----- $dir/log/$f (last 25 lines) -----" >&2
    tail -25 "$dir/log/$f" >&2
  done
}
fail() {
  say "ERROR: $*"
  logs_tail
  stop_cluster || true
  exit 1
}

# --force: munged refuses to run as root, and to use a key/socket dir it considers insecure.
launch munged munged --foreground --force --socket="$dir/munge/munge.socket" \
  --key-file="$dir/munge/munge.key" --pid-file="$dir/munge/munged.pid" \
  --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
deadline=$((SECONDS + 10))
until [ -S "$dir/munge/munge.socket" ]; do
  running "$(pid_of munged)" || fail "munged exited"  # see the readiness loop below
  [ "$SECONDS" -lt "$deadline" ] || fail "munged did not create its socket in 10 s"
  sleep 0.05
done

# -c: start clean (no jobs from a previous run in this DIR).
launch slurmctld slurmctld -D -c -f "$dir/slurm.conf"
launch slurmd slurmd -D -N "$host" -f "$dir/slurm.conf"

# Ready when the controller answers and the node registered as idle in both partitions.
export SLURM_CONF="$dir/slurm.conf"
deadline=$((SECONDS + 30))
while :; do
  # running, not alive: a daemon launched a moment ago may not have exec'd yet (its command line
  # is still this script's), and we know its pid is ours.
  for d in "${daemons[@]}"; do running "$(pid_of "$d")" || fail "$d exited during start-up"; done
  states=$(timeout 5 sinfo -h -o '%P %T' 2>/dev/null || true)
  if [ "$(grep -c ' idle$' <<<"$states")" -eq 2 ]; then break; fi
  [ "$SECONDS" -lt "$deadline" ] || fail "the node is not idle after 30 s; sinfo says: ${states:-nothing}"
  sleep 0.1
done
echo "export SLURM_CONF=$dir/slurm.conf" >"$dir/env.sh"
say "Slurm $(sinfo -V | awk '{print $2}') up: node $host ($cpus CPUs, $mem_mb MB), slurmctld 127.0.0.1:$port, slurmd :$((port + 1)); . $dir/env.sh"
