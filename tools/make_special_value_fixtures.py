#!/usr/bin/env python3
"""Generate float32 single-op fixtures whose inputs hold infinities, NaNs and
zeros, so the outputs hold them too: division by zero (±inf, 0/0 = NaN),
rsqrt(0), sqrt/log of negative numbers and zero, inf − inf, 0 · inf, NaN in
pooling windows and reductions, ±inf through activations and softmax.

Expected outputs come from LiteRT's builtin kernels (no XNNPACK); the tests
compare them element by element with NaN matching NaN only where LiteRT has
NaN and infinities matching exactly (`Comparison` in the Swift tests). A case
whose inputs and LiteRT output hold no NaN or infinity is rejected here, so
every fixture exercises that behaviour. (LiteRT's float pooling clamps to
±FLT_MAX for activation NONE, so infinities in a pooling window come out as
±3.4e38: the fixtures record that too.)

Output: Tests/TFLiteEngineTests/Fixtures/ops/float32_special/ (manifest.json,
one ``"op"`` per entry, run per operator by OperatorFixtureTests).

Usage:
    python3 tools/make_special_value_fixtures.py [--out DIR] [--list]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DEFAULT_OUT = fl.FIXTURES_ROOT / "ops" / "float32_special"

INF, NAN = np.float32(np.inf), np.float32(np.nan)
# Every kind of value: zeros of both signs, ±inf, NaN, ordinary numbers.
SPECIAL = np.array([0.0, -0.0, INF, -INF, NAN, 1.0, -1.0, 2.5, -3.0, 1e-30, 1e30, -1e30], dtype=np.float32)


def grid(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (a[i], b[j]) as two [len(a), len(b)] tensors."""
    x, y = np.meshgrid(a, b, indexing="ij")
    return x.astype(np.float32), y.astype(np.float32)


def cases():
    import tensorflow as tf

    x2, y2 = grid(SPECIAL, SPECIAL)
    unary = SPECIAL.reshape(1, -1)
    # A 1×4×6×2 image for pooling: NaN in some windows, ±inf in others.
    image = np.arange(48, dtype=np.float32).reshape(1, 4, 6, 2) - 20
    image[0, 0, 0, 0] = NAN
    image[0, 1, 3, 1] = INF
    image[0, 2, 4, 0] = -INF
    image[0, 3, 1, 1] = NAN
    image[0, 3, 5, 0] = INF
    image[0, 3, 4, 0] = -INF  # inf and −inf in the same window: NaN in an average
    # The last rows: the largest logit first and > 88 above the rest (exp of
    # it overflows unless the maximum, over every element, is subtracted).
    logits = np.array([[0, 1, -INF, 2], [-INF, -INF, 0, 1], [1, INF, 0, 2], [NAN, 0, 1, 2], [3, 3, 3, 3],
                       [100, 0, 1, 2], [-50, -200, -199, -198]], dtype=np.float32)
    sums = np.array([[1, INF, 2], [INF, -INF, 0], [NAN, 1, 2], [-INF, -1, -2], [1e38, 1e38, 1e38]], dtype=np.float32)

    def binary(name, op, fn, a=x2, b=y2):
        return name, op, lambda x, y: fn(x, y), [a, b]

    def one(name, op, fn, x=unary):
        return name, op, lambda t: fn(t), [x]

    return [
        binary("div_special_pairs", "DIV", tf.math.divide),
        binary("add_special_pairs", "ADD", tf.math.add),
        binary("sub_special_pairs", "SUB", tf.math.subtract),
        binary("mul_special_pairs", "MUL", tf.math.multiply),
        binary("maximum_special_pairs", "MAXIMUM", tf.math.maximum),
        binary("minimum_special_pairs", "MINIMUM", tf.math.minimum),
        binary("squared_difference_special_pairs", "SQUARED_DIFFERENCE", tf.math.squared_difference),
        binary("div_by_zero_broadcast", "DIV", tf.math.divide,
               a=np.array([[1, -1, 0, INF, NAN, -2]], dtype=np.float32).T.reshape(6, 1),
               b=np.array([[0, -0.0, 1]], dtype=np.float32)),
        one("rsqrt_special", "RSQRT", tf.math.rsqrt),
        one("sqrt_special", "SQRT", tf.math.sqrt),
        one("log_special", "LOG", tf.math.log),
        one("exp_special", "EXP", tf.math.exp),
        one("tanh_special", "TANH", tf.math.tanh),
        one("logistic_special", "LOGISTIC", tf.math.sigmoid),
        one("relu_special", "RELU", tf.nn.relu),
        one("relu6_special", "RELU6", tf.nn.relu6),
        one("abs_special", "ABS", tf.math.abs),
        one("neg_special", "NEG", tf.math.negative),
        one("square_special", "SQUARE", tf.math.square),
        one("floor_special", "FLOOR", tf.math.floor),
        one("max_pool_nan_inf", "MAX_POOL_2D", lambda t: tf.nn.max_pool2d(t, 2, 2, "VALID"), x=image),
        one("max_pool_nan_inf_same", "MAX_POOL_2D", lambda t: tf.nn.max_pool2d(t, 3, 1, "SAME"), x=image),
        one("average_pool_nan_inf", "AVERAGE_POOL_2D", lambda t: tf.nn.avg_pool2d(t, 2, 2, "VALID"), x=image),
        one("softmax_inf", "SOFTMAX", tf.nn.softmax, x=logits),
        one("sum_inf", "SUM", lambda t: tf.reduce_sum(t, axis=1), x=sums),
        one("mean_inf", "MEAN", lambda t: tf.reduce_mean(t, axis=1), x=sums),
        one("reduce_max_nan", "REDUCE_MAX", lambda t: tf.reduce_max(t, axis=1), x=sums),
    ]


def build(name, op, fn, inputs):
    import tensorflow as tf

    specs = [tf.TensorSpec(x.shape, tf.float32, name=f"x{i}") for i, x in enumerate(inputs)]
    model = fl.convert_concrete(fn, specs)
    ops = [o.name for o in fl.model_ops(model)]
    if ops != [op]:
        raise SystemExit(f"{name}: converter made {ops}, expected [{op}]")
    (out,) = fl.run_litert(model, inputs, kernels="builtin")
    special = int(np.sum(~np.isfinite(out)))
    if special == 0 and all(np.isfinite(x).all() for x in inputs):
        raise SystemExit(f"{name}: neither the inputs nor LiteRT's output hold a NaN or infinity")
    return model, out, special


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    all_cases = cases()
    if args.list:
        for name, op, _, _ in all_cases:
            print(f"{op:20s} {name}")
        return 0
    fl.clean_fixture_dir(args.out)
    for name, op, fn, inputs in all_cases:
        model, out, special = build(name, op, fn, inputs)
        fl.save_fixture(args.out, name, op, model, inputs, [out], reference="litert-builtin")
        print(f"{op:20s} {name:36s} {out.size:4d} outputs, {special} NaN/inf", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
