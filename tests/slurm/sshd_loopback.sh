#!/usr/bin/env bash
# Starts or stops a private OpenSSH server on 127.0.0.1:PORT that plays a cluster's login node in
# the ssh transport tests: key-only root login, host and client keys (ed25519) generated into DIR,
# and DIR/ssh_config with the host alias `conflux-login`, checked host key (DIR/known_hosts) and
# BatchMode, so `ssh -F DIR/ssh_config conflux-login CMD` runs CMD here without any prompt.
# Everything lives under DIR; ~/.ssh, /etc/ssh and any system sshd are not touched. The one thing
# outside DIR is /run/sshd, sshd's privilege separation directory, created if missing.
#   tests/slurm/sshd_loopback.sh start DIR PORT   (a server already running in DIR is stopped first)
#   tests/slurm/sshd_loopback.sh stop DIR         (idempotent)
# SLURM_CONF on the remote side: sshd passes no environment by default. The server accepts
# SLURM_CONF (AcceptEnv). If SLURM_CONF is set when `start` runs (`. CLUSTER_DIR/env.sh` first),
# ssh_config pins it (SetEnv), like a login node that knows its cluster, so callers need no Slurm
# settings of their own. Otherwise ssh_config forwards the caller's SLURM_CONF (SendEnv).
set -euo pipefail
usage() { echo "usage: sshd_loopback.sh start DIR PORT | stop DIR" >&2; exit 2; }
say() { echo "sshd_loopback.sh: $*" >&2; }
die() { say "ERROR: $*"; exit 1; }
cmd=${1:-}
dir=${2:-}
if [ -z "$cmd" ] || [ -z "$dir" ]; then usage; fi
sshd_bin=/usr/sbin/sshd   # sshd re-executes itself, so it must be started by absolute path

