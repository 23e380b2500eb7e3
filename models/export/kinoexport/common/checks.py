"""Running an exported graph on ONNX Runtime's CPU provider and the one error measure every check uses:
``max|onnx - torch| / max|torch|`` over the whole output (an element-wise relative error is meaningless near
zero)."""
import numpy as np
import onnxruntime as ort


def session(path, threads=2):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    return ort.InferenceSession(path, opts, providers=["CPUExecutionProvider"])


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-30))
