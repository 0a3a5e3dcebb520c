#!/usr/bin/env python3
"""Generate fixtures for the element-wise, activation and reduction kernels.

Three groups are written under ``Tests/TFLiteEngineTests/Fixtures/ops/``:

``float32_elementwise/``
    One tiny model per op and option: MUL / SUB / DIV / MAXIMUM / MINIMUM /
    SQUARED_DIFFERENCE (broadcast shapes, fused activations), LOGISTIC, TANH,
    RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU, HARD_SWISH, ELU, EXP, SQRT, RSQRT,
    PRELU, SUM / REDUCE_MAX (keep_dims, negative and duplicate axes),
    L2_NORMALIZATION, ARG_MAX (int32 / int64 output, ties), plus zero-size
    tensors (CVE-2021-29590 class: an empty dimension must give an empty
    output).  Each model is converted by TensorFlow's converter and checked to
    contain exactly the intended op with the intended options; option values
    the converter never emits are made by patching the flatbuffer.  Expected
    outputs come from LiteRT's builtin kernels (no XNNPACK).

``int8_elementwise/``
    The same single-op models with every tensor patched to int8 (a few also
    to uint8) with one shared scale / zero point (RELU family, MAXIMUM, MINIMUM, REDUCE_MAX,
    ARG_MAX: the ops the engine runs without rescaling).  Bit-exact against
    LiteRT.

``invalid/``
    Crafted models that must be rejected at ``allocateTensors`` with a typed
    error (axes out of range, huge negative axes, ARG_MAX axis validation
    (CVE-2021-29603), shapes that cannot broadcast), and those of
    ``make_op_fixtures_math.invalid_cases()`` (RANGE, FILL, BROADCAST_TO,
    comparisons, SELECT, …).  The manifest lists
    ``{"name", "error_contains"}``.

Usage:
    python3 tools/make_op_fixtures_elementwise.py            # everything (~30 s)
    python3 tools/make_op_fixtures_elementwise.py --clean    # wipe the three directories first
    python3 tools/make_op_fixtures_elementwise.py --only arg_max --list
    python3 tools/make_op_fixtures_elementwise.py --invalid  # only the invalid/ group

Output is deterministic (per-fixture seeds), so regenerating rewrites
identical files.
"""
from __future__ import annotations

import argparse
import inspect
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

OUT_FLOAT = fl.FIXTURES_ROOT / "ops" / "float32_elementwise"
OUT_INT8 = fl.FIXTURES_ROOT / "ops" / "int8_elementwise"
OUT_INVALID = fl.FIXTURES_ROOT / "ops" / "invalid"


def _tf():
    import tensorflow as tf

    return tf


def _schema():
    import ai_edge_litert.schema_py_generated as schema

    return schema


def spec(shape):
    tf = _tf()
    return tf.TensorSpec(list(shape), tf.float32)


Gen = Callable[[np.random.Generator, tuple], np.ndarray]


def normal(scale=1.0, offset=0.0) -> Gen:
    return lambda rng, shape: (scale * rng.standard_normal(shape) + offset).astype(np.float32)


def uniform(lo, hi) -> Gen:
    return lambda rng, shape: rng.uniform(lo, hi, shape).astype(np.float32)


def away_from_zero(lo=0.5, hi=2.0) -> Gen:
    def g(rng, shape):
        mag = rng.uniform(lo, hi, shape)
        sign = np.where(rng.random(shape) < 0.5, -1.0, 1.0)
        return (sign * mag).astype(np.float32)

    return g


def small_ints(lo=-2, hi=3) -> Gen:
    """Integer-valued floats: many ties (ARG_MAX, MAXIMUM)."""
    return lambda rng, shape: rng.integers(lo, hi, shape).astype(np.float32)


