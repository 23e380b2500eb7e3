"""HunyuanVideo 1.5: the Qwen2.5-VL text stack, ByT5 (common/umt5.py), the transformer and the VAE, rewritten
for export (``export_hunyuan.py``)."""
