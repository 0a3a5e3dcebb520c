#!/usr/bin/env python3
"""Generate full-integer (int8) single-op fixtures checked against TFLite Micro.

Every case is a tiny TensorFlow function (constant weights drawn from a fixed
seed) converted with full-integer post-training quantization:

    optimizations = [DEFAULT], representative_dataset = random normal inputs,
    supported_ops = [TFLITE_BUILTINS_INT8],
    inference_input_type = inference_output_type = tf.int8

The converted model is checked to contain exactly the intended op sequence and
options.  Inputs are random int8 values over the whole range; expected outputs
come from TFLite Micro's interpreter (``tflite_micro.runtime``, reference
kernels) and the manifest entries carry ``"tolerance": 0``,
``"reference": "tflite-micro"``.

Convolutions include dilated and unequal-stride DEPTHWISE_CONV_2D (built
with ``tf.raw_ops.DepthwiseConv2dNative`` so the converter keeps one node with
the dilation factors) and per-tensor CONV_2D / DEPTHWISE_CONV_2D (converter
flag ``_experimental_disable_per_channel``); for these the TFLite Micro
outputs are also required to equal LiteRT's reference kernels' (``cross_check``).

A few cases edit the converted flatbuffer (SOFTMAX beta, a MEAN whose output
quantization equals its input's) -- still run through TFLite Micro for the
expected values.

Layout and reduction ops (SPLIT, SPLIT_V, UNPACK, TILE, MIRROR_PAD,
SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, REDUCE_MIN, REDUCE_PROD, ARG_MIN,
TOPK_V2, GATHER_ND) take their expected values from LiteRT where TFLite Micro cannot
give them (``"reference": "litert-reference"`` / ``"litert-builtin"``): Micro
has no TILE, REDUCE_PROD or TOPK_V2, computes ARG_MIN indices in int32 only,
and its SPACE_TO_BATCH_ND pads with an uninitialised value.

Output: Tests/TFLiteEngineTests/Fixtures/ops/int8/

Usage:
    python3 tools/make_int8_fixtures.py [--only NAME] [--list] [--clean]
"""
from __future__ import annotations

import argparse
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

DEFAULT_OUT = fl.FIXTURES_ROOT / "ops" / "int8"


def _tf():
    import tensorflow as tf

    return tf


@dataclass
class Case:
    name: str
    op: str
    # build(rng) -> (fn, [input shapes])
    build: Callable[[np.random.Generator], tuple[Callable, list]]
    expected: list[tuple[str, dict[str, Any]]]
    input_scales: list[float] | None = None   # std of the representative data per input
    float_io: bool = False                    # keep float32 model inputs/outputs (QUANTIZE/DEQUANTIZE)
    patch: Callable[[Any], None] | None = None
    checks: list[Callable[[bytes], None]] = field(default_factory=list)
    int8_inputs: Callable[[np.random.Generator, list], list] | None = None
    # Expected outputs: TFLite Micro ("micro"), or for ops TFLite Micro does
    # not have LiteRT's reference kernels ("reference"), or its builtin ones
    # ("builtin": TILE v3, which the reference resolver lacks; it only copies bytes).
    # Positive-only ops (RSQRT): calibration data |x| + 0.05 and int8 inputs
    # at or above the input zero point (TFLite fails on smaller ones).
    positive: bool = False
    # "micro" (TFLite Micro) or "reference" (LiteRT BUILTIN_REF, for ops or
    # semantics Micro lacks: RELU6 / RELU_N1_TO_1 requantization, ...)
    reference: str = "micro"
    # DIV: the second input never takes its zero point (a zero divisor is
    # undefined in TFLite's kernel).
    nonzero_divisor: bool = False
    # False: per-tensor weights (the converter's _experimental_disable_per_channel).
    per_channel: bool = True
    # Also run LiteRT's reference kernels and require the same bytes as
    # TFLite Micro (cases whose Micro outputs are new ground, e.g. dilated or
    # unequal-stride depthwise convolutions).
    cross_check: bool = False


ACTS = {
    "NONE": lambda y: y,
    "RELU": lambda y: _tf().nn.relu(y),
    "RELU6": lambda y: _tf().nn.relu6(y),
}


def he(rng, shape, fan_in):
    return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)


def bias(rng, n):
    return rng.normal(0.0, 0.3, n).astype(np.float32)


# ------------------------------------------------------------------ cases

def conv2d(k=3, s=1, d=1, pad="SAME", act="NONE", shape=(1, 9, 11, 3), cout=6, per_channel=True):
    name = f"conv2d_{k}x{k}_s{s}{'_d%d' % d if d > 1 else ''}_{pad.lower()}_{act.lower()}" + (
        "" if per_channel else "_per_tensor")

    def build(rng):
        tf = _tf()
        w = he(rng, (k, k, shape[-1], cout), k * k * shape[-1])
        b = bias(rng, cout)

        def fn(x):
            y = tf.nn.conv2d(x, w, strides=[1, s, s, 1], padding=pad, dilations=[1, d, d, 1])
            return ACTS[act](tf.nn.bias_add(y, b))

        return fn, [shape]

    return Case(name, "CONV_2D", build, [("CONV_2D", dict(padding=pad, strideH=s, strideW=s, dilationHFactor=d,
                                                          fusedActivationFunction=act))],
                input_scales=[2.0 if act == "RELU6" else 1.0], per_channel=per_channel,
                checks=[filter_scale_count_check(name, per_channel)], cross_check=not per_channel)


def filter_scale_count_check(name, per_channel):
    """A check that the convolution's filter (input 1) is quantized per
    channel (more than one scale) or per tensor (exactly one)."""

    def check(model):
        sg = fl.parse_model(model).subgraphs[0]
        q = sg.tensors[sg.operators[0].inputs[1]].quantization
        n = len(q.scale)
        if per_channel and n <= 1 or not per_channel and n != 1:
            raise AssertionError(f"{name}: filter has {n} scales")

    return check


def depthwise(k=3, m=1, s=1, pad="SAME", act="NONE", shape=(1, 9, 11, 4), d=1, per_channel=True):
    """`s` and `d` are one stride / dilation for both axes or an (H, W) pair."""
    sh, sw = (s, s) if isinstance(s, int) else s
    dh, dw = (d, d) if isinstance(d, int) else d
    stride_tag = f"s{sh}" if sh == sw else f"s{sh}x{sw}"
    dilation_tag = "" if (dh, dw) == (1, 1) else f"_d{dh}" if dh == dw else f"_d{dh}x{dw}"
    name = (f"depthwise_conv2d_{k}x{k}_m{m}_{stride_tag}{dilation_tag}_{pad.lower()}_{act.lower()}"
            + ("" if per_channel else "_per_tensor"))
    plain = sh == sw and (dh, dw) == (1, 1)

    def build(rng):
        tf = _tf()
        w = he(rng, (k, k, shape[-1], m), k * k)
        b = bias(rng, shape[-1] * m)

        def fn(x):
            if plain:
                y = tf.nn.depthwise_conv2d(x, w, strides=[1, s, s, 1], padding=pad)
            else:
                # The raw op keeps unequal strides and dilation in one
                # DepthwiseConv2dNative node (tf.nn.depthwise_conv2d would
                # wrap a dilated one in SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND).
                y = tf.raw_ops.DepthwiseConv2dNative(input=x, filter=w, strides=[1, sh, sw, 1], padding=pad,
                                                     dilations=[1, dh, dw, 1])
            return ACTS[act](tf.nn.bias_add(y, b))

        return fn, [shape]

    return Case(name, "DEPTHWISE_CONV_2D", build,
                [("DEPTHWISE_CONV_2D", dict(padding=pad, strideH=sh, strideW=sw, dilationHFactor=dh, dilationWFactor=dw,
                                            depthMultiplier=m, fusedActivationFunction=act))],
                input_scales=[2.0 if act == "RELU6" else 1.0], per_channel=per_channel,
                checks=[filter_scale_count_check(name, per_channel)], cross_check=not plain or not per_channel)


