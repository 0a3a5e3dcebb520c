#!/usr/bin/env python3
"""Generate whole-model fixtures for the Swift engine tests.

Writes, under Tests/TFLiteEngineTests/Fixtures/models/ (same layout and
manifest.json shape as the op fixtures; "op" is "MODEL"):

    mnist_small_cnn       copy of weights/mnist_small_cnn.tflite (run
                          tools/train_mnist.py first), input = one real MNIST
                          test digit as float32 [1,28,28,1] in [0,1]
    mobilenet_v2_035_96   Keras MobileNetV2(alpha=0.35, 96x96x3, 10 classes,
                          logits) with "keep activations alive" random weights
                          (He-normal kernels, non-trivial BatchNorm stats);
                          input = uniform random in [-1,1]

Reference outputs come from LiteRT's builtin kernels.

Usage:
    python3 tools/make_model_fixtures.py [--only NAME] [--seed S] [--mnist-index I]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DEFAULT_OUT = fl.FIXTURES_ROOT / "models"
WEIGHTS = fl.REPO_ROOT / "weights"


def make_mnist_small_cnn(out: Path, seed: int, mnist_index: int) -> None:
    from train_mnist import load_mnist, prep_28x28x1

    src = WEIGHTS / "mnist_small_cnn.tflite"
    if not src.exists():
        raise SystemExit(f"{src} missing: run tools/train_mnist.py --arch small_cnn first")
    model = src.read_bytes()
    _, _, xte, yte = load_mnist()
    x = prep_28x28x1(xte[mnist_index: mnist_index + 1])
    (y,) = fl.run_litert(model, [x])
    pred = int(np.argmax(y))
    print(f"mnist_small_cnn: test index {mnist_index}, label {int(yte[mnist_index])}, "
          f"predicted {pred} (p={float(y[0, pred]):.4f})")
    if pred != int(yte[mnist_index]):
        raise AssertionError("model misclassifies the fixture digit")
    fl.save_fixture(out, "mnist_small_cnn", "MODEL", model, [x], [y])


def make_mobilenet_v2_035_96(out: Path, seed: int) -> None:
    import tensorflow as tf

    fl.seed_everything(seed)
    net = tf.keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), weights=None,
                                            classes=10, classifier_activation=None)
    fl.keep_activations_alive(net, seed)
    model = fl.convert_keras_batch1(net)
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-1.0, 1.0, (1, 96, 96, 3)).astype(np.float32) for _ in range(2)]
    ys = [fl.run_litert(model, [x])[0] for x in xs]
    stats = fl.check_logits_alive(ys, "mobilenet_v2_035_96")
    keras_y = net(xs[0], training=False).numpy()
    rel = float(np.max(np.abs(keras_y - ys[0])) / np.max(np.abs(keras_y)))
    print(f"mobilenet_v2_035_96: {len(model)} bytes, ops {fl.op_histogram(model)}")
    print(f"  logits {ys[0].ravel().round(3).tolist()}")
    print(f"  std across classes {stats['std_across_classes']}, max |logit| {stats['max_abs']:.3g}, "
          f"LiteRT vs Keras rel. diff {rel:.2e}")
    fl.save_fixture(out, "mobilenet_v2_035_96", "MODEL", model, [xs[0]], [ys[0]])


FIXTURES = {
    "mnist_small_cnn": lambda out, a: make_mnist_small_cnn(out, a.seed, a.mnist_index),
    "mobilenet_v2_035_96": lambda out, a: make_mobilenet_v2_035_96(out, a.seed),
}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--only", choices=sorted(FIXTURES), action="append", default=[])
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--mnist-index", type=int, default=0, help="MNIST test image for mnist_small_cnn")
    args = ap.parse_args(argv)
    for name in args.only or list(FIXTURES):
        t0 = time.time()
        FIXTURES[name](args.out, args)
        print(f"  {name} done in {time.time() - t0:.1f}s")
    print(f"{args.out}: {fl.dir_size(args.out) / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
