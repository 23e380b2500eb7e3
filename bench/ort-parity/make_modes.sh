#!/usr/bin/env bash
# Writes the Wan-width denoiser (work/wan-width/denoiser.onnx, from make_wan_width.py) in every precision mode
# into work/modes/, for run.sh's kino-MODE sides: int8 (dynamic), w8 and w4 (MatMulNBits, blocks of 32,
# accuracy level 4 = int8 arithmetic), w4-b128 (blocks of 128), fp16, bf16. Takes ~7 minutes and ~3.5 GB on 2 cores.
#
#   QUANT_PYTHON=models/.venv/bin/python bench/ort-parity/make_modes.sh [MODE...]
#
# QUANT_PYTHON: a Python with models/quantize/requirements.txt (default python3).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
Q="$HERE/../../models/quantize/quantize_graph.py"
PY=${QUANT_PYTHON:-python3}
SRC="$HERE/work/wan-width/denoiser.onnx"
[ -f "$SRC" ] || { echo "$SRC is missing (make it with bench/ort-parity/make_wan_width.py)" >&2; exit 1; }
mkdir -p "$HERE/work/modes"
for m in ${@:-int8 w8 w4 w4-b128 fp16 bf16}; do
  case $m in
    w8|w4) args=(--mode "$m" --block-size 32 --accuracy-level 4) ;;
    w4-b128) args=(--mode w4 --block-size 128 --accuracy-level 4) ;;
    *) args=(--mode "$m") ;;
  esac
  "$PY" "$Q" "$SRC" "$HERE/work/modes/$m.onnx" "${args[@]}" --no-check
done
