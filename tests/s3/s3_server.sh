#!/usr/bin/env bash
# Starts or stops the local S3 server the S3 tests and benchmarks use: s3rver (npm, pinned by
# package-lock.json here) on a free loopback port, behind sigv4_check_proxy.py (the strict SigV4
# checker) on another. Everything lives under DIR: node_modules, the data, logs (requests.log: one
# line per request the proxy received), pids, and `env`,
# a shell file with the settings a client needs (METAFLOW_S3_ENDPOINT_URL pointing at the proxy,
# credentials, bucket, fault file).
#   tests/s3/s3_server.sh start DIR     (idempotent: a running server is kept)
#   tests/s3/s3_server.sh stop DIR      (stops both processes; --purge also deletes the data)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cmd=${1:?usage: s3_server.sh start|stop DIR [--purge]}
dir=${2:?usage: s3_server.sh start|stop DIR [--purge]}
bucket=conflux-test
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "$cmd" = stop ]; then
  for p in proxy s3rver; do
    if alive "$dir/$p.pid"; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
    rm -f "$dir/$p.pid"
  done
  [ "${3:-}" = --purge ] && rm -rf "$dir/data"
  exit 0
fi
[ "$cmd" = start ] || { echo "usage: s3_server.sh start|stop DIR" >&2; exit 2; }

if alive "$dir/s3rver.pid" && alive "$dir/proxy.pid" && [ -f "$dir/env" ]; then exit 0; fi
"$0" stop "$dir"

# npm ci from the committed lock file, once per lock file version.
if ! cmp -s "$HERE/package-lock.json" "$dir/tools/package-lock.json" 2>/dev/null \
   || [ ! -f "$dir/tools/node_modules/s3rver/bin/s3rver.js" ]; then
  mkdir -p "$dir/tools"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$dir/tools/"
  (cd "$dir/tools" && npm ci --no-audit --no-fund --loglevel=error >"$dir/npm.log" 2>&1) \
    || { cat "$dir/npm.log" >&2; exit 1; }
fi

# s3rver 3.7.1 bug: a delimiter listing prunes every directory more than one level below the
# prefix before looking at its keys, so "a/" is missing from the common prefixes of "" when the only
# keys are like "a/b/c". Real S3, MinIO and Ceph list it. Disable the pruning (idempotent).
sed -i 's|dirPath.slice(prefixPath.length).indexOf(delimiterEnc) !== -1|false /* conflux: see s3_server.sh */|' \
  "$dir/tools/node_modules/s3rver/lib/stores/filesystem.js"

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
s3_port=$(free_port)
proxy_port=$(free_port)
mkdir -p "$dir/data"
# --openssl-legacy-provider: s3rver encrypts ListObjectsV2 continuation tokens with DES, which
# Node 17+ (OpenSSL 3) refuses; without it every paginated listing answers 500.
nohup node --openssl-legacy-provider "$dir/tools/node_modules/s3rver/bin/s3rver.js" \
  -d "$dir/data" -a 127.0.0.1 -p "$s3_port" --no-vhost-buckets --configure-bucket "$bucket" \
  >"$dir/s3rver.log" 2>&1 &
echo $! >"$dir/s3rver.pid"
rm -f "$dir/faults.json" "$dir/faults.json.count"
nohup /usr/bin/python3 "$HERE/sigv4_check_proxy.py" --listen "$proxy_port" \
  --upstream "127.0.0.1:$s3_port" --cred S3RVER:S3RVER --fault-file "$dir/faults.json" \
  --request-log "$dir/requests.log" \
  >"$dir/proxy.log" 2>&1 &
echo $! >"$dir/proxy.pid"

for _ in $(seq 200); do
  if curl -s -o /dev/null "http://127.0.0.1:$s3_port/" && curl -s -o /dev/null "http://127.0.0.1:$proxy_port/"; then
    cat >"$dir/env" <<ENV
export METAFLOW_S3_ENDPOINT_URL=http://127.0.0.1:$proxy_port
export CONFLUX_TEST_S3_DIRECT_URL=http://127.0.0.1:$s3_port
export CONFLUX_TEST_S3_BUCKET=$bucket
export CONFLUX_TEST_S3_FAULT_FILE=$dir/faults.json
export CONFLUX_TEST_S3_REQUEST_LOG=$dir/requests.log
export AWS_ACCESS_KEY_ID=S3RVER
export AWS_SECRET_ACCESS_KEY=S3RVER
export AWS_DEFAULT_REGION=us-east-1
ENV
    exit 0
  fi
  sleep 0.1
done
echo "s3_server.sh: the S3 server did not start; logs:" >&2
cat "$dir/s3rver.log" "$dir/proxy.log" >&2
exit 1
