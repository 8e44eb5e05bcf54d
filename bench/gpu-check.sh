#!/usr/bin/env bash
# The GPU check for a machine with a real GPU and no network: reports the
# WebGPU adapter, webgpu-vs-cpu parity of one training step of every
# template, and seed-cnn / resnet-small samples/s on webgpu, wasm and (when
# it loads) tensorflow, as a table on stderr and one JSON line on stdout
# (also written to bench/results/gpu-check-*.json). Needs only this tree with
# its node_modules (`npm ci` done where there was network).
#
#   bash bench/gpu-check.sh [--batches N] [--json]
#
# Exit status: 0 when parity holds, 1 when a template disagrees, 2 when
# something it needs is missing.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null; then
  echo "gpu-check: node is not installed (Node 20 or later)." >&2
  exit 2
fi
if [ ! -d node_modules/@tensorflow/tfjs-backend-webgpu ]; then
  echo "gpu-check: node_modules is incomplete (no @tensorflow/tfjs-backend-webgpu); run \`npm ci\` where there is network and copy the folder." >&2
  exit 2
fi
if [ ! -d node_modules/webgpu ]; then
  echo "gpu-check: the optional \`webgpu\` package (Dawn's Node bindings) is not in node_modules; without it there is no WebGPU in Node." >&2
fi

if [ "$(uname -s)" = Linux ]; then
  # Dawn opens libvulkan.so.1 at run time; without it there is no adapter and no useful error.
  # The folders the dynamic linker searches: LD_LIBRARY_PATH, ld.so.conf.d, the usual system ones.
  folders="${LD_LIBRARY_PATH:-}:$(cat /etc/ld.so.conf.d/*.conf 2>/dev/null | grep '^/' | tr '\n' ':')/usr/lib/x86_64-linux-gnu:/usr/lib/aarch64-linux-gnu:/lib/x86_64-linux-gnu:/lib/aarch64-linux-gnu:/usr/lib64:/usr/lib:/lib64:/lib:/usr/local/lib"
  loader=""
  IFS=: read -ra dirs <<< "$folders"
  for dir in "${dirs[@]}"; do
    if [ -n "$dir" ] && [ -e "$dir/libvulkan.so.1" ]; then loader="$dir/libvulkan.so.1"; break; fi
  done
  if [ -n "$loader" ]; then
    echo "gpu-check: Vulkan loader: $loader" >&2
  else
    echo "gpu-check: libvulkan.so.1 is missing (looked in ${folders#:}). Install the Vulkan loader (Debian/Ubuntu: libvulkan1; Fedora: vulkan-loader) and your GPU's Vulkan driver." >&2
  fi
  if [ -n "${VK_ICD_FILENAMES:-}" ]; then
    echo "gpu-check: VK_ICD_FILENAMES=${VK_ICD_FILENAMES} restricts Vulkan to that driver." >&2
  fi
fi

exec node --import tsx bench/gpuCheck.ts "$@"
