"""Write MobileNetV1/V2 1.0 224 float32 .tflite files into .models/ (git-ignored)
for speed measurements. Weights are random (no download): timing does not
depend on the values. Usage: python3 tools/make_benchmark_models.py
"""
from __future__ import annotations

import fixturelib as fl

fl.quiet_tf()


def main() -> None:
    import tensorflow as tf

    fl.MODELS_DIR.mkdir(exist_ok=True)
    fl.seed_everything(1)
    for name, ctor in [("mobilenet_v1_1.0_224", tf.keras.applications.MobileNet),
                       ("mobilenet_v2_1.0_224", tf.keras.applications.MobileNetV2)]:
        path = fl.MODELS_DIR / f"{name}.tflite"
        if path.exists():
            continue
        # A fixed batch of 1 lets the converter fold the head's reshape.
        inputs = tf.keras.Input((224, 224, 3), batch_size=1)
        model = ctor(input_tensor=inputs, alpha=1.0, weights=None)
        path.write_bytes(fl.convert_keras(model))
        print("wrote", path)


if __name__ == "__main__":
    main()
