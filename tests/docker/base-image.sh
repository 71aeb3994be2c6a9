#!/bin/sh
# The Lambda base image SAM CLI runs functions in, by the exact name SAM CLI asks for:
#
#   tests/docker/base-image.sh public.ecr.aws/lambda/python:3.13-x86_64
#
# Nothing to do when the image is there; else pulled from its registry (public.ecr.aws); else,
# where that is out of reach, a stand-in is built: Debian's python3.13, the Lambda runtime
# interface client (awslambdaric) and the runtime's boto3 in /var/runtime, and ./bootstrap as the
# entry point. SAM CLI adds its own emulator (aws-lambda-rie, shipped inside SAM CLI) on top.
# The stand-in is for this machine's CPU (x86_64 or arm64: no emulation) and needs root
# (debootstrap, installed with apt-get if missing), docker, and PYTHON, a Python with pip
# (default .venv/bin/python); boto3's version is requirements-dev.txt's.
set -eu
image=$1
here=$(cd "$(dirname "$0")" && pwd)
docker image inspect "$image" >/dev/null 2>&1 && exit 0
docker pull --quiet "$image" >/dev/null 2>&1 && exit 0
command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends debootstrap; } >&2

cpu=$(uname -m)  # x86_64 or aarch64; Lambda calls the latter arm64
case "$image" in *-"$(echo "$cpu" | sed s/aarch64/arm64/)") ;; *) echo "$image: not for this CPU ($cpu)" >&2; exit 2 ;; esac
rootfs=$(mktemp -d "${TMPDIR:-/var/tmp}/lambda-rootfs.XXXXXX")
trap 'rm -rf "$rootfs" "$rootfs.log"' EXIT

debootstrap --variant=minbase --include=python3.13,ca-certificates trixie "$rootfs" \
  "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >"$rootfs.log" 2>&1 || { cat "$rootfs.log" >&2; exit 1; }
"${PYTHON:-.venv/bin/python}" -m pip install --quiet --disable-pip-version-check --no-compile \
  --only-binary=:all: --implementation cp --python-version 3.13 \
  --platform "manylinux2014_$cpu" --platform "manylinux_2_28_$cpu" \
  --target "$rootfs/var/runtime" -c "$here/../../requirements-dev.txt" awslambdaric==4.2.2 boto3
mkdir -p "$rootfs/var/lang/bin" "$rootfs/var/task" "$rootfs/opt"
ln -s /usr/bin/python3.13 "$rootfs/var/lang/bin/python3.13"
cp "$here/bootstrap" "$rootfs/var/runtime/bootstrap"
chroot "$rootfs" /usr/bin/python3.13 -m compileall -q --invalidation-mode unchecked-hash /var/runtime
rm -rf "$rootfs/var/cache/apt" "$rootfs/var/lib/apt/lists" "$rootfs/usr/share/doc" "$rootfs/usr/share/man"

tar -C "$rootfs" --numeric-owner -c . | docker import \
  -c 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 TZ=:/etc/localtime' \
  -c 'ENV LAMBDA_TASK_ROOT=/var/task LAMBDA_RUNTIME_DIR=/var/runtime' \
  -c 'WORKDIR /var/task' -c 'ENTRYPOINT ["/var/runtime/bootstrap"]' - "$image" >/dev/null
echo "Built $image"