def transpose_conv(k=3, s=2, pad="SAME", shape=(1, 5, 6, 4), cout=6, use_bias=True, act="NONE"):
    name = f"transpose_conv_{k}x{k}_s{s}_{pad.lower()}_{'x'.join(map(str, shape))}_c{cout}" + ("" if use_bias else "_nobias") + (
        "" if act == "NONE" else f"_{act.lower()}")

    def build(rng):
        tf = _tf()
        n, h, w, _ = shape
        oh, ow = (h * s, w * s) if pad == "SAME" else ((h - 1) * s + k, (w - 1) * s + k)
        f = he(rng, (k, k, cout, shape[-1]), k * k * shape[-1])
        b = bias(rng, cout)

        def fn(x):
            y = tf.nn.conv2d_transpose(x, f, output_shape=[n, oh, ow, cout], strides=[1, s, s, 1], padding=pad)
            return ACTS[act](tf.nn.bias_add(y, b) if use_bias else y)

        return fn, [shape]

    return Case(name, "TRANSPOSE_CONV", build, None, input_scales=[1.0])


def to_uint8(model):
    """Retype every int8 tensor uint8 (zero point + 128): the uint8 form of a
    converted int8 model, for ops whose uint8 kernels differ."""
    import ai_edge_litert.schema_py_generated as schema

    for t in model.subgraphs[0].tensors:
        if t.type == schema.TensorType.INT8:
            t.type = schema.TensorType.UINT8
            t.quantization.zeroPoint = [int(z) + 128 for z in t.quantization.zeroPoint]


def resize(kind, shape=(1, 5, 6, 3), size=(9, 13), align=False, half=False, uint8=False, scale=2.0):
    op = {"bilinear": "RESIZE_BILINEAR", "nearest": "RESIZE_NEAREST_NEIGHBOR"}[kind]
    tag = "align" if align else "half" if half else "plain"
    name = f"{op.lower()}_{'x'.join(map(str, shape))}_to_{size[0]}x{size[1]}_{tag}" + ("_uint8" if uint8 else "")

    def build(rng):
        tf = _tf()
        if kind == "bilinear":
            return (lambda x: tf.compat.v1.image.resize_bilinear(x, size, align_corners=align, half_pixel_centers=half)), [shape]
        return (lambda x: tf.compat.v1.image.resize_nearest_neighbor(x, size, align_corners=align, half_pixel_centers=half)), [shape]

    c = Case(name, op, build, [(op, dict(alignCorners=align, halfPixelCenters=half))], input_scales=[scale],
             patch=to_uint8 if uint8 else None, reference="reference" if uint8 else "micro")
    c.uint8_input = uint8
    return c


def batch_matmul(a, b, adj_x=False, adj_y=False, scales=(1.0, 2.0)):
    name = "batch_matmul_" + "_".join("x".join(map(str, s)) for s in (a, b)) + ("_adjx" if adj_x else "") + ("_adjy" if adj_y else "")

    def build(rng):
        tf = _tf()
        return (lambda x, y: tf.linalg.matmul(x, y, adjoint_a=adj_x, adjoint_b=adj_y)), [a, b]

    return Case(name, "BATCH_MATMUL", build, None, input_scales=list(scales))


def fully_connected(per_channel=True, act="NONE", batch=2, features=12, units=7):
    name = f"fully_connected_{batch}x{features}_{units}_{'per_channel' if per_channel else 'per_tensor'}_{act.lower()}"

    def build(rng):
        tf = _tf()
        w = he(rng, (features, units), features)
        # Very different column norms make per-channel scales visibly differ.
        w *= np.linspace(0.2, 3.0, units, dtype=np.float32)[None, :]
        b = bias(rng, units)

        def fn(x):
            return ACTS[act](tf.matmul(x, w) + b)

        return fn, [(batch, features)]

    def check(model):
        m = fl.parse_model(model)
        sg = m.subgraphs[0]
        fc = [op for op in sg.operators if op.opcodeIndex is not None]
        for op in fc:
            w = sg.tensors[op.inputs[1]]
            n = len(w.quantization.scale)
            if per_channel and n <= 1 or not per_channel and n != 1:
                raise AssertionError(f"{name}: weights have {n} scales")

    c = Case(name, "FULLY_CONNECTED", build, [("FULLY_CONNECTED", dict(fusedActivationFunction=act))], checks=[check])
    c.per_channel_dense = per_channel
    return c


def binary(op, shapes, act="NONE", scales=(1.0, 3.0), tag_suffix="", patch=None):
    a, b = shapes
    tag = "_".join("x".join(map(str, s)) for s in shapes)
    name = f"{op.lower()}_{tag}_{act.lower()}{tag_suffix}"

    def build(rng):
        tf = _tf()

        def fn(x, y):
            z = {"ADD": lambda: x + y, "SUB": lambda: x - y, "MUL": lambda: x * y,
                 "SQUARED_DIFFERENCE": lambda: tf.math.squared_difference(x, y), "DIV": lambda: x / y}[op]()
            return ACTS[act](z)

        return fn, [a, b]

    options = {} if op == "SQUARED_DIFFERENCE" else dict(fusedActivationFunction=act)
    return Case(name, op, build, [(op, options)], input_scales=list(scales), nonzero_divisor=op == "DIV", patch=patch)


def binary_const(op, shape, act="NONE"):
    name = f"{op.lower()}_{'x'.join(map(str, shape))}_const_channel_{act.lower()}"

    def build(rng):
        tf = _tf()
        c = rng.normal(0.5, 1.0, shape[-1]).astype(np.float32)

        def fn(x):
            z = {"ADD": lambda: x + c, "SUB": lambda: x - c, "MUL": lambda: x * c}[op]()
            return ACTS[act](z)

        return fn, [shape]

    return Case(name, op, build, [(op, dict(fusedActivationFunction=act))], input_scales=[2.0])


def pool(kind, f=2, s=2, pad="VALID", act="NONE", shape=(1, 9, 11, 3)):
    op = {"max": "MAX_POOL_2D", "avg": "AVERAGE_POOL_2D"}[kind]
    name = f"{'max' if kind == 'max' else 'average'}_pool2d_{f}x{f}_s{s}_{pad.lower()}_{act.lower()}"

    def build(rng):
        tf = _tf()
        p = tf.nn.max_pool2d if kind == "max" else tf.nn.avg_pool2d

        def fn(x):
            return ACTS[act](p(x, ksize=[f, f], strides=[s, s], padding=pad))

        return fn, [shape]

    return Case(name, op, build, [(op, dict(padding=pad, strideH=s, filterHeight=f, fusedActivationFunction=act))],
                input_scales=[3.0])


