#!/usr/bin/env python3
"""Build the large acceptance models (NOT committed) into .models/ (git-ignored).

Models (Keras application constructors, ``weights=None``, logits output,
re-initialised to "keep activations alive": He-normal conv/dense kernels,
BatchNorm gamma ~ U(0.5,1.5), beta ~ N(0,0.1), moving_mean ~ N(0,0.1),
moving_variance ~ U(0.5,1.5)):

    mobilenet_v1_100_224   MobileNet(alpha=1.0, 224x224x3, 1000 classes)
    mobilenet_v2_100_224   MobileNetV2(alpha=1.0, 224x224x3, 1000 classes)
    vgg16_32               VGG16(32x32x3, 10 classes)

For each model <m> this writes to .models/:

    <m>.tflite                          float32, fixed batch 1
    <m>.x.npy                           random float32 input, uniform [-1,1]
    <m>.litert_builtin.output0.npy      LiteRT builtin-kernel output (no XNNPACK)

With ``--int8`` it additionally writes (for later work):

    <m>.int8.tflite                     full-integer int8 (20 random calibration
                                        inputs, int8 input and output)
    <m>.int8.x.npy                      <m>.x.npy quantised with the input's params
    <m>.int8.litert_builtin.output0.npy
    <m>.float16.tflite                  float16 weights
    <m>.float16.litert_builtin.output0.npy
    <m>.dynamic_range.tflite            dynamic-range (int8 weights, float activations)
    <m>.dynamic_range.litert_builtin.output0.npy

The script checks that logits are finite, bounded (|logit| < 1e4) and not
constant (across classes and across two different inputs).

Usage:
    python3 tools/make_reference_models.py                 # all three, float32
    python3 tools/make_reference_models.py --only vgg16_32 [--int8]
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


def _keras_apps():
    import tensorflow as tf

    return tf.keras.applications


MODELS = {
    "mobilenet_v1_100_224": dict(
        build=lambda: _keras_apps().MobileNet(alpha=1.0, input_shape=(224, 224, 3), include_top=True,
                                              weights=None, classes=1000, classifier_activation=None),
        shape=(224, 224, 3), seed=101),
    "mobilenet_v2_100_224": dict(
        build=lambda: _keras_apps().MobileNetV2(alpha=1.0, input_shape=(224, 224, 3), include_top=True,
                                                weights=None, classes=1000, classifier_activation=None),
        shape=(224, 224, 3), seed=102),
    "vgg16_32": dict(
        build=lambda: _keras_apps().VGG16(weights=None, input_shape=(32, 32, 3), classes=10,
                                          classifier_activation=None),
        shape=(32, 32, 3), seed=103),
}

N_CALIBRATION = 20


def quantize(x: np.ndarray, detail: dict) -> np.ndarray:
    scale, zp = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(detail["dtype"])


def variant_configure(variant: str, shape, seed: int):
    import tensorflow as tf

    def configure(c):
        if variant == "int8":
            rng = np.random.default_rng(seed + 1000)
            samples = [rng.uniform(-1.0, 1.0, (1,) + tuple(shape)).astype(np.float32) for _ in range(N_CALIBRATION)]
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.representative_dataset = lambda: ([s] for s in samples)
            c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
        elif variant == "float16":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.target_spec.supported_types = [tf.float16]
        elif variant == "dynamic_range":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
        elif variant != "float32":
            raise ValueError(variant)

    return configure


def make(name: str, out: Path, int8: bool) -> None:
    spec = MODELS[name]
    t0 = time.time()
    fl.seed_everything(spec["seed"])
    net = spec["build"]()
    fl.keep_activations_alive(net, spec["seed"])
    rng = np.random.default_rng(spec["seed"])
    xs = [rng.uniform(-1.0, 1.0, (1,) + spec["shape"]).astype(np.float32) for _ in range(2)]

    model = fl.convert_keras_batch1(net)
    t_conv = time.time() - t0
    (out / f"{name}.tflite").write_bytes(model)
    t1 = time.time()
    ys = [fl.run_litert(model, [x], "builtin")[0] for x in xs]
    t_run = (time.time() - t1) / 2
    stats = fl.check_logits_alive(ys, name)
    keras_y = net(xs[0], training=False).numpy()
    rel = float(np.max(np.abs(keras_y - ys[0])) / np.max(np.abs(keras_y)))
    if rel > 1e-3:
        raise AssertionError(f"{name}: LiteRT differs from Keras (rel {rel:.2e})")
    fl.save_npy(out / f"{name}.x.npy", xs[0])
    fl.save_npy(out / f"{name}.litert_builtin.output0.npy", ys[0])
    print(f"{name}: {len(model) / 1e6:.1f} MB, {fl.op_histogram(model)}")
    print(f"  logits std across classes {stats['std_across_classes'][0]:.3g}, max |logit| "
          f"{stats['max_abs']:.3g}, LiteRT vs Keras rel {rel:.1e}; convert {t_conv:.0f}s, "
          f"LiteRT builtin {t_run:.2f}s/inference")

    if int8:
        for variant in ("int8", "float16", "dynamic_range"):
            t2 = time.time()
            vb = fl.convert_keras_batch1(net, configure=variant_configure(variant, spec["shape"], spec["seed"]))
            (out / f"{name}.{variant}.tflite").write_bytes(vb)
            in_det, _ = fl.litert_io_details(vb)
            x = xs[0]
            if variant == "int8":
                x = quantize(xs[0], in_det[0])
                fl.save_npy(out / f"{name}.int8.x.npy", x)
            (y,) = fl.run_litert(vb, [x], "builtin")
            fl.save_npy(out / f"{name}.{variant}.litert_builtin.output0.npy", y)
            print(f"  {variant}: {len(vb) / 1e6:.1f} MB, output {y.dtype} "
                  f"top-1 {int(np.argmax(y))} (float32 top-1 {int(np.argmax(ys[0]))}), {time.time() - t2:.0f}s")
    print(f"  {name} done in {time.time() - t0:.0f}s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(MODELS), action="append", default=[], help="make only this model (repeatable)")
    ap.add_argument("--int8", action="store_true", help="also write int8 / float16 / dynamic-range variants")
    ap.add_argument("--out", type=Path, default=fl.MODELS_DIR, help="output directory (default: %(default)s)")
    args = ap.parse_args(argv)
    if fl.MODELS_DIR.resolve() not in [args.out.resolve(), *args.out.resolve().parents]:
        print(f"warning: {args.out} is outside {fl.MODELS_DIR}; these files are large", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.only or list(MODELS):
        make(name, args.out, args.int8)
    return 0


if __name__ == "__main__":
    sys.exit(main())
