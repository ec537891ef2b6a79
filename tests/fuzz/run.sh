#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with clang (ASan + UBSan, leak detection on) and runs
# each for a fixed time from the seed corpus in tests/fuzz/corpus/<target>/. Fails on any crash,
# leak, sanitizer report, timeout or out-of-memory; the input that caused it is saved under
# <build>/artifacts/<target>/ and the whole log under <build>/logs/<target>.log.
#
#   tests/fuzz/run.sh                     every target, $AURA_FUZZ_SECONDS each
#   tests/fuzz/run.sh fuzz_api_decode     one target
#   build-fuzz/fuzz_admission FILE        replay one input (a crash artifact, a corpus file)
#
#   AURA_FUZZ_SECONDS    how long each target runs (default 60)
#   AURA_FUZZ_BUILD_DIR  build directory (default build-fuzz/ at the repository root)
#   AURA_FUZZ_JOBS       build parallelism (default: the number of cores)
#
# Idempotent: installs clang 19 and libFuzzer when missing (scripts/install-deps.sh --fuzz),
# configures and builds incrementally. Inputs that add coverage go to <build>/corpus/<target>/, so
# later runs on the same machine start from there; the seeds in the repository are only read.
# The seeds are made by tests/fuzz/make_corpus.py from config/samples.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${AURA_FUZZ_BUILD_DIR:-$root/build-fuzz}"
seconds="${AURA_FUZZ_SECONDS:-60}"
jobs="${AURA_FUZZ_JOBS:-$(nproc)}"
targets=("$@")
((${#targets[@]})) || targets=(fuzz_admission fuzz_api_decode fuzz_conversion)

"$root/scripts/install-deps.sh" --fuzz
mkdir -p "$build"
# One run at a time per build directory (a plain `ctest` elsewhere may start one too).
exec 9>"$build/.run.lock"
flock 9
echo "== build the fuzz targets (clang 19, ASan + UBSan + libFuzzer) in $build"
cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-19 >/dev/null
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

# ASan and UBSan abort at the first report (the targets are built with -fno-sanitize-recover);
# libFuzzer then saves the input and exits with -error_exitcode.
asan="detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export ASAN_OPTIONS="$asan:strict_init_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
# The symbolizer of the same LLVM (package llvm-19); without one, reports show bare addresses.
export ASAN_SYMBOLIZER_PATH="${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-19/bin/llvm-symbolizer}"

failed=()
for target in "${targets[@]}"; do
  name="${target#fuzz_}"
  seeds="$root/tests/fuzz/corpus/$name"
  corpus="$build/corpus/$name"
  artifacts="$build/artifacts/$name"
  log="$build/logs/$target.log"
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  # Reproducers of fixed bugs (regress-*) run first, whole: fuzzing would cut them to -max_len.
  status=0
  regress=("$seeds"/regress-*)
  if [[ -e "${regress[0]}" ]]; then
    echo "== $target: ${#regress[@]} regression inputs"
    "$build/$target" -error_exitcode=77 -timeout=30 "${regress[@]}" >"$log.regress" 2>&1 ||
      status=$?
    if ((status != 0)); then
      echo "!! $target failed on a regression input (exit $status), log in $log.regress:"
      grep -aE -A 30 'ERROR: |runtime error:|fuzz_[a-z_]+: ' "$log.regress" | head -n 60 || true
      failed+=("$target")
      continue
    fi
  fi
  echo "== $target: ${seconds}s from $seeds"
  "$build/$target" -max_total_time="$seconds" -error_exitcode=77 -timeout_exitcode=78 \
    -timeout=10 -rss_limit_mb=2048 -max_len=16384 -detect_leaks=1 -print_final_stats=1 \
    -dict="$root/tests/fuzz/json.dict" -artifact_prefix="$artifacts/" \
    "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  # The last coverage line and the final statistics, then any report.
  grep -aE '^#[0-9]+' "$log" | tail -n 1 || true
  grep -aE '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
    "$log" || true
  if ((status != 0)) ||
    grep -aqE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
    echo "!! $target failed (exit $status); input saved under $artifacts/, log in $log:"
    grep -aE -A 30 'ERROR: |runtime error:|fuzz_[a-z_]+: ' "$log" | head -n 60 || tail -n 40 "$log"
    failed+=("$target")
  else
    echo "   $target: no crash, leak or sanitizer report"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} of ${#targets[@]} targets failed: ${failed[*]}"
  exit 1
fi
echo "fuzz: ${#targets[@]} of ${#targets[@]} targets ran ${seconds}s each without a finding"
