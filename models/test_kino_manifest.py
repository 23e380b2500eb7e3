"""Tests of models/kino_manifest.py, the one kino.json writer (run: /usr/bin/python3 models/test_kino_manifest.py).

Every committed manifest is exactly what the writer makes of it, the fixtures' and the demo model's builders
give the committed manifests byte for byte, and the checks refuse what the engine would refuse.
"""
import glob
import json
import os
import sys
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "models"))
import kino_manifest  # noqa: E402

FIXTURES = os.path.join(ROOT, "engine", "core", "src", "test", "resources", "fixtures")


def committed():
    found = glob.glob(os.path.join(ROOT, "engine", "**", "kino.json"), recursive=True)
    found += glob.glob(os.path.join(ROOT, "models", "**", "kino.json"), recursive=True)
    return sorted(p for p in found if os.sep + "target" + os.sep not in p)


class KinoManifestTest(unittest.TestCase):
    def test_every_committed_manifest_is_what_the_writer_writes(self):
        paths = committed()
        self.assertGreaterEqual(len(paths), 8)
        for path in paths:
            with open(path) as f:
                text = f.read()
            m = json.loads(text)
            kino_manifest.check(m, os.path.dirname(path))
            self.assertEqual(text, kino_manifest.dumps(m), path)

    def test_the_fixture_builders_make_the_committed_manifests(self):
        try:
            sys.path.insert(0, os.path.join(ROOT, "models", "fixtures"))
            import make_fixtures as mf
        except ImportError as e:  # needs torch and onnx
            self.skipTest(f"make_fixtures needs {e.name}")
        built = {
            "unet3d-ddim": mf.unet_manifest("fixture-unet3d-ddim", "Random-weight 3D UNet with a 2D VAE, for tests",
                                            True, "fp32"),
            "dit-flow": mf.dit_manifest(),
            "dit-flow-experts": mf.experts_manifest(),
        }
        for name, m in built.items():
            with open(os.path.join(FIXTURES, name, "kino.json")) as f:
                self.assertEqual(f.read(), kino_manifest.dumps(m), name)

    def test_files_lists_every_expert_like_the_engine(self):
        with open(os.path.join(FIXTURES, "dit-flow-experts", "kino.json")) as f:
            m = json.load(f)
        self.assertEqual(["tokenizer.json", "text_encoder.onnx", "denoiser_high.onnx", "denoiser_low.onnx",
                          "vae_decoder.onnx"], list(kino_manifest.files(m).values()))

    def test_checks_refuse_a_missing_expert_file_and_bad_expert_order(self):
        with open(os.path.join(FIXTURES, "dit-flow-experts", "kino.json")) as f:
            m = json.load(f)
        with tempfile.TemporaryDirectory() as d:
            with self.assertRaisesRegex(ValueError, "denoiser expert 2 file denoiser_low.onnx"):
                kino_manifest.write(m, os.path.join(d, "kino.json"))
            self.assertFalse(os.path.exists(os.path.join(d, "kino.json")), "nothing written")
        m["denoiser"]["experts"].reverse()
        with self.assertRaisesRegex(ValueError, "high noise to low noise"):
            kino_manifest.check(m)
        del m["scheduler"]["_class_name"]
        with self.assertRaisesRegex(ValueError, "_class_name"):
            kino_manifest.check(m)


    def test_checks_refuse_a_quantization_record_that_disagrees_with_its_weights(self):
        with open(os.path.join(ROOT, "engine", "core", "src", "test", "resources", "wan", "tiny-wan21-w4",
                               "kino.json")) as f:
            m = json.load(f)
        kino_manifest.check(m)
        m["denoiser"]["quantization"]["mode"] = "int8"
        with self.assertRaisesRegex(ValueError, "quantization.mode int8 does not write int4-weight-only"):
            kino_manifest.check(m)
        del m["denoiser"]["quantization"]
        with self.assertRaisesRegex(ValueError, "quantization is missing for int4-weight-only"):
            kino_manifest.check(m)
        m["denoiser"]["weights"] = "int3"
        with self.assertRaisesRegex(ValueError, "denoiser.weights must be one of"):
            kino_manifest.check(m)


if __name__ == "__main__":
    unittest.main()
