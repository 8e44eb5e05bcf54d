#!/bin/sh
# Builds kernels.wasm from kernels.c. Needs clang and wasm-ld (Debian: apt-get
# install clang-14 lld-14 wabt); the built module is committed, so neither
# users nor tests need them. Rebuild after editing kernels.c.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-14}
WASM_LD=${WASM_LD:-wasm-ld-14}
"$CLANG" --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -ffreestanding -c kernels.c -o /tmp/convnet-simd-kernels.o
# The heap belongs to tfjs-backend-wasm: import its memory and keep nothing of
# our own in it, no data and no stack (a stack would sit at an address that
# tfjs uses), which the checks below confirm.
"$WASM_LD" --no-entry --import-memory -z stack-size=0 /tmp/convnet-simd-kernels.o -o kernels.wasm
rm -f /tmp/convnet-simd-kernels.o
WASM_OBJDUMP=${WASM_OBJDUMP:-wasm-objdump}
if "$WASM_OBJDUMP" -h kernels.wasm | grep -q ' Data '; then
  echo "kernels.wasm has a data section: it would overwrite tfjs's heap when loaded" >&2
  exit 1
fi
if "$WASM_OBJDUMP" -d kernels.wasm | grep -q 'global\.'; then
  echo "kernels.wasm uses the stack pointer: a stack frame would overwrite tfjs's heap" >&2
  exit 1
fi
echo "built $(pwd)/kernels.wasm"
