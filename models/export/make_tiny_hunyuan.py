#!/usr/bin/env python3
"""Builds a tiny random-weight HunyuanVideo 1.5 text-to-video model in the diffusers folder layout (text encoders
included) and exports it as a Kino test package.

The model is the real classes at small sizes: transformers' ``Qwen2_5_VLTextModel`` (4 layers, hidden 32, 4 query
heads sharing 2 key/value heads, M-RoPE sections [1, 1, 2]) with a byte-level BPE ``Qwen2Tokenizer`` trained here
on the pipeline's system message (Qwen's special tokens and the Qwen2.5-VL chat template for text messages),
``T5EncoderModel`` as a ByT5 (byte vocabulary of 384, gated-GELU, 2 layers, d_model 32) with the stock
``ByT5Tokenizer``, diffusers' ``HunyuanVideo15Transformer3DModel`` (2 layers, 2 heads of 16, 1 refiner layer,
text widths 32), ``AutoencoderKLHunyuanVideo15`` (32 latent channels, 16x spatial and 4x temporal compression as
the real one, small widths), the flow-matching scheduler and a ``ClassifierFreeGuidance`` guider.

    cd models/export && ../.venv/bin/python make_tiny_hunyuan.py# needs transformers (requirements-reference.txt)
        # -> work/tiny-src/hunyuan, then export_hunyuan.py --verify -> engine/core/src/test/resources/hunyuan/tiny-hunyuan
"""
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_tiny_wan import export_into  # noqa: E402

SRC = os.path.join(HERE, "work", "tiny-src", "hunyuan")
SRC_I2V = os.path.join(HERE, "work", "tiny-src", "hunyuan-i2v")
FIXTURES = os.path.normpath(os.path.join(HERE, "..", "..", "engine", "core", "src", "test", "resources", "hunyuan"))

QWEN = dict(hidden_size=32, intermediate_size=64, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
            rms_norm_eps=1e-6, max_position_embeddings=2048, bos_token_id=None, eos_token_id=2, pad_token_id=0,
            rope_parameters={"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": [1, 1, 2]})
BYT5 = dict(vocab_size=384, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_heads=4, feed_forward_proj="gated-gelu",
            relative_attention_num_buckets=32, relative_attention_max_distance=128, is_encoder_decoder=False)
TRANSFORMER = dict(in_channels=65, out_channels=32, num_attention_heads=2, attention_head_dim=16, num_layers=2,
                   num_refiner_layers=1, text_embed_dim=32, text_embed_2_dim=32, image_embed_dim=16,
                   rope_axes_dim=(4, 6, 6), target_size=64, task_type="t2v")
VAE = dict(latent_channels=32, block_out_channels=(16, 16, 32, 32, 32), layers_per_block=1,
           spatial_compression_ratio=16, temporal_compression_ratio=4)
# image-to-video: a SigLIP tower whose width is the transformer's image_embed_dim; 32 px, 8 px patches: 16 tokens
SIGLIP = dict(hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=2, image_size=32,
              patch_size=8)
# Qwen2.5-VL's chat template, the branch for text-only messages (its image/video branches never run here)
CHAT_TEMPLATE = ("{% for message in messages %}{% if loop.first and message['role'] != 'system' %}<|im_start|>system\n"
                 "You are a helpful assistant.<|im_end|>\n{% endif %}<|im_start|>{{ message['role'] }}\n"
                 "{{ message['content'] }}<|im_end|>\n{% endfor %}"
                 "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
CORPUS = ["You are a helpful assistant. Describe the video by detailing the following aspects:",
          "1. The main content and theme of the video.",
          "2. The color, shape, size, texture, quantity, text, and spatial relationships of the objects.",
          "3. Actions, events, behaviors temporal relationships, physical movement changes of the objects.",
          "4. background environment, light, style and atmosphere.",
          "5. camera angles, movements, and transitions used in the video.",
          "A red fox runs through fresh snow at dawn, a neon sign reads \"OPEN\" above a small shop",
          "a cat walks on the grass, realistic, slow motion, the camera pans left over the city at night"]


def qwen_tokenizer(folder):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import Qwen2Tokenizer
    pattern = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*"
               r"|\s*[\r\n]+|\s+(?!\S)|\s+")   # Qwen2's pre-tokenizer pattern
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    tok.train_from_iterator(CORPUS * 4, trainers.BpeTrainer(
        vocab_size=420, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False))
    os.makedirs(folder, exist_ok=True)
    tok.save(os.path.join(folder, "tokenizer.json"))
    t = Qwen2Tokenizer(tokenizer_file=os.path.join(folder, "tokenizer.json"), unk_token=None,
                       bos_token=None, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=131072)
    t.chat_template = CHAT_TEMPLATE
    t.save_pretrained(folder)
    return len(t)


