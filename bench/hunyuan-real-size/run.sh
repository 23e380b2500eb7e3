#!/bin/bash
# Reproduces the measured part of bench/hunyuan-real-size/results.md: HunyuanVideo 1.5 with RANDOM weights at the
# real config, exported (fp32, weights generated tensor by tensor), converted to w4 without a whole-graph load
# (quantize_package.py, streamed), then ./kino info + ./kino generate at 64x64x5 under /usr/bin/time -v.
# Needs ~42 GB of scratch disk under WORK at the peak (fp32 package 37.3 GB + w4 denoiser 4.7 GB), ~5 GiB of RAM to
# export, ~1 GiB to convert, ~10 GiB for Kino; hours on 2 cores. Not part of CI.
#   bench/hunyuan-real-size/run.sh [make|export|kinopkg|kino|clean]...     (default: all stages in order)
# PUNCH=1: free the fp32 denoiser's bytes as they are converted (what the record did: the shared disk had no room).
# PY: Python with PyTorch 2.x + diffusers (export; default python3). QPY: Python with onnx + onnxruntime (kinopkg).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/hunyuan-real}
PY=${PY:-python3}
QPY=${QPY:-python3}
REC=bench/hunyuan-real-size/record.py
stages=${*:-make export kinopkg kino}
for s in $stages; do
  case $s in
    make)    $PY $REC make --work "$WORK" ;;
    export)  /usr/bin/time -v $PY $REC export --work "$WORK" 2>&1 | grep -v '^Schema' | tee "$WORK/export.log" ;;
    kinopkg) /usr/bin/time -v $QPY $REC kinopkg --work "$WORK" --mode w4 --text-lengths 256:32 ${PUNCH:+--punch-holes} 2>&1 \
               | grep -v ' \[INFO\] ' | tee "$WORK/kinopkg.log"
             rm -f "$WORK/fp32/denoiser.onnx_data" ;;           # 33.3 GB: not needed once w4 is written
    kino)    python3 $REC kino --work "$WORK" --package w4-text256-32 --size 64x64x5 --steps 3
             python3 $REC kino --work "$WORK" --package w4 --size 64x64x5 --steps 2 ;;
    clean)   rm -rf "$WORK" ;;
    *)       echo "unknown stage $s (make, export, kinopkg, kino, clean)"; exit 2 ;;
  esac
done
