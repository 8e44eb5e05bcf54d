#!/bin/sh
# Builds kernels.wasm (WebAssembly SIMD) and kernels-relaxed.wasm (the same
# sources with relaxed SIMD's fused multiply-add, madd.h) from every .c file
# here (one kernel or family per file). Needs clang and wasm-ld 19 (Debian 12:
# apt-get install clang-19 lld-19 wabt; older clang lacks relaxed SIMD or
# emits its pre-standard opcodes); the built modules are committed, so neither
# users nor tests need them. Rebuild after editing a .c file; the build is
# deterministic (same bytes each time).
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
WASM_LD=${WASM_LD:-wasm-ld-19}
WASM_OBJDUMP=${WASM_OBJDUMP:-wasm-objdump}
OBJECTS=$(mktemp -d)
trap 'rm -rf "$OBJECTS"' EXIT

# build <output> <extra clang flags...>
build() {
  output=$1
  shift
  rm -f "$OBJECTS"/*.o
  # kernels.c first, then the others in name order, so the link order is fixed.
  # -ffp-contract=off: no multiply-add the source does not ask for (MADD in madd.h);
  # adam_update.c must round like tfjs, step by step.
  for source in kernels.c $(ls *.c | grep -v '^kernels\.c$' | LC_ALL=C sort); do
    "$CLANG" --target=wasm32 -O3 -ffp-contract=off -msimd128 "$@" -nostdlib -fno-builtin -ffreestanding -c "$source" -o "$OBJECTS/${source%.c}.o"
  done
  # The heap belongs to tfjs-backend-wasm: import its memory and keep nothing of
  # our own in it, no data and no stack (a stack would sit at an address that
  # tfjs uses), which the checks below confirm.
  "$WASM_LD" --no-entry --import-memory -z stack-size=0 "$OBJECTS/kernels.o" $(ls "$OBJECTS"/*.o | grep -v '/kernels\.o$' | LC_ALL=C sort) -o "$output"
  if "$WASM_OBJDUMP" -h "$output" | grep -q ' Data '; then
    echo "$output has a data section: it would overwrite tfjs's heap when loaded" >&2
    exit 1
  fi
  if "$WASM_OBJDUMP" -d "$output" | grep -q 'global\.'; then
    echo "$output uses the stack pointer: a stack frame would overwrite tfjs's heap" >&2
    exit 1
  fi
  echo "built $(pwd)/$output"
}

build kernels.wasm
build kernels-relaxed.wasm -mrelaxed-simd -DCONVNET_RELAXED_SIMD