@dataclass
class Case:
    name: str
    op: str
    # build(rng) -> (fn, [TensorSpec...]); constants drawn from rng
    build: Callable[[np.random.Generator], tuple[Callable, list]]
    expected: list[tuple[str, dict[str, Any]]]
    gens: list[Gen] | None = None             # one per function argument
    act: str = "NONE"                         # fused activation / clamp to exercise
    patch: Callable[[Any], None] | None = None
    patched_expected: list[tuple[str, dict[str, Any]]] | None = None
    run_shapes: list[tuple] | None = None     # input shapes after patching (zero-size cases)
    run_out_shape: tuple | None = None
    int8: bool = False                        # also emit an int8 variant
    uint8: bool = False                       # and a uint8 one
    const_checks: dict[int, Any] = field(default_factory=dict)


def act_fn(act: str):
    tf = _tf()
    return {
        "NONE": lambda y: y,
        "RELU": tf.nn.relu,
        "RELU6": tf.nn.relu6,
        "RELU_N1_TO_1": lambda y: tf.clip_by_value(y, -1.0, 1.0),
    }[act]


def set_opcode(model, op_name: str) -> None:
    """Point operator 0 at an opcode for ``op_name`` (for ops the converter
    expresses differently)."""
    schema = _schema()
    code = getattr(schema.BuiltinOperator, op_name)
    oc = model.operatorCodes[model.subgraphs[0].operators[0].opcodeIndex]
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)
    oc.version = 1


# --------------------------------------------------------------------- binary

def binary(op, name, shape_a, shape_b=None, const_b=None, act="NONE", gen_a=None, gen_b=None, int8=False,
           const_first=False):
    """op: MUL, SUB, DIV, MAXIMUM, MINIMUM, SQUARED_DIFFERENCE.  ``const_first``
    makes the constant the first operand (x / c becomes a MUL, c / x stays a DIV)."""

    def f(tf):
        return {
            "MUL": lambda x, y: x * y,
            "SUB": lambda x, y: x - y,
            "DIV": lambda x, y: x / y,
            "MAXIMUM": tf.maximum,
            "MINIMUM": tf.minimum,
            "SQUARED_DIFFERENCE": tf.math.squared_difference,
        }[op]

    gen_a = gen_a or normal(3.0 if act != "NONE" else 1.0)
    gen_b = gen_b or (away_from_zero() if op == "DIV" else normal(1.5 if act != "NONE" else 1.0))

    def build(rng):
        tf = _tf()
        g = f(tf)
        if shape_b is not None:
            def fn(x, y):
                return act_fn(act)(g(x, y))

            return fn, [spec(shape_a), spec(shape_b)]
        c = const_b(rng) if callable(const_b) else np.asarray(const_b, dtype=np.float32)
        c = np.asarray(c, dtype=np.float32)

        def fn(x):
            return act_fn(act)(g(c, x) if const_first else g(x, c))

        return fn, [spec(shape_a)]

    opts = {} if op not in ("MUL", "SUB", "DIV") else dict(fusedActivationFunction=act)
    gens = [gen_a, gen_b] if shape_b is not None else [gen_a]
    return Case(name, op, build, [(op, opts)], gens, act=act, int8=int8)


# ---------------------------------------------------------------------- unary

def unary(op, name, shape, fn_of_tf, gen=None, expected_opts=None, patch_to=None, int8=False, act="NONE"):
    """A model ``y = fn(x)``.  ``patch_to``: convert with a stand-in op and
    switch the opcode (the converter has no direct route for this op)."""

    def build(rng):
        tf = _tf()
        g = fn_of_tf(tf)

        def fn(x):
            return g(x)

        return fn, [spec(shape)]

    if patch_to is None:
        return Case(name, op, build, [(op, expected_opts or {})], [gen or normal()], act=act, int8=int8)
    stand_in, = patch_to
    case = Case(name, op, build, [(stand_in, {})], [gen or normal()], act=act, int8=int8)
    case.patch = lambda m: set_opcode(m, op)
    case.patched_expected = [(op, {})]
    return case


