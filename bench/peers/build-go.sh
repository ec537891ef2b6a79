#!/usr/bin/env bash
# Builds the Go program in bench/peers/NAME into ${AURA_CACHE_DIR:-$HOME/.cache/aura}/bin/bench/NAME.
# Idempotent: go's build cache makes a rebuild of unchanged sources a no-op, and the binary is
# replaced atomically only when its content changed. Each peer's build.sh calls this.
#
#   bench/peers/build-go.sh NAME
set -euo pipefail
name="$1"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/$name" && pwd)"
out_dir="${AURA_CACHE_DIR:-$HOME/.cache/aura}/bin/bench"
out="$out_dir/$name"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$out_dir"
cd "$src"
tmp="$(mktemp "$out_dir/.$name.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
go build -trimpath -o "$tmp" .
if [[ -f "$out" ]] && cmp -s "$tmp" "$out"; then
  echo "up to date: $out"
else
  chmod 0755 "$tmp"
  mv -f "$tmp" "$out"
  echo "built: $out"
fi
