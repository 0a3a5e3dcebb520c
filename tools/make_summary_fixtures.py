#!/usr/bin/env python3
"""Makes Tests/TFLiteEngineTests/Fixtures/summary/unsupported_ops.tflite: a
CONV_2D followed by operators the engine has no kernel for (BUCKETIZE,
CUMSUM, CAST), so ModelSummary / `infer --inspect` can be tested on a model
that cannot be prepared."""
import os
import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "TFLiteEngineTests", "Fixtures", "summary")


class M(tf.Module):
    def __init__(self):
        self.w = tf.constant(np.random.RandomState(0).randn(3, 3, 1, 4).astype(np.float32))

    @tf.function(input_signature=[tf.TensorSpec([1, 8, 8, 1], tf.float32, name="x")])
    def f(self, x):
        y = tf.nn.conv2d(x, self.w, strides=2, padding="SAME")
        z = tf.raw_ops.Bucketize(input=y, boundaries=[0.0, 1.0])
        return tf.cast(z, tf.float32) + tf.math.cumsum(y, axis=3)


def main():
    os.makedirs(OUT, exist_ok=True)
    m = M()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([m.f.get_concrete_function()], m)
    with open(os.path.join(OUT, "unsupported_ops.tflite"), "wb") as f:
        f.write(converter.convert())


if __name__ == "__main__":
    main()