def prelu(name, shape, shared_axes):
    """Keras PReLU (the converter maps it to PRELU; hand-written
    relu(x) - alpha * relu(-x) patterns are not matched)."""

    def build(rng):
        tf = _tf()
        inp = tf.keras.Input(shape[1:], batch_size=shape[0])
        layer = tf.keras.layers.PReLU(shared_axes=shared_axes)
        model = tf.keras.Model(inp, layer(inp))
        alpha = layer.get_weights()[0]
        layer.set_weights([rng.uniform(0.05, 0.5, alpha.shape).astype(np.float32)])
        return model, None

    return Case(name, "PRELU", build, [("PRELU", {})], [normal()])


# ------------------------------------------------------------------ reductions

def reduce(op, shape, axes, keep, tag=None, gen=None, int8=False):
    atag = tag or "_".join(("m" + str(-a)) if a < 0 else str(a) for a in axes)
    name = f"{op.lower()}_axes_{atag}_{'keepdims' if keep else 'nokeepdims'}"

    def build(rng):
        tf = _tf()
        f = tf.reduce_sum if op == "SUM" else tf.reduce_max

        def fn(x):
            return f(x, axis=list(axes), keepdims=keep)

        return fn, [spec(shape)]

    case = Case(name, op, build, [(op, dict(keepDims=keep))], [gen or normal()], int8=int8)
    if len(set(axes)) != len(axes):
        # The converter deduplicates axes; write the requested list back.
        def edit(model, axes=list(axes)):
            set_const(model, 0, 1, np.asarray(axes, dtype=np.int32))

        case.patch = edit
        case.patched_expected = [(op, dict(keepDims=keep))]
    return case


def argmax(shape, axis, out_type="int64", gen=None, axis_type="int32", int8=False):
    name = f"arg_max_axis_{'m' + str(-axis) if axis < 0 else axis}_{out_type}" + (
        f"_axis_{axis_type}" if axis_type != "int32" else "")

    def build(rng):
        tf = _tf()
        ot = tf.int64 if out_type == "int64" else tf.int32

        def fn(x):
            return tf.math.argmax(x, axis=tf.constant(axis, dtype=getattr(tf, axis_type)), output_type=ot)

        return fn, [spec(shape)]

    schema = _schema()
    ot = schema.TensorType.INT64 if out_type == "int64" else schema.TensorType.INT32
    return Case(name, "ARG_MAX", build, [("ARG_MAX", dict(outputType=ot))], [gen or small_ints()], int8=int8)


def l2norm(name, shape):
    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.math.l2_normalize(x, axis=-1)

        return fn, [spec(shape)]

    return Case(name, "L2_NORMALIZATION", build, [("L2_NORMALIZATION", dict(fusedActivationFunction="NONE"))], [normal()])


# ------------------------------------------------------------------ patching

def set_const(model, op_index: int, input_index: int, value: np.ndarray) -> None:
    """Replace the data (and shape) of a constant input of an operator with a
    fresh buffer."""
    schema = _schema()
    sg = model.subgraphs[0]
    t = sg.tensors[sg.operators[op_index].inputs[input_index]]
    buf = schema.BufferT()
    buf.data = np.frombuffer(np.ascontiguousarray(value).tobytes(), dtype=np.uint8).copy()
    model.buffers.append(buf)
    t.buffer = len(model.buffers) - 1
    t.shape = np.asarray(value.shape, dtype=np.int32)
    t.shapeSignature = None
    t.type = {np.dtype("int32"): schema.TensorType.INT32, np.dtype("int64"): schema.TensorType.INT64}[value.dtype]


def set_shapes(model, shapes: dict[int, tuple]) -> None:
    """Set the shapes of tensors by index (shape_signature cleared)."""
    sg = model.subgraphs[0]
    for t, s in shapes.items():
        sg.tensors[t].shape = np.asarray(s, dtype=np.int32)
        sg.tensors[t].shapeSignature = None


def io_shapes(model, inputs: list[tuple], outputs: list[tuple]) -> None:
    sg = model.subgraphs[0]
    set_shapes(model, {t: s for t, s in zip(sg.inputs, inputs)})
    set_shapes(model, {t: s for t, s in zip(sg.outputs, outputs)})


