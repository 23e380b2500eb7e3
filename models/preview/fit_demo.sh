#!/usr/bin/env bash
# Fits the built-in demo model's live-preview factors on 18 of its own generations and writes them into
# models/demo/package/kino.json. Needs the kino launcher (repo root) and Python with requirements.txt.
#   bash models/preview/fit_demo.sh [PYTHON]
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$HERE/../.."
PY="${1:-python3}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
i=0
for color in red green blue yellow white purple; do
  for shape in circle square triangle; do
    dirs=(left right up down)
    i=$((i + 1))
    "$ROOT/kino" generate "a $color $shape moving ${dirs[$((i % 4))]}" --seed "$i" -q \
      -o "$WORK/$i.mp4" --latents-out "$WORK/$i.npy" >/dev/null
  done
done
"$PY" "$HERE/fit_preview_factors.py" "$ROOT/models/demo/package" --latents "$WORK"/*.npy --write
