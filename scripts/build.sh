#!/usr/bin/env bash
# Configures and builds Aura into build/ (or $AURA_BUILD_DIR). Extra arguments go to cmake's
# configure step, e.g. -DAURA_SANITIZE=ON.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${AURA_BUILD_DIR:-$root/build}"
cmake -S "$root" -B "$build_dir" -G Ninja "$@" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
