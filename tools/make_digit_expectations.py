#!/usr/bin/env python3
"""LiteRT's answers on the committed MNIST subset, for the digit tests.

For every model in weights/models.json, runs LiteRT's builtin kernels on the
100 test digits of Tests/ModelSelectionTests/Fixtures/mnist (IDX bytes / 255,
adapted to the model's input as `DigitInputAdapter` does: zero-padded to
32×32 and replicated into 3 channels where the model wants it, quantized with
round-half-away-from-zero for int8 inputs) and writes each model's predicted
digit per image and its number of correct answers to
Tests/ModelSelectionTests/Fixtures/mnist/litert_predictions.json.

The Swift tests assert the engine gives the same digits (a number from
elsewhere, not "at least 95%").

Usage:
    python3 tools/make_digit_expectations.py [--weights DIR] [--mnist DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

DEFAULT_WEIGHTS = fl.REPO_ROOT / "weights"
DEFAULT_MNIST = fl.REPO_ROOT / "Tests" / "ModelSelectionTests" / "Fixtures" / "mnist"


def read_idx(path: Path) -> np.ndarray:
    data = path.read_bytes()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def adapt(image: np.ndarray, detail: dict) -> np.ndarray:
    """One 28×28 float image in [0, 1] → the model's input tensor."""
    _, h, w, c = detail["shape"]
    if (h, w) != (28, 28):
        pad_y, pad_x = (h - 28) // 2, (w - 28) // 2
        image = np.pad(image, ((pad_y, h - 28 - pad_y), (pad_x, w - 28 - pad_x)))
    x = np.repeat(image[:, :, None], c, axis=2)[None].astype(np.float32)
    if detail["dtype"] in (np.int8, np.uint8):
        scale, zp = detail["quantization"]
        lo, hi = (-128, 127) if detail["dtype"] == np.int8 else (0, 255)
        q = x / np.float32(scale)
        q = np.sign(q) * np.floor(np.abs(q) + np.float32(0.5)) + zp  # half away from zero, like Float.rounded()
        return np.clip(q, lo, hi).astype(detail["dtype"])
    return x


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS)
    parser.add_argument("--mnist", type=Path, default=DEFAULT_MNIST)
    args = parser.parse_args(argv)
    images = read_idx(args.mnist / "t10k-images-100.idx3-ubyte").astype(np.float32) / np.float32(255)
    labels = read_idx(args.mnist / "t10k-labels-100.idx1-ubyte").astype(int)
    catalog = json.loads((args.weights / "models.json").read_text())
    result = {"note": "LiteRT builtin kernels on the 100 digits of t10k-images-100 (tools/make_digit_expectations.py)",
              "labels": labels.tolist(), "models": {}}
    for entry in catalog["models"]:
        model = (args.weights / entry["file"]).read_bytes()
        detail = fl.litert_io_details(model)[0][0]
        predictions = []
        for image in images:
            (out,) = fl.run_litert(model, [adapt(image, detail)], kernels="builtin")
            predictions.append(int(np.argmax(out.reshape(-1))))
        correct = int(np.sum(np.array(predictions) == labels))
        result["models"][entry["name"]] = {"predictions": predictions, "correct": correct}
        print(f"{entry['name']:36s} {correct}/100")
    (args.mnist / "litert_predictions.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