def zero_size(case: Case, in_shapes: list[tuple], out_shape: tuple) -> Case:
    """Patch a converted model so its inputs / output have the given (empty) shapes."""
    prev = case.patch

    def edit(model):
        if prev is not None:
            prev(model)
        io_shapes(model, in_shapes, [out_shape])

    case.patch = edit
    case.patched_expected = case.patched_expected or case.expected
    case.run_shapes = in_shapes
    case.run_out_shape = out_shape
    return case


# ---------------------------------------------------------------------- cases

def all_cases() -> list[Case]:
    c: list[Case] = []
    for op in ("MUL", "SUB", "DIV", "MAXIMUM", "MINIMUM", "SQUARED_DIFFERENCE"):
        p = op.lower()
        i8 = op in ("MAXIMUM", "MINIMUM")
        c += [
            binary(op, f"{p}_same_shape", (1, 4, 5, 3), shape_b=(1, 4, 5, 3), int8=i8),
            binary(op, f"{p}_broadcast_channel_const", (1, 4, 5, 3), const_b=lambda r: normal()(r, (3,)), int8=i8,
                   const_first=op == "DIV", gen_a=away_from_zero() if op == "DIV" else None),
            binary(op, f"{p}_broadcast_2x1x5x1_1x4x1x3", (2, 1, 5, 1), shape_b=(1, 4, 1, 3), int8=i8),
            binary(op, f"{p}_broadcast_rank4_rank2", (1, 4, 5, 3), shape_b=(5, 3), int8=i8),
            binary(op, f"{p}_scalar_input", (2, 3), shape_b=(), int8=i8),
        ]
    for op in ("MUL", "SUB", "DIV"):
        p = op.lower()
        c += [
            binary(op, f"{p}_same_shape_relu", (1, 4, 5, 3), shape_b=(1, 4, 5, 3), act="RELU"),
            binary(op, f"{p}_same_shape_relu6", (1, 4, 5, 3), shape_b=(1, 4, 5, 3), act="RELU6"),
            binary(op, f"{p}_broadcast_2x1x5x1_1x4x1x3_relu_n1_to_1", (2, 1, 5, 1), shape_b=(1, 4, 1, 3),
                   act="RELU_N1_TO_1"),
        ]
    c += [
        unary("LOGISTIC", "logistic", (2, 3, 4, 5), lambda tf: tf.sigmoid, normal(4.0)),
        unary("TANH", "tanh", (2, 3, 4, 5), lambda tf: tf.tanh, normal(2.0)),
        unary("RELU", "relu", (2, 3, 4, 5), lambda tf: tf.nn.relu, int8=True),
        unary("RELU6", "relu6", (2, 3, 4, 5), lambda tf: tf.nn.relu6, normal(4.0), int8=True),
        unary("RELU_N1_TO_1", "relu_n1_to_1", (2, 3, 4, 5), lambda tf: tf.nn.relu, normal(2.0),
              patch_to=("RELU",), int8=True),
        unary("LEAKY_RELU", "leaky_relu_alpha_0_2", (2, 3, 4, 5),
              lambda tf: (lambda x: tf.nn.leaky_relu(x, alpha=0.2)), expected_opts=dict(alpha=0.2)),
        unary("LEAKY_RELU", "leaky_relu_alpha_0_01", (1, 7, 5),
              lambda tf: (lambda x: tf.nn.leaky_relu(x, alpha=0.01)), expected_opts=dict(alpha=0.01)),
        unary("HARD_SWISH", "hard_swish", (2, 3, 4, 5),
              lambda tf: (lambda x: x * tf.nn.relu6(x + 3.0) / 6.0), normal(4.0)),
        unary("ELU", "elu", (2, 3, 4, 5), lambda tf: tf.nn.elu, normal(2.0)),
        unary("EXP", "exp", (2, 3, 4, 5), lambda tf: tf.exp, normal(1.5)),
        unary("NEG", "neg", (2, 3, 4, 5), lambda tf: tf.negative, normal(2.0)),
        unary("SQRT", "sqrt", (2, 3, 4, 5), lambda tf: tf.sqrt, uniform(0.0, 9.0)),
        unary("RSQRT", "rsqrt", (2, 3, 4, 5), lambda tf: tf.math.rsqrt, uniform(0.2, 9.0)),
        unary("RELU", "relu_rank1", (37,), lambda tf: tf.nn.relu),
    ]
    c += [
        prelu("prelu_alpha_1x1xc", (1, 4, 5, 3), [1, 2]),
        prelu("prelu_alpha_hwc", (2, 4, 5, 3), None),
        prelu("prelu_alpha_hx1xc", (1, 4, 5, 3), [2]),
    ]
    for op in ("SUM", "REDUCE_MAX"):
        i8 = op == "REDUCE_MAX"
        c += [
            reduce(op, (1, 4, 5, 3), [1, 2], True, int8=i8),
            reduce(op, (1, 4, 5, 3), [1, 2], False, int8=i8),
            reduce(op, (2, 4, 5, 3), [3], False, int8=i8),
            reduce(op, (2, 4, 5, 3), [-1], True, int8=i8),
            reduce(op, (2, 4, 5, 3), [-3, -2], False, int8=i8),
            reduce(op, (2, 4, 5, 3), [0, 1, 2, 3], False, tag="all", int8=i8),
            reduce(op, (2, 4, 5, 3), [2, -2, 0], True, tag="dup_2_m2_0", int8=i8),
            reduce(op, (3, 6), [0], False, int8=i8),
        ]
    c += [
        l2norm("l2_normalization_rank4", (1, 4, 5, 3)),
        l2norm("l2_normalization_rank2", (3, 16)),
        l2norm("l2_normalization_rank5", (2, 1, 2, 3, 4)),
    ]
    # A row of zeros exercises TFLite's epsilon (max(norm, 1e-6)).
    zero_row = l2norm("l2_normalization_zero_row", (3, 8))
    zero_row.gens = [lambda rng, shape: np.concatenate(
        [np.zeros((1, shape[1]), np.float32), rng.standard_normal((shape[0] - 1, shape[1])).astype(np.float32)])]
    c.append(zero_row)
    c += [
        argmax((2, 4, 5, 3), -1, "int64", int8=True),
        argmax((2, 4, 5, 3), 3, "int32", int8=True),
        argmax((2, 4, 5, 3), 1, "int32", int8=True),
        argmax((2, 4, 5, 3), 0, "int64", int8=True),
        argmax((3, 7), 1, "int32", axis_type="int64"),
        argmax((3, 7), -2, "int64"),
    ]
    # Zero-size dimensions (CVE-2021-29590 class): empty outputs, no crash.
    c += [
        zero_size(binary("MAXIMUM", "maximum_zero_size_broadcast", (2, 3), shape_b=(1, 3)), [(0, 3), (1, 3)], (0, 3)),
        zero_size(binary("MINIMUM", "minimum_zero_size_both", (2, 3), shape_b=(2, 3)), [(2, 0), (2, 0)], (2, 0)),
        zero_size(binary("MUL", "mul_zero_size_broadcast", (2, 1, 3), shape_b=(1, 4, 3)), [(2, 1, 3), (1, 0, 3)], (2, 0, 3)),
        zero_size(unary("RELU", "relu_zero_size", (2, 3), lambda tf: tf.nn.relu), [(0, 3)], (0, 3)),
        zero_size(unary("LOGISTIC", "logistic_zero_size", (2, 3), lambda tf: tf.sigmoid), [(2, 0)], (2, 0)),
        zero_size(reduce("SUM", (2, 3, 4), [1], False, tag="1_zero_size"), [(2, 0, 4)], (2, 4)),
        zero_size(reduce("REDUCE_MAX", (2, 3, 4), [2], True, tag="2_zero_size_kept"), [(0, 3, 4)], (0, 3, 1)),
    ]
    for case in c:  # uint8 variants of a few int8 cases
        if case.name in UINT8_CASES:
            case.uint8 = True
    return c


