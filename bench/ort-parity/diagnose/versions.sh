#!/usr/bin/env bash
# Which part of the gap between Kino and the Python onnxruntime loop is the ONNX Runtime build itself?
# The same denoiser step, CPU time per step with spinning off (work, not waiting: load-independent), through:
#   python   the Python wheel (onnxruntime 1.30.0, statically linked)
#   node     a plain onnxruntime-node loop (ort_loop.mjs) on 1.29.0 and on 1.30.0 (npm serves both)
#   java     ONNX Runtime Java 1.29.0 (Kino's dependency) on its own native library, on onnxruntime-node's
#            1.29.0 library, and on onnxruntime-node's 1.30.0 library (retarget_jni.py)
# in alternating order for ROUNDS rounds.
#
#   bench/ort-parity/diagnose/versions.sh GRAPH C,F,H,W L,D [STEPS] [ROUNDS]
#
# PYTHON: a Python with onnxruntime + numpy (bench/ort-parity/requirements.txt). Needs node + npm (the
# onnxruntime-node packages are installed into bench/ort-parity/work/node/ with --ignore-scripts: the CPU
# libraries are in the package) by ../runtimes.sh. Builds Kino's bench first.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"; ROOT="$(cd "$HERE/../../.." && pwd)"
GRAPH=$1; LAT=$2; TXT=$3; STEPS=${4:-3}; ROUNDS=${5:-2}
PY=${PYTHON:-python3}
WORK="$ROOT/bench/ort-parity/work"
"$ROOT/kino" bench --version >/dev/null
CP="$ROOT/bench/target/lib/*"
source "$ROOT/bench/ort-parity/runtimes.sh"
# Kino's Java version and the Python wheel's, each as a plain Node loop and as Java's native library
JV=$(java_version); PV=$("$PY" -c 'import onnxruntime; print(onnxruntime.__version__)')
java_own >/dev/null; java_native "$JV" >/dev/null; java_native "$PV" >/dev/null
IFS=, read -r C F H W <<< "$LAT"; IFS=, read -r L D <<< "$TXT"
side() {
  case $1 in
    python) "$PY" "$HERE/cpu_per_step.py" "$GRAPH" "$LAT" "$TXT" "$STEPS" 0 ;;
    node-*) ORT_NODE=$(node_runtime "${1#node-}") node "$HERE/../ort_loop.mjs" "$GRAPH" \
              --latent "$LAT" --text "$TXT" --steps "$STEPS" --warmup 2 --cpu |
            "$PY" -c 'import json, sys, statistics as s
d = json.load(sys.stdin); cpu = s.mean(d["cpu_seconds"]) * 1e3; wall = s.median(d["step_seconds"]) * 1e3
print("%s spin=0: CPU %.2f ms per step (mean), wall median %.2f ms" % (d["runtime"], cpu, wall))' ;;
    java-*) java -Donnxruntime.native.path="$WORK/java/${1#java-}" -cp "$CP" "$HERE/OrtJavaVariants.java" \
              "$GRAPH" "$STEPS" "$C" "$F" "$H" "$W" "$L" "$D" pinned-nospin | sed "s/^pinned-nospin/java on ${1#java-} native/" ;;
  esac
}
SIDES=(python "node-$JV" "node-$PV" java-own "java-node-$JV" "java-node-$PV")
for r in $(seq 1 "$ROUNDS"); do
  order=("${SIDES[@]}"); [ $((r % 2)) -eq 0 ] && order=($(printf '%s\n' "${SIDES[@]}" | tac))
  for s in "${order[@]}"; do echo "[$(date +%H:%M:%S) round $r, load $(cut -d' ' -f1 /proc/loadavg)] $(side "$s" 2>&1 | tail -1)"; done
done
