"""diffusers' LTX-Video pipeline classes imported without ``transformers``.

``pipeline_ltx.py`` and ``pipeline_ltx_condition.py`` name two transformers classes (type hints only) and the
single-file and LoRA loading mixins (exported only when transformers / peft are installed); nothing the
export tooling calls uses them, so they are stood in for by empty classes before the import.
"""
import sys
import types


def _stub():
    stub = types.ModuleType("transformers")
    stub.T5EncoderModel = type("T5EncoderModel", (), {})
    stub.T5TokenizerFast = type("T5TokenizerFast", (), {})
    sys.modules.setdefault("transformers", stub)
    import diffusers.loaders
    for mixin in ("FromSingleFileMixin", "LTXVideoLoraLoaderMixin"):
        try:
            getattr(diffusers.loaders, mixin)
        except (AttributeError, ImportError):
            setattr(diffusers.loaders, mixin, type(mixin, (), {}))


def ltx_pipeline():
    """diffusers' ``LTXPipeline`` (pipelines/ltx/pipeline_ltx.py)."""
    _stub()
    from diffusers.pipelines.ltx.pipeline_ltx import LTXPipeline
    return LTXPipeline


def ltx_condition_module():
    """diffusers' ``pipelines/ltx/pipeline_ltx_condition.py`` (``LTXConditionPipeline``,
    ``linear_quadratic_schedule``)."""
    _stub()
    from diffusers.pipelines.ltx import pipeline_ltx_condition
    return pipeline_ltx_condition
