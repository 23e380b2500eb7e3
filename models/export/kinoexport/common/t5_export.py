"""A T5-family text encoder (UMT5 for Wan, T5 v1.1 for LTX-Video, ByT5 for HunyuanVideo's glyphs) streamed from its
safetensors into an ONNX graph with external weights, and the same encoder loaded in PyTorch for the export's check.
The exporters differ only in what they feed it: ids and mask, or ids alone (LTX encodes padding without a mask)."""
import torch

from . import onnx_weights as ow, umt5


def export(folder, cfg, path, dtype=torch.float32, with_mask=True):
    """Writes PATH and PATH_data from the safetensors in FOLDER; returns the bytes of weights written."""
    with torch.device("meta"):
        enc = umt5.UMT5Encoder(cfg)
    ow.to_placeholders_(enc.to_export_dtype_(dtype))
    ids = torch.ones(2, 16, dtype=torch.int64)
    inputs = umt5.TEXT_INPUTS if with_mask else ["input_ids"]
    axes = {k: v for k, v in umt5.TEXT_AXES.items() if with_mask or k != "attention_mask"}
    graph = ow.export_graph(enc, (ids, torch.ones_like(ids)) if with_mask else (ids,), path, inputs,
                            umt5.TEXT_OUTPUTS, axes)
    source = ow.SafetensorsSource(folder)
    weights = ow.WeightFile(path + "_data")
    ow.attach_weights(graph, inputs,
                      lambda name, dt: ow.torch_to_numpy(source.get(umt5.UMT5Encoder.source_key(name, source)), dt),
                      weights)
    weights.close()
    ow.save_graph(graph, path)
    return weights.bytes


def load(folder, cfg):
    """The encoder in float32 with FOLDER's weights: what the exported graph is compared with."""
    source = ow.SafetensorsSource(folder)
    real = umt5.UMT5Encoder(cfg).eval()
    real.load_state_dict({k: source.get(umt5.UMT5Encoder.source_key(k, source)).float() for k in real.state_dict()})
    return real
