#!/usr/bin/env python3
"""Train the MNIST digit models and export them as float32 TFLite.

Reads the IDX (gzip) files from /work/shared/data/mnist (no download), trains
the architecture chosen with ``--arch``, converts it with the TFLite converter
(float32, no optimisations), measures test accuracy with LiteRT (builtin
kernels) on all 10,000 test images, and writes

    weights/mnist_<arch>.tflite     the converted model (committed)
    weights/labels_digits.txt       "0".."9", one per line
    .models/mnist_<arch>.keras      the Keras model (git-ignored)

Architectures (``--arch``):
    small_cnn   28x28x1 float in [0,1]: conv3x3x16 relu, maxpool, conv3x3x32
                relu, maxpool, dense64 relu, dense10 softmax.  ~1 min on 2 cores.
More (e.g. a MobileNetV2-style and a VGG-style net on 32x32x3) can be added to
``ARCHS``; each entry says how to build the model and how to turn the 28x28
uint8 images into its input.

Usage:
    python3 tools/train_mnist.py --arch small_cnn [--epochs N] [--seed S]
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DATA_DIR = Path("/work/shared/data/mnist")
WEIGHTS_DIR = fl.REPO_ROOT / "weights"


# ----------------------------------------------------------------- data

def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: bad IDX magic")
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[data[2]]
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    return arr.reshape(dims).astype(np.dtype(dtype).newbyteorder("="))


def load_mnist(data_dir: Path = DATA_DIR):
    """(train_images uint8 [N,28,28], train_labels, test_images, test_labels)."""
    return (
        read_idx(data_dir / "train-images.idx3-ubyte.gz"),
        read_idx(data_dir / "train-labels.idx1-ubyte.gz"),
        read_idx(data_dir / "t10k-images.idx3-ubyte.gz"),
        read_idx(data_dir / "t10k-labels.idx1-ubyte.gz"),
    )


def prep_28x28x1(images: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,28,28,1] in [0,1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def shift_augment(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Random integer translations of up to ``max_shift`` pixels (zero fill)."""
    n, h, w = x.shape[:3]
    out = np.zeros_like(x)
    dy = rng.integers(-max_shift, max_shift + 1, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    for sy in range(-max_shift, max_shift + 1):
        for sx in range(-max_shift, max_shift + 1):
            idx = np.nonzero((dy == sy) & (dx == sx))[0]
            if idx.size == 0:
                continue
            ys, yd = (slice(0, h - sy), slice(sy, h)) if sy >= 0 else (slice(-sy, h), slice(0, h + sy))
            xs, xd = (slice(0, w - sx), slice(sx, w)) if sx >= 0 else (slice(-sx, w), slice(0, w + sx))
            out[idx, yd, xd] = x[idx, ys, xs]
    return out


# ---------------------------------------------------------- architectures

def build_small_cnn():
    import tensorflow as tf

    L = tf.keras.layers
    return tf.keras.Sequential([
        L.Input((28, 28, 1), name="image"),
        L.Conv2D(16, 3, activation="relu", name="conv1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(32, 3, activation="relu", name="conv2"),
        L.MaxPooling2D(2, name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(64, activation="relu", name="fc1"),
        L.Dense(10, activation="softmax", name="probs"),
    ], name="mnist_small_cnn")


@dataclass
class Arch:
    build: Callable[[], object]
    prepare: Callable[[np.ndarray], np.ndarray]   # uint8 [N,28,28] -> model input
    epochs: int
    batch_size: int
    lr: float
    augment: bool
    min_accuracy: float


ARCHS: dict[str, Arch] = {
    "small_cnn": Arch(build_small_cnn, prep_28x28x1, epochs=5, batch_size=128, lr=2e-3,
                      augment=True, min_accuracy=0.985),
    # "mobilenet_v2_32": Arch(...)  # 32x32x3 input: pad 28->32, repeat channels
    # "vgg_32": Arch(...)
}


# ----------------------------------------------------------------- main

def litert_accuracy(model_bytes: bytes, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy with LiteRT builtin kernels, one image at a time (batch 1)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_content=model_bytes,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    correct = 0
    for i in range(len(x)):
        interp.set_tensor(inp["index"], x[i: i + 1])
        interp.invoke()
        correct += int(np.argmax(interp.get_tensor(out["index"])[0]) == y[i])
    return correct / len(x)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="small_cnn")
    ap.add_argument("--epochs", type=int, default=None, help="override the architecture's epoch count")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    args = ap.parse_args(argv)

    import tensorflow as tf

    arch = ARCHS[args.arch]
    fl.seed_everything(args.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(args.seed)

    t0 = time.time()
    xtr_u8, ytr, xte_u8, yte = load_mnist(args.data)
    print(f"loaded MNIST: train {xtr_u8.shape}, test {xte_u8.shape}")
    xte = arch.prepare(xte_u8)
    ytr = ytr.astype(np.int32)
    yte = yte.astype(np.int32)

    model = arch.build()
    epochs = args.epochs or arch.epochs
    steps = epochs * int(np.ceil(len(xtr_u8) / arch.batch_size))
    sched = tf.keras.optimizers.schedules.CosineDecay(arch.lr, steps, alpha=0.05)
    model.compile(optimizer=tf.keras.optimizers.Adam(sched),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    for epoch in range(epochs):
        x_ep = shift_augment(xtr_u8, rng) if arch.augment and epoch > 0 else xtr_u8
        model.fit(arch.prepare(x_ep), ytr, batch_size=arch.batch_size, epochs=1, shuffle=True,
                  verbose=2)
    keras_acc = model.evaluate(xte, yte, batch_size=500, verbose=0)[1]
    print(f"keras test accuracy: {keras_acc:.4f} (train {time.time() - t0:.0f}s)")

    model_bytes = fl.convert_keras_batch1(model, input_name="image")
    acc = litert_accuracy(model_bytes, xte, yte)
    print(f"LiteRT (builtin kernels) test accuracy on {len(xte)} images: {acc:.4f}")
    if acc < arch.min_accuracy:
        raise SystemExit(f"accuracy {acc:.4f} below target {arch.min_accuracy}")

    args.out_dir.mkdir(parents=True, exist_ok=True)
    out = args.out_dir / f"mnist_{args.arch}.tflite"
    out.write_bytes(model_bytes)
    (args.out_dir / "labels_digits.txt").write_text("".join(f"{d}\n" for d in range(10)))
    fl.MODELS_DIR.mkdir(exist_ok=True)
    model.save(fl.MODELS_DIR / f"mnist_{args.arch}.keras")
    print(f"ops: {fl.op_histogram(model_bytes)}")
    print(f"wrote {out} ({len(model_bytes)} bytes) in {time.time() - t0:.0f}s total")
    return 0


if __name__ == "__main__":
    sys.exit(main())
