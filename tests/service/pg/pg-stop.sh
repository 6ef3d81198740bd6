#!/usr/bin/env bash
# Stops the cluster pg-start.sh started in DIR and deletes its data (it is throwaway).
#   tests/service/pg/pg-stop.sh DIR [--keep]   (--keep: keep DIR/data for the next start)
set -euo pipefail
dir=${1:?usage: pg-stop.sh DIR [--keep]}
[ -d "$dir" ] || exit 0
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
if [ -n "$pgbin" ] && [ -f "$dir/data/postmaster.pid" ]; then
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
fi
rm -f "$dir/url"
[ "${2:-}" = --keep ] || rm -rf "$dir/data"
exit 0
