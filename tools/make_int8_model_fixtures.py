#!/usr/bin/env python3
"""Whole-model full-integer (int8) fixtures checked against TFLite Micro.

MobileNetV2 (alpha 0.35, 96×96×3, 10 classes, random weights re-initialised
with He-normal kernels and non-trivial BatchNormalization statistics so that
activations stay alive through depth), converted with full-integer
quantization (representative dataset of random images, int8 input and
output).  Two random int8 images are run (the first is saved) with TFLite Micro's interpreter
(reference kernels) and saved as expected outputs with ``"tolerance": 0``.

Output: Tests/TFLiteEngineTests/Fixtures/models_int8/

Usage:
    python3 tools/make_int8_model_fixtures.py [--clean]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DEFAULT_OUT = fl.FIXTURES_ROOT / "models_int8"
SEED = 2024


def convert_batch1(model, configure) -> bytes:
    import tensorflow as tf

    shape = [1] + [int(d) for d in model.inputs[0].shape[1:]]

    def serve(x):
        return model(x, training=False)

    return fl.convert_concrete(serve, [tf.TensorSpec(shape, tf.float32, name="input")], configure)


def mobilenet_v2_035_96(out: Path) -> None:
    import tensorflow as tf

    t0 = time.time()
    fl.seed_everything(SEED)
    net = tf.keras.applications.MobileNetV2(alpha=0.35, input_shape=(96, 96, 3), include_top=True, weights=None,
                                            classes=10, classifier_activation=None)
    fl.keep_activations_alive(net, SEED)
    rng = np.random.default_rng(SEED)
    calibration = [rng.uniform(-1.0, 1.0, (1, 96, 96, 3)).astype(np.float32) for _ in range(24)]

    def configure(c):
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = lambda: ([s] for s in calibration)
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8

    model = convert_batch1(net, configure)
    hist = fl.op_histogram(model)
    name = "mobilenet_v2_035_96_int8"
    inputs = [rng.integers(-128, 128, size=(1, 96, 96, 3), dtype=np.int8) for _ in range(2)]
    outputs = [fl.run_micro(model, [x])[0] for x in inputs]
    # Alive: the two images give different, non-constant class scores.
    logits = [o.astype(np.int32).ravel() for o in outputs]
    if min(int(l.max() - l.min()) for l in logits) < 4 or np.array_equal(logits[0], logits[1]):
        raise AssertionError(f"{name}: outputs look dead: {logits}")
    # One fixture (the model is ~0.5 MB); the second image only checks liveness.
    fl.save_fixture(out, name, "MODEL", model, [inputs[0]], [outputs[0]], reference="tflite-micro")
    manifest = fl.load_manifest(out)
    for e in manifest["fixtures"]:
        e["tolerance"] = 0
    fl.write_manifest(out, manifest)
    print(f"{name}: {len(model) / 1024:.0f} KiB, {hist}, outputs {logits}, {time.time() - t0:.0f}s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args(argv)
    if args.clean:
        fl.clean_fixture_dir(args.out)
    args.out.mkdir(parents=True, exist_ok=True)
    mobilenet_v2_035_96(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
