#!/usr/bin/env bash
# Admission webhook benchmark: builds what it needs, then runs bench/webhooks/run.py (all flags
# are passed on; --help lists them).
#
#   bench/webhooks/run.sh                 # 3 rounds, 20 s per measurement (~12 min)
#   bench/webhooks/run.sh --rounds 1 --duration 8
#
# Builds: aura-webhook-bench-server and aura-loadgen in build-bench-wh/ (RelWithDebInfo, -j1, its own build dir;
# AURA_BENCH_BUILD_DIR to change it), the Go peer and the load generator into
# ${AURA_CACHE_DIR:-~/.cache/aura}/bin/bench/. Installs wrk with apt-get when missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${AURA_BENCH_BUILD_DIR:-$root/build-bench-wh}"

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi
fi
if [[ ! -f "$build/build.ninja" ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" --target aura-webhook-bench-server aura-loadgen -j1
"$root/bench/peers/go-webhook/build.sh"
"$root/bench/peers/go-loadgen/build.sh"
exec python3 "$here/run.py" --aura-bin "$build/bench/aura-webhook-bench-server" \
  --aura-loadgen-bin "$build/bench/aura-loadgen" "$@"
