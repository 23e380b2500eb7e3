#!/bin/bash
# Reproduces the measured part of bench/hunyuan-real-size/results.md: HunyuanVideo 1.5 with RANDOM weights at the
# real config, exported (fp32, weights generated tensor by tensor), converted to w4 without a whole-graph load
# (quantize_package.py, streamed), its Gemm (modulation) layers converted too (--gemm, as a second streamed pass),
# then ./kino info + ./kino generate at 64x64x5 under /usr/bin/time -v. Not part of CI.
# Needs ~42 GB of scratch disk under WORK at the peak (fp32 package 37.3 GB + the w4 denoiser; PUNCH=1 frees the fp32
# denoiser's bytes as they are converted, as the record did on a full shared disk), ~5 GiB of RAM to export,
# under 0.5 GiB to convert, ~10 GiB for Kino (kino info opens every session too); an hour or more on 2 cores.
#   bench/hunyuan-real-size/run.sh [make|export|kinopkg|gemm|kino|clean]...     (default: all stages in order)
# PY: Python with PyTorch 2.x + diffusers (make, export; default python3). QPY: Python with onnx + onnxruntime.
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/hunyuan-real}
PY=${PY:-python3}
QPY=${QPY:-python3}
REC=bench/hunyuan-real-size/record.py
stages=${*:-make export kinopkg gemm kino}
mkdir -p "$WORK"
for s in $stages; do
  case $s in
    make)    $PY $REC make --work "$WORK" ;;
    export)  /usr/bin/time -v $PY $REC export --work "$WORK" 2>&1 | grep -v '^Schema' | tee "$WORK/export.log" ;;
    kinopkg) /usr/bin/time -v $QPY $REC kinopkg --work "$WORK" --mode w4 --text-lengths 256:32 ${PUNCH:+--punch-holes} \
               2>&1 | grep -v ' \[INFO\] ' | tee "$WORK/kinopkg.log"
             rm -f "$WORK/fp32/denoiser.onnx_data" ;;           # 33.1 GB: not needed once w4 is written
    gemm)    /usr/bin/time -v $QPY $REC gemm --work "$WORK" --text-lengths 256:32 2>&1 | tee "$WORK/gemm.log" ;;
    kino)    python3 $REC kino --work "$WORK" --package w4-gemm-text256-32 --size 64x64x5 --steps 3
             python3 $REC kino --work "$WORK" --package w4-gemm --size 64x64x5 --steps 2 --no-info ;;
    clean)   rm -rf "$WORK" ;;
    *)       echo "unknown stage $s (make, export, kinopkg, gemm, kino, clean)"; exit 2 ;;
  esac
done
