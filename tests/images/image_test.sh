#!/usr/bin/env bash
# The runner and service images (deploy/images), built as a user would with scripts/build-images.sh,
# then checked from the inside: this machine's podman cannot run containers, so each image's
# filesystem is mounted (`podman image mount`), copied, and its programs run under chroot:
#   - runner: `conflux task-run --help`; the flow binaries' shared libraries and glibc are all in
#     the image (`./foreach package` against a manifest read from the image); a flow runs in it;
#   - service: `conflux service` starts as the image's user and answers /ping;
#   - the Kubernetes manifests (deploy/kubernetes) pass the kubernetes-models validators.
# The base image is Debian 12 made here with debootstrap (registries other than Debian's are not
# reachable), imported as localhost/conflux-test-base:bookworm and kept between runs.
# Usage: image_test.sh BUILD_DIR SOURCE_DIR   (as root; exit 77, skipped, otherwise)
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$2" && pwd)
[ "$(id -u)" -eq 0 ] || { echo "image_test.sh: needs root (podman image mount, chroot); skipped"; exit 77; }
work="$build/images"
mkdir -p "$work"
base=localhost/conflux-test-base:bookworm
if ! podman image exists "$base"; then
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log"; exit 1; }
  tar -C "$work/rootfs" -c . | podman import - "$base" >/dev/null
  rm -rf "$work/rootfs"
fi
"$source/scripts/build-images.sh" --base "$base" --tag test --isolation chroot >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log"; exit 1; }

copies=()
cleanup() {
  for c in "${copies[@]}"; do
    umount "$c/proc" 2>/dev/null || true
    mountpoint -q "$c/proc" || rm -rf "$c"
  done
  podman image unmount localhost/conflux-runner:test localhost/conflux-service:test >/dev/null 2>&1 || true
  [ -n "${service_pid:-}" ] && kill "$service_pid" 2>/dev/null || true
}
trap cleanup EXIT
# A writable copy of an image's filesystem.
copy_of() {
  local mnt dir
  mnt=$(podman image mount "$1")
  dir=$(mktemp -d "$work/root-XXXXXX")
  cp -a "$mnt/." "$dir/"
  echo "$dir"
}

runner=$(copy_of localhost/conflux-runner:test)
copies+=("$runner")
help=$(chroot "$runner" /usr/bin/conflux task-run --help)
grep -q "Run one task attempt on this node" <<<"$help"
echo "runner: conflux task-run --help works"
# What the image provides, as a runner manifest; the flow binary must need nothing else.
glibc=$(chroot "$runner" /usr/bin/ldd --version | awk 'NR == 1 {print $NF}')  # awk reads it all: no SIGPIPE
chroot "$runner" /sbin/ldconfig -p | awk 'NR > 1 {print $1}' | sort -u |
  /usr/bin/python3 -c 'import json, sys; print(json.dumps({"name": "conflux-runner:test", "glibc": sys.argv[1], "libraries": sys.stdin.read().split()}))' "$glibc" \
  >"$work/runner-manifest.json"
"$build/examples/foreach" package --runner-manifest "$work/runner-manifest.json" >"$work/package.log" \
  || { cat "$work/package.log"; exit 1; }
echo "runner: glibc $glibc and every library the flow binary needs are in the image"
mkdir -p "$runner/flow" "$runner/ds"
mount -t proc proc "$runner/proc"  # a container has one; the runtime finds its own binary there
cp "$build/examples/foreach" "$runner/flow/"
chroot "$runner" /usr/bin/env METAFLOW_DATASTORE_SYSROOT_LOCAL=/ds USER=tester /flow/foreach run --shards 3 >"$work/run.log" 2>&1 \
  || { cat "$work/run.log"; exit 1; }
grep -q "best 1" "$work/run.log"
echo "runner: a flow runs inside the image"

service=$(copy_of localhost/conflux-service:test)
copies+=("$service")
# As the image runs it: its user, its volume.
chroot --userspec=10001:10001 "$service" /usr/bin/conflux service --port 0 --db /var/lib/conflux/service.db \
  >"$work/service.log" 2>&1 &
service_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/service.log")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/service.log"; exit 1; }
[ "$(curl -s "http://127.0.0.1:$port/ping")" = "pong" ]
echo "service: conflux service answers /ping as user 10001"

# The manifests, one JSON object per line, through the kubernetes-models validators.
/usr/bin/python3 -c '
import json, sys, yaml
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if doc: print(json.dumps(doc))
' "$source"/deploy/kubernetes/*.yaml >"$work/manifests.jsonl"
/usr/bin/node "$build/validators/validate_k8s.mjs" "$work/manifests.jsonl"
echo "manifests: $(wc -l <"$work/manifests.jsonl") objects pass the kubernetes-models validators"
