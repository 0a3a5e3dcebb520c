#!/usr/bin/env python3
"""Generate float32 single-op fixtures for the Swift engine tests.

For every case below a tiny TensorFlow function with a fixed input signature is
converted with ``tf.lite.TFLiteConverter.from_concrete_functions``; the
converted model is then checked to contain exactly the intended builtin op with
the intended options (padding, strides, dilation, fused activation, depth
multiplier, beta, keep_dims, axis, ...).  Random inputs (fixed seed, normal
distribution, scaled so fused clamps are exercised on both sides) are run with
LiteRT's builtin kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES, no XNNPACK) and
everything is written to

    Tests/TFLiteEngineTests/Fixtures/ops/float32/<name>.tflite
    Tests/TFLiteEngineTests/Fixtures/ops/float32/<name>.input<i>.npy
    Tests/TFLiteEngineTests/Fixtures/ops/float32/<name>.output<i>.npy
    Tests/TFLiteEngineTests/Fixtures/ops/float32/manifest.json

A few option values are never emitted by the converter (SOFTMAX beta != 1,
RESHAPE with only the new_shape option); those fixtures are produced by
patching the converted flatbuffer (see ``patched`` cases) and are still run
through LiteRT for the reference outputs.

Usage:
    python3 tools/make_op_fixtures.py              # all cases
    python3 tools/make_op_fixtures.py --only conv2d --list
    python3 tools/make_op_fixtures.py --clean      # wipe the directory first
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DEFAULT_OUT = fl.FIXTURES_ROOT / "ops" / "float32"

# Input standard deviation per fused activation, chosen so that (with
# unit-gain weights) both sides of the clamp are hit.
ACT_SCALE = {"NONE": 1.0, "RELU": 1.0, "RELU6": 4.0, "RELU_N1_TO_1": 1.5}


@dataclass
class Case:
    name: str
    op: str
    # build(rng) -> (fn, [tf.TensorSpec...]); weights drawn from rng
    build: Callable[[np.random.Generator], tuple[Callable, list]]
    expected: list[tuple[str, dict[str, Any]]]
    input_scales: list[float] | None = None
    act: str = "NONE"                       # fused activation of the checked op
    const_checks: dict[int, list] = field(default_factory=dict)  # op input idx -> value
    patch: Callable[[Any], None] | None = None  # edit(ModelT) for converter-unreachable options
    patched_expected: list[tuple[str, dict[str, Any]]] | None = None
    checks: list[Callable[[list, list], None]] = field(default_factory=list)
    input_offset: float = 0.0              # added to every random input


def _tf():
    import tensorflow as tf

    return tf


def act_fn(act: str):
    tf = _tf()
    return {
        "NONE": lambda y: y,
        "RELU": tf.nn.relu,
        "RELU6": tf.nn.relu6,
        "RELU_N1_TO_1": lambda y: tf.clip_by_value(y, -1.0, 1.0),
    }[act]


def spec(shape):
    tf = _tf()
    return tf.TensorSpec(list(shape), tf.float32)


def he(rng, shape, fan_in):
    return (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32)


def bias(rng, n):
    return rng.normal(0.0, 0.5, n).astype(np.float32)


def act_tag(act: str) -> str:
    return act.lower()


# ------------------------------------------------------------------ cases

def conv2d(k=(3, 3), s=(1, 1), d=1, pad="SAME", act="NONE", shape=(1, 7, 9, 3), cout=5, with_bias=True, suffix=""):
    kh, kw = k
    sh, sw = s
    stag = f"s{sh}" if sh == sw else f"s{sh}x{sw}"
    dtag = f"_d{d}" if d != 1 else ""
    name = f"conv2d_{kh}x{kw}_{stag}{dtag}_{pad.lower()}_{act_tag(act)}{suffix}"

    def build(rng):
        tf = _tf()
        cin = shape[-1]
        w = he(rng, (kh, kw, cin, cout), kh * kw * cin)
        b = bias(rng, cout)

        def fn(x):
            y = tf.nn.conv2d(x, w, strides=[1, sh, sw, 1], padding=pad, dilations=[1, d, d, 1])
            if with_bias:
                y = tf.nn.bias_add(y, b)
            return act_fn(act)(y)

        return fn, [spec(shape)]

    opts = dict(padding=pad, strideH=sh, strideW=sw, dilationHFactor=d, dilationWFactor=d, fusedActivationFunction=act)
    return Case(name, "CONV_2D", build, [("CONV_2D", opts)], [ACT_SCALE[act]], act)


def depthwise(k=(3, 3), m=1, s=(1, 1), d=1, pad="SAME", act="NONE", shape=(1, 7, 9, 4), suffix=""):
    kh, kw = k
    sh, sw = s
    stag = f"s{sh}" if sh == sw else f"s{sh}x{sw}"
    dtag = f"_d{d}" if d != 1 else ""
    name = f"depthwise_conv2d_{kh}x{kw}_m{m}_{stag}{dtag}_{pad.lower()}_{act_tag(act)}{suffix}"

    def build(rng):
        tf = _tf()
        cin = shape[-1]
        w = he(rng, (kh, kw, cin, m), kh * kw)
        b = bias(rng, cin * m)

        def fn(x):
            if d == 1:
                y = tf.nn.depthwise_conv2d(x, w, strides=[1, sh, sw, 1], padding=pad)
            else:
                y = tf.raw_ops.DepthwiseConv2dNative(
                    input=x, filter=w, strides=[1, sh, sw, 1], padding=pad, dilations=[1, d, d, 1])
            return act_fn(act)(tf.nn.bias_add(y, b))

        return fn, [spec(shape)]

    opts = dict(padding=pad, strideH=sh, strideW=sw, dilationHFactor=d, dilationWFactor=d,
                depthMultiplier=m, fusedActivationFunction=act)
    return Case(name, "DEPTHWISE_CONV_2D", build, [("DEPTHWISE_CONV_2D", opts)], [ACT_SCALE[act]], act)


def pool(kind, f=(2, 2), s=(2, 2), pad="VALID", act="NONE", shape=(1, 7, 9, 3)):
    fh, fw = f
    sh, sw = s
    stag = f"s{sh}" if sh == sw else f"s{sh}x{sw}"
    op = {"max": "MAX_POOL_2D", "avg": "AVERAGE_POOL_2D"}[kind]
    prefix = {"max": "max_pool2d", "avg": "average_pool2d"}[kind]
    name = f"{prefix}_{fh}x{fw}_{stag}_{pad.lower()}_{act_tag(act)}"

    def build(rng):
        tf = _tf()
        p = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d

        def fn(x):
            return act_fn(act)(p(x, ksize=[fh, fw], strides=[sh, sw], padding=pad))

        return fn, [spec(shape)]

    opts = dict(padding=pad, strideH=sh, strideW=sw, filterHeight=fh, filterWidth=fw, fusedActivationFunction=act)
    case = Case(name, op, build, [(op, opts)], [ACT_SCALE[act] if act != "NONE" else 2.0], act)
    if kind == "avg":
        # positive mean: SAME-padded average pooling then visibly differs between
        # "divide by in-bounds taps" (TFLite) and "divide by filter area".
        case.input_offset = 1.0
        if act != "NONE":
            case.input_scales = [3.0 * ACT_SCALE[act]]  # averaging shrinks the spread
    elif act != "NONE":
        # a max over many taps is rarely negative; shift down so the lower clamp is hit too
        case.input_offset = -3.0
    return case


def fully_connected(batch=1, with_bias=True, act="NONE", in_shape=None, units=8, features=6):
    shape = tuple(in_shape) if in_shape else (batch, features)
    rank3 = len(shape) == 3
    btag = "bias" if with_bias else "nobias"
    shp = "x".join(str(v) for v in shape)
    name = f"fully_connected_{shp}_{btag}_{act_tag(act)}" + ("_keep_num_dims" if rank3 else "")

    def build(rng):
        tf = _tf()
        w = he(rng, (shape[-1], units), shape[-1])
        b = bias(rng, units)

        def fn(x):
            y = tf.matmul(x, w)
            if with_bias:
                y = y + b
            return act_fn(act)(y)

        return fn, [spec(shape)]

    opts = dict(fusedActivationFunction=act, keepNumDims=rank3)
    case = Case(name, "FULLY_CONNECTED", build, [("FULLY_CONNECTED", opts)], [ACT_SCALE[act]], act)

    def check_bias(model_bytes, _outs, with_bias=with_bias, name=name):
        op = fl.model_ops(model_bytes)[0]
        has = len(op.inputs) > 2 and op.inputs[2] >= 0
        if has != with_bias:
            raise AssertionError(f"{name}: bias input present={has}, wanted {with_bias}")

    case.checks.append(check_bias)
    return case


def softmax(shape, beta=1.0, scale=3.0, suffix=""):
    rank = len(shape)
    btag = f"beta{beta:g}".replace(".", "p")
    name = f"softmax_{btag}_rank{rank}{suffix}"

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.nn.softmax(x, axis=-1)

        return fn, [spec(shape)]

    case = Case(name, "SOFTMAX", build, [("SOFTMAX", dict(beta=1.0))], [scale])
    if beta != 1.0:
        def edit(model, beta=beta):
            for op in model.subgraphs[0].operators:
                op.builtinOptions.beta = float(beta)

        case.patch = edit
        case.patched_expected = [("SOFTMAX", dict(beta=float(beta)))]
    return case


def reshape(shape, target, new_shape_option=False):
    tgt = "x".join("m1" if v == -1 else str(v) for v in target)
    src = "x".join(str(v) for v in shape)
    name = f"reshape_{src}_to_{tgt}" + ("_new_shape_option" if new_shape_option else "")

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.reshape(x, list(target))

        return fn, [spec(shape)]

    case = Case(name, "RESHAPE", build, [("RESHAPE", {})], [1.0], const_checks={1: list(target)})
    if new_shape_option:
        # The converter always passes the shape as a constant second input and
        # writes no ReshapeOptions.  Old converters wrote only new_shape; make
        # that variant by dropping the shape input and writing the option.
        full = list(target)  # may contain -1, as the option allows

        def edit(model, full=full):
            import ai_edge_litert.schema_py_generated as schema

            op = model.subgraphs[0].operators[0]
            op.inputs = op.inputs[:1]
            op.builtinOptionsType = schema.BuiltinOptions.ReshapeOptions
            opts = schema.ReshapeOptionsT()
            opts.newShape = list(full)
            op.builtinOptions = opts

        case.patch = edit
        case.patched_expected = [("RESHAPE", dict(newShape=full))]
        case.const_checks = {}
    return case


def add(name, shape_a, shape_b=None, const_b=None, act="NONE", scale=None):
    """shape_b: second *model input*; const_b: a constant (np array or scalar)."""
    def build(rng):
        tf = _tf()
        specs = [spec(shape_a)]
        if shape_b is not None:
            specs.append(spec(shape_b))

            def fn(x, y):
                return act_fn(act)(x + y)
        else:
            c = np.asarray(const_b, dtype=np.float32) if not callable(const_b) else const_b(rng)

            def fn(x):
                return act_fn(act)(x + c)

        return fn, specs

    n_in = 2 if shape_b is not None else 1
    sc = scale if scale is not None else ACT_SCALE[act]
    return Case(name, "ADD", build, [("ADD", dict(fusedActivationFunction=act))], [sc] * n_in, act)


def mean(shape, axes, keep):
    atag = "_".join(("m" + str(-a)) if a < 0 else str(a) for a in axes)
    word = "axes" if len(axes) > 1 else "axis"
    name = f"mean_{word}_{atag}_{'keepdims' if keep else 'nokeepdims'}"

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.reduce_mean(x, axis=list(axes) if len(axes) > 1 else axes[0], keepdims=keep)

        return fn, [spec(shape)]

    return Case(name, "MEAN", build, [("MEAN", dict(keepDims=keep))], [1.0],
                const_checks={1: list(axes) if len(axes) > 1 else axes[0]})


def pad(shape, paddings, tag=""):
    name = f"pad_rank{len(shape)}" + (f"_{tag}" if tag else "")

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.pad(x, paddings)

        return fn, [spec(shape)]

    return Case(name, "PAD", build, [("PAD", {})], [1.0], const_checks={1: [list(p) for p in paddings]})


def concat(name, shapes, axis, const_last=False):
    def build(rng):
        tf = _tf()
        specs = [spec(s) for s in (shapes[:-1] if const_last else shapes)]
        c = rng.standard_normal(shapes[-1]).astype(np.float32) if const_last else None

        def fn(*xs):
            parts = list(xs) + ([c] if const_last else [])
            return tf.concat(parts, axis=axis)

        # tf.function needs a fixed arity for input_signature
        n = len(specs)
        if n == 1:
            f = lambda x: fn(x)  # noqa: E731
        elif n == 2:
            f = lambda x, y: fn(x, y)  # noqa: E731
        else:
            f = lambda x, y, z: fn(x, y, z)  # noqa: E731
        return f, specs

    n_in = len(shapes) - (1 if const_last else 0)
    return Case(name, "CONCATENATION", build,
                [("CONCATENATION", dict(axis=axis, fusedActivationFunction="NONE"))], [1.0] * n_in)


def all_cases() -> list[Case]:
    c: list[Case] = []
    # CONV_2D -----------------------------------------------------------
    c += [
        conv2d((3, 3), (1, 1), 1, "SAME", "NONE"),
        conv2d((3, 3), (1, 1), 1, "VALID", "RELU"),
        conv2d((3, 3), (2, 2), 1, "SAME", "RELU6"),
        conv2d((3, 3), (2, 2), 1, "VALID", "NONE"),
        conv2d((3, 3), (2, 1), 1, "SAME", "RELU_N1_TO_1"),
        conv2d((3, 3), (1, 2), 1, "VALID", "RELU6"),
        conv2d((1, 1), (1, 1), 1, "VALID", "NONE"),
        conv2d((1, 1), (2, 2), 1, "SAME", "RELU"),
        conv2d((5, 3), (1, 1), 1, "SAME", "RELU6"),
        conv2d((5, 3), (2, 1), 1, "VALID", "RELU_N1_TO_1"),
        conv2d((5, 3), (2, 2), 1, "SAME", "NONE"),
        conv2d((4, 4), (2, 2), 1, "SAME", "NONE"),  # even kernel: asymmetric SAME padding
        conv2d((3, 3), (1, 1), 2, "SAME", "RELU"),
        conv2d((3, 3), (1, 1), 2, "VALID", "NONE"),
        conv2d((3, 3), (1, 1), 1, "SAME", "RELU", shape=(2, 7, 9, 3), suffix="_batch2"),
        conv2d((3, 3), (2, 2), 1, "VALID", "RELU6", shape=(2, 8, 6, 4), cout=3, suffix="_batch2"),
        conv2d((3, 3), (1, 1), 1, "SAME", "NONE", cout=4, with_bias=False, suffix="_nobias"),
    ]
    # DEPTHWISE_CONV_2D --------------------------------------------------
    c += [
        depthwise((3, 3), 1, (1, 1), 1, "SAME", "NONE"),
        depthwise((3, 3), 1, (2, 2), 1, "SAME", "RELU6"),
        depthwise((3, 3), 1, (1, 1), 1, "VALID", "RELU"),
        depthwise((3, 3), 2, (1, 1), 1, "SAME", "RELU"),
        depthwise((3, 3), 2, (2, 2), 1, "VALID", "NONE"),
        depthwise((3, 3), 2, (2, 2), 1, "SAME", "RELU6"),
        depthwise((3, 3), 1, (1, 1), 2, "SAME", "RELU"),
        depthwise((3, 3), 2, (1, 1), 2, "VALID", "RELU6"),
        depthwise((5, 3), 1, (2, 1), 1, "SAME", "NONE"),
        depthwise((3, 3), 1, (1, 1), 1, "SAME", "RELU6", shape=(2, 6, 5, 3), suffix="_batch2"),
    ]
    # MAX_POOL_2D / AVERAGE_POOL_2D ---------------------------------------
    for kind in ("max", "avg"):
        c += [
            pool(kind, (2, 2), (2, 2), "VALID"),
            pool(kind, (3, 3), (2, 2), "SAME"),
            pool(kind, (3, 3), (1, 1), "SAME"),
            pool(kind, (2, 3), (1, 2), "VALID"),
            pool(kind, (3, 2), (2, 1), "SAME"),
            pool(kind, (2, 2), (2, 2), "SAME", shape=(1, 8, 6, 3)),
            pool(kind, (3, 3), (2, 2), "SAME", "RELU6"),
        ]
    c.append(pool("avg", (3, 3), (1, 1), "SAME", "RELU", shape=(2, 5, 6, 4)))
    # FULLY_CONNECTED ------------------------------------------------------
    c += [
        fully_connected(1, True, "NONE"),
        fully_connected(1, True, "RELU"),
        fully_connected(1, False, "RELU6"),
        fully_connected(3, True, "RELU6"),
        fully_connected(3, False, "NONE"),
        fully_connected(3, True, "RELU"),
        fully_connected(in_shape=(2, 4, 6), with_bias=True, act="RELU"),
        fully_connected(in_shape=(1, 3, 8), with_bias=False, act="NONE", units=4),
    ]
    # SOFTMAX ----------------------------------------------------------------
    c += [
        softmax((2, 7), 1.0),
        softmax((1, 3, 4, 5), 1.0),
        softmax((3, 10), 1.0, scale=40.0, suffix="_large_logits"),
        softmax((2, 7), 0.5),
        softmax((1, 3, 4, 5), 0.5),
        softmax((1, 3, 4, 5), 2.0),
    ]
    # RESHAPE ----------------------------------------------------------------
    c += [
        reshape((1, 4, 5, 3), (1, -1)),
        reshape((1, 60), (1, 3, 4, 5)),
        reshape((2, 3, 4), (4, -1, 2)),
        reshape((1, 4, 5, 3), (1, 20, 3), new_shape_option=True),
        reshape((1, 4, 5, 3), (-1, 12), new_shape_option=True),
    ]
    # ADD --------------------------------------------------------------------
    c += [
        add("add_same_shape", (1, 4, 5, 3), shape_b=(1, 4, 5, 3)),
        add("add_broadcast_channel_const", (1, 4, 5, 3), const_b=lambda r: r.standard_normal(3)),
        add("add_broadcast_2x1x5x1_1x4x1x3", (2, 1, 5, 1), shape_b=(1, 4, 1, 3)),
        add("add_broadcast_rank4_rank2", (1, 4, 5, 3), shape_b=(5, 3)),
        add("add_scalar_const", (1, 4, 5, 3), const_b=2.5),
        add("add_scalar_input", (2, 3), shape_b=()),
        add("add_same_shape_relu", (1, 4, 5, 3), shape_b=(1, 4, 5, 3), act="RELU"),
        add("add_same_shape_relu6", (1, 4, 5, 3), shape_b=(1, 4, 5, 3), act="RELU6"),
        add("add_broadcast_channel_const_relu6", (1, 4, 5, 3), const_b=lambda r: 3.0 * r.standard_normal(3), act="RELU6"),
        add("add_broadcast_2x1x5x1_1x4x1x3_relu", (2, 1, 5, 1), shape_b=(1, 4, 1, 3), act="RELU"),
    ]
    # MEAN ---------------------------------------------------------------------
    c += [
        mean((1, 4, 5, 3), [1, 2], True),
        mean((1, 4, 5, 3), [1, 2], False),
        mean((2, 4, 5, 3), [1], False),
        mean((1, 4, 5, 3), [3], True),
        mean((1, 4, 5, 3), [-1], False),
        mean((2, 4, 5, 3), [-3, -2], True),
    ]
    # PAD ------------------------------------------------------------------------
    c += [
        pad((1, 4, 5, 3), [[0, 0], [1, 2], [2, 1], [0, 0]], "hw"),
        pad((1, 4, 5, 3), [[0, 0], [0, 0], [0, 0], [1, 2]], "channels"),
        pad((2, 3, 2, 2), [[1, 0], [0, 1], [2, 0], [0, 1]], "all_dims"),
        pad((3, 4), [[1, 2], [0, 3]]),
    ]
    # CONCATENATION -----------------------------------------------------------------
    c += [
        concat("concatenation_axis3", [(1, 4, 5, 3), (1, 4, 5, 2)], 3),
        concat("concatenation_axis1", [(1, 4, 5, 3), (1, 2, 5, 3)], 1),
        concat("concatenation_axis_m1", [(2, 3, 4), (2, 3, 5)], -1),
        concat("concatenation_axis2_three_inputs", [(1, 4, 2, 3), (1, 4, 5, 3), (1, 4, 1, 3)], 2),
        concat("concatenation_axis0_three_inputs", [(1, 3, 2), (2, 3, 2), (1, 3, 2)], 0),
        concat("concatenation_axis3_const", [(1, 4, 5, 3), (1, 4, 5, 2)], 3, const_last=True),
    ]
    return c


# ------------------------------------------------------------------ driver

def check_activation(case: Case, outputs: list[np.ndarray]) -> None:
    y = outputs[0]
    if case.act == "NONE":
        return
    lo, hi = {"RELU": (0.0, None), "RELU6": (0.0, 6.0), "RELU_N1_TO_1": (-1.0, 1.0)}[case.act]
    if not np.any(y == lo) or not np.any(y > lo):
        raise AssertionError(f"{case.name}: lower clamp {lo} not exercised")
    if hi is not None and (not np.any(y == hi) or not np.any(y < hi)):
        raise AssertionError(f"{case.name}: upper clamp {hi} not exercised")
    if np.min(y) < lo or (hi is not None and np.max(y) > hi):
        raise AssertionError(f"{case.name}: output outside clamp range")


def check_consts(case: Case, model_bytes: bytes) -> None:
    op = fl.model_ops(model_bytes)[0]
    for idx, want in case.const_checks.items():
        got = fl.const_value(model_bytes, op.inputs[idx])
        if got is None:
            raise AssertionError(f"{case.name}: input {idx} of {op.name} is not constant")
        if not np.array_equal(np.asarray(got), np.asarray(want)):
            raise AssertionError(f"{case.name}: constant input {idx} = {got.tolist()}, expected {want}")


def make_inputs(model_bytes: bytes, scales: list[float], rng: np.random.Generator, arg_names: list[str],
                offset: float = 0.0) -> list[np.ndarray]:
    in_det, _ = fl.litert_io_details(model_bytes)
    names = [d["name"] for d in in_det]
    if sorted(names) != sorted(arg_names):
        raise AssertionError(f"model input names {names} != function args {arg_names}")
    by_name = {}
    for arg, sc in zip(arg_names, scales):
        d = in_det[names.index(arg)]
        by_name[arg] = (sc * rng.standard_normal(tuple(int(v) for v in d["shape"])) + offset).astype(np.float32)
    return [by_name[n] for n in names]


def build_case(case: Case, seed: int) -> tuple[bytes, list[np.ndarray], list[np.ndarray]]:
    import inspect

    rng = np.random.default_rng(fl.name_seed(seed, case.name))
    fn, specs = case.build(rng)
    model = fl.convert_concrete(fn, specs)
    fl.assert_ops(model, case.expected, case.name)
    check_consts(case, model)
    if case.patch is not None:
        model = fl.patch_model(model, case.patch)
        fl.assert_ops(model, case.patched_expected, case.name + " (patched)")
    arg_names = list(inspect.signature(fn).parameters)
    scales = case.input_scales or [1.0] * len(specs)
    # Redraw inputs (deterministically) until the fused clamp is exercised on
    # both sides; small outputs (e.g. FC with 8 units) can miss one side.
    for attempt in range(50):
        inputs = make_inputs(model, scales, rng, arg_names, case.input_offset)
        outputs = fl.run_litert(model, inputs, "builtin")
        try:
            check_activation(case, outputs)
            break
        except AssertionError:
            if attempt == 49:
                raise
    for chk in case.checks:
        chk(model, outputs)
    for y in outputs:
        if not np.all(np.isfinite(y)):
            raise AssertionError(f"{case.name}: non-finite output")
    return model, inputs, outputs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1234, help="base seed (per-fixture seeds derive from it)")
    ap.add_argument("--only", action="append", default=[], help="only cases whose name contains this (repeatable)")
    ap.add_argument("--list", action="store_true", help="list case names and exit")
    ap.add_argument("--clean", action="store_true", help="delete existing fixtures in --out first")
    args = ap.parse_args(argv)

    cases = all_cases()
    names = [c.name for c in cases]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise SystemExit(f"duplicate case names: {sorted(dup)}")
    if args.only:
        cases = [c for c in cases if any(o in c.name for o in args.only)]
    if args.list:
        for c in cases:
            print(f"{c.op:20s} {c.name}")
        return 0

    fl.seed_everything(args.seed)
    if args.clean:
        fl.clean_fixture_dir(args.out)
    t0 = time.time()
    for case in cases:
        model, inputs, outputs = build_case(case, args.seed)
        fl.save_fixture(args.out, case.name, case.op, model, inputs, outputs, reference="litert-builtin")
        tag = " (patched)" if case.patch else ""
        print(f"{case.op:18s} {case.name:55s} {len(model):6d} B{tag}", flush=True)
    print(f"wrote {len(cases)} fixtures to {args.out} "
          f"({fl.dir_size(args.out) / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