# running PID: the process exists and is not a zombie (an exited daemon stays a zombie until PID 1
# reaps it, which some container inits do late).
running() { [ -r "/proc/$1/stat" ] && [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
# alive: the pid in DIR/sshd.pid runs and is our sshd (its command line names DIR/sshd_config).
alive() {
  local pid
  pid=$(cat "$dir/sshd.pid" 2>/dev/null || true)
  [ -n "$pid" ] && running "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/sshd_config"
}
# descendants PID: the processes below PID (open sessions and the commands they run).
descendants() {
  local c
  for c in $(pgrep -P "$1" || true); do
    echo "$c"
    descendants "$c"
  done
}

stop_server() {
  if alive; then
    local pid p left deadline
    pid=$(cat "$dir/sshd.pid")
    # The listener, the per-connection sshd processes it forked, and the commands still running
    # in those sessions (e.g. a `sbatch --wait` of an aborted test).
    local pids=("$pid")
    for p in $(descendants "$pid"); do pids+=("$p"); done
    kill -TERM "${pids[@]}" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while :; do
      left=()
      for p in "${pids[@]}"; do running "$p" && left+=("$p"); done
      [ ${#left[@]} -eq 0 ] && break
      if [ "$SECONDS" -ge "$deadline" ]; then
        say "${left[*]} ignored SIGTERM for 10 s; sending SIGKILL"
        kill -KILL "${left[@]}" 2>/dev/null || true
        break
      fi
      sleep 0.05
    done
  fi
  rm -f "$dir/sshd.pid"
}

if [ "$cmd" = stop ]; then
  [ $# -eq 2 ] || usage
  [ -d "$dir" ] || exit 0
  dir=$(cd "$dir" && pwd)
  stop_server
  exit 0
fi
if [ "$cmd" != start ] || [ $# -ne 3 ]; then usage; fi
port=$3
if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1024 ] || [ "$port" -gt 65535 ]; then
  die "PORT must be a number in 1024..65535, not '$port'"
fi
[ "$(id -u)" -eq 0 ] || die "must run as root (the test logs in as root; sshd needs /run/sshd)"
[ -x "$sshd_bin" ] || die "$sshd_bin not found (scripts/install-deps.sh installs openssh-server)"
{ command -v ssh && command -v ssh-keygen; } >/dev/null || die "ssh/ssh-keygen not found (openssh-client)"

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ "$dir" != *[[:space:]]* ]] || die "DIR must not contain spaces: $dir"
stop_server
# sshd refuses to start without its privilege separation directory (root-owned, not writable by
# others). Debian's ssh.service creates it at boot; containers and CI machines may not have it.
if [ ! -d /run/sshd ]; then
  mkdir -p /run/sshd
  chmod 755 /run/sshd
fi

for k in host client; do
  if [ ! -f "$dir/${k}_ed25519_key" ]; then
    ssh-keygen -q -t ed25519 -N '' -C "conflux-test-$k" -f "$dir/${k}_ed25519_key"
  fi
done
chmod 600 "$dir/host_ed25519_key" "$dir/client_ed25519_key"
cp "$dir/client_ed25519_key.pub" "$dir/authorized_keys"

cat >"$dir/sshd_config" <<EOF
# Written by tests/slurm/sshd_loopback.sh: a loopback login node for tests. Do not edit.
ListenAddress 127.0.0.1:$port
HostKey $dir/host_ed25519_key
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
# DIR may sit in a group-writable tree (a build dir): do not check its modes.
StrictModes no
UsePAM no
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
PermitUserEnvironment no
AcceptEnv SLURM_CONF
# Tests open many connections at once (one per submitted or polled job); the defaults (10
# unauthenticated connections, then random drops; 10 sessions per connection) would refuse some.
MaxStartups 200
MaxSessions 100
LogLevel INFO
Subsystem sftp internal-sftp
EOF

{
  printf '[127.0.0.1]:%s ' "$port"
  cut -d' ' -f1,2 "$dir/host_ed25519_key.pub"
} >"$dir/known_hosts"

if [ -n "${SLURM_CONF:-}" ]; then
  env_line="SetEnv SLURM_CONF=$SLURM_CONF"
else
  env_line="SendEnv SLURM_CONF"
fi
cat >"$dir/ssh_config" <<EOF
# Written by tests/slurm/sshd_loopback.sh. Use: ssh -F $dir/ssh_config conflux-login CMD
Host conflux-login
  HostName 127.0.0.1
  Port $port
  User root
  IdentityFile $dir/client_ed25519_key
  IdentitiesOnly yes
  UserKnownHostsFile $dir/known_hosts
  GlobalKnownHostsFile /dev/null
  StrictHostKeyChecking yes
  UpdateHostKeys no
  BatchMode yes
  ConnectTimeout 10
  LogLevel ERROR
  $env_line
EOF

"$sshd_bin" -t -f "$dir/sshd_config" 2>"$dir/sshd.log" || { cat "$dir/sshd.log" >&2; die "sshd rejected $dir/sshd_config"; }
# -D: stay in the foreground so $! is the listener; setsid and redirected stdio detach it from the
# caller (a terminal's Ctrl-C, ctest's output pipe).
setsid "$sshd_bin" -D -f "$dir/sshd_config" -E "$dir/sshd.log" </dev/null >/dev/null 2>&1 &
echo $! >"$dir/sshd.pid"

deadline=$((SECONDS + 15))
until timeout 5 ssh -F "$dir/ssh_config" conflux-login true </dev/null >"$dir/probe.log" 2>&1; do
  if ! alive || [ "$SECONDS" -ge "$deadline" ]; then
    if alive; then
      say "ERROR: 'ssh -F $dir/ssh_config conflux-login true' did not succeed in 15 s; last try:"
    else
      say "ERROR: sshd exited during start-up; last 'ssh -F $dir/ssh_config conflux-login true':"
    fi
    cat "$dir/probe.log" >&2
    echo "----- $dir/sshd.log (last 25 lines) -----" >&2
    tail -25 "$dir/sshd.log" >&2
    stop_server
    exit 1
  fi
  sleep 0.1
done
rm -f "$dir/probe.log"
say "sshd on 127.0.0.1:$port up; ssh -F $dir/ssh_config conflux-login CMD (${env_line})"
