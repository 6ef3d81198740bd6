#!/usr/bin/env bash
# Checks that the public C++ API (the headers in include/conflux) of this tree is source-compatible
# with the previous release's, with Debian's abi-compliance-checker (installed if missing). The
# release process runs it before tagging (docs/compatibility.md); it is not part of the test suite
# because it takes a minute and only means something between releases.
#
#   scripts/release/check-api.sh            compare with the newest baseline in tests/data/api/
#   scripts/release/check-api.sh --baseline tests/data/api/conflux-0.1.0.api.dump.gz
#   scripts/release/check-api.sh --update   also store this tree's dump as the baseline of its
#                                           version (at release time, once the check passed)
#
# Exits 1 when the API lost or changed something (removed functions, changed signatures, changed
# types), printing the report's path; 0 when it is compatible (additions are fine).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
baseline=""
update=0
while [ $# -gt 0 ]; do
  case "$1" in
    --baseline) baseline=$2; shift 2 ;;
    --update) update=1; shift ;;
    *) echo "check-api.sh: unknown argument '$1' (see the header of this script)" >&2; exit 2 ;;
  esac
done

if ! command -v abi-compliance-checker > /dev/null; then
  echo "check-api.sh: installing abi-compliance-checker" >&2
  apt-get install -y abi-compliance-checker > /dev/null
fi

version=$(sed -n 's/^project(conflux VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
if [ -z "$baseline" ]; then
  baseline=$(ls "$repo"/tests/data/api/conflux-*.api.dump.gz 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$baseline" ] || [ ! -f "$baseline" ]; then
  echo "check-api.sh: no baseline API dump in tests/data/api/" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/current.xml" <<XML
<version>$version</version>
<headers>$repo/include/conflux</headers>
<gcc_options>-std=c++20</gcc_options>
<include_paths>$repo/include</include_paths>
XML
echo "check-api.sh: dumping the API of include/conflux ($version)" >&2
abi-compliance-checker -lib conflux -dump "$work/current.xml" -headers-only -dump-path "$work/current.dump" \
  > "$work/dump.log" 2>&1 || { cat "$work/dump.log" >&2; exit 2; }
gunzip -c "$baseline" > "$work/baseline.dump"
report="$repo/build/api-report.html"
mkdir -p "$(dirname "$report")"
status=0
abi-compliance-checker -lib conflux -old "$work/baseline.dump" -new "$work/current.dump" -api \
  -report-path "$report" > "$work/compare.log" 2>&1 || status=$?
grep -E "compatibility|problems" "$work/compare.log" || true
if [ $status -ne 0 ]; then
  echo "check-api.sh: the API is not source-compatible with $(basename "$baseline"); see $report" >&2
  exit 1
fi
echo "check-api.sh: compatible with $(basename "$baseline") (report: $report)"
if [ $update = 1 ]; then
  gzip -9 -n -c "$work/current.dump" > "$repo/tests/data/api/conflux-$version.api.dump.gz"
  echo "check-api.sh: stored tests/data/api/conflux-$version.api.dump.gz"
fi