def mean(axes, keepdims, shape=(1, 7, 9, 5), same_quantization=False):
    tag = "".join(map(str, axes))
    name = f"mean_axes{tag}_{'keep' if keepdims else 'drop'}" + ("_same_quantization" if same_quantization else "")

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.reduce_mean(x, axis=list(axes), keepdims=keepdims)

        return fn, [shape]

    patch = None
    if same_quantization:
        def patch(model):
            sg = model.subgraphs[0]
            op = sg.operators[0]
            src = sg.tensors[op.inputs[0]].quantization
            dst = sg.tensors[op.outputs[0]].quantization
            dst.scale = list(src.scale)
            dst.zeroPoint = list(src.zeroPoint)

    return Case(name, "MEAN", build, [("MEAN", dict(keepDims=keepdims))], input_scales=[2.0], patch=patch)


def softmax(shape=(2, 10), beta=1.0, scale=2.0):
    name = f"softmax_{'x'.join(map(str, shape))}_beta{str(beta).replace('.', 'p')}_in{str(scale).replace('.', 'p')}"

    def build(rng):
        tf = _tf()

        def fn(x):
            return tf.nn.softmax(x)

        return fn, [shape]

    patch = None
    if beta != 1.0:
        def patch(model):
            model.subgraphs[0].operators[0].builtinOptions.beta = beta

    return Case(name, "SOFTMAX", build, [("SOFTMAX", {})], input_scales=[scale], patch=patch)


def logistic(shape=(2, 40), scale=3.0):
    name = f"logistic_{'x'.join(map(str, shape))}_in{str(scale).replace('.', 'p')}"

    def build(rng):
        tf = _tf()
        return (lambda x: tf.math.sigmoid(x)), [shape]

    return Case(name, "LOGISTIC", build, [("LOGISTIC", {})], input_scales=[scale])


def concat(axis, shapes, scales):
    name = f"concatenation_axis{axis}_" + "_".join("x".join(map(str, s)) for s in shapes) + "_scales" + "_".join(
        str(s).replace(".", "p") for s in scales)

    def build(rng):
        tf = _tf()

        def fn(*xs):
            return tf.concat(list(xs), axis=axis)

        return fn, list(shapes)

    return Case(name, "CONCATENATION", build, None, input_scales=list(scales))


def pad_case(shape=(1, 5, 6, 3), paddings=((0, 0), (1, 2), (2, 1), (0, 0))):
    name = "pad_" + "x".join(map(str, shape))

    def build(rng):
        tf = _tf()
        return (lambda x: tf.pad(x, paddings)), [shape]

    return Case(name, "PAD", build, [("PAD", {})], input_scales=[2.0])


def reshape_case(shape=(2, 3, 4), new=(4, 6)):
    name = "reshape_" + "x".join(map(str, shape)) + "_to_" + "x".join(map(str, new))

    def build(rng):
        tf = _tf()
        return (lambda x: tf.reshape(x, new)), [shape]

    return Case(name, "RESHAPE", build, [("RESHAPE", {})])


def quantize_roundtrip(shape=(1, 6, 7, 3)):
    """Float model I/O: QUANTIZE (float→int8), AVERAGE_POOL_2D, DEQUANTIZE."""
    name = "quantize_avgpool_dequantize_" + "x".join(map(str, shape))

    def build(rng):
        tf = _tf()
        return (lambda x: tf.nn.avg_pool2d(x, ksize=[2, 2], strides=[1, 1], padding="SAME")), [shape]

    return Case(name, "QUANTIZE", build, [("QUANTIZE", {}), ("AVERAGE_POOL_2D", {}), ("DEQUANTIZE", {})],
                input_scales=[2.0], float_io=True)


def requantize(shape=(1, 4, 5, 6), out_scale_factor=2.5, out_zp_shift=17):
    """int8 → int8 QUANTIZE: a PAD model whose output is re-quantized by an inserted op."""
    name = f"quantize_int8_requantize_{'x'.join(map(str, shape))}"

    def build(rng):
        tf = _tf()
        return (lambda x: tf.pad(x, [[0, 0], [1, 0], [0, 1], [0, 0]])), [shape]

    def patch(model):
        import ai_edge_litert.schema_py_generated as schema

        sg = model.subgraphs[0]
        out = sg.outputs[0]
        t_old = sg.tensors[out]
        new = schema.TensorT()
        new.name = (t_old.name or b"out") + b"_requantized" if isinstance(t_old.name, bytes) else str(t_old.name) + "_requantized"
        new.shape = list(t_old.shape)
        new.type = schema.TensorType.INT8
        new.buffer = 0
        q = schema.QuantizationParametersT()
        q.scale = [float(t_old.quantization.scale[0]) * out_scale_factor]
        q.zeroPoint = [int(max(-128, min(127, t_old.quantization.zeroPoint[0] + out_zp_shift)))]
        new.quantization = q
        sg.tensors.append(new)
        new_index = len(sg.tensors) - 1
        code = schema.OperatorCodeT()
        code.builtinCode = schema.BuiltinOperator.QUANTIZE
        code.deprecatedBuiltinCode = schema.BuiltinOperator.QUANTIZE
        code.version = 2
        model.operatorCodes.append(code)
        op = schema.OperatorT()
        op.opcodeIndex = len(model.operatorCodes) - 1
        op.inputs = [out]
        op.outputs = [new_index]
        sg.operators.append(op)
        sg.outputs = [new_index]
        if getattr(model, "signatureDefs", None):
            model.signatureDefs = None

    return Case(name, "QUANTIZE", build, [("PAD", {})], input_scales=[2.0], patch=patch)


def dequantize_int16(shape=(2, 3, 5)):
    """A lone DEQUANTIZE of an int16 tensor: the float-I/O roundtrip model cut
    down to its last op, whose input is retyped int16 (symmetric, zp 0)."""
    name = "dequantize_int16_" + "x".join(map(str, shape))

    def build(rng):
        tf = _tf()
        return (lambda x: tf.nn.avg_pool2d(x, ksize=[1, 1], strides=[1, 1], padding="SAME")), [(1,) + shape]

    def patch(model):
        import ai_edge_litert.schema_py_generated as schema

        sg = model.subgraphs[0]
        deq = sg.operators[-1]
        sg.operators = [deq]
        t = sg.tensors[deq.inputs[0]]
        t.type = schema.TensorType.INT16
        t.quantization.scale = [0.0123]
        t.quantization.zeroPoint = [0]
        sg.inputs = [deq.inputs[0]]
        model.signatureDefs = None

    c = Case(name, "DEQUANTIZE", build, [("QUANTIZE", {}), ("AVERAGE_POOL_2D", {}), ("DEQUANTIZE", {})],
             input_scales=[2.0], float_io=True, patch=patch)
    c.int16_input = True
    return c


def layout_op(op, name, shape, fn_of_tf, expected_opts=None, reference="micro", scale=2.0):
    """A single layout / reduction op on one int8 input (SPLIT … TOPK_V2)."""
    def build(rng):
        tf = _tf()
        return fn_of_tf(tf), [shape]

    return Case(f"{op.lower()}_{name}", op, build, [(op, expected_opts or {})], input_scales=[scale], reference=reference)


