#!/usr/bin/env bash
# Creates the Python venv that runs moto's server for the local test environment:
#   ${AURA_CACHE_DIR:-$HOME/.cache/aura}/venv-moto-5.2.5
# with moto[server]==5.2.5 (plus boto3, which moto brings). Idempotent: an
# existing venv whose moto imports at the pinned version is left alone.
#
# Usage: tests/env/setup-moto.sh [--print-python]
set -euo pipefail

MOTO_VERSION=5.2.5
CACHE_DIR="${AURA_CACHE_DIR:-$HOME/.cache/aura}"
VENV="$CACHE_DIR/venv-moto-$MOTO_VERSION"
PY="$VENV/bin/python"

if [[ "${1:-}" == "--print-python" ]]; then
  echo "$PY"
  exit 0
fi

ok() {
  [[ -f "$VENV/.aura-complete" && -x "$PY" ]] && "$PY" - "$MOTO_VERSION" <<'EOF' >/dev/null 2>&1
import sys, importlib.metadata as md
assert md.version("moto") == sys.argv[1]
import moto.server, boto3, werkzeug  # noqa: F401
EOF
}

if ok; then
  echo "ok      $VENV (moto $MOTO_VERSION)"
  exit 0
fi

# Any python3 >= 3.9 will do; prefer the one on PATH.
BASE_PY="${AURA_PYTHON:-$(command -v python3 || true)}"
[[ -n "$BASE_PY" ]] || { echo "setup-moto.sh: python3 is not on PATH" >&2; exit 1; }

# A venv is usable only once the marker is written after a complete install,
# so an interrupted run is redone from scratch next time.
MARKER="$VENV/.aura-complete"
mkdir -p "$CACHE_DIR"
rm -rf "$VENV"
echo "create  $VENV with $BASE_PY"
"$BASE_PY" -m venv "$VENV"
if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"; then
  rm -rf "$VENV"
  echo "setup-moto.sh: pip install moto[server]==$MOTO_VERSION failed" >&2
  exit 1
fi
touch "$MARKER"
ok || { rm -rf "$VENV"; echo "setup-moto.sh: moto $MOTO_VERSION does not import in $VENV" >&2; exit 1; }
echo "ready   $VENV (moto $MOTO_VERSION)"
