"""Write the demo model's HuggingFace tokenizer.json (word level) from the vocabulary in data.py.

    /usr/bin/python3 build_tokenizer.py            # -> package/tokenizer.json

Normalizer: lowercase, then every character that is not a-z, 0-9 or whitespace becomes a space (so "right."
and "right" are the same word). Pre-tokenizer: split on whitespace. Model: WordLevel with [UNK] for words
outside the vocabulary. No special tokens are added; [PAD] (id 0) pads to max_length (done by the engine).
"""
import argparse
import json
import os

import data


def tokenizer_json():
    special = lambda i, t: {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                            "normalized": False, "special": True}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [special(0, "[PAD]"), special(1, "[UNK]")],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Lowercase"},
            {"type": "Replace", "pattern": {"Regex": "[^a-z0-9\\s]"}, "content": " "},
        ]},
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": data.WORD_ID, "unk_token": "[UNK]"},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="package/tokenizer.json")
    a = ap.parse_args()
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as fh:
        json.dump(tokenizer_json(), fh, indent=2)
    print(f"wrote {a.out}: {len(data.VOCAB)} tokens")


if __name__ == "__main__":
    main()
