#!/usr/bin/env python3
"""Synthetic "photos" of handwritten digits for testing digit preprocessing.

Takes MNIST test digits (white on black, 28x28) and renders each as a photo
of dark ink on light paper would look: enlarged to 50-110 px, strokes
sometimes thickened, rotated a few degrees, placed off-centre on a larger
canvas (90-160 px per side), with uneven lighting (a linear brightness ramp
in a random direction), a paper/ink contrast that varies, and Gaussian noise.

Writes ``Tests/ModelSelectionTests/Fixtures/photos/photo_NN_dD.pgm`` (P5) and
``manifest.json`` ({"photos": [{"file", "label", "mnist_test_index", ...}]}),
and prints how many the small CNN reads correctly after a naive conversion
(invert if the mean is bright, nearest-neighbour resize to 28x28) with LiteRT,
for comparison with the Swift ``DigitPreprocessing.mnist`` (see
``SelectionTests``).

Usage: python3 tools/make_digit_photos.py [--count 20] [--seed 7] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402
from train_mnist import DATA_DIR, read_idx  # noqa: E402

OUT_DIR = fl.REPO_ROOT / "Tests" / "ModelSelectionTests" / "Fixtures" / "photos"


def render_photo(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """uint8 [28,28] MNIST digit -> uint8 [H,W] photo-like image (dark on light)."""
    from scipy import ndimage

    d = digit.astype(np.float32) / 255.0
    if rng.random() < 0.5:  # thicker strokes
        d = ndimage.grey_dilation(d, size=(2, 2))
    size = int(rng.integers(50, 111))
    d = ndimage.zoom(d, size / 28.0, order=1)
    d = ndimage.rotate(d, float(rng.uniform(-12, 12)), reshape=True, order=1)
    d = np.clip(d, 0, 1)
    h = int(rng.integers(max(90, d.shape[0] + 4), 161))
    w = int(rng.integers(max(90, d.shape[1] + 4), 161))
    canvas = np.zeros((h, w), np.float32)
    y0 = int(rng.integers(0, h - d.shape[0] + 1))
    x0 = int(rng.integers(0, w - d.shape[1] + 1))
    canvas[y0:y0 + d.shape[0], x0:x0 + d.shape[1]] = d
    paper = rng.uniform(0.7, 0.95)
    ink = rng.uniform(0.05, 0.3)
    img = paper - (paper - ink) * canvas
    # uneven lighting: brightness ramp from 1.0 down to 0.65-0.9 in a random direction
    angle = rng.uniform(0, 2 * np.pi)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    ramp = (np.cos(angle) * xx / w + np.sin(angle) * yy / h)
    ramp = (ramp - ramp.min()) / max(ramp.max() - ramp.min(), 1e-6)
    img = img * (1.0 - (1.0 - rng.uniform(0.65, 0.9)) * ramp)
    img = img + rng.normal(0, rng.uniform(0.015, 0.04), img.shape)
    return (np.clip(img, 0, 1) * 255).round().astype(np.uint8)


def naive_28(img: np.ndarray) -> np.ndarray:
    """Invert if bright on average, nearest-neighbour resize to 28x28, [0,1]."""
    f = img.astype(np.float32) / 255.0
    if f.mean() > 0.5:
        f = 1.0 - f
    h, w = f.shape
    ys = np.minimum(np.arange(28) * h // 28, h - 1)
    xs = np.minimum(np.arange(28) * w // 28, w - 1)
    return f[ys][:, xs]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=20)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=OUT_DIR, help="output directory (default: the test fixtures)")
    args = ap.parse_args(argv)
    out_dir = args.out

    rng = np.random.default_rng(args.seed)
    images = read_idx(DATA_DIR / "t10k-images.idx3-ubyte.gz")
    labels = read_idx(DATA_DIR / "t10k-labels.idx1-ubyte.gz")
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob("*.pgm"):
        old.unlink()
    entries = []
    # two digits of each class, drawn from test images 1000..9999 (away from images/)
    for n in range(args.count):
        label = n % 10
        candidates = np.nonzero(labels[1000:] == label)[0] + 1000
        idx = int(rng.choice(candidates))
        photo = render_photo(images[idx], rng)
        name = f"photo_{n:02d}_d{label}.pgm"
        h, w = photo.shape
        (out_dir / name).write_bytes(f"P5\n{w} {h}\n255\n".encode() + photo.tobytes())
        entries.append({"file": name, "label": int(label), "mnist_test_index": idx, "width": w, "height": h})
    (out_dir / "manifest.json").write_text(json.dumps(
        {"generator": "tools/make_digit_photos.py", "seed": args.seed, "photos": entries}, indent=1) + "\n")

    model = (fl.REPO_ROOT / "weights" / "mnist_small_cnn.tflite").read_bytes()
    correct = 0
    for e in entries:
        raw = np.frombuffer((out_dir / e["file"]).read_bytes()[-e["width"] * e["height"]:], np.uint8)
        x = naive_28(raw.reshape(e["height"], e["width"]))[None, :, :, None].astype(np.float32)
        pred = int(np.argmax(fl.run_litert(model, [x])[0]))
        correct += int(pred == e["label"])
    print(f"wrote {len(entries)} photos to {out_dir} ({fl.dir_size(out_dir)} bytes); "
          f"naive resize+invert reads {correct}/{len(entries)} correctly with the small CNN")
    return 0


if __name__ == "__main__":
    sys.exit(main())