UINT8_CASES = {"relu", "relu6", "relu_n1_to_1", "maximum_broadcast_2x1x5x1_1x4x1x3", "minimum_broadcast_channel_const",
               "reduce_max_axes_m3_m2_nokeepdims", "reduce_max_axes_dup_2_m2_0_keepdims", "arg_max_axis_1_int32"}


# ------------------------------------------------------------------ driver

def check_activation(case: Case, y: np.ndarray) -> None:
    if case.act == "NONE":
        return
    lo, hi = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[case.act]
    if not np.any(y == lo) or not np.any(y > lo):
        raise AssertionError(f"{case.name}: lower clamp {lo} not exercised")
    if hi is not None and (not np.any(y == hi) or not np.any(y < hi)):
        raise AssertionError(f"{case.name}: upper clamp {hi} not exercised")


def make_inputs(model, case, fn, specs, rng):
    in_det, _ = fl.litert_io_details(model)
    names = [d["name"] for d in in_det]
    if specs is None:  # Keras model: inputs in model order
        args = names
        shapes = case.run_shapes or [tuple(int(v) for v in d["shape"]) for d in in_det]
    else:
        args = list(inspect.signature(fn).parameters)
        shapes = case.run_shapes or [tuple(int(v) for v in s.shape) for s in specs]
    if sorted(names) != sorted(args):
        raise AssertionError(f"{case.name}: model inputs {names} != function args {args}")
    gens = case.gens or [normal()] * len(args)
    by_name = {a: g(rng, tuple(s)) for a, g, s in zip(args, gens, shapes)}
    return [by_name[n] for n in names]


