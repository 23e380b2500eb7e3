#!/bin/bash
# Reproduces bench/ltx-real-size/results.{json,md}: a random-weight LTX-Video 2B transformer (real config) saved
# as a bf16 diffusers folder, exported to a Kino denoiser, stepped by ONNX Runtime (Python) and by Kino itself
# (./kino generate on a package built around it). Needs the export tooling (models/export/requirements.txt)
# run through a Python with PyTorch 2.x (PY, default python3), Java 17 + Maven for ./kino, ~12 GB of scratch disk
# per precision under WORK and ~12 GB of RAM. Not part of CI (gigabytes).
#   PRECISIONS=fp32,fp16 bench/ltx-real-size/run.sh      (default fp32,fp16)
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/ltx-real-size}
PY=${PY:-python3}
PRECISIONS=${PRECISIONS:-fp32,fp16}
nice -n 10 $PY bench/ltx-real-size/real_size.py all --work "$WORK" --precisions "$PRECISIONS" "$@" 2>&1 | grep -v '^Schema error'
nice -n 10 python3 bench/ltx-real-size/real_size.py kino --work "$WORK" --precisions "$PRECISIONS"   # host: Java
