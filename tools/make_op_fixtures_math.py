#!/usr/bin/env python3
"""Generate fixtures for math, comparison, logic, selection, cast and fill ops.

Writes ``Tests/TFLiteEngineTests/Fixtures/ops/math/`` (one test case per op in
``OperatorFixtureTests``; float outputs within 1e-4, integer and bool outputs
exact):

* converted by TensorFlow's converter (each model checked to hold exactly the
  intended op): ABS (float32, int32), SQUARE, LOG, FLOOR, CEIL, ROUND (halves
  to even), SIN, COS, GELU (exact and approximate), LOG_SOFTMAX, ZEROS_LIKE,
  POW, FLOOR_DIV, FLOOR_MOD, int32/int64 ADD, SUB, MUL (fused activations
  patched in), LESS, LESS_EQUAL, GREATER, GREATER_EQUAL, EQUAL, NOT_EQUAL
  (float32, int32, int64, bool), LOGICAL_AND/OR/NOT, SELECT, SELECT_V2, CAST
  (saturating float-to-integer casts, NaN, wrapping integer casts), FILL,
  BROADCAST_TO;
* written directly with the schema's object API (``make_op_fixtures_layout``'s
  ``build_model``), for what the converter never emits: RANGE on constant
  inputs (otherwise folded away), int8/uint8 comparisons with chosen
  quantizations (equal, different, and a scale so small that distinct stored
  values rescale to one value), int8 SELECT_V2 and BROADCAST_TO.

Expected outputs come from LiteRT's builtin kernels (no XNNPACK).

Crafted invalid models (RANGE with delta 0 or a huge count, FILL and
BROADCAST_TO with huge or negative dims, comparisons of mismatched types,
constant zero divisors, negative int32 exponents, …) are listed by
``invalid_cases()`` and written into ``ops/invalid/`` by
``make_op_fixtures_elementwise.py`` (``--invalid``), together with its own.

Usage:
    python3 tools/make_op_fixtures_math.py            # everything (~2 min)
    python3 tools/make_op_fixtures_math.py --clean    # wipe ops/math first
    python3 tools/make_op_fixtures_math.py --only cast --list
    python3 tools/make_op_fixtures_math.py --invalid  # only rewrite ops/invalid

Output is deterministic (per-fixture seeds).
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

import make_op_fixtures_layout as lay  # noqa: E402
from make_op_fixtures_layout import In, opts  # noqa: E402

S = lay.S
OUT = fl.FIXTURES_ROOT / "ops" / "math"
SEED = 4321

Gen = Callable[[np.random.Generator, tuple], np.ndarray]


def _tf():
    import tensorflow as tf

    return tf


# ------------------------------------------------------------------ inputs

def normal(scale=1.0, dtype=np.float32) -> Gen:
    return lambda rng, shape: (scale * rng.standard_normal(shape)).astype(dtype)


def uniform(lo, hi) -> Gen:
    return lambda rng, shape: rng.uniform(lo, hi, shape).astype(np.float32)


def ints(lo, hi, dtype=np.int32, exclude_zero=False) -> Gen:
    def g(rng, shape):
        x = rng.integers(lo, hi, shape).astype(dtype)
        if exclude_zero:
            x[x == 0] = 1
        return x

    return g


def small_int_floats(lo=-2, hi=3) -> Gen:
    """Integer-valued floats: many ties for comparisons."""
    return lambda rng, shape: rng.integers(lo, hi, shape).astype(np.float32)


def bools() -> Gen:
    return lambda rng, shape: rng.random(shape) < 0.5


def with_values(values, base: Gen) -> Gen:
    """``base`` with its first elements replaced by ``values`` (edge cases)."""
    def g(rng, shape):
        x = base(rng, shape).reshape(-1)
        v = np.asarray(values, dtype=x.dtype)
        x[: len(v)] = v[: x.size]
        return x.reshape(shape)

    return g


def away_from_zero(lo=0.5, hi=3.0) -> Gen:
    def g(rng, shape):
        return (np.where(rng.random(shape) < 0.5, -1.0, 1.0) * rng.uniform(lo, hi, shape)).astype(np.float32)

    return g


# ------------------------------------------------------- converted models

@dataclass
class Conv:
    """A model converted from ``fn(tf)(*args)`` with inputs ``specs``
    (shape, dtype name), expected to hold exactly ``expected`` ops."""
    name: str
    op: str
    fn: Callable[[Any], Callable]
    specs: list[tuple[tuple, str]]
    gens: list[Gen]
    expected: list[str] | None = None
    patch: Callable[[Any], None] | None = None
    run_shapes: list[tuple] | None = None


def build_conv(case: Conv):
    tf = _tf()
    rng = np.random.default_rng(fl.name_seed(SEED, case.name))
    g = case.fn(tf)
    names = [f"x{i}" for i in range(len(case.specs))]
    specs = [tf.TensorSpec([None if d is None else d for d in s], getattr(tf, dt), name=n)
             for (s, dt), n in zip(case.specs, names)]
    model = fl.convert_concrete(lambda *args: g(*args), specs)
    expected = [(n, {}) for n in (case.expected or [case.op])]
    fl.assert_ops(model, expected, case.name)
    if case.patch is not None:
        model = fl.patch_model(model, case.patch)
        fl.assert_ops(model, expected, case.name + " (patched)")
    in_det, _ = fl.litert_io_details(model)
    shapes = case.run_shapes or [tuple(1 if d is None else d for d in s) for s, _ in case.specs]
    by_name = {n: gen(rng, shape) for n, gen, shape in zip(names, case.gens, shapes)}
    inputs = []
    for d in in_det:
        key = next(n for n in names if d["name"] == n or d["name"].startswith(n + ":") or d["name"].endswith(n))
        inputs.append(by_name[key])
    outputs = fl.run_litert(model, inputs, "builtin")
    return model, inputs, outputs


def set_activation(name: str):
    def edit(model):
        model.subgraphs[0].operators[0].builtinOptions.fusedActivationFunction = getattr(S.ActivationFunctionType, name)

    return edit


def converted_cases() -> list[Conv]:
    F, I, L, B = "float32", "int32", "int64", "bool"
    c: list[Conv] = []

    def unary(op, name, shape, f, gen, dtype=F):
        c.append(Conv(name, op, f, [(shape, dtype)], [gen]))

    unary("ABS", "abs", (2, 3, 4, 5), lambda tf: tf.abs, normal(3.0))
    unary("ABS", "abs_int32", (3, 7), lambda tf: tf.abs, with_values([0, -1, 2147483647, -2147483647], ints(-1000, 1000)), I)
    unary("SQUARE", "square", (2, 3, 4, 5), lambda tf: tf.square, normal(3.0))
    unary("LOG", "log", (2, 3, 4, 5), lambda tf: tf.math.log, with_values([1.0, 1e-30, 3e38], uniform(0.01, 20.0)))
    halves = [0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 1e8, -0.0, 0.49999997, 8388609.0, -8388609.5]
    unary("FLOOR", "floor", (2, 3, 4, 5), lambda tf: tf.floor, with_values(halves, normal(4.0)))
    unary("CEIL", "ceil", (2, 3, 4, 5), lambda tf: tf.math.ceil, with_values(halves, normal(4.0)))
    unary("ROUND", "round_half_to_even", (2, 3, 4, 5), lambda tf: tf.round, with_values(halves, normal(4.0)))
    unary("SIN", "sin", (2, 3, 4, 5), lambda tf: tf.sin, uniform(-10.0, 10.0))
    unary("COS", "cos", (2, 3, 4, 5), lambda tf: tf.cos, uniform(-10.0, 10.0))
    for approximate in (False, True):
        tag = "approximate" if approximate else "exact"
        unary("GELU", f"gelu_{tag}", (2, 3, 4, 5), lambda tf, a=approximate: (lambda x: tf.nn.gelu(x, approximate=a)),
              with_values([-12.0, -6.0, -3.0, 0.0, 3.0, 8.0], normal(3.0)))
    unary("LOG_SOFTMAX", "log_softmax_rank2", (4, 10), lambda tf: tf.nn.log_softmax, normal(3.0))
    unary("LOG_SOFTMAX", "log_softmax_rank4", (2, 3, 4, 5), lambda tf: tf.nn.log_softmax, normal(10.0))
    for dtype in (F, I, L):
        c.append(Conv(f"zeros_like_{dtype}", "ZEROS_LIKE", lambda tf: tf.zeros_like, [((None, 4, 5), dtype)],
                      [normal(3.0) if dtype == F else ints(-9, 9, np.dtype(dtype))]))

    def binary(op, name, f, shape_a, shape_b, dtype, gen_a, gen_b, patch=None, expected=None):
        c.append(Conv(name, op, f, [(shape_a, dtype), (shape_b, dtype)], [gen_a, gen_b], patch=patch, expected=expected))

    binary("POW", "pow_float32", lambda tf: tf.pow, (2, 3, 4), (2, 3, 4), F, uniform(0.1, 3.0), normal(1.5))
    binary("POW", "pow_float32_broadcast", lambda tf: tf.pow, (2, 3, 4), (4,), F, uniform(0.1, 3.0), normal(1.5))
    binary("POW", "pow_int32", lambda tf: tf.pow, (3, 5), (3, 5), I, ints(-5, 6), ints(0, 7))
    binary("POW", "pow_int32_overflow_broadcast", lambda tf: tf.pow, (2, 4), (4,), I,
           with_values([3, -3, 2, 7], ints(-4, 5)), with_values([25, 25, 31, 2], ints(0, 4)))
    binary("FLOOR_DIV", "floor_div_float32", lambda tf: tf.math.floordiv, (3, 4, 5), (5,), F, normal(10.0), away_from_zero())
    binary("FLOOR_DIV", "floor_div_int32", lambda tf: tf.math.floordiv, (3, 4, 5), (3, 4, 5), I,
           with_values([-2147483648, 7, -7, 7, -7], ints(-50, 50)), with_values([-1, 2, 2, -2, -2], ints(-7, 8, exclude_zero=True)))
    binary("FLOOR_MOD", "floor_mod_float32", lambda tf: tf.math.floormod, (3, 4, 5), (5,), F, normal(10.0), away_from_zero())
    binary("FLOOR_MOD", "floor_mod_int32", lambda tf: tf.math.floormod, (3, 4, 5), (3, 4, 5), I,
           with_values([7, -7, 7, -7, 6], ints(-50, 50)), with_values([2, 2, -2, -2, -3], ints(-7, 8, exclude_zero=True)))
    binary("FLOOR_MOD", "floor_mod_int64_broadcast", lambda tf: tf.math.floormod, (3, 4), (4,), L,
           ints(-10**12, 10**12, np.int64), ints(-9, 10, np.int64, exclude_zero=True))
    arith = {"ADD": lambda tf: (lambda x, y: x + y), "SUB": lambda tf: (lambda x, y: x - y), "MUL": lambda tf: (lambda x, y: x * y)}
    for op, f in arith.items():
        p = op.lower()
        binary(op, f"{p}_int32", f, (2, 3, 4), (2, 3, 4), I, ints(-1000, 1000), ints(-1000, 1000))
        binary(op, f"{p}_int32_broadcast", f, (2, 3, 4), (3, 1), I, ints(-1000, 1000), ints(-1000, 1000))
        binary(op, f"{p}_int32_scalar", f, (2, 3), (), I, ints(-1000, 1000), ints(-1000, 1000))
        binary(op, f"{p}_int64_broadcast", f, (3, 4), (4,), L, ints(-2**40, 2**40, np.int64), ints(-2**20, 2**20, np.int64))
        binary(op, f"{p}_int32_wrapping", f, (2, 3), (2, 3), I, ints(2**30, 2**31 - 1), ints(2**30, 2**31 - 1))
    binary("ADD", "add_int32_relu", arith["ADD"], (3, 5), (5,), I, ints(-9, 9), ints(-9, 9), patch=set_activation("RELU"))
    binary("MUL", "mul_int32_relu6", arith["MUL"], (3, 5), (3, 5), I, ints(-9, 9), ints(-9, 9), patch=set_activation("RELU6"))
    binary("SUB", "sub_int32_relu_n1_to_1", arith["SUB"], (3, 5), (1, 5), I, ints(-3, 3), ints(-3, 3),
           patch=set_activation("RELU_N1_TO_1"))

    comparisons = {"LESS": "less", "LESS_EQUAL": "less_equal", "GREATER": "greater", "GREATER_EQUAL": "greater_equal",
                   "EQUAL": "equal", "NOT_EQUAL": "not_equal"}
    for op, f in comparisons.items():
        p = op.lower()
        fn = lambda tf, f=f: getattr(tf.math, f)  # noqa: E731
        binary(op, f"{p}_float32_broadcast", fn, (2, 3, 4), (3, 1), F,
               with_values([np.nan, 1.0, -0.0], small_int_floats()), with_values([np.nan, np.nan, 0.0], small_int_floats()))
        binary(op, f"{p}_int32", fn, (3, 4), (4,), I, ints(-2, 3), ints(-2, 3))
    for op in ("LESS", "GREATER_EQUAL", "EQUAL"):
        binary(op, f"{op.lower()}_int64_scalar", lambda tf, f=comparisons[op]: getattr(tf.math, f), (3, 4), (), L,
               ints(-3, 3, np.int64), ints(-3, 3, np.int64))
    for op in ("EQUAL", "NOT_EQUAL"):
        binary(op, f"{op.lower()}_bool", lambda tf, f=comparisons[op]: getattr(tf.math, f), (3, 4), (4,), B, bools(), bools())
    binary("LOGICAL_AND", "logical_and_broadcast", lambda tf: tf.logical_and, (3, 4), (4,), B, bools(), bools())
    binary("LOGICAL_OR", "logical_or_broadcast", lambda tf: tf.logical_or, (2, 1, 4), (3, 1), B, bools(), bools())
    unary("LOGICAL_NOT", "logical_not", (3, 4), lambda tf: tf.logical_not, bools(), B)

    def select(op, name, shapes, dtype, gen):
        f = (lambda tf: tf.where) if op == "SELECT_V2" else (lambda tf: (lambda c, x, y: tf.raw_ops.Select(condition=c, x=x, y=y)))
        c.append(Conv(name, op, f, [(shapes[0], B), (shapes[1], dtype), (shapes[2], dtype)], [bools(), gen, gen]))

    select("SELECT_V2", "select_v2_broadcast_float32", [(3, 1), (2, 3, 4), (4,)], F, normal())
    select("SELECT_V2", "select_v2_int32", [(3, 1), (3, 4), (3, 4)], I, ints(-100, 100))
    select("SELECT_V2", "select_v2_scalar_condition_int64", [(), (3, 4), (1, 4)], L, ints(-100, 100, np.int64))
    select("SELECT_V2", "select_v2_bool", [(2, 3), (2, 3), (3,)], B, bools())
    select("SELECT", "select_same_shape", [(3, 4), (3, 4), (3, 4)], F, normal())
    select("SELECT", "select_rank1_condition", [(3,), (3, 2, 4), (3, 2, 4)], F, normal())
    select("SELECT", "select_scalar_condition_int32", [(), (2, 5), (2, 5)], I, ints(-100, 100))

    special = [np.nan, np.inf, -np.inf, 1e10, -1e10, 2147483520.0, 300.0, -129.5, 255.9, -0.5, 2.7, -2.7, -0.0]
    for dtype in (I, L, "int8", "uint8", B):
        c.append(Conv(f"cast_float32_to_{dtype}", "CAST", lambda tf, d=dtype: (lambda x: tf.cast(x, getattr(tf, d))),
                      [((4, 6), F)], [with_values(special, normal(100.0))]))
    casts = [(I, F, ints(-2**31, 2**31 - 1)), (I, "int8", ints(-1000, 1000)), (I, B, ints(-2, 3)), (L, I, ints(-2**40, 2**40, np.int64)),
             (L, F, ints(-2**62, 2**62, np.int64)), ("uint8", F, ints(0, 256, np.uint8)), ("int8", I, ints(-128, 128, np.int8)),
             (B, F, bools()), (B, I, bools()), (I, L, ints(-2**31, 2**31 - 1))]
    for src, dst, gen in casts:
        c.append(Conv(f"cast_{src}_to_{dst}", "CAST", lambda tf, d=dst: (lambda x: tf.cast(x, getattr(tf, d))), [((4, 6), src)], [gen]))

    for dtype, gen in ((F, normal()), (I, ints(-100, 100)), (B, bools())):
        c.append(Conv(f"fill_{dtype}", "FILL", lambda tf: (lambda v: tf.fill([2, 3, 4], v)), [((), dtype)], [gen]))
    c.append(Conv("fill_int64_dims", "FILL", lambda tf: (lambda v: tf.fill(tf.constant([3, 5], tf.int64), v)), [((), F)], [normal()]))
    for dtype, gen in ((F, normal()), (I, ints(-100, 100)), (B, bools())):
        c.append(Conv(f"broadcast_to_{dtype}", "BROADCAST_TO", lambda tf: (lambda x: tf.broadcast_to(x, [2, 3, 4])),
                      [((3, 1), dtype)], [gen]))
    c.append(Conv("broadcast_to_rank5_from_scalar_like", "BROADCAST_TO", lambda tf: (lambda x: tf.broadcast_to(x, [2, 1, 3, 2, 4])),
                  [((1, 1, 4), F)], [normal()]))
    # Just over one block of 16384 elements: more than one tile on the element-wise paths.
    big = (17, 1000)
    binary("LESS", "less_float32_two_blocks", lambda tf: tf.math.less, big, big, F, small_int_floats(), small_int_floats())
    select("SELECT", "select_same_shape_two_blocks", [big, big, big], F, normal())
    c.append(Conv("cast_float32_to_int32_two_blocks", "CAST", lambda tf: (lambda x: tf.cast(x, tf.int32)), [(big, F)], [normal(1e3)]))
    return c


# ------------------------------------------------------------- hand-built

Q_A, Q_B = (0.05, 3), (0.07, -10)


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(fl.name_seed(SEED, name))


def built_cases() -> list[lay.Case]:
    cs: list[lay.Case] = []
    add = cs.append
    b = [np.dtype("bool")]

    # RANGE on constant scalars (the converter folds these away).
    def rng_case(name, start, limit, delta, dtype):
        add(lay.Case(name, "RANGE", [In(np.asarray(v, dtype), True) for v in (start, limit, delta)], opts("RangeOptions"),
                     out_types=[np.dtype(dtype)], version=2 if dtype == np.int64 else 1))

    rng_case("range_int32", 0, 10, 3, np.int32)
    rng_case("range_int32_descending", 10, -5, -4, np.int32)
    rng_case("range_int64", -(2**40), -(2**40) + 50, 7, np.int64)
    rng_case("range_float32_accumulating", 0.5, 30.2, 0.3, np.float32)

    # int8/uint8 comparisons: TFLite rescales both inputs (ComparisonWithScaling).
    for op in ("LESS", "LESS_EQUAL", "GREATER", "GREATER_EQUAL", "EQUAL", "NOT_EQUAL"):
        r = rng_for(op)
        x = r.integers(-128, 128, (3, 4, 5)).astype(np.int8)
        y = r.integers(-128, 128, (4, 1)).astype(np.int8)
        add(lay.Case(f"{op.lower()}_int8_different_quantization", op, [In(x, quant=Q_A), In(y, quant=Q_B)], out_types=b, version=2))
        # 7k·0.05 and 5k·0.07 are one real value: many ties across the two grids.
        k = r.integers(-10, 10, (4, 5))
        xs = (7 * k).astype(np.int8)
        ys = (5 * (k + r.integers(-1, 2, (4, 5)))).astype(np.int8)
        add(lay.Case(f"{op.lower()}_int8_ties", op, [In(xs, quant=(0.05, 0)), In(ys, quant=(0.07, 0))], out_types=b, version=2))
    for op in ("EQUAL", "LESS"):
        r = rng_for(op + "same")
        x = r.integers(-128, 128, (2, 3, 4)).astype(np.int8)
        y = r.integers(-128, 128, (2, 3, 4)).astype(np.int8)
        add(lay.Case(f"{op.lower()}_int8_same_quantization", op, [In(x, quant=Q_A), In(y, quant=Q_A)], out_types=b, version=2))
        # A scale so small that neighbouring stored values rescale to one value.
        x = r.integers(-128, 128, (4, 16)).astype(np.int8)
        y = (x.astype(np.int32) + r.integers(-2, 3, (4, 16))).clip(-128, 127).astype(np.int8)
        add(lay.Case(f"{op.lower()}_int8_tiny_scale", op, [In(x, quant=(0.0005, 0)), In(y, quant=(0.0005, 0))], out_types=b, version=2))
    r = rng_for("uint8cmp")
    add(lay.Case("greater_uint8_different_quantization", "GREATER",
                 [In(r.integers(0, 256, (3, 5)).astype(np.uint8), quant=(0.02, 128)),
                  In(r.integers(0, 256, (5,)).astype(np.uint8), quant=(0.03, 100))], out_types=b))
    add(lay.Case("equal_uint8_same_quantization", "EQUAL",
                 [In(r.integers(0, 4, (3, 5)).astype(np.uint8), quant=(0.02, 1)),
                  In(r.integers(0, 4, (3, 5)).astype(np.uint8), quant=(0.02, 1))], out_types=b))

    # Byte-moving ops on int8.
    r = rng_for("select_int8")
    add(lay.Case("select_v2_int8", "SELECT_V2",
                 [In(r.random((3, 1)) < 0.5), In(r.integers(-128, 128, (3, 4)).astype(np.int8), quant=Q_A),
                  In(r.integers(-128, 128, (4,)).astype(np.int8), quant=Q_A)], opts("SelectV2Options"),
                 out_types=[np.dtype("int8")], out_quant=Q_A))
    add(lay.Case("broadcast_to_int8", "BROADCAST_TO",
                 [In(r.integers(-128, 128, (1, 3, 1)).astype(np.int8), quant=Q_A), In(np.asarray([2, 2, 3, 4], np.int32), True)],
                 opts("BroadcastToOptions"), out_types=[np.dtype("int8")], out_quant=Q_A, version=3))
    add(lay.Case("zeros_like_float32_constant_shape", "ZEROS_LIKE", [In(r.standard_normal((2, 7)).astype(np.float32))],
                 opts("ZerosLikeOptions")))
    return cs


# ---------------------------------------------------------------- invalid

def _model(case: lay.Case, out_shape) -> Callable[[], bytes]:
    return lambda: lay.build_model(case, [out_shape])


def invalid_cases():
    """(name, error_contains, make() -> model bytes), written into ops/invalid/
    by make_op_fixtures_elementwise.py."""
    f32 = lambda *s: np.zeros(s, np.float32)  # noqa: E731
    i32 = lambda v: np.asarray(v, np.int32)  # noqa: E731
    i64 = lambda v: np.asarray(v, np.int64)  # noqa: E731
    b = [np.dtype("bool")]
    C = lay.Case
    cases = [
        ("range_delta_zero", "delta is 0", C("r", "RANGE", [In(i32(0), True), In(i32(10), True), In(i32(0), True)],
                                             out_types=[np.dtype("int32")]), [10]),
        ("range_delta_away_from_limit", "does not lead", C("r", "RANGE", [In(i32(0), True), In(i32(10), True), In(i32(-1), True)],
                                                           out_types=[np.dtype("int32")]), [10]),
        ("range_float_huge_count", "too many elements",
         C("r", "RANGE", [In(np.float32(0), True), In(np.float32(1e30), True), In(np.float32(1), True)]), [1]),
        ("range_int64_huge_count", "too many elements",
         C("r", "RANGE", [In(i64(-2**62), True), In(i64(2**62), True), In(i64(1), True)], out_types=[np.dtype("int64")], version=2), [1]),
        ("range_int64_extreme_span", "too many elements",
         C("r", "RANGE", [In(i64(-2**63), True), In(i64(2**63 - 1), True), In(i64(3), True)], out_types=[np.dtype("int64")],
           version=2), [1]),
        ("range_float_nan_delta", "does not lead",
         C("r", "RANGE", [In(np.float32(0), True), In(np.float32(5), True), In(np.float32(np.nan), True)]), [5]),
        ("range_runtime_limit", "computed at run time",
         C("r", "RANGE", [In(i32(0), True), In(i32(10)), In(i32(1), True)], out_types=[np.dtype("int32")]), [10]),
        ("fill_huge_dims", "too large", C("f", "FILL", [In(i32([1 << 20, 1 << 20, 1 << 20]), True), In(np.float32(1))]), [1, 1, 1]),
        ("fill_int64_huge_dims", "too large",
         C("f", "FILL", [In(i64([2**62, 2**62]), True), In(np.float32(1))]), [1, 1]),
        ("fill_negative_dim", "negative dimension", C("f", "FILL", [In(i32([2, -3]), True), In(np.float32(1))]), [2, 3]),
        ("fill_runtime_dims", "computed at run time", C("f", "FILL", [In(i32([2, 3])), In(np.float32(1))]), [2, 3]),
        ("broadcast_to_huge", "too large",
         C("b", "BROADCAST_TO", [In(f32(1, 3)), In(i32([1 << 30, 1 << 30, 3]), True)], version=2), [1, 1, 3]),
        ("broadcast_to_incompatible", "cannot be broadcast",
         C("b", "BROADCAST_TO", [In(f32(2, 3)), In(i32([4, 3]), True)], version=2), [4, 3]),
        ("broadcast_to_rank_9", "above 8",
         C("b", "BROADCAST_TO", [In(f32(1)), In(i32([1] * 9), True)], version=2), [1] * 9),
        ("less_mismatched_types", "need one type",
         C("c", "LESS", [In(f32(2, 3)), In(np.zeros((2, 3), np.int32))], out_types=b), [2, 3]),
        ("equal_float_output", "expected bool", C("c", "EQUAL", [In(f32(2, 3)), In(f32(2, 3))]), [2, 3]),
        ("greater_int8_scale_above_one", "not below 1",
         C("c", "GREATER", [In(np.zeros((2, 3), np.int8), quant=(2.0, 0)), In(np.zeros((2, 3), np.int8), quant=(0.5, 0))],
           out_types=b, version=2), [2, 3]),
        ("greater_equal_incompatible_shapes", "cannot be broadcast",
         C("c", "GREATER_EQUAL", [In(f32(2, 3)), In(f32(3, 2))], out_types=b), [2, 3]),
        ("select_v2_float_condition", "condition",
         C("s", "SELECT_V2", [In(f32(2, 3)), In(f32(2, 3)), In(f32(2, 3))]), [2, 3]),
        ("select_v2_incompatible_shapes", "cannot be broadcast",
         C("s", "SELECT_V2", [In(np.zeros((2, 3), bool)), In(f32(4, 3)), In(f32(2, 3))]), [2, 3]),
        ("select_rank1_condition_mismatch", "rank 1 over",
         C("s", "SELECT", [In(np.zeros((4,), bool)), In(f32(3, 2)), In(f32(3, 2))]), [3, 2]),
        ("select_v2_int8_requantization", "requantization not supported",
         C("s", "SELECT_V2", [In(np.zeros((2, 3), bool)), In(np.zeros((2, 3), np.int8), quant=Q_A),
                              In(np.zeros((2, 3), np.int8), quant=Q_B)], out_types=[np.dtype("int8")], out_quant=Q_A), [2, 3]),
        ("pow_int32_negative_exponent", "negative int32 exponents",
         C("p", "POW", [In(np.zeros((2, 3), np.int32)), In(i32([1, -2, 3]), True)], out_types=[np.dtype("int32")]), [2, 3]),
        ("floor_div_constant_zero_divisor", "division by zero",
         C("d", "FLOOR_DIV", [In(np.zeros((2, 3), np.int32)), In(i32([1, 0, 3]), True)], out_types=[np.dtype("int32")]), [2, 3]),
        ("floor_mod_float_zero_divisor", "division by zero",
         C("d", "FLOOR_MOD", [In(f32(2, 3)), In(np.asarray([1.0, 0.0, 2.0], np.float32), True)]), [2, 3]),
        ("cast_to_int16", "not supported",
         C("c", "CAST", [In(f32(2, 3))], out_types=[np.dtype("int16")]), [2, 3]),
        ("logical_and_float_inputs", "expected bool",
         C("l", "LOGICAL_AND", [In(f32(2, 3)), In(f32(2, 3))], out_types=b), [2, 3]),
        ("add_int32_float_mismatch", "second input",
         C("a", "ADD", [In(np.zeros((2, 3), np.int32)), In(f32(2, 3))], opts("AddOptions"), out_types=[np.dtype("int32")]), [2, 3]),
    ]
    return [(name, text, _model(case, shape)) for name, text, case, shape in cases]


# ------------------------------------------------------------------ driver

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    ap.add_argument("--invalid", action="store_true", help="only rewrite ops/invalid (with make_op_fixtures_elementwise's cases)")
    args = ap.parse_args(argv)
    import make_op_fixtures_elementwise as ew

    if args.invalid:
        ew.write_invalid(ew.OUT_INVALID)
        return 0
    conv = converted_cases()
    built = built_cases()
    names = [c.name for c in conv] + [c.name for c in built]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate case names: {sorted(dup)}")
    if args.only:
        conv = [c for c in conv if any(o in c.name for o in args.only)]
        built = [c for c in built if any(o in c.name for o in args.only)]
    if args.list:
        for c in conv + built:
            print(f"{c.op:16s} {c.name}")
        return 0
    if args.clean:
        fl.clean_fixture_dir(OUT)
    t0 = time.time()
    for case in conv:
        model, inputs, outputs = build_conv(case)
        fl.save_fixture(OUT, case.name, case.op, model, inputs, outputs, reference="litert-builtin")
        print(f"{case.op:16s} {case.name:45s} {len(model):6d} B", flush=True)
    for case in built:
        lay.make_valid(case, OUT)
        print(f"{case.op:16s} {case.name:45s} (built)", flush=True)
    print(f"wrote {len(conv) + len(built)} cases ({fl.dir_size(OUT) / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
