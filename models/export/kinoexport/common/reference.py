"""The reference files Kino's parity tests read: raw little-endian tensors plus an index entry
{file, dtype, shape} per tensor (the Java side: ReferenceTensors in engine/core's tests)."""
import json
import os

import numpy as np


class Writer:
    """Raw little-endian tensors + an index entry {file, dtype, shape} per tensor."""

    def __init__(self, root):
        self.root, self.index = root, {}

    def __call__(self, name, array):
        array = np.ascontiguousarray(array)
        dtype = {np.dtype("float32"): "float32", np.dtype("int64"): "int64", np.dtype("uint8"): "uint8"}[array.dtype]
        path = name + ".bin"
        os.makedirs(os.path.dirname(os.path.join(self.root, path)), exist_ok=True)
        array.astype(array.dtype.newbyteorder("<")).tofile(os.path.join(self.root, path))
        self.index[name] = {"file": path, "dtype": dtype, "shape": list(array.shape)}

    def write_index(self, doc):
        """Writes ROOT/reference.json: ``doc`` with this writer's tensor index, and prints what was written."""
        doc["tensors"] = self.index
        with open(os.path.join(self.root, "reference.json"), "w") as f:
            json.dump(doc, f, indent=1)
        total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(self.root) for f in fs)
        print(f"reference: {len(self.index)} tensors, {total / 1024:.0f} KiB")
