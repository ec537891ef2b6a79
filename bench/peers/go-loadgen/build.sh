#!/usr/bin/env bash
# Builds the Go reference peer into ${AURA_CACHE_DIR:-$HOME/.cache/aura}/bin/bench/go-loadgen.
# Idempotent: go's build cache makes a rebuild of unchanged sources a no-op, and the binary is
# replaced atomically only when its content changed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out_dir="${AURA_CACHE_DIR:-$HOME/.cache/aura}/bin/bench"
out="$out_dir/go-loadgen"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$out_dir"
cd "$here"
tmp="$(mktemp "$out_dir/.go-loadgen.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
go build -trimpath -o "$tmp" .
if [[ -f "$out" ]] && cmp -s "$tmp" "$out"; then
  echo "up to date: $out"
else
  chmod 0755 "$tmp"
  mv -f "$tmp" "$out"
  echo "built: $out"
fi
