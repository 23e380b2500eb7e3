#!/usr/bin/env bash
# Kino against a plain ONNX Runtime loop on the same denoiser graphs, in alternating rounds (the order
# reverses every round, so drift on a busy machine hits every side alike); prints each side's time per step
# and the ratios, round by round, then their medians and ranges.
#
#   bench/ort-parity/run.sh [demo|wan|all] [ROUNDS]          (default: all 3)
#
# Sides (SIDES, default all four when node/npm are on the PATH, else "python kino"):
#   python    a plain Python onnxruntime loop (ort_loop.py; the wheel's version, 1.30.0 here)
#   kino      Kino (`kino bench parity`) on ONNX Runtime Java's own native library (1.29.0)
#   node      a plain onnxruntime-node loop (ort_loop.mjs) at Kino's Java version: same runtime as `kino`
#   kino-wheel   Kino on onnxruntime-node's native library of the Python wheel's version: same runtime as `python`
# so kino/node and kino-wheel/python compare Kino with a bare loop on one and the same ONNX Runtime release.
#
# PYTHON   a Python with bench/ort-parity/requirements.txt (default: python3)
# TORCH_PYTHON  adds a side on the Wan-width model: PyTorch eager (torch_eager.py; a Python with diffusers:
#          the environment of models/setup-debian.sh); unset: skipped
#          and, beside it, PyTorch under bf16 autocast (torch-bf16: what a CPU user runs to go faster)
# MODES    precision modes of Kino on the Wan-width model, one side each (kino-int8, kino-w4, ...): the graphs
#          bench/ort-parity/make_modes.sh writes into work/modes/ (default: every one found there)
# TORCH_SIDES  which PyTorch sides TORCH_PYTHON adds (default "torch torch-bf16")
# FIRST_ROUND  number of the first round (default 1): more rounds into an earlier OUT, order still alternating
# WAN_STEPS measured steps per run on the Wan-width model (default 3; one warm-up step before them)
# THREADS  intra-op threads for every runtime (default 0: each runtime's default, one per physical core)
# The Wan-width graph is made once by make_wan_width.py (bench/ort-parity/work/wan-width).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY=${PYTHON:-python3}
WHICH=${1:-all}
ROUNDS=${2:-3}
THREADS=${THREADS:-0}
FIRST_ROUND=${FIRST_ROUND:-1}
WORK="$HERE/work"
OUT=${OUT:-$WORK/results-$(date +%Y%m%d-%H%M%S)}   # every side's JSON stays here
mkdir -p "$OUT"
if [ -z "${SIDES:-}" ]; then
  SIDES="python kino"; command -v node >/dev/null && command -v npm >/dev/null && SIDES="python kino node kino-wheel"
fi
read -r -a SIDE_LIST <<< "$SIDES"

"$ROOT/kino" bench --version >/dev/null   # builds Kino first, outside any timing
source "$HERE/runtimes.sh"
PY_VERSION=$("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)')
for s in "${SIDE_LIST[@]}"; do   # downloads and copies, outside any timing
  case $s in
    node) NODE_ORT=$(node_runtime "$(java_version)") ;;
    kino-wheel) KINO_WHEEL_NATIVE=$(java_native "$PY_VERSION") ;;
  esac
done

# case NAME GRAPH LATENT TEXT STEPS WARMUP
run_case() {
  local name=$1 graph=$2 latent=$3 text=$4 steps=$5 warmup=$6
  [ -f "$graph" ] || { echo "$graph is missing (make it with bench/ort-parity/make_wan_width.py)" >&2; exit 1; }
  for r in $(seq "$FIRST_ROUND" $((FIRST_ROUND + ROUNDS - 1))); do
    local sides=("${SIDE_LIST[@]}")
    [ "$name" = wan ] && [ -n "${TORCH_PYTHON:-}" ] && sides+=(${TORCH_SIDES:-torch torch-bf16})
    if [ "$name" = wan ]; then
      for m in ${MODES-$(ls "$HERE/work/modes" 2>/dev/null | sed -n 's/\.onnx$//p')}; do sides+=("kino-$m"); done
    fi
    local order=("${sides[@]}")
    [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${sides[@]}" | tac))
    for side in "${order[@]}"; do
      echo "[$(date +%H:%M:%S)] $name round $r: $side (load $(cut -d' ' -f1 /proc/loadavg))" >&2
      local json="$OUT/$name.$side.$r.json"
      case $side in
        python) "$PY" "$HERE/ort_loop.py" "$graph" --latent "$latent" --text "$text" --steps "$steps" \
                  --warmup "$warmup" --threads "$THREADS" > "$json" ;;
        node) ORT_NODE="$NODE_ORT" node "$HERE/ort_loop.mjs" "$graph" --latent "$latent" --text "$text" \
                --steps "$steps" --warmup "$warmup" --threads "$THREADS" > "$json" ;;
        kino|kino-wheel|kino-*)
          local opts=${KINO_JAVA_OPTS:-} g=$graph
          [ "$side" = kino-wheel ] && opts="$opts -Donnxruntime.native.path=$KINO_WHEEL_NATIVE"
          [ "$side" != kino ] && [ "$side" != kino-wheel ] && g="$HERE/work/modes/${side#kino-}.onnx"
          KINO_JAVA_OPTS="$opts" "$ROOT/kino" bench parity --graph "$g" --latent "$latent" --text "$text" \
            --steps "$steps" --warmup "$warmup" --threads "$THREADS" --save-prediction "${json%.json}.bin" > "$json" ;;
        torch|torch-bf16)
          local autocast=(); [ "$side" = torch-bf16 ] && autocast=(--autocast bf16)
          "$TORCH_PYTHON" "$HERE/torch_eager.py" --model "$(dirname "$graph")" --latent "$latent" \
                 --text "$text" --steps "$steps" --warmup "$warmup" --threads "$THREADS" "${autocast[@]}" \
                 --save-prediction "${json%.json}.bin" > "$json" ;;
        *) echo "unknown side $side (python, kino, node, kino-wheel, kino-MODE, torch, torch-bf16)" >&2; exit 1 ;;
      esac
    done
  done
}

if [ "$WHICH" = demo ] || [ "$WHICH" = all ]; then
  # the built-in demo model: 64x64, 16 frames -> latents 8x8x8x8, text 16x64; cond + uncond in one batch
  run_case demo "$ROOT/models/demo/package/denoiser.onnx" 8,8,8,8 16,64 40 5
fi
if [ "$WHICH" = wan ] || [ "$WHICH" = all ]; then
  # Wan-width transformer, 17 frames 256x256 -> latents 16x5x32x32, UMT5 text 512x4096
  run_case wan "$HERE/work/wan-width/denoiser.onnx" 16,5,32,32 512,4096 "${WAN_STEPS:-3}" 1
fi
"$PY" "$HERE/compare.py" "$OUT" | tee "$OUT/table.txt"
