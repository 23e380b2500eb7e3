#!/bin/bash
# Reproduces bench/vace-real-size/record.json (see record.py): the random-weight Wan 2.1 VACE 1.3B written as
# safetensors, exported to fp16, loaded by ./kino and stepped once. PYTHON: torch + diffusers (models/setup-debian.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
WORK=${WORK:-models/export/work/vace-real-size}
"${PYTHON:-models/.venv/bin/python}" bench/vace-real-size/record.py make --work "$WORK"
"${PYTHON:-models/.venv/bin/python}" bench/vace-real-size/record.py export --work "$WORK"
python3 bench/vace-real-size/record.py kino --work "$WORK"      # host: Java, stdlib Python only
