# Sourced by run.sh and diagnose/versions.sh: ONNX Runtime builds other than the two the bench starts with.
# npm serves onnxruntime-node for every release, so a plain loop can run at Kino's Java version (the Python
# wheels here are 1.30.0 only), and its native library can serve Kino's Java binding at the wheel's version.
# Needs ROOT, WORK (a folder for the downloads) and PY (a Python for retarget_jni.py).

# node_runtime VERSION: prints the folder of onnxruntime-node VERSION, installing it on first use
# (--ignore-scripts: the CPU libraries are in the package; its install script only fetches CUDA ones).
node_runtime() {
  local dir="$WORK/node/$1"
  if [ ! -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
    command -v npm >/dev/null || { echo "runtimes.sh: npm is needed for onnxruntime-node $1 (apt install npm)" >&2; return 1; }
    mkdir -p "$dir" && (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund "onnxruntime-node@$1" >/dev/null) || return 1
  fi
  echo "$dir/node_modules/onnxruntime-node"
}

# ort_jar: ONNX Runtime Java's jar on the bench's class path (bench/target/lib)
ort_jar() {
  ls "$ROOT"/bench/target/lib/onnxruntime-[0-9]*.jar | head -1
}

# java_version: the ONNX Runtime Java version Kino's bench is built with
java_version() {
  local jar; jar=$(basename "$(ort_jar)" .jar); echo "${jar#onnxruntime-}"
}

# java_own: prints the folder holding ONNX Runtime Java's own native pair, unpacked from its jar
java_own() {
  mkdir -p "$WORK/java/own" && (cd "$WORK/java/own" && unzip -oqj "$(ort_jar)" 'ai/onnxruntime/native/linux-x64/*') &&
    echo "$WORK/java/own"
}

# java_native VERSION: prints a folder for -Donnxruntime.native.path holding ONNX Runtime Java's JNI glue
# and onnxruntime-node VERSION's native library (the glue re-pointed by retarget_jni.py when the versions differ)
java_native() {
  local v=$1 jv dir node own
  jv=$(java_version); dir="$WORK/java/node-$v"
  node=$(node_runtime "$v") || return 1
  own=$(java_own) || return 1
  mkdir -p "$dir"
  cp "$node/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$dir/libonnxruntime.so"
  if [ "$v" = "$jv" ]; then
    cp "$own/libonnxruntime4j_jni.so" "$dir/"
  else
    "$PY" "$ROOT/bench/ort-parity/diagnose/retarget_jni.py" "$own/libonnxruntime4j_jni.so" \
      "$dir/libonnxruntime4j_jni.so" "$jv" "$v" || return 1
  fi
  echo "$dir"
}
