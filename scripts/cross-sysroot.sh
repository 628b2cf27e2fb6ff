#!/usr/bin/env bash
# Unpacks Debian's arm64 or armhf libcpuinfo and libpthreadpool (headers,
# libraries) into build/sysroot-<arch>, for the cross toolchain files.
# These packages cannot be installed beside the native ones (DESIGN.md §6),
# so they are fetched with `apt-get download` and extracted with dpkg-deb.
# Idempotent. Usage: scripts/cross-sysroot.sh arm64|armhf
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?usage: cross-sysroot.sh arm64|armhf}
root=build/sysroot-$arch
stamp=$root/.complete
[ -f "$stamp" ] && exit 0
mkdir -p "$root" build/debs-$arch
(cd build/debs-$arch &&
  apt-get download -q "libcpuinfo-dev:$arch" "libcpuinfo0:$arch" \
    "libpthreadpool-dev:$arch" "libpthreadpool0:$arch")
for deb in build/debs-$arch/*.deb; do dpkg-deb -x "$deb" "$root"; done
touch "$stamp"
echo "cross-sysroot: $root ready"
