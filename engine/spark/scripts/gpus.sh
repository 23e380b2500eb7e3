#!/usr/bin/env bash
# Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript): prints this machine's GPU indices
# in the JSON Spark expects, e.g. {"name": "gpu", "addresses": ["0","1"]}. Kino renders on cuda:<address>.
set -euo pipefail
indices=$(nvidia-smi --query-gpu=index --format=csv,noheader | tr -d ' ' | sed 's/.*/"&"/' | paste -sd, -)
echo "{\"name\": \"gpu\", \"addresses\": [${indices}]}"
