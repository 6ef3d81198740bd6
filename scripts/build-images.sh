#!/usr/bin/env bash
# Builds Conflux's container images from this build's `conflux` (build/bin/conflux, debug
# sections stripped): the runner image tasks run in on Kubernetes and Argo Workflows, and the
# metadata service's image (deploy/images/*.Containerfile).
# Usage: scripts/build-images.sh [--base IMAGE] [--tag TAG] [--builder podman|docker] [--isolation chroot]
#   --base   the Debian 12 base (default docker.io/library/debian:bookworm-slim)
#   --tag    the images' tag (default the Conflux version): conflux-runner:TAG, conflux-service:TAG
# Needs podman (Debian's package) or docker.
set -euo pipefail
cd "$(dirname "$0")/.."
base=docker.io/library/debian:bookworm-slim
tag=$(build/bin/conflux version 2>/dev/null | awk '{print $NF}')
builder=podman
isolation=()
while [ $# -gt 0 ]; do
  case "$1" in
    --base) base=$2; shift 2;;
    --tag) tag=$2; shift 2;;
    --builder) builder=$2; shift 2;;
    --isolation) isolation=(--isolation "$2"); shift 2;;
    *) echo "usage: scripts/build-images.sh [--base IMAGE] [--tag TAG] [--builder podman|docker] [--isolation chroot]" >&2; exit 2;;
  esac
done
[ -x build/bin/conflux ] || { echo "build/bin/conflux is missing: run scripts/build.sh first" >&2; exit 1; }
context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
objcopy --strip-debug build/bin/conflux "$context/conflux"
for image in runner service; do
  "$builder" build "${isolation[@]}" --build-arg "BASE=$base" -f "deploy/images/$image.Containerfile" \
    -t "conflux-$image:$tag" "$context"
done
echo "Built conflux-runner:$tag and conflux-service:$tag"
