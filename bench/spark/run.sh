#!/usr/bin/env bash
# Renders/minute of the demo model's 12-take list (takes12.json, 20 steps each): one `kino render` process
# against RenderJob on Spark local[1] and local[2], each task with one ONNX Runtime thread (spark.task.cpus=1),
# so two tasks use the two cores without oversubscribing them. Prints one line per setup; see README.md here.
#   bench/spark/run.sh [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="${1:-$(mktemp -d)}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
cd "$ROOT"
# The fat jar, the kino program, and the classpath of kino-spark's provided (Spark) and compile dependencies.
mvn -q -B -o -DskipTests -pl engine/spark,engine/cli -am package dependency:build-classpath \
    -Dmdep.includeScope=provided -Dmdep.outputFile=target/spark.classpath >/dev/null
# What a cluster brings is Spark's jars alone: drop Kino's modules and Kino's own dependencies, so that every
# Kino class comes from kino-spark.jar, as under spark-submit.
KINO_DEPS='/target/|/(com/microsoft/onnxruntime|ai/djl|net/java/dev/jna|org/bytedeco|com/fasterxml/jackson/dataformat|org/yaml|me/tongfei|org/jline|org/jfree|info/picocli)/'
tr ':' '\n' < engine/spark/target/spark.classpath | grep -vE "$KINO_DEPS" | paste -sd: - > "$OUT/spark.classpath"
OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false)
export DJL_OFFLINE=true KINO_CACHE="$OUT/cache"
LIST=bench/spark/takes12.json

# seconds LOG COMMAND...: runs COMMAND with its output in LOG, prints its wall time in seconds
seconds() {
  local log=$1; shift; local s=$(date +%s.%N)
  "$@" > "$log" 2>&1 || { echo "failed: $* (see $log)" >&2; return 1; }
  echo "$(date +%s.%N) - $s" | bc
}

t=$(seconds "$OUT/loop.log" ./kino render "$LIST" --out "$OUT/loop" -q --device cpu)
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'one process (kino render): %6.1f s end to end, %5.1f takes/minute\n' "$t" "$(echo "12 * 60 / $t" | bc -l)"

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for master in 'local[1]' 'local[2]'; do
  dir="$OUT/spark-${master//[^0-9]/}"
  t=$(seconds "$dir.log" java "${OPENS[@]}" -Dai.djl.offline=true -Dspark.ui.enabled=false -Dspark.driver.host=127.0.0.1 \
      -cp "$(cat "$OUT/spark.classpath")" org.apache.spark.deploy.SparkSubmit --master "$master" \
      --class dev.kino.spark.RenderJob engine/spark/target/kino-spark.jar \
      --shots "$LIST" --out "$dir")
  printf 'RenderJob %s: %6.1f s end to end, %5.1f takes/minute; %s\n' "$master" "$t" \
    "$(echo "12 * 60 / $t" | bc -l)" "$(grep -o 'Render job:.*' "$dir.log")"
done