def layout_cases() -> list[Case]:
    return [
        layout_op("SPLIT", "axis2_2", (1, 8, 6), lambda tf: (lambda x: tf.split(x, 2, axis=2)), dict(numSplits=2)),
        layout_op("SPLIT", "axis1_4", (2, 8, 3), lambda tf: (lambda x: tf.split(x, 4, axis=1)), dict(numSplits=4)),
        layout_op("SPLIT_V", "2_3_1", (2, 6, 4), lambda tf: (lambda x: tf.split(x, [2, 3, 1], axis=1)), dict(numSplits=3)),
        layout_op("UNPACK", "axis1", (1, 8, 6), lambda tf: (lambda x: tf.unstack(x, axis=1)), dict(num=8, axis=1)),
        # TFLite Micro has no TILE, REDUCE_PROD or TOPK_V2: LiteRT's kernels.
        layout_op("TILE", "1_2_1", (1, 8, 3), lambda tf: (lambda x: tf.tile(x, [1, 2, 1])), reference="builtin"),
        layout_op("TILE", "2_1_3_2", (1, 3, 4, 2), lambda tf: (lambda x: tf.tile(x, [2, 1, 3, 2])), reference="builtin"),
        layout_op("MIRROR_PAD", "reflect", (1, 5, 6, 2), lambda tf: (lambda x: tf.pad(x, [[0, 0], [2, 1], [1, 3], [0, 0]], mode="REFLECT"))),
        layout_op("MIRROR_PAD", "symmetric", (1, 8, 3), lambda tf: (lambda x: tf.pad(x, [[0, 0], [3, 0], [1, 2]], mode="SYMMETRIC"))),
        # TFLite Micro's SPACE_TO_BATCH_ND never sets its pad value (SpaceToBatchParams.output_offset
        # is left as uninitialised persistent memory): LiteRT's reference kernel (pads with the zero point).
        layout_op("SPACE_TO_BATCH_ND", "2x2_pad", (1, 6, 7, 3),
                  lambda tf: (lambda x: tf.space_to_batch_nd(x, [2, 2], [[1, 1], [0, 1]])), reference="reference"),
        layout_op("BATCH_TO_SPACE_ND", "2x2_crops", (4, 4, 3, 2),
                  lambda tf: (lambda x: tf.batch_to_space(x, [2, 2], [[1, 0], [0, 2]]))),
        layout_op("SPACE_TO_BATCH_ND", "rank3_conv1d", (1, 30, 8),
                  lambda tf: (lambda x: tf.space_to_batch_nd(x, [2], [[2, 2]])), reference="reference"),
        layout_op("BATCH_TO_SPACE_ND", "rank3_conv1d", (2, 15, 8), lambda tf: (lambda x: tf.batch_to_space(x, [2], [[0, 0]]))),
        layout_op("REDUCE_MIN", "axes12", (1, 8, 6), lambda tf: (lambda x: tf.reduce_min(x, axis=[1, 2])), dict(keepDims=False)),
        layout_op("REDUCE_MIN", "axis_m1_keep", (2, 4, 5), lambda tf: (lambda x: tf.reduce_min(x, axis=-1, keepdims=True)),
                  dict(keepDims=True)),
        layout_op("REDUCE_PROD", "axis2", (1, 8, 6), lambda tf: (lambda x: tf.reduce_prod(x, axis=2)), dict(keepDims=False),
                  reference="reference", scale=0.5),
        layout_op("REDUCE_PROD", "axes01_keep", (3, 2, 4), lambda tf: (lambda x: tf.reduce_prod(x, axis=[0, 1], keepdims=True)),
                  dict(keepDims=True), reference="reference", scale=1.0),
        layout_op("ARG_MIN", "axis2", (1, 8, 6), lambda tf: (lambda x: tf.math.argmin(x, axis=2, output_type=tf.int32))),
        # TFLite Micro computes int32 indices only.
        layout_op("ARG_MIN", "axis1_int64", (2, 7, 3), lambda tf: (lambda x: tf.math.argmin(x, axis=1, output_type=tf.int64)),
                  reference="reference"),
        layout_op("TOPK_V2", "k3", (1, 6), lambda tf: (lambda x: tf.math.top_k(x, k=3)), reference="reference"),
        layout_op("TOPK_V2", "k5_rows", (4, 20), lambda tf: (lambda x: tf.math.top_k(x, k=5)), reference="reference"),
        layout_op("GATHER_ND", "tuples", (4, 5, 3), lambda tf: (lambda x: tf.gather_nd(x, [[3, 1], [0, 4], [2, 2]]))),
    ]

def set_quantization(which: str, index: int, scale: float, zero_point: int):
    """A patch giving operator 0's input or output tensor `index` this
    per-tensor quantization (extreme scales / zero points)."""

    def patch(model):
        q = _first_op_tensor(model, which, index).quantization
        q.scale = [float(scale)]
        q.zeroPoint = [int(zero_point)]

    return patch


def patches(*edits):
    def patch(model):
        for e in edits:
            e(model)

    return patch


def set_opcode(op_name: str):
    """Point operator 0 at `op_name` (for ops the converter expresses otherwise)."""

    def patch(model):
        import ai_edge_litert.schema_py_generated as schema

        code = getattr(schema.BuiltinOperator, op_name)
        oc = model.operatorCodes[model.subgraphs[0].operators[0].opcodeIndex]
        oc.builtinCode = code
        oc.deprecatedBuiltinCode = min(code, 127)
        oc.version = 1

    return patch


def unary(op, tag, fn_of_tf, shape=(2, 5, 6, 4), scale=3.0, reference="micro", patch=None, converted_op=None,
          positive=False):
    """A one-op model `y = fn(x)`; `converted_op` is the op the converter
    emits when `patch` switches it to `op`; `set_quantization` patches give
    extreme scales / zero points."""
    name = f"{op.lower()}_{'x'.join(map(str, shape))}_{tag}"

    def build(rng):
        return fn_of_tf(_tf()), [shape]

    return Case(name, op, build, [(converted_op or op, {})], input_scales=[scale], patch=patch,
                reference=reference, positive=positive)


def hard_swish_fn(tf):
    return lambda x: x * tf.nn.relu6(x + 3.0) / 6.0


