#!/usr/bin/env bash
# Build docker/Dockerfile with podman on a machine that has no Docker engine and no
# registry serving base images (this project's machines and CI):
#   1. podman and debootstrap come from the OS packages (installed here if missing);
#   2. debootstrap makes a small Debian base with python3 and its venv module, which
#      `podman import` turns into localhost/squadline-base:bookworm (made once, then reused
#      from podman's own store, so a clean clone on the same machine skips this step);
#   3. `podman build --isolation=chroot --network host` builds the Dockerfile on it, with
#      the host's CA certificates and pip configuration mounted read-only, so pip inside
#      the build reaches PyPI the way the host does.
#
# Usage: docker/build_image.sh TAG
# Exit 0: built (the last line says how long it took and how big it is). Exit 77: skipped,
# and the last line says why (a missing tool that cannot be installed here, no network for
# debootstrap, a step that took too long, ...): never reported as built. Any other code:
# the build itself failed.
#
# Every step that can wait (the lock, apt, debootstrap, podman) has a time limit, so the
# script never hangs: IMAGE_LOCK_WAIT (s, another build's lock), IMAGE_STEP_TIMEOUT (s, a
# step that downloads), IMAGE_QUICK_TIMEOUT (s, a local podman command). IMAGE_WORK is the
# folder for the lock and the logs.
set -uo pipefail
cd "$(dirname "$0")/.."

TAG=${1:?usage: docker/build_image.sh TAG}
BASE=localhost/squadline-base:bookworm
SUITE=bookworm
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
WORK=${IMAGE_WORK:-/var/tmp/squadline-image}
LOCK_WAIT=${IMAGE_LOCK_WAIT:-600}
STEP_TIMEOUT=${IMAGE_STEP_TIMEOUT:-600}
QUICK_TIMEOUT=${IMAGE_QUICK_TIMEOUT:-120}
SKIPPED=77
TIMED_OUT=124

skip() { echo "SKIPPED: $*"; exit "$SKIPPED"; }
# bounded SECONDS COMMAND...: the command, killed if it runs longer (exit code 124).
bounded() { local limit=$1; shift; timeout --kill-after=10 "$limit" "$@"; }

mkdir -p "$WORK" || skip "cannot write $WORK"
# One build at a time on this machine (engineers and CI share it).
exec 9>"$WORK/lock"
flock -w "$LOCK_WAIT" 9 || skip "another image build held $WORK/lock for $LOCK_WAIT s"

if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
    [ "$(id -u)" = 0 ] || skip "podman or debootstrap is missing, and only root can install them"
    command -v apt-get >/dev/null || skip "podman or debootstrap is missing, and there is no apt-get"
    echo "installing podman and debootstrap from the OS packages"
    { bounded "$STEP_TIMEOUT" apt-get -qq -o DPkg::Lock::Timeout=120 update \
        && DEBIAN_FRONTEND=noninteractive bounded "$STEP_TIMEOUT" apt-get install -y -qq \
            -o DPkg::Lock::Timeout=120 podman debootstrap; } >"$WORK/apt.log" 2>&1 \
        || skip "apt-get could not install podman and debootstrap within $STEP_TIMEOUT s (see $WORK/apt.log)"
fi
bounded "$QUICK_TIMEOUT" podman info >"$WORK/podman-info.log" 2>&1 \
    || skip "podman does not work here: 'podman info' failed or took over $QUICK_TIMEOUT s (see $WORK/podman-info.log)"

started=$(date +%s)
bounded "$QUICK_TIMEOUT" podman image exists "$BASE" 2>/dev/null
exists=$?
[ "$exists" = "$TIMED_OUT" ] && skip "'podman image exists' took over $QUICK_TIMEOUT s"
if [ "$exists" != 0 ]; then
    echo "making the base image $BASE with debootstrap ($SUITE, python3)"
    rootfs="$WORK/rootfs"
    rm -rf "$rootfs"
    bounded "$STEP_TIMEOUT" debootstrap --variant=minbase \
        --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
        || { rm -rf "$rootfs"; skip "debootstrap failed or took over $STEP_TIMEOUT s (see $WORK/debootstrap.log)"; }
    # What a base image does not need: package lists and caches, documentation.
    rm -rf "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
    tar -C "$rootfs" -c . | bounded "$QUICK_TIMEOUT" podman import --quiet - "$BASE" >/dev/null \
        || { rm -rf "$rootfs"; skip "podman import failed or took over $QUICK_TIMEOUT s"; }
    rm -rf "$rootfs"
fi
based=$(date +%s)

mounts=()
for path in /etc/ssl/certs /etc/pip.conf /etc/xdg/pip /root/.config/pip; do
    [ -e "$path" ] && mounts+=(-v "$path:$path:ro")
done
echo "building $TAG on $BASE"
bounded "$STEP_TIMEOUT" podman build --isolation=chroot --network host --format docker \
    "${mounts[@]}" --build-arg BASE="$BASE" -f docker/Dockerfile -t "$TAG" . \
    >"$WORK/build.log" 2>&1
status=$?
if [ "$status" = "$TIMED_OUT" ]; then
    skip "podman build took over $STEP_TIMEOUT s (see $WORK/build.log)"
elif [ "$status" != 0 ]; then
    tail -20 "$WORK/build.log"
    echo "FAILED: podman build exited $status (see $WORK/build.log)"
    exit "$status"
fi
built=$(date +%s)
size=$(bounded "$QUICK_TIMEOUT" podman image inspect "$TAG" --format '{{.Size}}') \
    || skip "'podman image inspect' failed or took over $QUICK_TIMEOUT s"
echo "BUILT: $TAG, $((size / 1000000)) MB; base $((based - started)) s, build $((built - based)) s"
