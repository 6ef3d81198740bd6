#!/usr/bin/env bash
# Installs every system package Conflux needs to build, test and benchmark, from Debian's
# repositories only, then the front ends' npm packages (the card renderer and the web UI, each pinned by
# its package-lock.json; the build bundles them into the binary). Idempotent: installs only what is
# missing. Run as root (or with sudo).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

PKGS=(
  # build
  build-essential cmake ninja-build pkg-config
  # libraries
  nlohmann-json3-dev zlib1g-dev libisal-dev libssl-dev libcurl4-openssl-dev
  # TOML config files (header-only)
  libtomlplusplus-dev
  # XXH3 fingerprints of loaded artifacts (header-only)
  libxxhash-dev
  # tests
  libgtest-dev libgmock-dev python3 python3-numpy
  # Argo Workflows tests: the official schema check and the local executor of compiled templates
  python3-jsonschema python3-yaml
  # container images (scripts/build-images.sh) and their test: podman builds them, debootstrap
  # makes the Debian 12 base the test builds on
  podman debootstrap
  # TLS test certificates (tests/conflux_cli/service_process_test.cpp)
  openssl
  # S3 tests: s3rver runs on Node (tests/s3/s3_server.sh installs it with npm ci); curl probes it
  nodejs curl
  # browser tests (tests/browser): Playwright drives Debian's chromium
  chromium
  # benchmarks; the side-by-side runs of Metaflow from a checkout (bench/metaflow/compare.sh) use
  # Debian's boto3 and requests
  time python3-boto3 python3-requests
  # conflux service (HTTP server, SQLite) and its benchmark
  libcpp-httplib-dev libsqlite3-dev wrk
  # conflux service on PostgreSQL (libpq), and the server its tests start (tests/service/pg/)
  libpq-dev postgresql
  # Slurm tests (tests/slurm/): a private one-node cluster (munged, slurmctld, slurmd, the sbatch/
  # squeue clients) and a loopback sshd for the ssh transport test; bench/slurm/floor.sh uses both.
  slurmctld slurmd slurm-client munge openssh-server
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Debian ships npm apart from nodejs; NodeSource's nodejs includes it (and conflicts with Debian's).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
else
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "install-deps: installing ${missing[*]}"
  log=$(mktemp)
  if ! $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
    $SUDO apt-get update >>"$log" 2>&1
    $SUDO apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || { tail -30 "$log"; exit 1; }
  fi
  rm -f "$log"
  echo "install-deps: done"
fi

# The front ends' npm packages (the card renderer, the web UI), reinstalled when a lock file changes.
root="$(cd "$(dirname "$0")/.." && pwd)"
for dir in src/card/renderer src/ui/web; do
  stamp="$root/$dir/node_modules/.conflux-lock.sha256"
  want=$(sha256sum "$root/$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "install-deps: npm ci in $dir"
    log=$(mktemp)
    (cd "$root/$dir" && npm ci --no-audit --no-fund) >"$log" 2>&1 || { tail -30 "$log"; exit 1; }
    rm -f "$log"
    echo "$want" > "$stamp"
  fi
done