def int8_activation_cases() -> list[Case]:
    """HARD_SWISH, SUB and the requantizing RELU family."""
    q = set_quantization
    cases = [
        unary("HARD_SWISH", "in3p0", hard_swish_fn),
        unary("HARD_SWISH", "in0p5", hard_swish_fn, scale=0.5),
        unary("HARD_SWISH", "in12p0", hard_swish_fn, shape=(1, 300), scale=12.0),
        # Output multiplier near its limit (input/output scale 120), zero points at the ends.
        unary("HARD_SWISH", "q_in0p5_zp127_out0p0042_zpm128", hard_swish_fn, shape=(1, 256),
              patch=patches(q("in", 0, 0.5, 127), q("out", 0, 0.5 / 120, -128))),
        # Tiny input scale: the relu-ish multiplier shifts right.
        unary("HARD_SWISH", "q_in0p0001_zpm128_out0p05_zp127", hard_swish_fn, shape=(1, 256),
              patch=patches(q("in", 0, 1e-4, -128), q("out", 0, 0.05, 127))),
        # Large input scale: the relu-ish multiplier shifts left and saturates.
        unary("HARD_SWISH", "q_in2p0_zp3_out0p3_zpm20", hard_swish_fn, shape=(1, 256),
              patch=patches(q("in", 0, 2.0, 3), q("out", 0, 0.3, -20))),
        unary("RELU", "requantized", lambda tf: tf.nn.relu),
        unary("RELU", "q_in0p05_zp100_out0p001_zpm128", lambda tf: tf.nn.relu, shape=(1, 256),
              patch=patches(q("in", 0, 0.05, 100), q("out", 0, 0.001, -128))),
        unary("RELU", "q_in0p002_zpm128_out0p5_zp127", lambda tf: tf.nn.relu, shape=(1, 256),
              patch=patches(q("in", 0, 0.002, -128), q("out", 0, 0.5, 127))),
        unary("RELU6", "requantized", lambda tf: tf.nn.relu6, scale=5.0, reference="reference"),
        unary("RELU6", "q_in0p1_zpm5_out0p01_zp60", lambda tf: tf.nn.relu6, shape=(1, 256), reference="reference",
              patch=patches(q("in", 0, 0.1, -5), q("out", 0, 0.01, 60))),
        unary("RELU_N1_TO_1", "requantized", lambda tf: tf.nn.relu, scale=2.0, reference="reference",
              converted_op="RELU", patch=patches(set_opcode("RELU_N1_TO_1"), q("out", 0, 2.0 / 255, 0))),
        binary("SUB", [(1, 4, 5, 3), (1, 4, 5, 3)]),
        binary("SUB", [(1, 4, 5, 3), (1, 4, 5, 3)], act="RELU", scales=(2.0, 0.3)),
        binary("SUB", [(2, 1, 5, 3), (1, 4, 1, 3)], act="RELU6"),
        binary("SUB", [(1, 4, 5, 3), (3,)], scales=(1.0, 0.2)),
        binary("SUB", [(1, 64), (1, 64)], scales=(1.0, 1.0)),
        binary_const("SUB", (1, 4, 5, 6)),
        unary("RSQRT", "in2p0", lambda tf: tf.math.rsqrt, shape=(1, 300), scale=2.0, positive=True),
        unary("RSQRT", "in0p05", lambda tf: tf.math.rsqrt, scale=0.05, positive=True),
        unary("RSQRT", "q_in0p02_zpm128_out0p5_zp127", lambda tf: tf.math.rsqrt, shape=(1, 256), positive=True,
              patch=patches(q("in", 0, 0.02, -128), q("out", 0, 0.5, 127))),
        unary("RSQRT", "q_in3p0_zp40_out0p002_zpm100", lambda tf: tf.math.rsqrt, shape=(1, 256), positive=True,
              patch=patches(q("in", 0, 3.0, 40), q("out", 0, 0.002, -100))),
        binary("SQUARED_DIFFERENCE", [(1, 4, 5, 3), (1, 4, 5, 3)]),
        binary("SQUARED_DIFFERENCE", [(2, 1, 5, 3), (1, 4, 1, 3)], scales=(0.5, 2.0)),
        binary("SQUARED_DIFFERENCE", [(1, 16, 32), (1, 16, 1)], scales=(2.0, 1.0)),
        # TFLite Micro has no int8 GELU: LiteRT's reference kernels.
        unary("GELU", "exact_in3p0", lambda tf: (lambda x: tf.nn.gelu(x, approximate=False)), shape=(1, 300),
              reference="reference"),
        unary("GELU", "approximate_in2p0", lambda tf: (lambda x: tf.nn.gelu(x, approximate=True)), scale=2.0,
              reference="reference"),
        unary("GELU", "q_in0p2_zp127_out0p01_zpm128", lambda tf: (lambda x: tf.nn.gelu(x, approximate=False)),
              shape=(1, 256), patch=patches(q("in", 0, 0.2, 127), q("out", 0, 0.01, -128)), reference="reference"),
        # LiteRT's int8 LOG (a float LUT) and ABS: LiteRT's reference kernels.
        unary("LOG", "in2p0", lambda tf: tf.math.log, shape=(1, 300), scale=2.0, positive=True, reference="reference"),
        unary("LOG", "q_in0p05_zpm128_out0p1_zp100", lambda tf: tf.math.log, shape=(1, 256), positive=True,
              patch=patches(q("in", 0, 0.05, -128), q("out", 0, 0.1, 100)), reference="reference"),
        unary("ABS", "in3p0", lambda tf: tf.math.abs, shape=(1, 300), reference="reference"),
        unary("ABS", "q_in0p1_zp20_out0p03_zpm100", lambda tf: tf.math.abs, shape=(1, 256),
              patch=patches(q("in", 0, 0.1, 20), q("out", 0, 0.03, -100)), reference="reference"),
    ]
    return cases + int8_math_cases()


def prelu_case(shape, shared_axes, tag, patch=None):
    name = f"prelu_{'x'.join(map(str, shape))}_{tag}"

    def build(rng):
        tf = _tf()
        layer = tf.keras.layers.PReLU(shared_axes=shared_axes,
                                      alpha_initializer=tf.keras.initializers.RandomUniform(-0.6, 0.6, seed=7))
        layer.build(shape)
        return (lambda x: layer(x)), [shape]

    return Case(name, "PRELU", build, [("PRELU", {})], input_scales=[2.0], patch=patch)


def reduce_sum(axes, keepdims, shape=(1, 7, 9, 5), patch=None, tag=""):
    name = f"sum_axes{''.join(map(str, axes))}_{'keep' if keepdims else 'drop'}_{'x'.join(map(str, shape))}{tag}"

    def build(rng):
        tf = _tf()
        return (lambda x: tf.reduce_sum(x, axis=list(axes), keepdims=keepdims)), [shape]

    return Case(name, "SUM", build, [("SUM", dict(keepDims=keepdims))], input_scales=[1.0], patch=patch)


