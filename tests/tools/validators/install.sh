#!/usr/bin/env bash
# Installs the npm validators of deployment objects (pinned by package-lock.json) into DIR, once
# per lock file version: kubernetes-models (validate_k8s.mjs) and asl-validator (validate_asl.mjs).
#   tests/tools/validators/install.sh DIR
#   node DIR/validate_k8s.mjs FILE...     (one Kubernetes object per line)
#   node DIR/validate_asl.mjs FILE...     (one state machine per file)
set -euo pipefail
mkdir -p "$1"
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
stamp="$dir/.installed-$(sha256sum "$here/package-lock.json" | cut -c1-16)"
cp "$here/package.json" "$here/package-lock.json" "$here"/*.mjs "$dir/"
if [ ! -e "$stamp" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) || { cat "$dir/npm.log" >&2; exit 1; }
  touch "$stamp"
fi
