#!/usr/bin/env bash
# Build docker/Dockerfile with podman on a machine that has no Docker engine and no
# registry serving base images (this project's machines and CI):
#   1. podman and debootstrap come from the OS packages (installed here if missing);
#   2. debootstrap makes a small Debian base with python3 and its venv module, which
#      `podman import` turns into localhost/squadline-base:bookworm (made once, then reused);
#   3. `podman build --isolation=chroot --network host` builds the Dockerfile on it, with
#      the host's CA certificates and pip configuration mounted read-only, so pip inside
#      the build reaches PyPI the way the host does.
#
# Usage: docker/build_image.sh TAG
# Exit 0: built (the last line says how long it took and how big it is). Exit 77: skipped,
# and the last line says why (a missing tool that cannot be installed here, no network for
# debootstrap, ...): never reported as built. Any other code: the build itself failed.
set -uo pipefail
cd "$(dirname "$0")/.."

TAG=${1:?usage: docker/build_image.sh TAG}
BASE=localhost/squadline-base:bookworm
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=/var/tmp/squadline-image
SKIPPED=77

skip() { echo "SKIPPED: $*"; exit "$SKIPPED"; }

mkdir -p "$WORK" || skip "cannot write $WORK"
# One build at a time on this machine (engineers and CI share it).
exec 9>"$WORK/lock"
flock 9

if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
    [ "$(id -u)" = 0 ] || skip "podman or debootstrap is missing, and only root can install them"
    command -v apt-get >/dev/null || skip "podman or debootstrap is missing, and there is no apt-get"
    echo "installing podman and debootstrap from the OS packages"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        podman debootstrap; } >"$WORK/apt.log" 2>&1 \
        || skip "apt-get could not install podman and debootstrap (see $WORK/apt.log)"
fi

started=$(date +%s)
if ! podman image exists "$BASE" 2>/dev/null; then
    echo "making the base image $BASE with debootstrap ($SUITE, python3)"
    rootfs="$WORK/rootfs"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || skip "debootstrap failed (see $WORK/debootstrap.log)"
    # What a base image does not need: package lists and caches, documentation.
    rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    tar -C "$rootfs" -c . | podman import --quiet - "$BASE" >/dev/null \
        || skip "podman import failed"
    rm -rf "$rootfs"
fi
based=$(date +%s)

mounts=()
for path in /etc/ssl/certs /etc/pip.conf /etc/xdg/pip /root/.config/pip; do
    [ -e "$path" ] && mounts+=(-v "$path:$path:ro")
done
echo "building $TAG on $BASE"
podman build --isolation=chroot --network host --format docker "${mounts[@]}" \
    --build-arg BASE="$BASE" -f docker/Dockerfile -t "$TAG" . >"$WORK/build.log" 2>&1
status=$?
if [ "$status" != 0 ]; then
    tail -20 "$WORK/build.log"
    echo "FAILED: podman build exited $status (see $WORK/build.log)"
    exit "$status"
fi
built=$(date +%s)
size=$(podman image inspect "$TAG" --format '{{.Size}}')
echo "BUILT: $TAG, $((size / 1000000)) MB; base $((based - started)) s, build $((built - based)) s"
