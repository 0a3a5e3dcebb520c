#!/usr/bin/env python3
"""Write sample digit images (PGM) for the CLI and tests.

Writes to images/:
    digit_0.pgm .. digit_9.pgm   the first MNIST *test* image of each class
                                 that weights/mnist_small_cnn.tflite classifies
                                 correctly with p >= 0.9 (--no-model: the first
                                 one), 28x28, white ink on black (as MNIST stores
                                 it).  Binary P5, except digit_1.pgm (ASCII P2)
                                 and digit_4.pgm (ASCII P2 with a "# comment"
                                 header line).
    photo_digit_3.pgm            a "photo-like" 120x90 (width x height) P5
                                 image of a test "3": dark ink on light paper,
                                 enlarged, off-centre, uneven lighting and mild
                                 noise (input for a later --preprocess mnist).
    README.md                    which MNIST test index each file came from.

Usage:
    python3 tools/make_digit_images.py [--out images] [--seed S] [--no-model]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402
from train_mnist import DATA_DIR, read_idx  # noqa: E402

ASCII_PLAIN = 1       # digit_1.pgm: P2
ASCII_COMMENT = 4     # digit_4.pgm: P2 with a comment line
PHOTO_CLASS = 3


def write_p5(path: Path, img: np.ndarray, comment: str | None = None) -> None:
    h, w = img.shape
    header = "P5\n" + (f"# {comment}\n" if comment else "") + f"{w} {h}\n255\n"
    path.write_bytes(header.encode("ascii") + np.asarray(img, dtype=np.uint8).tobytes())


def write_p2(path: Path, img: np.ndarray, comment: str | None = None) -> None:
    h, w = img.shape
    lines = ["P2"]
    if comment:
        lines.append(f"# {comment}")
    lines += [f"{w} {h}", "255"]
    for row in np.asarray(img, dtype=np.uint8):
        lines.append(" ".join(f"{int(v):3d}" for v in row))  # 28*4-1 = 111 chars per line
    path.write_text("\n".join(lines) + "\n")


def resize_bilinear(img: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """Bilinear resize (align-corners=False) of a 2-D float array."""
    h, w = img.shape
    ys = (np.arange(out_h) + 0.5) * h / out_h - 0.5
    xs = (np.arange(out_w) + 0.5) * w / out_w - 0.5
    y0 = np.clip(np.floor(ys).astype(int), 0, h - 1)
    x0 = np.clip(np.floor(xs).astype(int), 0, w - 1)
    y1 = np.clip(y0 + 1, 0, h - 1)
    x1 = np.clip(x0 + 1, 0, w - 1)
    wy = np.clip(ys - np.floor(ys), 0, 1)[:, None]
    wx = np.clip(xs - np.floor(xs), 0, 1)[None, :]
    a = img[y0][:, x0]
    b = img[y0][:, x1]
    c = img[y1][:, x0]
    d = img[y1][:, x1]
    return (a * (1 - wx) + b * wx) * (1 - wy) + (c * (1 - wx) + d * wx) * wy


def photo_like(digit: np.ndarray, rng: np.random.Generator, width: int = 120, height: int = 90) -> np.ndarray:
    """Dark ink on light, unevenly lit paper; the digit enlarged and off-centre."""
    ink = resize_bilinear(digit.astype(np.float64) / 255.0, 60, 60)   # 0 paper .. 1 ink
    canvas = np.zeros((height, width))
    top, left = 12, 22                                                  # centre would be (15, 30)
    canvas[top: top + 60, left: left + 60] = ink
    yy, xx = np.mgrid[0:height, 0:width]
    # lighting: brighter at the top-left, darker towards the bottom-right, plus a soft blob
    light = 225 - 45 * (xx / width) - 30 * (yy / height)
    light += 15 * np.exp(-(((xx - 95) / 25.0) ** 2 + ((yy - 20) / 20.0) ** 2))
    ink_level = 35 + 10 * (yy / height)
    img = light * (1 - canvas) + ink_level * canvas
    img += rng.normal(0.0, 5.0, img.shape)                              # sensor noise
    return np.clip(np.round(img), 0, 255).astype(np.uint8)


def classified_ok(model_path: Path | None, images: np.ndarray, labels: np.ndarray, min_prob: float) -> np.ndarray:
    """Per test image: does the digit model classify it correctly with p >= min_prob?
    (All True when no model is used.)  Only the first 200 images are checked."""
    ok = np.ones(len(images), dtype=bool)
    if model_path is None:
        return ok
    model = model_path.read_bytes()
    n = 200
    ok[:] = False
    for i in range(n):
        x = (images[i: i + 1].astype(np.float32) / 255.0)[..., None]
        (y,) = fl.run_litert(model, [x])
        ok[i] = int(np.argmax(y)) == int(labels[i]) and float(y.max()) >= min_prob
    return ok


def first_ok(labels: np.ndarray, ok: np.ndarray, digit: int, start: int) -> int:
    cand = np.nonzero((labels == digit) & ok)[0]
    cand = cand[cand >= start]
    if cand.size == 0:
        raise SystemExit(f"no suitable test image of class {digit}")
    return int(cand[0])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=fl.REPO_ROOT / "images")
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--model", type=Path, default=fl.REPO_ROOT / "weights" / "mnist_small_cnn.tflite",
                    help="skip test images this model gets wrong (default: %(default)s)")
    ap.add_argument("--no-model", action="store_true", help="take the first test image of each class")
    ap.add_argument("--min-prob", type=float, default=0.9)
    args = ap.parse_args(argv)
    if args.no_model:
        args.model = None

    images = read_idx(args.data / "t10k-images.idx3-ubyte.gz")
    labels = read_idx(args.data / "t10k-labels.idx1-ubyte.gz")
    ok = classified_ok(args.model, images, labels, args.min_prob)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = []
    picks = [first_ok(labels, ok, d, 0) for d in range(10)]
    for d in range(10):
        idx = picks[d]
        path = args.out / f"digit_{d}.pgm"
        if d == ASCII_PLAIN:
            write_p2(path, images[idx])
            fmt = "P2 (ASCII)"
        elif d == ASCII_COMMENT:
            write_p2(path, images[idx], comment=f"MNIST t10k index {idx}, label {d}")
            fmt = "P2 (ASCII), with a `#` comment line in the header"
        else:
            write_p5(path, images[idx])
            fmt = "P5 (binary)"
        rows.append((path.name, idx, d, "28x28", fmt))

    rng = np.random.default_rng(args.seed)
    # the next suitable test "3" after the one used for digit_3.pgm
    idx3 = first_ok(labels, ok, PHOTO_CLASS, picks[PHOTO_CLASS] + 1)
    photo = photo_like(images[idx3], rng)
    write_p5(args.out / f"photo_digit_{PHOTO_CLASS}.pgm", photo)
    rows.append((f"photo_digit_{PHOTO_CLASS}.pgm", idx3, PHOTO_CLASS, "120x90",
                 "P5 (binary); dark ink on light paper, enlarged 28->60 px, off-centre, "
                 "uneven lighting, Gaussian noise (sigma 5)"))

    readme = [
        "# Sample digit images",
        "",
        "Generated by `python3 tools/make_digit_images.py` from the MNIST test set",
        "(`t10k-images.idx3-ubyte`); indices are 0-based.  `digit_N.pgm` are the",
        "original 28x28 images, white ink on a black background as MNIST stores them;",
        "each is the first test image of its class that `weights/mnist_small_cnn.tflite`",
        "classifies correctly with probability >= 0.9 (so the CLI demo gets them right);",
        "`photo_digit_3.pgm` is a photo-like rendering (dark ink on light paper) meant",
        "for a preprocessing step that converts it to MNIST style.",
        "",
        "| file | MNIST test index | label | size (WxH) | format |",
        "|---|---|---|---|---|",
    ]
    readme += [f"| `{n}` | {i} | {lab} | {sz} | {fmt} |" for n, i, lab, sz, fmt in rows]
    (args.out / "README.md").write_text("\n".join(readme) + "\n")
    for r in rows:
        print(f"{r[0]:22s} index {r[1]:5d} label {r[2]}  {r[4]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
