#!/usr/bin/env bash
# Runs every test: unit and integration tests on a normal build, then the same under
# AddressSanitizer and UndefinedBehaviorSanitizer, then the libFuzzer targets for a fixed time. Installs what it needs first, so it works on a
# fresh Debian 12 machine: Debian packages, the Kubernetes and etcd binaries (built once from the
# Go module proxy, cached in ~/.cache/aura), and moto in a virtual environment.
#
#   scripts/test.sh            everything
#   scripts/test.sh --fast     unit tests of the normal build only
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

"$root/scripts/install-deps.sh"
fast=false
[[ "${1:-}" == "--fast" ]] && fast=true

if ! $fast; then
  "$root/tests/env/build-binaries.sh"
  "$root/tests/env/setup-moto.sh"
fi

echo "== build (RelWithDebInfo)"
AURA_BUILD_DIR="$root/build" "$root/scripts/build.sh" -DAURA_SANITIZE=OFF
if $fast; then
  ctest --test-dir "$root/build" -L unit --output-on-failure
  exit 0
fi
echo "== unit, integration and e2e tests"
ctest --test-dir "$root/build" -L 'unit|integration|e2e' --output-on-failure

echo "== build with ASan and UBSan"
AURA_BUILD_DIR="$root/build-asan" "$root/scripts/build.sh" -DAURA_SANITIZE=ON -DAURA_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=Debug
echo "== unit and integration tests under ASan and UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -L 'unit|integration' --output-on-failure

echo "== fuzz targets (clang, libFuzzer with ASan and UBSan), ${AURA_FUZZ_SECONDS:-60} s each"
AURA_FUZZ_SECONDS="${AURA_FUZZ_SECONDS:-60}" "$root/tests/fuzz/run.sh"
