#!/usr/bin/env bash
# The GPU benchmark of a pack made by `npm run bench:gpu:pack` (README.md): unpacks Node and Dawn,
# makes the Vulkan and EGL loaders available (the machine's, else the packed Debian packages), finds
# a Vulkan driver (the loader's own search, else an NVIDIA ICD file), then runs bench.py with the
# arguments given: bash run.sh [--only id,…] [--runs k] [--budget s] [--json FILE] [--no-compile]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
RT="$HERE/.runtime"
mkdir -p "$RT/root"

# archive, a file it holds once unpacked, the folder to unpack into (tar with xz, else Python's tarfile)
unpack() {
  [ -e "$2" ] && return 0
  mkdir -p "$3"
  tar -xJf "$1" -C "$3" 2>/dev/null ||
    python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "$3"
}
unpack "$HERE/vendor/node.tar.xz" "$RT/node/bin/node" "$RT/node"
unpack "$HERE/vendor/webgpu.tar.xz" "$HERE/node_modules/webgpu/dist/linux-x64/dawn.node" "$HERE/node_modules"
export DRIFT_NODE="$RT/node/bin/node"

# the loaders: when the machine lacks one, every packed package is unpacked (dpkg -x, else ar and tar)
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || ! ldconfig -p 2>/dev/null | grep -q 'libEGL\.so\.1'; then
  for deb in "$HERE"/vendor/debs/*.deb; do
    if command -v dpkg >/dev/null; then dpkg -x "$deb" "$RT/root"; else ar p "$deb" data.tar.xz | tar -xJ -C "$RT/root"; fi
  done
  ldconfig -n "$RT/root/usr/lib/x86_64-linux-gnu" 2>/dev/null || true
  export LD_LIBRARY_PATH="$RT/root/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "run.sh: the Vulkan and EGL loaders from the pack ($RT/root)"
fi

# a Vulkan adapter: the loader's search first, then the NVIDIA ICD a container runtime provides
export DRIFT_WEBGPU_API="${DRIFT_WEBGPU_API:-vulkan}"
probe() { "$DRIFT_NODE" "$HERE/runner.mjs" probe >"$RT/adapter.json" 2>>"$RT/probe.log"; }
: >"$RT/probe.log"
if ! probe; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    [ -f "$icd" ] || continue
    export VK_DRIVER_FILES="$icd"
    if probe; then echo "run.sh: VK_DRIVER_FILES=$icd"; break; fi
    unset VK_DRIVER_FILES
  done
fi
if [ ! -s "$RT/adapter.json" ]; then
  echo "run.sh: Dawn found no $DRIFT_WEBGPU_API adapter; the NVIDIA driver's Vulkan ICD (nvidia_icd.json and libGLX_nvidia.so.0; in a container, NVIDIA_DRIVER_CAPABILITIES must include graphics) is needed. Dawn said:" >&2
  grep -v '^ *at \| - While' "$RT/probe.log" | tail -5 >&2
  exit 1
fi
echo "run.sh: drift webgpu on $(cat "$RT/adapter.json")"

# a Python that imports torch, else the first python3 (bench.py then runs drift alone and says why)
PY=""
for p in ${DRIFT_BENCH_PYTHON:-} python3 /usr/bin/python3; do
  if "$p" -c 'import torch' 2>/dev/null; then PY="$p" && break; fi
done
exec "${PY:-python3}" "$HERE/bench.py" "$@"