def convert(case: Case, rng):
    fn, specs = case.build(rng)
    if specs is None:  # a Keras model
        model = fl.convert_keras(fn)
    else:
        model = fl.convert_concrete(fn, specs)
    fl.assert_ops(model, case.expected, case.name)
    if case.patch is not None:
        model = fl.patch_model(model, case.patch)
        fl.assert_ops(model, case.patched_expected, case.name + " (patched)")
    return model, fn, specs


def build_case(case: Case, seed: int):
    rng = np.random.default_rng(fl.name_seed(seed, case.name))
    model, fn, specs = convert(case, rng)
    for attempt in range(50):
        inputs = make_inputs(model, case, fn, specs, rng)
        outputs = fl.run_litert(model, inputs, "builtin")
        try:
            check_activation(case, outputs[0])
            break
        except AssertionError:
            if attempt == 49:
                raise
    for y in outputs:
        if y.dtype == np.float32 and not np.all(np.isfinite(y)):
            raise AssertionError(f"{case.name}: non-finite output")
    if case.run_out_shape is not None and tuple(outputs[0].shape) != tuple(case.run_out_shape):
        raise AssertionError(f"{case.name}: output shape {outputs[0].shape}, expected {case.run_out_shape}")
    return model, inputs, outputs


# ----------------------------------------------------------------------- int8

INT8_SCALE, INT8_ZERO = 0.05, -10
UINT8_ZERO = 118


def to_int8(model_bytes: bytes, unsigned: bool = False) -> bytes:
    """Every float32 tensor of a single-op model becomes int8 (or uint8) with
    one shared scale and zero point; int32/int64 tensors (axes, ARG_MAX
    output) stay."""
    schema = _schema()
    zero = UINT8_ZERO if unsigned else INT8_ZERO
    lo, hi, np_type = (0, 255, np.uint8) if unsigned else (-128, 127, np.int8)

    def edit(model):
        for t in model.subgraphs[0].tensors:
            if t.type == schema.TensorType.FLOAT32:
                buf = model.buffers[t.buffer] if t.buffer else None
                if buf is not None and buf.data is not None and len(buf.data):
                    # Constants share the scale; quantize them (round half away from zero).
                    c = np.frombuffer(bytes(np.asarray(buf.data, dtype=np.uint8)), dtype="<f4")
                    q = np.clip(np.sign(c) * np.floor(np.abs(c) / INT8_SCALE + 0.5) + zero, lo, hi)
                    buf.data = np.frombuffer(q.astype(np_type).tobytes(), dtype=np.uint8).copy()
                t.type = schema.TensorType.UINT8 if unsigned else schema.TensorType.INT8
                q = schema.QuantizationParametersT()
                q.scale = [INT8_SCALE]
                q.zeroPoint = [zero]
                t.quantization = q

    return fl.patch_model(model_bytes, edit)