def int8_math_cases() -> list[Case]:
    """TANH, LEAKY_RELU, PRELU, DIV, SUM, L2_NORMALIZATION, LOG_SOFTMAX and
    SOFTMAX with tiny input scales: random and edge-case scales, zero points
    at the extremes, broadcast shapes."""
    q = set_quantization
    tf_tanh = lambda tf: tf.math.tanh
    l2 = lambda tf: (lambda x: tf.math.l2_normalize(x, axis=-1))
    log_softmax = lambda tf: tf.nn.log_softmax

    def leaky(alpha):
        return lambda tf: (lambda x: tf.nn.leaky_relu(x, alpha=alpha))

    return [
        # TANH: TFLite Micro's fixed point where the output is (1/128, 0) ...
        unary("TANH", "in3p0", tf_tanh),
        unary("TANH", "in0p5", tf_tanh, shape=(1, 300), scale=0.5),
        unary("TANH", "q_in0p02_zpm128", tf_tanh, shape=(1, 256), patch=q("in", 0, 0.02, -128)),
        unary("TANH", "q_in0p1_zp127", tf_tanh, shape=(1, 256), patch=q("in", 0, 0.1, 127)),
        # ... LiteRT's table for other output quantizations and huge input scales.
        unary("TANH", "q_in0p05_zp40_out0p01_zpm100", tf_tanh, shape=(1, 256), reference="reference",
              patch=patches(q("in", 0, 0.05, 40), q("out", 0, 0.01, -100))),
        unary("TANH", "q_in30p0_zp0", tf_tanh, shape=(1, 256), reference="reference", patch=q("in", 0, 30.0, 0)),
        unary("LEAKY_RELU", "alpha0p2_in3p0", leaky(0.2)),
        unary("LEAKY_RELU", "alpha0p01_q_in0p05_zp100_out0p01_zpm128", leaky(0.01), shape=(1, 256),
              patch=patches(q("in", 0, 0.05, 100), q("out", 0, 0.01, -128))),
        unary("LEAKY_RELU", "alpha1p7_q_in0p002_zpm128_out0p5_zp127", leaky(1.7), shape=(1, 256),
              patch=patches(q("in", 0, 0.002, -128), q("out", 0, 0.5, 127))),
        unary("LEAKY_RELU", "alpham0p3_in2p0", leaky(-0.3), shape=(1, 256), scale=2.0, reference="reference"),
        prelu_case((1, 4, 5, 6), [1, 2], "shared12"),
        prelu_case((2, 3, 4, 5), [1, 2, 3], "shared123"),
        prelu_case((1, 3, 5, 4), [1, 2], "q_in0p05_zp127_out0p02_zpm128",
                   patch=patches(q("in", 0, 0.05, 127), q("out", 0, 0.02, -128))),
        binary("DIV", [(1, 4, 5, 3), (1, 4, 5, 3)], scales=(1.0, 3.0)),
        binary("DIV", [(2, 1, 5, 3), (1, 4, 1, 3)], act="RELU6", scales=(2.0, 1.0)),
        binary("DIV", [(1, 16, 16), (16,)], act="RELU", scales=(0.5, 4.0)),
        binary("DIV", [(1, 16, 16), (1, 16, 16)], scales=(1.0, 1.0), tag_suffix="_q_zp_extremes",
               patch=patches(q("in", 0, 0.03, -128), q("in", 1, 0.2, 127), q("out", 0, 0.05, 127))),
        binary("DIV", [(1, 16, 16), (1, 16, 16)], scales=(1.0, 1.0), tag_suffix="_q_out_tiny",
               patch=patches(q("in", 0, 0.5, 3), q("in", 1, 0.001, -7), q("out", 0, 2e-3, 0))),
        reduce_sum((1, 2), True),
        reduce_sum((3,), False),
        reduce_sum((0, 2), False, shape=(3, 4, 5)),
        reduce_sum((1,), True, shape=(2, 6, 4), tag="_q_in0p3_zp127_out0p05_zpm128",
                   patch=patches(q("in", 0, 0.3, 127), q("out", 0, 0.05, -128))),
        unary("L2_NORMALIZATION", "in2p0", l2, shape=(2, 5, 16), scale=2.0),
        unary("L2_NORMALIZATION", "q_in0p01_zp127", l2, shape=(3, 256), patch=q("in", 0, 0.01, 127)),
        unary("L2_NORMALIZATION", "q_in5p0_zpm128", l2, shape=(2, 40), patch=q("in", 0, 5.0, -128)),
        unary("LOG_SOFTMAX", "in2p0", log_softmax, shape=(3, 16), scale=2.0),
        unary("LOG_SOFTMAX", "in10p0", log_softmax, shape=(1, 300), scale=10.0),
        unary("LOG_SOFTMAX", "q_in0p001_zp127", log_softmax, shape=(2, 64), patch=q("in", 0, 0.001, 127)),
        unary("LOG_SOFTMAX", "q_in3p0_zpm128", log_softmax, shape=(2, 64), patch=q("in", 0, 3.0, -128)),
        # SOFTMAX input scales too small for TFLite's fixed point (beta·scale·2^26 ≤ 1):
        # TFLite Micro and LiteRT's reference kernels abort; LiteRT's default kernel runs them.
        unary("SOFTMAX", "q_in8em9_zp0", lambda tf: tf.nn.softmax, shape=(2, 10), reference="builtin",
              patch=q("in", 0, 8e-9, 0)),
        unary("SOFTMAX", "q_in1em12_zpm128", lambda tf: tf.nn.softmax, shape=(3, 100), reference="builtin",
              patch=q("in", 0, 1e-12, -128)),
        # Just above the limit: the fixed point still runs (TFLite Micro).
        unary("SOFTMAX", "q_in2em8_zp127", lambda tf: tf.nn.softmax, shape=(2, 50), patch=q("in", 0, 2e-8, 127)),
        unary("SOFTMAX", "q_in1e3_zp0", lambda tf: tf.nn.softmax, shape=(2, 50), patch=q("in", 0, 1e3, 0)),
    ]


