#!/bin/sh
# Builds the Python environment of Kino's model tooling (models/*, bench/*/*.py) from Debian packages, with pip
# only for what Debian lacks: a virtual environment at models/.venv that sees Debian's packages.
#
#   sudo sh models/setup-debian.sh      # once (root for apt-get); then run the tools with models/.venv/bin/python
#
# Debian 13 (trixie) and later have everything but diffusers as packages (PyTorch 2.6, onnx, onnxruntime).
# Debian 12's PyTorch is 1.13: enough for the demo model and the test fixtures (/usr/bin/python3), too old for
# diffusers' Wan classes, so there pip puts PyTorch >= 2.4 into the environment as well. Every requirements.txt
# of the tool folders is installed; pip leaves alone what Debian already satisfies.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
VENV=${KINO_VENV:-$HERE/.venv}

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# OpenBLAS: with Debian's reference BLAS PyTorch's CPU matmuls are about 30 times slower.
apt-get install -y -qq python3 python3-venv python3-pip python3-numpy python3-torch libopenblas0-pthread \
  python3-onnx python3-safetensors python3-sentencepiece python3-pil python3-regex python3-yaml python3-requests \
  python3-filelock python3-packaging python3-tqdm python3-fsspec python3-typing-extensions \
  python3-importlib-metadata
# Not in every release (Debian 13 has them): pip installs them below where they are missing.
for pkg in python3-onnxruntime python3-tokenizers python3-httpx; do
  apt-get install -y -qq "$pkg" 2>/dev/null || echo "setup-debian: $pkg is not packaged here; pip installs it"
done

[ -x "$VENV/bin/python" ] || python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q \
  -r "$ROOT/models/export/requirements.txt" \
  -r "$ROOT/models/export/requirements-reference.txt" \
  -r "$ROOT/models/preview/requirements.txt" \
  -r "$ROOT/models/demo/requirements.txt" \
  -r "$ROOT/models/fixtures/requirements.txt" \
  -r "$ROOT/models/reference/requirements.txt" \
  -r "$ROOT/models/quantize/requirements.txt" \
  -r "$ROOT/bench/ort-parity/requirements.txt"
"$VENV/bin/python" -c "import torch, onnx, onnxruntime, diffusers; print('models/.venv ready: torch', torch.__version__, 'onnx', onnx.__version__, 'onnxruntime', onnxruntime.__version__, 'diffusers', diffusers.__version__)"
