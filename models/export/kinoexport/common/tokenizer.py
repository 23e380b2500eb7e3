"""Tokenizer files for Kino: HuggingFace ``tokenizer.json`` (loaded by DJL's tokenizers in the engine).

Wan's diffusers folders ship ``tokenizer/tokenizer.json`` (google/umt5-xxl, a SentencePiece Unigram
model); the exporter copies it unchanged. When a folder only has ``spiece.model``,
:func:`spiece_to_tokenizer_json` writes the equivalent ``tokenizer.json`` the way HuggingFace's T5
converter lays it out (Unigram vocabulary with the SentencePiece scores, the model's precompiled
normalisation map, Metaspace with a prepended "▁", ``</s>`` appended). It is checked on the test
prompts against SentencePiece itself; for production prefer the ``tokenizer.json`` that transformers
writes (README, "Tokenizer").
"""
import base64
import html
import json
import re

EOS_ID = 1


def prompt_clean(text):
    """WanPipeline's prompt_clean without ftfy (not installed with diffusers): html-unescape twice,
    collapse whitespace runs to one space, strip."""
    text = html.unescape(html.unescape(text)).strip()
    return re.sub(r"\s+", " ", text).strip()


def spiece_to_tokenizer_json(spiece_path, extra_ids=0):
    from sentencepiece import sentencepiece_model_pb2 as pb
    proto = pb.ModelProto()
    proto.ParseFromString(open(spiece_path, "rb").read())
    if proto.trainer_spec.model_type != pb.TrainerSpec.UNIGRAM:
        raise ValueError("only Unigram SentencePiece models (T5/UMT5) are supported")
    vocab = [[p.piece, float(p.score)] for p in proto.pieces]
    vocab += [[f"<extra_id_{i}>", 0.0] for i in range(extra_ids - 1, -1, -1)]
    unk_id = next(i for i, p in enumerate(proto.pieces) if p.type == pb.ModelProto.SentencePiece.UNKNOWN)
    special = [i for i, p in enumerate(proto.pieces)
               if p.type in (pb.ModelProto.SentencePiece.CONTROL, pb.ModelProto.SentencePiece.UNKNOWN)]
    special += list(range(len(proto.pieces), len(vocab)))
    added = [{"id": i, "content": vocab[i][0], "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i in special]
    eos = proto.pieces[EOS_ID].piece
    normalizers = []
    charsmap = proto.normalizer_spec.precompiled_charsmap
    if charsmap:
        normalizers.append({"type": "Precompiled",
                            "precompiled_charsmap": base64.b64encode(charsmap).decode("ascii")})
    normalizers.append({"type": "Replace", "pattern": {"Regex": " {2,}"}, "content": " "})
    metaspace = {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": True}
    seq_a = {"Sequence": {"id": "A", "type_id": 0}}
    seq_b = {"Sequence": {"id": "B", "type_id": 0}}
    end = {"SpecialToken": {"id": eos, "type_id": 0}}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "Sequence", "normalizers": normalizers},
        "pre_tokenizer": metaspace,
        "post_processor": {"type": "TemplateProcessing", "single": [seq_a, end], "pair": [seq_a, end, seq_b, end],
                           "special_tokens": {eos: {"id": eos, "ids": [EOS_ID], "tokens": [eos]}}},
        "decoder": metaspace,
        "model": {"type": "Unigram", "unk_id": unk_id, "vocab": vocab, "byte_fallback": False},
    }


def write_tokenizer_json(obj, path):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=None, separators=(",", ":"))


def encode_with_spiece(spiece_path, prompts, max_length, clean=True):
    """What ``T5Tokenizer(...)(prompts, padding='max_length', max_length, truncation=True)`` returns:
    SentencePiece ids + ``</s>``, truncated to max_length, padded with <pad>=0; and the attention mask.
    ``clean``: Wan's prompt_clean first (LTXPipeline tokenizes the prompt as given)."""
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=spiece_path)
    ids, masks = [], []
    for p in prompts:
        row = sp.encode(prompt_clean(p) if clean else p)[:max_length - 1] + [EOS_ID]
        masks.append([1] * len(row) + [0] * (max_length - len(row)))
        ids.append(row + [0] * (max_length - len(row)))
    return ids, masks
