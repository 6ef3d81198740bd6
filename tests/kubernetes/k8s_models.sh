#!/usr/bin/env bash
# Installs the kubernetes-models validators (npm, pinned by models/package-lock.json) into DIR,
# once per lock file version, for the tests that check generated Kubernetes objects:
#   tests/kubernetes/k8s_models.sh DIR
# Then: node DIR/validate_k8s.mjs FILE...   (one JSON object per line)
set -euo pipefail
mkdir -p "$1"
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

stamp="$dir/.installed-$(sha256sum "$here/models/package-lock.json" | cut -c1-16)"
cp "$here/models/package.json" "$here/models/package-lock.json" "$here/models/validate_k8s.mjs" "$dir/"
if [ ! -e "$stamp" ]; then
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) || { cat "$dir/npm.log" >&2; exit 1; }
  touch "$stamp"
fi