def build_int8(case: Case, seed: int, unsigned: bool = False):
    suffix = "_uint8" if unsigned else "_int8"
    rng = np.random.default_rng(fl.name_seed(seed, case.name + suffix))
    model, fn, specs = convert(case, rng)
    model = to_int8(model, unsigned)
    in_det, _ = fl.litert_io_details(model)
    lo, hi, np_type = (0, 256, np.uint8) if unsigned else (-128, 128, np.int8)
    inputs = [rng.integers(lo, hi, tuple(int(v) for v in d["shape"])).astype(np_type) for d in in_det]
    if case.op == "ARG_MAX":  # coarse values (ties) over the whole range (uint8 >= 128, negative int8)
        inputs = [(x // 32 * 32).astype(np_type) for x in inputs]
    outputs = fl.run_litert(model, inputs, "builtin")
    return model, inputs, outputs


# -------------------------------------------------------------------- invalid

def invalid_cases():
    """(name, error_contains, make() -> model bytes)."""
    tf = _tf()
    schema = _schema()

    def reduce_model(op, shape, axes, keep=False):
        f = tf.reduce_sum if op == "SUM" else tf.reduce_max
        model = fl.convert_concrete(lambda x: f(x, axis=[0], keepdims=keep), [spec(shape)])
        fl.assert_ops(model, [(op, {})], op)
        return fl.patch_model(model, lambda m: set_const(m, 0, 1, np.asarray(axes, dtype=np.int32)))

    def argmax_model(shape, axis, dtype=np.int32, out_shape=None):
        # Convert a non-empty shape (the converter folds empty tensors away), then patch.
        model = fl.convert_concrete(lambda x: tf.math.argmax(x, axis=0, output_type=tf.int32),
                                    [spec([max(d, 1) for d in shape])])
        fl.assert_ops(model, [("ARG_MAX", {})], "ARG_MAX")

        def edit(m):
            set_const(m, 0, 1, np.asarray(axis, dtype=dtype))
            io_shapes(m, [shape], [out_shape if out_shape is not None else shape[1:]])

        return fl.patch_model(model, edit)

    def maximum_model(a, b):
        model = fl.convert_concrete(tf.maximum, [spec((2, 3)), spec((2, 3))])
        fl.assert_ops(model, [("MAXIMUM", {})], "MAXIMUM")
        return fl.patch_model(model, lambda m: io_shapes(m, [a, b], [a]))

    def l2_relu_model():
        model = fl.convert_concrete(lambda x: tf.math.l2_normalize(x, axis=-1), [spec((2, 3))])
        fl.assert_ops(model, [("L2_NORMALIZATION", {})], "L2_NORMALIZATION")

        def edit(m):
            m.subgraphs[0].operators[0].builtinOptions.fusedActivationFunction = schema.ActivationFunctionType.RELU

        return fl.patch_model(model, edit)

    def argmax_int8_bad_output():
        model = fl.convert_concrete(lambda x: tf.math.argmax(x, axis=1, output_type=tf.int32), [spec((2, 3))])

        def edit(m):
            out = m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]]
            out.type = schema.TensorType.FLOAT32

        return fl.patch_model(model, edit)

    def relu_int8_per_channel_output():
        # (A requantizing RELU with per-tensor scales is valid: TFLite's QuantizedReluX.)
        model = to_int8(fl.convert_concrete(tf.nn.relu, [spec((2, 3))]))

        def edit(m):
            out = m.subgraphs[0].tensors[m.subgraphs[0].outputs[0]]
            out.quantization.scale = [INT8_SCALE * 2, INT8_SCALE * 3, INT8_SCALE]
            out.quantization.zeroPoint = [0, 0, 0]
            out.quantization.quantizedDimension = 1

        return fl.patch_model(model, edit)

    cases = [
        ("sum_axis_out_of_range", "axis 4 is out of range", lambda: reduce_model("SUM", (2, 3, 4, 5), [1, 4])),
        ("sum_huge_negative_axis", "axis -2147483648 is out of range",
         lambda: reduce_model("SUM", (2, 3, 4, 5), [-2147483648])),
        ("reduce_max_axis_minus_5", "axis -5 is out of range", lambda: reduce_model("REDUCE_MAX", (2, 3, 4, 5), [-5], True)),
        ("arg_max_axis_out_of_range", "axis 2 is out of range", lambda: argmax_model((2, 3), [2])),
        ("arg_max_huge_negative_axis", "axis -9223372036854775808 is out of range",
         lambda: argmax_model((2, 3), [-(2**63)], np.int64)),
        ("arg_max_two_axes", "exactly one axis", lambda: argmax_model((2, 3), [0, 1])),
        ("arg_max_empty_axis", "empty", lambda: argmax_model((2, 0, 3), [1], out_shape=(2, 3))),
        ("arg_max_float_output", "output", argmax_int8_bad_output),
        ("maximum_incompatible_shapes", "cannot be broadcast", lambda: maximum_model((2, 3), (4, 3))),
        ("maximum_zero_vs_three", "cannot be broadcast", lambda: maximum_model((0, 3), (2, 3))),
        ("l2_normalization_fused_relu", "fused activation", l2_relu_model),
        ("relu_int8_per_channel_output", "per-channel quantization", relu_int8_per_channel_output),
    ]
    # Math, comparison, selection, cast and fill ops (tools/make_op_fixtures_math.py).
    import make_op_fixtures_math

    return cases + make_op_fixtures_math.invalid_cases()


