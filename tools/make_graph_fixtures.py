"""Generate small branchy graphs for the partitioning tests (Fixtures/graphs/).

The graph mixes ops the demonstration delegate supports (CONV_2D,
CONCATENATION) with ops it declines (DEPTHWISE_CONV_2D, ADD, MAX_POOL_2D,
MEAN, FULLY_CONNECTED, SOFTMAX) across parallel branches, residual ADDs and
concatenations, so partitioning has to respect dependencies and produces
several partitions of different sizes. Reference outputs come from LiteRT's
builtin kernels. Usage: python3 tools/make_graph_fixtures.py
"""
from __future__ import annotations

import numpy as np

import fixturelib as fl

fl.quiet_tf()


def branchy_model():
    import tensorflow as tf

    L = tf.keras.layers
    x = L.Input((12, 12, 3), batch_size=1)
    a = L.Conv2D(8, 3, padding="same", activation="relu")(x)
    # Two branches from `a`: conv-conv and depthwise-conv.
    b1 = L.Conv2D(8, 1, activation="relu")(a)
    b1 = L.Conv2D(8, 3, padding="same")(b1)
    b2 = L.DepthwiseConv2D(3, padding="same", activation="relu")(a)
    b2 = L.Conv2D(8, 1)(b2)
    c = L.Concatenate()([b1, b2])                 # delegated, joins both branches
    c = L.Conv2D(8, 1, activation="relu")(c)
    r = L.Add()([c, a])                           # residual: CPU
    d1 = L.Conv2D(6, 3, padding="same")(r)
    d2 = L.MaxPooling2D(3, strides=1, padding="same")(r)
    d3 = L.Conv2D(6, 1)(d2)
    e = L.Concatenate()([d1, d3, r])
    e = L.Conv2D(10, 3, strides=2, padding="same", activation="relu")(e)
    g = L.GlobalAveragePooling2D()(e)
    y = L.Dense(5, activation="softmax")(g)
    return tf.keras.Model(x, y)


def main() -> None:
    directory = fl.FIXTURES_ROOT / "graphs"
    fl.clean_fixture_dir(directory)
    name = "branchy_conv_concat"
    fl.seed_everything(fl.name_seed(7, name))
    model = branchy_model()
    fl.keep_activations_alive(model, 7)
    tflite = fl.convert_keras(model)
    rng = np.random.default_rng(fl.name_seed(11, name))
    x = rng.standard_normal((1, 12, 12, 3)).astype(np.float32)
    outputs = fl.run_litert(tflite, [x])
    print(fl.op_histogram(tflite))
    fl.save_fixture(directory, name, "MODEL", tflite, [x], outputs)
    print(f"wrote {directory} ({fl.dir_size(directory)} bytes)")


if __name__ == "__main__":
    main()
