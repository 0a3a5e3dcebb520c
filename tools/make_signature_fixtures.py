#!/usr/bin/env python3
"""A model with several signatures, and LiteRT's signature-runner outputs.

A ``tf.Module`` with two ``tf.function``s of different input names and
shapes is saved and converted with ``TFLiteConverter.from_saved_model``
(every signature kept, each its own subgraph):

    ``add``        x: float32 [-1, 3], y: float32 [-1, 3]  -> sum = x + y,
                   scaled = 2 * x - y   (a dynamic batch)
    ``dense_head`` features: float32 [1, 8]  -> logits = features @ W + b,
                   probabilities = softmax(logits)

For each signature, inputs are fed through LiteRT's
``get_signature_runner(key)`` (``add`` at batch 2, after LiteRT resizes it)
and its named outputs are stored.  Writes
``Tests/TFLiteEngineTests/Fixtures/signatures/``: ``two_signatures.tflite``,
``<key>.<name>.npy`` for inputs and ``<key>.<name>.expected.npy`` for
outputs, and ``manifest.json`` listing signature keys, input and output names;
and two crafted copies whose signatures no runner can honour
(``crafted_signature_*.tflite``: an input that is not a subgraph input, a
name used twice).

Usage:  python3 tools/make_signature_fixtures.py [--out Tests/TFLiteEngineTests/Fixtures/signatures]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def build_model() -> bytes:
    import tensorflow as tf

    rng = np.random.default_rng(18)
    weights = rng.normal(size=(8, 4)).astype(np.float32)
    bias = rng.normal(size=(4,)).astype(np.float32)

    class TwoSignatures(tf.Module):
        def __init__(self):
            super().__init__()
            self.w = tf.Variable(weights)
            self.b = tf.Variable(bias)

        @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="x"),
                                      tf.TensorSpec([None, 3], tf.float32, name="y")])
        def add(self, x, y):
            return {"sum": x + y, "scaled": 2.0 * x - y}

        @tf.function(input_signature=[tf.TensorSpec([1, 8], tf.float32, name="features")])
        def dense_head(self, features):
            logits = tf.matmul(features, self.w) + self.b
            return {"logits": logits, "probabilities": tf.nn.softmax(logits)}

    module = TwoSignatures()
    with tempfile.TemporaryDirectory() as d:
        tf.saved_model.save(module, d, signatures={"add": module.add.get_concrete_function(),
                                                   "dense_head": module.dense_head.get_concrete_function()})
        converter = tf.lite.TFLiteConverter.from_saved_model(d, signature_keys=["add", "dense_head"])
        return converter.convert()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="Tests/TFLiteEngineTests/Fixtures/signatures")
    args = ap.parse_args()
    fl.quiet_tf()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    model_bytes = build_model()
    (out / "two_signatures.tflite").write_bytes(model_bytes)

    from ai_edge_litert.interpreter import Interpreter
    interp = Interpreter(model_content=model_bytes)
    signatures = interp.get_signature_list()
    print("signatures:", signatures)
    rng = np.random.default_rng(7)
    feeds = {
        "add": {"x": rng.normal(size=(2, 3)).astype(np.float32), "y": rng.normal(size=(2, 3)).astype(np.float32)},
        "dense_head": {"features": rng.normal(size=(1, 8)).astype(np.float32)},
    }
    entries = []
    for key, spec in signatures.items():
        runner = interp.get_signature_runner(key)
        outputs = runner(**feeds[key])
        entry = {"key": key, "inputs": {}, "outputs": {}}
        for name in spec["inputs"]:
            fn = f"{key}.{name}.npy"
            fl.save_npy(out / fn, feeds[key][name])
            entry["inputs"][name] = fn
        for name in spec["outputs"]:
            fn = f"{key}.{name}.expected.npy"
            fl.save_npy(out / fn, outputs[name])
            entry["outputs"][name] = fn
        details = runner.get_input_details()
        entry["input_shape_signatures"] = {n: d["shape_signature"].tolist() for n, d in details.items()}
        entries.append(entry)
        print(key, {n: v.shape for n, v in outputs.items()})
    (out / "manifest.json").write_text(json.dumps({"model": "two_signatures.tflite", "signatures": entries}, indent=1) + "\n")
    write_crafted(model_bytes, out)


def write_crafted(model_bytes: bytes, out: Path) -> None:
    """Signatures that load (the validator checks only index ranges) but
    that no runner can honour: an input naming a tensor that is not an input
    of its subgraph, and one name used twice."""
    def not_an_input(model):
        sig = next(s for s in model.signatureDefs if s.signatureKey == b"add")
        sg = model.subgraphs[sig.subgraphIndex]
        intermediate = next(t for t in range(len(sg.tensors)) if t not in list(sg.inputs) and t not in list(sg.outputs))
        sig.inputs[0].tensorIndex = intermediate

    def duplicate_name(model):
        sig = next(s for s in model.signatureDefs if s.signatureKey == b"add")
        sig.inputs[1].name = sig.inputs[0].name

    (out / "crafted_signature_input_not_subgraph_input.tflite").write_bytes(fl.patch_model(model_bytes, not_an_input))
    (out / "crafted_signature_duplicate_input_name.tflite").write_bytes(fl.patch_model(model_bytes, duplicate_name))


if __name__ == "__main__":
    main()