def write_invalid(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, text, make in invalid_cases():
        model = make()
        (out / f"{name}.tflite").write_bytes(model)
        # Cross-check: LiteRT must refuse these too (or we note it).
        try:
            fl.litert_io_details(model)
            litert = "accepted by LiteRT"
        except Exception:  # noqa: BLE001
            litert = "rejected by LiteRT"
        entries.append({"name": name, "error_contains": text, "litert": litert})
        print(f"{'invalid':18s} {name:55s} {len(model):6d} B ({litert})", flush=True)
    (out / "manifest.json").write_text(json.dumps({"fixtures": entries}, indent=1) + "\n")


# ---------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    ap.add_argument("--invalid", action="store_true", help="only (re)write the invalid/ group")
    args = ap.parse_args(argv)
    if args.invalid:
        write_invalid(OUT_INVALID)
        return 0

    cases = all_cases()
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate case names: {sorted(dup)}")
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    if args.list:
        for c in cases:
            print(f"{c.op:20s} {c.name}{' (+int8)' if c.int8 else ''}")
        return 0
    fl.seed_everything(args.seed)
    if args.clean:
        for d in (OUT_FLOAT, OUT_INT8, OUT_INVALID):
            fl.clean_fixture_dir(d)
    t0 = time.time()
    for case in cases:
        model, inputs, outputs = build_case(case, args.seed)
        fl.save_fixture(OUT_FLOAT, case.name, case.op, model, inputs, outputs, reference="litert-builtin")
        print(f"{case.op:18s} {case.name:55s} {len(model):6d} B", flush=True)
        for unsigned in [u for u, on in ((False, case.int8), (True, case.uint8)) if on]:
            suffix = "_uint8" if unsigned else "_int8"
            model, inputs, outputs = build_int8(case, args.seed, unsigned)
            entry = fl.save_fixture(OUT_INT8, case.name + suffix, case.op, model, inputs, outputs,
                                    reference="litert-builtin")
            m = fl.load_manifest(OUT_INT8)
            for e in m["fixtures"]:
                if e["name"] == entry["name"]:
                    e["tolerance"] = 0
            fl.write_manifest(OUT_INT8, m)
            print(f"{case.op:18s} {case.name + suffix:55s} {len(model):6d} B", flush=True)
    if not args.only:
        write_invalid(OUT_INVALID)
    total = sum(fl.dir_size(d) for d in (OUT_FLOAT, OUT_INT8, OUT_INVALID) if d.exists())
    print(f"wrote {len(cases)} cases ({total / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
