"""HunyuanVideo 1.5's two text encoders as a Kino package writes them, without transformers.

* **Qwen2.5-VL** (``tokenizer/``, ``text_encoder/``): the folder's own ``tokenizer.json`` (padding set to its pad
  token, as ``Qwen2Tokenizer`` pads) and the chat template rendered once with jinja2 for the pipeline's system
  message, a ``{prompt}`` placeholder where the user's prompt goes (``format_text_input`` +
  ``apply_chat_template(add_generation_prompt=True)``); :mod:`.qwen` for the layers.
* **ByT5** (``tokenizer_2/``, ``text_encoder_2/``): ``ByT5Tokenizer`` has no ``tokenizer.json``; its rule is
  fixed (UTF-8 bytes, id = byte + 3 after ``<pad>``/``</s>``/``<unk>``, then ``</s>``), which :func:`byt5_tokenizer_json`
  writes as a byte-level BPE without merges (every byte one token); the encoder is a T5 v1.1 stack
  (``common/umt5.py``, ``model_type`` t5) called with its attention mask.

The pipeline's constants (``HunyuanVideo15Pipeline.__init__``: system message, crop 108, lengths 1000 and 256,
``_get_mllm_prompt_embeds``' two skipped layers, ``extract_glyph_texts``' format) are written here because the
exporter does not import the pipeline (it imports transformers); ``make_tiny_hunyuan.py`` checks them against it.
"""
import json
import os

from ..common.report import log

SYSTEM_MESSAGE = ("You are a helpful assistant. Describe the video by detailing the following aspects: \\\n"
                  "        1. The main content and theme of the video. \\\n"
                  "        2. The color, shape, size, texture, quantity, text, and spatial relationships of the objects. \\\n"
                  "        3. Actions, events, behaviors temporal relationships, physical movement changes of the objects. \\\n"
                  "        4. background environment, light, style and atmosphere. \\\n"
                  "        5. camera angles, movements, and transitions used in the video.").replace("\\\n", "")
CROP_START = 108            # prompt_template_encode_start_idx
MAX_LENGTH = 1000           # tokenizer_max_length (after the crop)
MAX_LENGTH_2 = 256          # tokenizer_2_max_length
SKIP_LAYERS = 2             # num_hidden_layers_to_skip: hidden_states[-3]
QUOTED = {"each": "Text \"{}\"", "separator": ". ", "suffix": ". "}   # extract_glyph_texts
PLACEHOLDER = "{prompt}"


def chat_template(folder):
    path = os.path.join(folder, "chat_template.jinja")
    if os.path.isfile(path):
        return open(path).read()
    cfg = json.load(open(os.path.join(folder, "tokenizer_config.json")))
    if "chat_template" not in cfg:
        raise SystemExit(f"{folder} has no chat template (chat_template.jinja or tokenizer_config.json)")
    return cfg["chat_template"]


def render_template(folder):
    """The text the pipeline tokenizes, with {prompt} for the user's prompt."""
    import jinja2
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)   # transformers' chat-template settings
    messages = [{"role": "system", "content": SYSTEM_MESSAGE}, {"role": "user", "content": PLACEHOLDER}]
    text = env.from_string(chat_template(folder)).render(messages=messages, add_generation_prompt=True)
    if text.count(PLACEHOLDER) != 1:
        raise SystemExit("the chat template does not place the user's message exactly once")
    return text


def export_qwen_tokenizer(folder, out):
    """tokenizer.json with the pad token the pipeline pads with (``padding="max_length"``)."""
    tok = json.load(open(os.path.join(folder, "tokenizer.json")))
    cfg = json.load(open(os.path.join(folder, "tokenizer_config.json")))
    pad = cfg.get("pad_token") or "<|endoftext|>"
    pad = pad["content"] if isinstance(pad, dict) else pad
    ids = {t["content"]: t["id"] for t in tok.get("added_tokens", [])}
    tok["padding"] = {"strategy": {"Fixed": CROP_START + MAX_LENGTH}, "direction": "Right", "pad_to_multiple_of": None,
                      "pad_id": ids[pad], "pad_type_id": 0, "pad_token": pad}
    tok["truncation"] = None
    json.dump(tok, open(os.path.join(out, "tokenizer.json"), "w"), ensure_ascii=False)
    log(f"tokenizer.json (Qwen2, pad {pad} = {ids[pad]})")


def byt5_tokenizer_json():
    """ByT5Tokenizer's rule as a tokenizers JSON: byte-level pre-tokenizer, BPE without merges, ``</s>`` appended."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs, n = bs[:], 0
    for b in range(256):        # GPT-2's bytes_to_unicode: the characters ByteLevel maps bytes to
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    vocab = {"<pad>": 0, "</s>": 1, "<unk>": 2}
    vocab.update({chr(c): b + 3 for b, c in zip(bs, cs)})
    special = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
                "special": True} for t, i in (("<pad>", 0), ("</s>", 1), ("<unk>", 2))]
    return {"version": "1.0", "truncation": None,
            "padding": {"strategy": {"Fixed": MAX_LENGTH_2}, "direction": "Right", "pad_to_multiple_of": None,
                        "pad_id": 0, "pad_type_id": 0, "pad_token": "<pad>"},
            "added_tokens": special, "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "post_processor": {"type": "TemplateProcessing",
                               "single": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                               "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}},
                                        {"Sequence": {"id": "B", "type_id": 0}}, {"SpecialToken": {"id": "</s>", "type_id": 0}}],
                               "special_tokens": {"</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}}},
            "decoder": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False},
            "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": vocab, "merges": []}}


def byt5_ids(text):
    """ByT5Tokenizer's ids for ``text`` (the rule :func:`byt5_tokenizer_json` encodes), for the export's check."""
    return [b + 3 for b in text.encode("utf-8")] + [1]


def check_byt5_tokenizer(path):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(path)
    tok.no_padding()
    for text in ('Text "OPEN". ', 'Text "Café 東京 🎬". Text "a\\nb". '):
        got = tok.encode(text).ids
        if got != byt5_ids(text):
            raise SystemExit(f"tokenizer_2.json: {text!r} gives {got}, ByT5 gives {byt5_ids(text)}")
    log("tokenizer_2.json (ByT5 bytes + 3, </s>): checked on ASCII, accents, CJK and emoji")
