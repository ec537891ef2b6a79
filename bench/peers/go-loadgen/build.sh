#!/usr/bin/env bash
# Builds this peer into ${AURA_CACHE_DIR:-$HOME/.cache/aura}/bin/bench/go-loadgen (see ../build-go.sh).
exec "$(dirname "${BASH_SOURCE[0]}")/../build-go.sh" go-loadgen
