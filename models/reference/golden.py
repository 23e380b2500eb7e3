"""What the golden-file generators in this folder share: float32 values as the shortest decimal that
round-trips, the provenance every project-generated file carries, and writing one compact JSON file."""
import json
import os
import platform

import numpy as np


def f32(x):
    """A float32 value as the shortest decimal that round-trips to it (None for NaN)."""
    v = np.float32(x)
    return None if np.isnan(v) else float(str(v))


def provenance(script, **versions):
    """Who made a file and with what: the script, the library versions given, PyTorch's version and CPU kernel
    set (the AVX2 and scalar Box-Muller differ) and Python's version."""
    import torch
    return {"generated_by": f"Kino project: models/reference/{script} (NOT the shared golden set)", **versions,
            "torch_version": torch.__version__, "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "python_version": platform.python_version()}


def write(doc, out_dir, name, **dump_options):
    """Writes ``doc`` as compact JSON to OUT_DIR/NAME and returns the path."""
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(doc, f, separators=(",", ":"), **dump_options)
        f.write("\n")
    return path
