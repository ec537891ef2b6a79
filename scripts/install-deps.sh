#!/usr/bin/env bash
# Installs everything Aura needs to build and test on a fresh Debian 12 machine.
# Idempotent: packages already present are skipped, so a warm machine pays only
# the dpkg check. Both README commands and .ci/run call this first; tests/fuzz/run.sh calls it
# with --fuzz.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates curl
  libcurl4-openssl-dev nlohmann-json3-dev libssl-dev libyaml-cpp-dev
  libboost1.81-dev libspdlog-dev libfmt-dev libpugixml-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format python3-venv openssl procps psmisc
)
# `--fuzz` adds what tests/fuzz/run.sh needs: clang 19 with libFuzzer and the sanitizer runtimes,
# and llvm-19 for llvm-symbolizer (readable sanitizer stack traces).
if [[ "${1:-}" == "--fuzz" ]]; then
  packages+=(clang-19 libclang-rt-19-dev llvm-19)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all packages present"