def build_folder(root, image=False):
    """``image``: the image-to-video folder (HunyuanVideo15ImageToVideoPipeline: a SigLIP image encoder and its
    processor; other weights drawn from another seed)."""
    from diffusers import (AutoencoderKLHunyuanVideo15, ClassifierFreeGuidance, FlowMatchEulerDiscreteScheduler,
                           HunyuanVideo15Transformer3DModel)
    from transformers import ByT5Tokenizer, Qwen2_5_VLTextConfig, Qwen2_5_VLTextModel, T5Config, T5EncoderModel
    torch.manual_seed(1 if image else 0)
    vocab = qwen_tokenizer(os.path.join(root, "tokenizer"))
    Qwen2_5_VLTextModel(Qwen2_5_VLTextConfig(vocab_size=vocab, **QWEN)).save_pretrained(
        os.path.join(root, "text_encoder"))
    ByT5Tokenizer().save_pretrained(os.path.join(root, "tokenizer_2"))
    T5EncoderModel(T5Config(**BYT5)).save_pretrained(os.path.join(root, "text_encoder_2"))
    transformer = HunyuanVideo15Transformer3DModel(**dict(TRANSFORMER, task_type="i2v" if image else "t2v"))
    with torch.no_grad():   # cond_type_embed and the zero-initialised parts get real values (a random-weight test)
        for p in transformer.parameters():
            if p.abs().max() == 0:
                p.normal_(0, 0.05)
        # the ByT5 projection's hidden width is fixed at 2048 by the class: its 2048x2048 middle matrix is made
        # diagonal (random scales) so the fixture compresses to kilobytes in git; every glyph feature still passes
        mid = transformer.context_embedder_2.linear_2.weight
        mid.copy_(torch.diag(torch.randn(mid.shape[0]) * 0.5))
    transformer.save_pretrained(os.path.join(root, "transformer"))
    # the encoder averages its last width over groups of 2 x latent channels: 64 wide for image-to-video
    vae = AutoencoderKLHunyuanVideo15(**dict(VAE, block_out_channels=(16, 16, 32, 32, 64)) if image else VAE)
    vae.save_pretrained(os.path.join(root, "vae"))
    FlowMatchEulerDiscreteScheduler(shift=5.0).save_pretrained(os.path.join(root, "scheduler"))
    ClassifierFreeGuidance(guidance_scale=6.0).save_pretrained(os.path.join(root, "guider"))
    index = {"_class_name": "HunyuanVideo15Pipeline", "_diffusers_version": "0.40.0.dev0",
               "text_encoder": ["transformers", "Qwen2_5_VLTextModel"], "tokenizer": ["transformers", "Qwen2Tokenizer"],
               "text_encoder_2": ["transformers", "T5EncoderModel"], "tokenizer_2": ["transformers", "ByT5Tokenizer"],
               "transformer": ["diffusers", "HunyuanVideo15Transformer3DModel"],
               "vae": ["diffusers", "AutoencoderKLHunyuanVideo15"],
               "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
               "guider": ["diffusers", "ClassifierFreeGuidance"]}
    if image:
        image_encoder(root)
        # as the real folder names it; without torchvision transformers 5 runs it as SiglipImageProcessorPil
        # (PIL bicubic resize, then (x / 255 - 0.5) / 0.5), which is the rule Kino follows
        index.update({"_class_name": "HunyuanVideo15ImageToVideoPipeline",
                      "image_encoder": ["transformers", "SiglipVisionModel"],
                      "feature_extractor": ["transformers", "SiglipImageProcessor"]})
    json.dump(index, open(os.path.join(root, "model_index.json"), "w"), indent=2)


def image_encoder(root):
    """SiglipVisionModel + its processor, and Kino's own tower (kinoexport/hunyuan/siglip.py) checked against it."""
    from transformers import SiglipImageProcessorPil, SiglipVisionConfig, SiglipVisionModel
    from kinoexport.hunyuan import siglip
    model = SiglipVisionModel(SiglipVisionConfig(**SIGLIP)).eval()
    model.save_pretrained(os.path.join(root, "image_encoder"))
    SiglipImageProcessorPil(size={"height": SIGLIP["image_size"], "width": SIGLIP["image_size"]}).save_pretrained(
        os.path.join(root, "feature_extractor"))
    x = torch.rand(2, 3, SIGLIP["image_size"], SIGLIP["image_size"]) * 2 - 1
    with torch.no_grad():
        ref = model(pixel_values=x).last_hidden_state
        err = float((siglip.load(os.path.join(root, "image_encoder"))(x) - ref).abs().max() / ref.abs().max())
    assert err < 1e-5, f"Kino's SigLIP tower vs transformers: {err}"
    print(f"SigLIP tower: Kino's module vs SiglipVisionModel, max rel {err:.1e}")


def check_pipeline_constants(root):
    """The pipeline's constants the exporter writes (kinoexport/hunyuan/text.py) are the pipeline's own."""
    import inspect
    from diffusers import HunyuanVideo15Pipeline
    from diffusers.pipelines.hunyuan_video1_5.pipeline_hunyuan_video1_5 import extract_glyph_texts
    from kinoexport.hunyuan import text
    pipe = HunyuanVideo15Pipeline.from_pretrained(root)
    assert pipe.system_message == text.SYSTEM_MESSAGE, "system message"
    assert (pipe.prompt_template_encode_start_idx, pipe.tokenizer_max_length, pipe.tokenizer_2_max_length) == \
        (text.CROP_START, text.MAX_LENGTH, text.MAX_LENGTH_2)
    skip = inspect.signature(HunyuanVideo15Pipeline._get_mllm_prompt_embeds).parameters["num_hidden_layers_to_skip"]
    assert skip.default == text.SKIP_LAYERS
    q = text.QUOTED
    assert extract_glyph_texts('a "B" c \u201cD\u201d "B"') == q["each"].format("B") + q["separator"] + \
        q["each"].format("D") + q["suffix"]
    print("pipeline constants: as kinoexport/hunyuan/text.py writes them")


def main():
    """``--i2v``: the image-to-video folder and package (tiny-hunyuan-i2v) instead of the text-to-video ones."""
    torch.set_num_threads(2)
    image = "--i2v" in sys.argv
    src, name = (SRC_I2V, "tiny-hunyuan-i2v") if image else (SRC, "tiny-hunyuan")
    build_folder(src, image=image)
    check_pipeline_constants(src)
    if "--no-export" not in sys.argv:
        export_into(os.path.join(HERE, "export_hunyuan.py"), src, os.path.join(FIXTURES, name),
                    ["--name", name, "--verify", "--width", "64", "--height", "48" if image else "64", "--frames",
                     "5", "--steps", "3"])


if __name__ == "__main__":
    main()