def all_cases() -> list[Case]:
    cases: list[Case] = []
    for act in ("NONE", "RELU", "RELU6"):
        cases.append(conv2d(act=act))
    cases += [
        conv2d(k=3, s=2, pad="VALID", act="RELU"),
        conv2d(k=5, s=2, pad="SAME", act="RELU6"),
        conv2d(k=1, s=1, pad="VALID", act="NONE", cout=8),
        conv2d(k=3, s=1, d=2, pad="SAME", act="NONE"),
        conv2d(k=3, s=2, pad="SAME", act="NONE", shape=(2, 8, 8, 5), cout=4),
    ]
    for act in ("NONE", "RELU", "RELU6"):
        cases.append(depthwise(act=act))
    cases += [
        depthwise(k=3, m=1, s=2, pad="VALID", act="NONE"),
        depthwise(k=3, m=2, s=1, pad="SAME", act="RELU6", shape=(1, 8, 7, 3)),
        depthwise(k=5, m=1, s=2, pad="SAME", act="RELU", shape=(2, 9, 9, 6)),
        # Dilated and unequal-stride depthwise convolutions (the fast int8
        # kernel's tap offsets use the H and W dilations and strides separately;
        # 12 channels = one 8-channel vector step and a 4-channel tail; 3×3
        # filters take the unrolled path, 5×5 the general one; multiplier 2
        # the reference loops).
        depthwise(k=3, m=1, s=1, d=2, pad="SAME", act="NONE", shape=(1, 11, 12, 12)),
        depthwise(k=3, m=1, s=1, d=(2, 1), pad="SAME", act="RELU", shape=(1, 10, 9, 12)),
        depthwise(k=3, m=1, s=1, d=(1, 3), pad="VALID", act="NONE", shape=(2, 7, 13, 5)),
        depthwise(k=5, m=1, s=1, d=2, pad="SAME", act="RELU6", shape=(1, 12, 11, 6)),
        depthwise(k=3, m=1, s=(2, 1), pad="SAME", act="NONE", shape=(1, 10, 9, 12)),
        depthwise(k=3, m=1, s=(1, 2), pad="VALID", act="RELU", shape=(2, 9, 12, 8)),
        depthwise(k=5, m=1, s=(1, 3), pad="SAME", act="NONE", shape=(1, 9, 14, 5)),
        depthwise(k=3, m=2, s=(1, 2), pad="SAME", act="NONE", shape=(1, 8, 9, 3)),
        depthwise(k=3, m=2, s=1, d=(2, 1), pad="SAME", act="NONE", shape=(1, 8, 9, 3)),
        # Per-tensor (one filter scale) convolutions.
        depthwise(k=3, m=1, s=1, pad="SAME", act="RELU", shape=(1, 9, 11, 12), per_channel=False),
        conv2d(k=3, s=1, pad="SAME", act="NONE", per_channel=False),
        conv2d(k=3, s=2, pad="VALID", act="RELU6", shape=(2, 9, 8, 5), cout=8, per_channel=False),
        conv2d(k=1, s=1, pad="VALID", act="RELU", cout=16, per_channel=False),
    ]
    cases += [
        fully_connected(per_channel=True, act="NONE"),
        fully_connected(per_channel=True, act="RELU"),
        fully_connected(per_channel=False, act="NONE"),
        fully_connected(per_channel=False, act="RELU6", batch=3),
    ]
    cases += [
        binary("ADD", [(1, 4, 5, 3), (1, 4, 5, 3)]),
        binary("ADD", [(1, 4, 5, 3), (1, 4, 5, 3)], act="RELU"),
        binary("ADD", [(2, 1, 5, 3), (1, 4, 1, 3)], act="RELU6"),
        binary("ADD", [(1, 4, 5, 3), (3,)], scales=(1.0, 0.2)),
        binary_const("ADD", (1, 4, 5, 6)),
        binary("MUL", [(1, 4, 5, 3), (1, 4, 5, 3)]),
        binary("MUL", [(1, 4, 5, 3), (1, 4, 5, 3)], act="RELU"),
        binary("MUL", [(2, 1, 5, 3), (1, 4, 1, 3)], act="RELU6"),
        binary_const("MUL", (1, 4, 5, 6)),
    ]
    cases += [
        pool("max", 2, 2, "VALID"),
        pool("max", 3, 2, "SAME", "RELU"),
        pool("max", 3, 1, "SAME", "RELU6"),
        pool("avg", 2, 2, "VALID"),
        pool("avg", 3, 2, "SAME"),
        pool("avg", 3, 1, "SAME", "RELU6"),
        pool("avg", 5, 3, "SAME", "RELU"),
    ]
    cases += [
        mean((1, 2), True),
        mean((1, 2), False),
        mean((3,), True),
        mean((1,), False, shape=(2, 6, 4)),
        mean((1, 2), True, same_quantization=True),
        mean((2,), False, shape=(2, 3, 7), same_quantization=True),
    ]
    cases += [
        softmax((2, 10), 1.0, 2.0),
        softmax((3, 16), 1.0, 6.0),
        softmax((1, 2, 3, 5), 1.0, 1.0),
        softmax((2, 10), 0.5, 3.0),
        softmax((2, 10), 2.0, 3.0),
        softmax((1, 300), 1.0, 10.0),
    ]
    cases += [logistic(), logistic((1, 4, 5, 3), 8.0), logistic((3, 7), 0.5)]
    cases += [
        transpose_conv(),
        transpose_conv(k=2, s=2, pad="VALID", shape=(2, 4, 3, 3), cout=5),
        transpose_conv(k=3, s=1, pad="SAME", shape=(1, 6, 6, 8), cout=4, use_bias=False),
        transpose_conv(k=4, s=3, pad="VALID", shape=(1, 3, 4, 2), cout=3, act="RELU"),
    ]
    cases += [
        batch_matmul((2, 4, 5), (2, 5, 3)),
        batch_matmul((1, 3, 4, 6), (2, 1, 6, 5), scales=(3.0, 0.5)),
        batch_matmul((3, 6, 4), (3, 6, 5), adj_x=True),
        batch_matmul((2, 4, 6), (2, 5, 6), adj_y=True),
        batch_matmul((2, 7, 3), (1, 5, 7), adj_x=True, adj_y=True),
        batch_matmul((2, 16, 32), (2, 32, 16), scales=(2.0, 2.0)),
    ]
    cases += [
        resize("bilinear"),
        resize("bilinear", half=True),
        resize("bilinear", align=True),
        resize("bilinear", shape=(2, 7, 5, 4), size=(3, 4), half=True),
        resize("bilinear", shape=(1, 4, 4, 2), size=(8, 8), half=True),
        resize("bilinear", uint8=True),
        resize("bilinear", half=True, uint8=True),
        resize("bilinear", align=True, uint8=True),
        resize("nearest"),
        resize("nearest", half=True),
        resize("nearest", align=True, shape=(2, 7, 5, 4), size=(3, 4)),
    ]
    cases += [
        concat(3, [(1, 3, 4, 2), (1, 3, 4, 5)], [1.0, 1.0]),
        concat(3, [(1, 3, 4, 2), (1, 3, 4, 5)], [1.0, 4.0]),
        concat(1, [(2, 3, 4), (2, 1, 4), (2, 2, 4)], [0.5, 2.0, 1.0]),
    ]
    cases += [pad_case(), reshape_case(), quantize_roundtrip(), requantize(), dequantize_int16()]
    cases += layout_cases()
    cases += int8_activation_cases()
    return cases


# ------------------------------------------------------- invalid models

def _first_op_tensor(model, which, index):
    op = model.subgraphs[0].operators[0]
    return model.subgraphs[0].tensors[(op.inputs if which == "in" else op.outputs)[index]]


def _set_filter_zero_point(model):
    q = _first_op_tensor(model, "in", 1).quantization
    q.zeroPoint = [3] * len(q.zeroPoint)


def _drop_last_scale(model):
    q = _first_op_tensor(model, "in", 1).quantization
    q.scale = list(q.scale)[:-1]
    q.zeroPoint = list(q.zeroPoint)[:-1]


def _wrong_quantized_dimension(model):
    _first_op_tensor(model, "in", 1).quantization.quantizedDimension = 0


def _softmax_output_zero_point(model):
    _first_op_tensor(model, "out", 0).quantization.zeroPoint = [0]


def _zero_output_scale(model):
    _first_op_tensor(model, "out", 0).quantization.scale = [0.0]


# name -> (base case, edit, text the engine's error must contain)
INVALID = {
    "conv2d_filter_zero_point_nonzero": ("conv2d_3x3_s1_same_none", _set_filter_zero_point, "zero point 0"),
    "conv2d_scale_count_mismatch": ("conv2d_3x3_s1_same_none", _drop_last_scale, "zero points for"),
    "depthwise_conv2d_wrong_quantized_dimension": ("depthwise_conv2d_3x3_m1_s1_same_none", _wrong_quantized_dimension,
                                                   "zero points for"),
    "transpose_conv_filter_zero_point_nonzero": ("transpose_conv_3x3_s2_same_1x5x6x4_c6", _set_filter_zero_point, "zero point 0"),
    "transpose_conv_scale_count_mismatch": ("transpose_conv_3x3_s2_same_1x5x6x4_c6", _drop_last_scale, "zero points for"),
    "resize_bilinear_output_requantized": ("resize_bilinear_1x5x6x3_to_9x13_plain", set_quantization("out", 0, 0.5, 3),
                                           "requantization is not supported"),
    "batch_matmul_output_scale_tiny": ("batch_matmul_2x4x5_2x5x3", set_quantization("out", 0, 1e-30, 0), "too large"),
    "softmax_output_zero_point": ("softmax_2x10_beta1p0_in2p0", _softmax_output_zero_point, "must be (1/256"),
    "add_output_scale_zero": ("add_1x4x5x3_1x4x5x3_none", _zero_output_scale, "finite positive"),
    # input/output scale ≥ 128: TFLite's HARD_SWISH requires an output multiplier exponent ≤ 0.
    "hard_swish_output_scale_too_small": ("hard_swish_2x5x6x4_in3p0", set_quantization("out", 0, 1e-6, 0),
                                          "output multiplier exponent"),
    "hard_swish_input_scale_huge": ("hard_swish_2x5x6x4_in3p0", patches(set_quantization("in", 0, 3e10, 0),
                                                                       set_quantization("out", 0, 3e9, 0)),
                                    "too large for the fixed-point HARD_SWISH"),
    "relu_requantize_ratio_huge": ("relu_2x5x6x4_requantized", set_quantization("out", 0, 1e-12, 0), "too large to requantize"),
    "sub_output_scale_zero": ("sub_1x4x5x3_1x4x5x3_none", _zero_output_scale, "finite positive"),
    "sub_output_scale_tiny": ("sub_1x4x5x3_1x4x5x3_none", set_quantization("out", 0, 1e-12, 0), "outside (0, 1)"),
    "rsqrt_rescale_shift_out_of_range": ("rsqrt_1x300_in2p0", patches(set_quantization("in", 0, 1e6, 0),
                                                                     set_quantization("out", 0, 1e6, 0)), "outside −31…31"),
    "squared_difference_output_scale_tiny": ("squared_difference_1x4x5x3_1x4x5x3_none",
                                             set_quantization("out", 0, 1e-30, 0), "too large"),
}


