#!/bin/bash
# Reproduces bench/wan-real-size/results.{json,md}: a random-weight Wan 2.1 T2V 1.3B transformer (real config)
# saved as a diffusers folder, exported to a Kino denoiser in fp32 and fp16, loaded and stepped on the CPU.
# Needs kino-py (bash /work/shared/tools/pytorch2-env.sh), ~20 GB of scratch disk under WORK and ~12 GB of RAM.
# Not part of CI. Usage: bench/wan-real-size/run.sh [--kino 'COMMAND {package}']
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/real-size}
kino-py bench/wan-real-size/real_size.py all --work "$WORK" "$@" 2>&1 | grep -v '^Schema error'
