#!/bin/bash
# Reproduces bench/wan-real-size/results.{json,md}: a random-weight Wan 2.1 T2V 1.3B transformer (real config)
# saved as a diffusers folder, exported to a Kino denoiser in fp32 and fp16, loaded and stepped on the CPU by
# ONNX Runtime (Python) and by Kino itself (./kino generate on a package built around each denoiser).
# Needs the Python environment models/setup-debian.sh builds (PYTHON, default models/.venv/bin/python), Java 17 + Maven for ./kino, ~16 GB of scratch disk
# under WORK and ~12 GB of RAM. Not part of CI (gigabytes). Options go to real_size.py all (e.g. --skip-make
# reuses WORK/src and WORK/ref, whose PyTorch reference takes ~20 min with Debian's generic BLAS).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/real-size}
"${PYTHON:-models/.venv/bin/python}" bench/wan-real-size/real_size.py all --work "$WORK" "$@" 2>&1 | grep -v '^Schema error'
python3 bench/wan-real-size/real_size.py kino --work "$WORK"      # host: Java, stdlib Python only