def make_invalid(out: Path, seed: int) -> None:
    """Models the engine must reject at prepare (manifest: name, error text)."""
    cases = {c.name: c for c in all_cases()}
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, (base, edit, text) in INVALID.items():
        case = cases[base]
        rng = np.random.default_rng(fl.name_seed(seed, case.name))
        fn, shapes = case.build(rng)
        model = fl.patch_model(convert_int8(fn, shapes, case.input_scales, rng), edit)
        (out / f"{name}.tflite").write_bytes(model)
        entries.append({"name": name, "op": case.op, "error": text})
        print(f"invalid {name}: {len(model)} B", flush=True)
    (out / "manifest.json").write_text(json.dumps({"invalid": entries}, indent=1) + "\n")


# ----------------------------------------------------------------- running

def convert_int8(fn, shapes, scales, rng, float_io=False, per_channel_dense=None, per_channel=True, positive=False) -> bytes:
    tf = _tf()
    specs = [tf.TensorSpec(list(s), tf.float32) for s in shapes]
    scales = scales or [1.0] * len(shapes)
    rep = [[(rng.standard_normal(s) * sc).astype(np.float32) for s, sc in zip(shapes, scales)] for _ in range(64)]
    # Make sure the extremes of the range are seen.
    rep.append([np.full(s, 3.0 * sc, np.float32) for s, sc in zip(shapes, scales)])
    rep.append([np.full(s, -3.0 * sc, np.float32) for s, sc in zip(shapes, scales)])
    if positive:
        rep = [[np.abs(x) + np.float32(0.05) for x in xs] for xs in rep]

    def configure(conv):
        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = lambda: iter(rep)
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        if not float_io:
            conv.inference_input_type = tf.int8
            conv.inference_output_type = tf.int8
        if not per_channel:
            conv._experimental_disable_per_channel = True
        if per_channel_dense is not None:
            conv._experimental_disable_per_channel_quantization_for_dense_layers = not per_channel_dense

    return fl.convert_concrete(fn, specs, configure)


def io_types(model: bytes):
    m = fl.parse_model(model)
    sg = m.subgraphs[0]
    return [sg.tensors[i] for i in sg.inputs]


def build_case(case: Case, seed: int):
    rng = np.random.default_rng(fl.name_seed(seed, case.name))
    fn, shapes = case.build(rng)
    model = convert_int8(fn, shapes, case.input_scales, rng, case.float_io, getattr(case, "per_channel_dense", None),
                         per_channel=case.per_channel, positive=case.positive)
    if case.expected is not None:
        fl.assert_ops(model, case.expected, case.name)
    else:
        got = [o.name for o in fl.model_ops(model)]
        if case.op not in got:
            raise AssertionError(f"{case.name}: no {case.op} in {got}")
    for check in case.checks:
        check(model)
    if case.patch is not None:
        model = fl.patch_model(model, case.patch)
    inputs = []
    for t, shape in zip(io_types(model), shapes):
        if getattr(case, "uint8_input", False):
            inputs.append(rng.integers(0, 256, size=shape, dtype=np.uint8))
        elif getattr(case, "int16_input", False):
            inputs.append(rng.integers(-32768, 32768, size=shape, dtype=np.int16))
        elif case.float_io:
            inputs.append((rng.standard_normal(shape) * 2.0).astype(np.float32))
        elif case.positive:
            inputs.append(rng.integers(int(t.quantization.zeroPoint[0]), 128, size=shape, dtype=np.int8))
        else:
            inputs.append(rng.integers(-128, 128, size=shape, dtype=np.int8))
    if case.nonzero_divisor:
        inputs[1] = avoid_zero_point(inputs[1], io_types(model)[1])
    if case.reference == "micro":
        outputs = fl.run_micro(model, inputs)
    else:
        outputs = fl.run_litert(model, inputs, kernels=case.reference)
    if case.cross_check:
        litert = fl.run_litert(model, inputs, kernels="reference")
        for i, (a, b) in enumerate(zip(outputs, litert)):
            if a.shape != b.shape or not np.array_equal(a, b):
                diff = int(np.abs(a.astype(np.int32) - b.astype(np.int32)).max()) if a.shape == b.shape else None
                raise AssertionError(f"{case.name}: output {i} of TFLite Micro and LiteRT's reference kernels differ "
                                     f"(shapes {a.shape} / {b.shape}, largest difference {diff})")
        print(f"  {case.name}: TFLite Micro and LiteRT reference kernels agree on all "
              f"{sum(o.size for o in outputs)} output bytes", flush=True)
    return model, inputs, outputs


def avoid_zero_point(x: np.ndarray, tensor) -> np.ndarray:
    """`x` with every element equal to the tensor's zero point moved one step
    away from it (DIV divisors)."""
    zp = int(tensor.quantization.zeroPoint[0])
    info = np.iinfo(x.dtype)
    step = 1 if zp < info.max else -1
    return np.where(x == zp, zp + step, x).astype(x.dtype)


def save(out: Path, case: Case, model, inputs, outputs):
    reference = "tflite-micro" if case.reference == "micro" else "litert-" + case.reference
    reference = "tflite-micro" if case.reference == "micro" else f"litert-{case.reference}"
    entry = fl.save_fixture(out, case.name, case.op, model, inputs, outputs, reference=reference)
    manifest = fl.load_manifest(out)
    for e in manifest["fixtures"]:
        if e["name"] == case.name:
            e["tolerance"] = 0
    fl.write_manifest(out, manifest)
    return entry


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=4321)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    ap.add_argument("--invalid", action="store_true", help="write the invalid-model fixtures (ops/int8_invalid) instead")
    args = ap.parse_args(argv)
    if args.invalid:
        make_invalid(fl.FIXTURES_ROOT / "ops" / "int8_invalid", args.seed)
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
            print(f"{c.op:20s} {c.name}")
        return 0
    fl.seed_everything(args.seed)
    if args.clean:
        fl.clean_fixture_dir(args.out)
    t0 = time.time()
    for case in cases:
        model, inputs, outputs = build_case(case, args.seed)
        save(args.out, case, model, inputs, outputs)
        ops = [o.name for o in fl.model_ops(model)]
        print(f"{case.op:18s} {case.name:60s} {len(model):6d} B {ops}", flush=True)
    print(f"wrote {len(cases)} fixtures to {args.out} ({fl.dir_size(args.out) / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
