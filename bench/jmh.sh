#!/bin/bash
# Builds the engine and the benchmarks (no install) and runs JMH; arguments go to JMH, e.g.
#   bench/jmh.sh SchedulerStepBenchmark -p scheduler=flow-unipc
#   bench/jmh.sh -l                       (list benchmarks)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -pl bench -am package -DskipTests
exec java -cp "bench/target/classes:bench/target/lib/*" org.openjdk.jmh.Main "$@"
