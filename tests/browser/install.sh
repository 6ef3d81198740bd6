#!/usr/bin/env bash
# Installs the browser tests' npm packages (playwright-core, pinned by package-lock.json; no
# browser download: the tests drive Debian's chromium) and the tests into DIR, once per lock file.
#   tests/browser/install.sh DIR
set -euo pipefail
mkdir -p "$1"
dir=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
command -v chromium >/dev/null || { echo "chromium is missing: run scripts/install-deps.sh" >&2; exit 1; }
stamp="$dir/.installed-$(sha256sum "$here/package-lock.json" | cut -c1-16)"
cp "$here/package.json" "$here/package-lock.json" "$here"/*.mjs "$dir/"
if [ ! -e "$stamp" ]; then
  (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) ||
    { cat "$dir/npm.log" >&2; exit 1; }
  touch "$stamp"
fi
