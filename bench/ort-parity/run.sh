#!/usr/bin/env bash
# Kino against a plain Python onnxruntime loop on the same denoiser graphs, in alternating rounds (the order
# flips every round, so drift on a busy machine hits both sides alike); prints each side's time per step and
# the ratio, round by round, then the median and range of the ratios.
#
#   bench/ort-parity/run.sh [demo|wan|all] [ROUNDS]          (default: all 3)
#
# PYTHON   a Python with bench/ort-parity/requirements.txt (default: python3)
# TORCH_PYTHON  also time PyTorch eager on the Wan-width model (a Python with diffusers: the environment of
#          models/setup-debian.sh); unset: skipped
# THREADS  intra-op threads for both runtimes (default 0: each runtime's default, one per physical core)
# The Wan-width graph is made once by make_wan_width.py (bench/ort-parity/work/wan-width).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=${PYTHON:-python3}
WHICH=${1:-all}
ROUNDS=${2:-3}
THREADS=${THREADS:-0}
OUT=${OUT:-$HERE/work/results-$(date +%Y%m%d-%H%M%S)}   # every side's JSON stays here
mkdir -p "$OUT"

"$ROOT/kino" bench --version >/dev/null   # builds Kino first, outside any timing

# case NAME GRAPH LATENT TEXT STEPS WARMUP
run_case() {
  local name=$1 graph=$2 latent=$3 text=$4 steps=$5 warmup=$6
  [ -f "$graph" ] || { echo "$graph is missing (make it with bench/ort-parity/make_wan_width.py)" >&2; exit 1; }
  for r in $(seq 1 "$ROUNDS"); do
    local sides=(python kino)
    [ $((r % 2)) -eq 0 ] && sides=(kino python)
    for side in "${sides[@]}"; do
      echo "[$(date +%H:%M:%S)] $name round $r: $side" >&2
      if [ "$side" = python ]; then
        "$PY" "$HERE/ort_loop.py" "$graph" --latent "$latent" --text "$text" --steps "$steps" --warmup "$warmup" \
          --threads "$THREADS" > "$OUT/$name.python.$r.json"
      else
        "$ROOT/kino" bench parity --graph "$graph" --latent "$latent" --text "$text" --steps "$steps" \
          --warmup "$warmup" --threads "$THREADS" > "$OUT/$name.kino.$r.json"
      fi
    done
  done
}

if [ "$WHICH" = demo ] || [ "$WHICH" = all ]; then
  # the built-in demo model: 64x64, 16 frames -> latents 8x8x8x8, text 16x64; cond + uncond in one batch
  run_case demo "$ROOT/models/demo/package/denoiser.onnx" 8,8,8,8 16,64 40 5
fi
if [ "$WHICH" = wan ] || [ "$WHICH" = all ]; then
  # Wan-width transformer, 17 frames 256x256 -> latents 16x5x32x32, UMT5 text 512x4096
  run_case wan "$HERE/work/wan-width/denoiser.onnx" 16,5,32,32 512,4096 3 1
  if [ -n "${TORCH_PYTHON:-}" ]; then
    echo "[$(date +%H:%M:%S)] wan: pytorch eager" >&2
    "$TORCH_PYTHON" "$HERE/torch_eager.py" --model "$HERE/work/wan-width" --latent 16,5,32,32 --text 512,4096 \
      --steps 3 --warmup 1 --threads "$THREADS" > "$OUT/wan.torch.1.json" || { echo "PyTorch eager failed" >&2; rm -f "$OUT/wan.torch.1.json"; }
  fi
fi
"$PY" "$HERE/compare.py" "$OUT" | tee "$OUT/table.txt"
