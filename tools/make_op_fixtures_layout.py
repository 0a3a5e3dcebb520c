#!/usr/bin/env python3
"""Generate shape/layout op fixtures (and crafted invalid models) for the Swift tests.

Unlike ``make_op_fixtures.py`` (which converts TensorFlow functions), every
model here is written directly with the TFLite schema's flatbuffers object
API: one operator, chosen options (including mask/flag combinations the
converter rarely emits), constant inputs stored in buffers.  Expected outputs
come from LiteRT's builtin kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES);
MediaPipe's custom ``Convolution2DTransposeBias`` is run by LiteRT with the
default resolver, whose XNNPACK delegate implements that custom op.

``layout_cases_2`` adds SPLIT, SPLIT_V, UNPACK, TILE, MIRROR_PAD,
SPACE_TO_BATCH_ND, BATCH_TO_SPACE_ND, GATHER_ND, TRANSPOSE (element sizes 1/2/4/8) and
the reductions REDUCE_MIN, REDUCE_PROD, ARG_MIN, TOPK_V2, CUMSUM (float32 and
integer types); ``invalid_cases_2`` their hostile variants.  Cases are only
ever appended (the random inputs of earlier cases depend on the draw order).

Writes

    Tests/TFLiteEngineTests/Fixtures/ops/float32_layout/   (valid models + manifest.json)
    Tests/TFLiteEngineTests/Fixtures/ops/invalid_layout/   (models our engine must reject)

The invalid manifest is ``{"fixtures": [{"name", "error_contains"}]}``.

Usage:
    python3 tools/make_op_fixtures_layout.py [--only SUBSTRING] [--list] [--clean]
"""
from __future__ import annotations

import argparse
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

import ai_edge_litert.schema_py_generated as S  # noqa: E402

OUT = fl.FIXTURES_ROOT / "ops" / "float32_layout"
INVALID_OUT = fl.FIXTURES_ROOT / "ops" / "invalid_layout"

_TYPES = {
    np.dtype("float32"): S.TensorType.FLOAT32, np.dtype("int32"): S.TensorType.INT32,
    np.dtype("int64"): S.TensorType.INT64, np.dtype("int8"): S.TensorType.INT8,
    np.dtype("uint8"): S.TensorType.UINT8, np.dtype("int16"): S.TensorType.INT16,
    np.dtype("bool"): S.TensorType.BOOL,
}
_NP = {v: k for k, v in _TYPES.items()}


@dataclass
class In:
    """One operator input: a runtime graph input (const=False) or a constant."""
    value: np.ndarray
    const: bool = False
    quant: tuple[float, int] | None = None


@dataclass
class Case:
    name: str
    op: str                                   # BuiltinOperator name or "CUSTOM:<code>"
    inputs: list[In | None]                   # None = omitted optional input (-1)
    options: Any = None                       # an XxxOptionsT, or None
    out_types: list[np.dtype] = field(default_factory=lambda: [np.dtype("float32")])
    out_quant: tuple[float, int] | None = None
    custom_options: bytes | None = None
    kernels: str = "builtin"
    version: int = 1
    reference: str = "litert-builtin"
    error: str | None = None                  # invalid model: expected error text (no LiteRT run)
    out_shape_hint: list[int] | None = None   # output shape stored in the invalid model (every output's)


def _quant(q):
    if q is None:
        return None
    p = S.QuantizationParametersT()
    p.scale = [float(q[0])]
    p.zeroPoint = [int(q[1])]
    return p


def build_model(case: Case, out_shapes: list[list[int]]) -> bytes:
    m = S.ModelT()
    m.version = 3
    m.description = "make_op_fixtures_layout"
    code = S.OperatorCodeT()
    if case.op.startswith("CUSTOM:"):
        code.builtinCode = S.BuiltinOperator.CUSTOM
        code.deprecatedBuiltinCode = S.BuiltinOperator.CUSTOM
        code.customCode = case.op.split(":", 1)[1]
    else:
        c = getattr(S.BuiltinOperator, case.op)
        code.builtinCode = c
        code.deprecatedBuiltinCode = min(c, 127)
    code.version = case.version
    m.operatorCodes = [code]
    m.buffers = [S.BufferT()]
    sg = S.SubGraphT()
    sg.tensors, sg.inputs = [], []
    op_inputs = []
    for i, x in enumerate(case.inputs):
        if x is None:
            op_inputs.append(-1)
            continue
        t = S.TensorT()
        t.name = f"input{i}"
        a = np.asarray(x.value)
        t.shape = list(a.shape)
        t.type = _TYPES[a.dtype]
        t.quantization = _quant(x.quant)
        if x.const:
            b = S.BufferT()
            b.data = list(np.ascontiguousarray(a).astype(a.dtype.newbyteorder("<")).tobytes())
            m.buffers.append(b)
            t.buffer = len(m.buffers) - 1
        else:
            m.buffers.append(S.BufferT())
            t.buffer = len(m.buffers) - 1
            sg.inputs.append(len(sg.tensors))
        op_inputs.append(len(sg.tensors))
        sg.tensors.append(t)
    sg.outputs = []
    for j, (dt, shape) in enumerate(zip(case.out_types, out_shapes)):
        t = S.TensorT()
        t.name = f"output{j}"
        t.shape = list(shape)
        t.type = _TYPES[np.dtype(dt)]
        t.quantization = _quant(case.out_quant) if np.dtype(dt) in (np.dtype("int8"), np.dtype("uint8"), np.dtype("int16")) else None
        m.buffers.append(S.BufferT())
        t.buffer = len(m.buffers) - 1
        sg.outputs.append(len(sg.tensors))
        sg.tensors.append(t)
    o = S.OperatorT()
    o.opcodeIndex = 0
    o.inputs = op_inputs
    o.outputs = list(sg.outputs)
    if case.options is not None:
        o.builtinOptionsType = getattr(S.BuiltinOptions, type(case.options).__name__[:-1])
        o.builtinOptions = case.options
    if case.custom_options is not None:
        o.customOptions = list(case.custom_options)
    sg.operators = [o]
    sg.name = "main"
    m.subgraphs = [sg]
    return fl.pack_model(m)


def opts(cls_name: str, **fields):
    o = getattr(S, cls_name + "T")()
    for k, v in fields.items():
        if not hasattr(o, k):
            raise AttributeError(f"{cls_name} has no field {k}")
        setattr(o, k, v)
    return o


# ----------------------------------------------------------------- helpers

RNG = np.random.default_rng(1234)


def f32(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def i8(*shape):
    return RNG.integers(-128, 128, size=shape).astype(np.int8)


def i32(v):
    return np.asarray(v, dtype=np.int32)


Q = (0.05, 3)


def cases() -> list[Case]:
    cs: list[Case] = []
    add = cs.append

    # PADV2
    add(Case("padv2_rank4_value", "PADV2", [In(f32(1, 3, 4, 2)), In(i32([[0, 0], [1, 2], [2, 1], [0, 1]]), True),
                                            In(np.asarray([1.5], np.float32), True)], opts("PadV2Options")))
    add(Case("padv2_rank2_scalar_value", "PADV2", [In(f32(3, 5)), In(i32([[2, 0], [1, 3]]), True),
                                                   In(np.asarray(-2.25, np.float32), True)]))
    add(Case("padv2_int8", "PADV2", [In(i8(1, 3, 3, 2), quant=Q), In(i32([[0, 0], [1, 1], [0, 2], [0, 0]]), True),
                                     In(np.asarray([-7], np.int8), True, quant=Q)],
             out_types=[np.dtype("int8")], out_quant=Q))

    # RESIZE_BILINEAR
    for ac, hp in ((False, False), (True, False), (False, True)):
        tag = "align" if ac else ("half" if hp else "default")
        for (size, shape) in (([7, 9], (1, 4, 5, 3)), ([3, 2], (2, 5, 7, 2)), ([1, 1], (1, 3, 3, 1))):
            add(Case(f"resize_bilinear_{tag}_{shape[1]}x{shape[2]}_to_{size[0]}x{size[1]}", "RESIZE_BILINEAR",
                     [In(f32(*shape)), In(i32(size), True)],
                     opts("ResizeBilinearOptions", alignCorners=ac, halfPixelCenters=hp)))
            add(Case(f"resize_nearest_{tag}_{shape[1]}x{shape[2]}_to_{size[0]}x{size[1]}", "RESIZE_NEAREST_NEIGHBOR",
                     [In(f32(*shape)), In(i32(size), True)],
                     opts("ResizeNearestNeighborOptions", alignCorners=ac, halfPixelCenters=hp)))
    add(Case("resize_nearest_half_int8", "RESIZE_NEAREST_NEIGHBOR", [In(i8(1, 3, 4, 2), quant=Q), In(i32([5, 8]), True)],
             opts("ResizeNearestNeighborOptions", halfPixelCenters=True), out_types=[np.dtype("int8")], out_quant=Q))
    add(Case("resize_nearest_align_half_3x4_to_7x5", "RESIZE_NEAREST_NEIGHBOR", [In(f32(1, 3, 4, 2)), In(i32([7, 5]), True)],
             opts("ResizeNearestNeighborOptions", alignCorners=True, halfPixelCenters=True)))

    # DEPTH_TO_SPACE / SPACE_TO_DEPTH
    add(Case("depth_to_space_b2", "DEPTH_TO_SPACE", [In(f32(2, 2, 3, 8))], opts("DepthToSpaceOptions", blockSize=2)))
    add(Case("depth_to_space_b3_int8", "DEPTH_TO_SPACE", [In(i8(1, 2, 2, 9), quant=Q)], opts("DepthToSpaceOptions", blockSize=3),
             out_types=[np.dtype("int8")], out_quant=Q))
    add(Case("space_to_depth_b2", "SPACE_TO_DEPTH", [In(f32(2, 4, 6, 3))], opts("SpaceToDepthOptions", blockSize=2)))
    add(Case("space_to_depth_b3_int8", "SPACE_TO_DEPTH", [In(i8(1, 3, 6, 2), quant=Q)], opts("SpaceToDepthOptions", blockSize=3),
             out_types=[np.dtype("int8")], out_quant=Q))

    # STRIDED_SLICE
    def ss(name, shape, begin, end, strides, dtype="float32", **o):
        x = f32(*shape) if dtype == "float32" else i8(*shape)
        add(Case(f"strided_slice_{name}", "STRIDED_SLICE",
                 [In(x, quant=Q if dtype == "int8" else None), In(i32(begin), True), In(i32(end), True), In(i32(strides), True)],
                 opts("StridedSliceOptions", **o), out_types=[np.dtype(dtype)], out_quant=Q if dtype == "int8" else None))
    ss("basic", (2, 5, 6, 3), [0, 1, 0, 0], [2, 4, 6, 3], [1, 1, 2, 1])
    ss("negative_indices", (4, 7), [-3, -6], [-1, -1], [1, 2])
    ss("negative_stride", (5, 6), [4, 5], [0, 0], [-1, -2])
    ss("negative_stride_full", (5, 6), [0, -1], [0, 0], [-2, -1], beginMask=1, endMask=3)
    ss("masks", (3, 6, 4), [1, 2, 1], [2, 5, 3], [1, 1, 1], beginMask=5, endMask=2)
    ss("shrink", (3, 6, 4), [1, 2, 0], [2, 5, 4], [1, 1, 1], shrinkAxisMask=1)
    ss("shrink_two_negative", (3, 6, 4), [-1, 0, -2], [0, 6, 0], [1, 1, 1], shrinkAxisMask=5)
    ss("new_axis", (3, 4), [0, 0, 1], [0, 3, 3], [1, 1, 1], newAxisMask=1)
    ss("ellipsis", (2, 3, 4, 5), [0, 1], [0, 4], [1, 2], ellipsisMask=1)
    ss("ellipsis_middle", (2, 3, 4, 5), [1, 0, 1], [2, 0, 4], [1, 1, 1], ellipsisMask=2)
    ss("offset", (4, 8), [1, 2], [2, 3], [1, 2], offset=True)
    ss("out_of_range_clamped", (4, 5), [-10, 1], [10, 100], [1, 1])
    ss("empty_result", (4, 5), [3, 0], [1, 5], [1, 1])
    ss("int8", (2, 6, 4), [0, 1, 3], [2, 6, 0], [1, 2, -1], dtype="int8")
    # CVE-2021-37686: ellipsis and new_axis on the same entry looped forever in
    # TFLite; the ellipsis wins (new_axis has no effect there).
    ss("ellipsis_and_new_axis_same_entry", (2, 3), [0, 0], [1, 1], [1, 1], ellipsisMask=1, newAxisMask=1)
    ss("ellipsis_then_new_axis", (2, 3, 4), [0, 0], [0, 0], [1, 1], ellipsisMask=1, newAxisMask=2)
    ss("fewer_entries_than_rank", (3, 4, 5), [1], [3], [1])
    ss("shrink_and_new_axis", (3, 4), [0, 2, 1], [0, 3, 3], [1, 1, 1], newAxisMask=1, shrinkAxisMask=2)
    ss("negative_stride_end_mask", (6,), [-2], [0], [-2], endMask=1)
    ss("offset_negative_begin", (4, 8), [-3, -6], [2, 4], [1, 2], offset=True)
    ss("shrink_last_negative", (3, 5), [0, -1], [3, 0], [1, 1], shrinkAxisMask=2)

    # SLICE
    def sl(name, shape, begin, size, idx_dtype="int32", dtype="float32"):
        x = f32(*shape) if dtype == "float32" else i8(*shape)
        add(Case(f"slice_{name}", "SLICE", [In(x, quant=Q if dtype == "int8" else None), In(np.asarray(begin, idx_dtype), True),
                                            In(np.asarray(size, idx_dtype), True)],
                 opts("SliceOptions"), out_types=[np.dtype(dtype)], out_quant=Q if dtype == "int8" else None))
    sl("basic", (3, 5, 4), [1, 0, 2], [2, 3, 2])
    sl("size_minus1", (3, 5, 4), [1, 2, 0], [-1, -1, 3])
    sl("int64_rank1", (9,), [2], [5], idx_dtype="int64")
    sl("int8", (2, 4, 3), [0, 1, 1], [1, -1, 2], dtype="int8")

    # GATHER
    def ga(name, x, idx, axis=0, bd=0, const=True, dtype="float32"):
        q = Q if dtype == "int8" else None
        add(Case(f"gather_{name}", "GATHER", [In(x, quant=q), In(idx, const)], opts("GatherOptions", axis=axis, batchDims=bd),
                 out_types=[np.dtype(dtype)], out_quant=q))
    ga("axis0", f32(5, 3), i32([4, 0, 2, 2]))
    ga("axis1_2d_indices", f32(2, 6, 3), i32([[5, 1], [0, 3]]), axis=1)
    ga("axis_m1", f32(2, 3, 4), i32([3, 1]), axis=-1)
    ga("scalar_index", f32(4, 3), i32(2))
    ga("batch_dims1", f32(2, 5, 3), i32([[4, 0, 1], [2, 2, 3]]), axis=1, bd=1)
    ga("batch_dims1_axis2", f32(2, 3, 4, 2), i32([[3, 0], [1, 1]]), axis=2, bd=1)
    ga("batch_dims_m1", f32(2, 3, 4), i32([[2, 0], [1, 1]]), axis=-1, bd=-1)
    ga("batch_dims2", f32(2, 3, 4, 2), i32([[[3], [0], [1]], [[1], [2], [3]]]), axis=2, bd=2)
    ga("runtime_indices", f32(6, 4), i32([5, 1, 0, 3]), const=False)
    ga("int64_indices", f32(4, 3), np.asarray([3, 0], np.int64))
    ga("int8", i8(4, 5), i32([1, 3]), axis=1, dtype="int8")
    # Empty params with huge dimensions after the 0 (no elements): an empty result, no crash.
    ga("empty_params_huge_dims", np.zeros((0, 2**30, 2**30), np.float32), i32([3, 1]), axis=-2)
    add(Case("batch_matmul_empty_batch", "BATCH_MATMUL", [In(np.zeros((0, 3, 4), np.float32)), In(f32(4, 2), True)],
             opts("BatchMatMulOptions")))

    # TRANSPOSE
    def tr(name, shape, perm, dtype="float32"):
        x = f32(*shape) if dtype == "float32" else i8(*shape)
        q = Q if dtype == "int8" else None
        add(Case(f"transpose_{name}", "TRANSPOSE", [In(x, quant=q), In(i32(perm), True)], opts("TransposeOptions"),
                 out_types=[np.dtype(dtype)], out_quant=q))
    tr("rank2", (3, 5), [1, 0])
    tr("rank3", (2, 3, 4), [2, 0, 1])
    tr("rank4_nchw", (1, 3, 4, 5), [0, 3, 1, 2])
    tr("rank5", (2, 1, 3, 2, 2), [4, 2, 0, 3, 1])
    tr("rank6", (2, 1, 2, 3, 1, 2), [5, 3, 1, 0, 4, 2])
    tr("rank4_int8", (2, 3, 2, 4), [3, 1, 2, 0], dtype="int8")

    # SQUEEZE / EXPAND_DIMS
    add(Case("squeeze_all", "SQUEEZE", [In(f32(1, 3, 1, 4, 1))], opts("SqueezeOptions")))
    add(Case("squeeze_dims", "SQUEEZE", [In(f32(1, 3, 1, 4, 1))], opts("SqueezeOptions", squeezeDims=[0, -1])))
    add(Case("expand_dims_0", "EXPAND_DIMS", [In(f32(3, 4)), In(i32([0]), True)]))
    add(Case("expand_dims_m1", "EXPAND_DIMS", [In(f32(3, 4)), In(i32(-1), True)]))
    add(Case("expand_dims_1_int64", "EXPAND_DIMS", [In(f32(2, 3)), In(np.asarray([1], np.int64), True)]))

    # SHAPE
    add(Case("shape_int32", "SHAPE", [In(f32(2, 3, 5))], opts("ShapeOptions", outType=S.TensorType.INT32),
             out_types=[np.dtype("int32")]))
    add(Case("shape_int64", "SHAPE", [In(f32(1, 4))], opts("ShapeOptions", outType=S.TensorType.INT64),
             out_types=[np.dtype("int64")]))

    # TRANSPOSE_CONV: inputs output_shape, weights [Cout, KH, KW, Cin], input, optional bias
    def tc(name, in_shape, cout, k, s, pad, out_hw, bias=True, act=S.ActivationFunctionType.NONE, version=1, const_w=True):
        n, h, w, cin = in_shape
        weights = f32(cout, k[0], k[1], cin, scale=0.5)
        ins = [In(i32([n, out_hw[0], out_hw[1], cout]), True), In(weights, const_w), In(f32(*in_shape))]
        ins.append(In(f32(cout, scale=0.3), True) if bias else None)
        add(Case(f"transpose_conv_{name}", "TRANSPOSE_CONV", ins,
                 opts("TransposeConvOptions", padding=pad, strideW=s[1], strideH=s[0], fusedActivationFunction=act),
                 version=version))
    SAME, VALID = S.Padding.SAME, S.Padding.VALID
    tc("3x3_s2_same_bias", (1, 3, 4, 2), 3, (3, 3), (2, 2), SAME, (6, 8), version=3)
    tc("3x3_s2_valid_bias", (1, 3, 4, 2), 3, (3, 3), (2, 2), VALID, (7, 9), version=3)
    tc("4x4_s2_same_nobias", (2, 3, 3, 3), 2, (4, 4), (2, 2), SAME, (6, 6))
    tc("3x2_s1x2_same_odd", (1, 4, 3, 2), 2, (3, 2), (1, 2), SAME, (4, 5), version=3)
    tc("2x2_s2_valid_relu", (1, 3, 3, 2), 4, (2, 2), (2, 2), VALID, (6, 6), act=S.ActivationFunctionType.RELU, version=4)
    tc("3x3_s1_same_relu6", (1, 4, 4, 3), 2, (3, 3), (1, 1), SAME, (4, 4), act=S.ActivationFunctionType.RELU6, version=4)
    # output_shape one larger than the natural size (allowed: same conv size).
    tc("3x3_s2_valid_extra_row_col", (1, 3, 3, 2), 2, (3, 3), (2, 2), VALID, (8, 8), version=3)
    tc("5x5_s3_same", (1, 2, 3, 2), 3, (5, 5), (3, 3), SAME, (6, 9), version=3)
    tc("3x3_s2_same_runtime_weights", (1, 3, 3, 3), 9, (3, 3), (2, 2), SAME, (6, 6), version=3, const_w=False)
    # 8 and 11 output channels: the 8-lane SIMD path and its remainder.
    tc("3x3_s2_same_cout8", (1, 3, 3, 5), 8, (3, 3), (2, 2), SAME, (6, 6), version=3)
    tc("2x2_s2_valid_cout11_relu", (2, 2, 3, 3), 11, (2, 2), (2, 2), VALID, (4, 6), act=S.ActivationFunctionType.RELU, version=4)

    # BATCH_MATMUL
    def bm(name, a_shape, b_shape, adj_x=False, adj_y=False, b_const=False):
        add(Case(f"batch_matmul_{name}", "BATCH_MATMUL", [In(f32(*a_shape)), In(f32(*b_shape), b_const)],
                 opts("BatchMatMulOptions", adjX=adj_x, adjY=adj_y)))
    bm("rank2", (3, 4), (4, 5))
    bm("rank3", (2, 3, 4), (2, 4, 5))
    bm("adj_x", (2, 4, 3), (2, 4, 5), adj_x=True)
    bm("adj_y", (2, 3, 4), (2, 5, 4), adj_y=True)
    bm("adj_xy", (2, 4, 3), (2, 5, 4), adj_x=True, adj_y=True)
    bm("broadcast_rank3_rank2_const", (2, 3, 4), (4, 5), b_const=True)
    bm("broadcast_batch_dims", (2, 1, 3, 4), (1, 3, 4, 2))
    bm("broadcast_rank4_rank3_adj_y", (2, 2, 3, 4), (2, 5, 4), adj_y=True)

    # Convolution2DTransposeBias (MediaPipe): TfLiteTransposeConvParams{padding(1 SAME, 2 VALID), stride_w, stride_h}
    def mp(name, in_shape, cout, k, s, padding):
        n, h, w, cin = in_shape
        ins = [In(f32(*in_shape)), In(f32(cout, k[0], k[1], cin, scale=0.5), True), In(f32(cout, scale=0.3), True)]
        def size(i, f, st):  # MediaPipe's Prepare
            total = max(0, f - (i - 1) % st - 1) if padding == 1 else 0
            return st * (i - 1) + f - total
        add(Case(f"conv2d_transpose_bias_{name}", "CUSTOM:Convolution2DTransposeBias", ins,
                 out_shape_hint=[n, size(h, k[0], s[0]), size(w, k[1], s[1]), cout],
                 custom_options=struct.pack("<iii", padding, s[1], s[0]), kernels="xnnpack", reference="litert-xnnpack"))
    mp("4x4_s2_same", (1, 3, 4, 3), 2, (4, 4), (2, 2), 1)
    mp("3x3_s2_same", (1, 3, 3, 2), 3, (3, 3), (2, 2), 1)
    mp("3x3_s2_valid", (1, 3, 4, 2), 3, (3, 3), (2, 2), 2)
    mp("2x3_s1x2_valid", (1, 2, 3, 2), 2, (2, 3), (1, 2), 2)
    mp("4x4_s2_same_cout17", (1, 3, 3, 4), 17, (4, 4), (2, 2), 1)

    # FULLY_CONNECTED keep_num_dims without bias; CONCATENATION on every axis
    add(Case("fully_connected_keep_num_dims_nobias_rank4", "FULLY_CONNECTED",
             [In(f32(2, 3, 2, 5)), In(f32(4, 5), True), None],
             opts("FullyConnectedOptions", keepNumDims=True)))
    add(Case("fully_connected_nobias_omitted", "FULLY_CONNECTED", [In(f32(3, 5)), In(f32(4, 5), True), None],
             opts("FullyConnectedOptions")))
    for axis in range(-4, 4):
        shapes = [[2, 3, 2, 4] for _ in range(2)]
        for s_ in shapes:
            s_[axis] += 1 if s_ is shapes[1] else 0
        add(Case(f"concatenation_axis_{'m' + str(-axis) if axis < 0 else axis}", "CONCATENATION",
                 [In(f32(*shapes[0])), In(f32(*shapes[1]))], opts("ConcatenationOptions", axis=axis)))
    # Empty inputs with huge dimensions after the 0: an empty result, no overflow.
    add(Case("concatenation_empty_huge_dims", "CONCATENATION",
             [In(np.zeros((0, 2**30, 2**30), np.float32)), In(np.zeros((0, 2**30, 2**30), np.float32))],
             opts("ConcatenationOptions", axis=0)))
    add(Case("concatenation_int8_axis_m2", "CONCATENATION", [In(i8(2, 3, 4), quant=Q), In(i8(2, 1, 4), quant=Q)],
             opts("ConcatenationOptions", axis=-2), out_types=[np.dtype("int8")], out_quant=Q))

    # ---- Added after the cases above so their random inputs stay the same.
    cs += layout_cases_2()
    return cs


def data(dtype, *shape):
    """Random values of any element type (int8 with quantization Q)."""
    dt = np.dtype(dtype)
    if dt == np.float32:
        return f32(*shape)
    if dt == np.bool_:
        return RNG.integers(0, 2, size=shape).astype(np.bool_)
    info = np.iinfo(dt)
    return RNG.integers(max(info.min, -1000), min(info.max, 1000) + 1, size=shape).astype(dt)


def small_ints(*shape, lo=-3, hi=4):
    """Integer-valued floats: many ties."""
    return RNG.integers(lo, hi, size=shape).astype(np.float32)


def layout_cases_2() -> list[Case]:
    """SPLIT, SPLIT_V, UNPACK, TILE, MIRROR_PAD, SPACE_TO_BATCH_ND,
    BATCH_TO_SPACE_ND, REDUCE_MIN, REDUCE_PROD, ARG_MIN, TOPK_V2, CUMSUM, GATHER_ND:
    options, element sizes 1/2/4/8 for the byte-moving ops, int32 shape
    arithmetic for the reductions."""
    cs: list[Case] = []
    add = cs.append

    def qof(dtype):
        return Q if np.dtype(dtype) == np.int8 else None

    # SPLIT: inputs (axis, value)
    def split(name, shape, axis, num, dtype="float32", axis_shape=()):
        x = data(dtype, *shape)
        add(Case(f"split_{name}", "SPLIT", [In(np.asarray(axis, np.int32).reshape(axis_shape), True), In(x, quant=qof(dtype))],
                 opts("SplitOptions", numSplits=num), out_types=[np.dtype(dtype)] * num, out_quant=qof(dtype)))
    split("axis2_2_like_zoo", (1, 8, 6), 2, 2)
    split("axis0_3_1d_axis", (3, 4), 0, 3, axis_shape=(1,))
    split("axis_m2_4", (2, 8, 3), -2, 4)
    split("num1", (2, 5), 1, 1)
    split("int8", (1, 8, 6), -1, 3, dtype="int8")
    split("int16", (4, 6), 0, 2, dtype="int16")
    split("int64", (2, 6), 1, 3, dtype="int64")

    # SPLIT_V: inputs (value, size_splits, axis)
    def split_v(name, shape, sizes, axis, dtype="float32", size_dtype="int32"):
        x = data(dtype, *shape)
        add(Case(f"split_v_{name}", "SPLIT_V", [In(x, quant=qof(dtype)), In(np.asarray(sizes, size_dtype), True),
                                                In(np.asarray(axis, np.int32), True)],
                 opts("SplitVOptions", numSplits=len(sizes)), out_types=[np.dtype(dtype)] * len(sizes), out_quant=qof(dtype)))
    split_v("2_m1_1_axis1", (2, 7, 3), [2, -1, 1], 1)
    split_v("zero_size_piece", (3, 5), [0, 5], -1)
    split_v("int64_sizes_axis0", (6, 2), [1, 2, 3], 0, size_dtype="int64")
    split_v("int8", (2, 9), [4, 5], 1, dtype="int8")
    split_v("int16_m1_first", (5, 4), [-1, 2], 0, dtype="int16")

    # UNPACK
    def unpack(name, shape, axis, dtype="float32"):
        x = data(dtype, *shape)
        num = shape[axis]
        add(Case(f"unpack_{name}", "UNPACK", [In(x, quant=qof(dtype))], opts("UnpackOptions", num=num, axis=axis),
                 out_types=[np.dtype(dtype)] * num, out_quant=qof(dtype)))
    unpack("axis1_like_zoo", (1, 8, 6), 1)
    unpack("axis_m1", (2, 3, 4), -1)
    unpack("axis0_rank1", (5,), 0)
    unpack("int8_axis0", (3, 2, 4), 0, dtype="int8")
    unpack("int32_axis2", (2, 2, 3), 2, dtype="int32")

    # TILE
    def tile(name, shape, multiples, dtype="float32", mdtype="int32"):
        x = data(dtype, *shape)
        add(Case(f"tile_{name}", "TILE", [In(x, quant=qof(dtype)), In(np.asarray(multiples, mdtype), True)],
                 out_types=[np.dtype(dtype)], out_quant=qof(dtype)))
    tile("1_2_1_like_zoo", (1, 8, 3), [1, 2, 1])
    tile("2_1_3", (2, 3, 4), [2, 1, 3])
    tile("upsampling_rank5", (1, 4, 1, 5, 2), [1, 1, 2, 1, 1])
    tile("rank1_int64_multiples", (5,), [3], mdtype="int64")
    tile("zero_multiple", (2, 3), [0, 2])
    tile("int8", (2, 3), [3, 2], dtype="int8")
    tile("int16", (2, 1, 3), [1, 4, 2], dtype="int16")
    tile("int64", (3, 2), [2, 2], dtype="int64")
    tile("bool", (2, 3), [2, 1], dtype="bool")

    # MIRROR_PAD: mode 0 REFLECT, 1 SYMMETRIC
    def mirror(name, shape, paddings, mode, dtype="float32", pdtype="int32"):
        x = data(dtype, *shape)
        add(Case(f"mirror_pad_{name}", "MIRROR_PAD", [In(x, quant=qof(dtype)), In(np.asarray(paddings, pdtype), True)],
                 opts("MirrorPadOptions", mode=mode), out_types=[np.dtype(dtype)], out_quant=qof(dtype)))
    mirror("reflect_like_zoo", (1, 8, 3), [[0, 0], [1, 2], [2, 0]], 0)
    mirror("symmetric_like_zoo", (1, 8, 3), [[0, 0], [2, 1], [0, 2]], 1)
    mirror("reflect_max", (3, 4), [[2, 2], [3, 3]], 0)
    mirror("symmetric_max", (3, 4), [[3, 3], [4, 4]], 1)
    mirror("reflect_rank4_int64_paddings", (1, 4, 5, 2), [[0, 0], [1, 3], [2, 4], [0, 1]], 0, pdtype="int64")
    mirror("symmetric_rank1", (5,), [[4, 2]], 1)
    mirror("reflect_int8", (2, 4, 3), [[1, 1], [0, 2], [2, 1]], 0, dtype="int8")
    mirror("symmetric_int16", (3, 3), [[1, 3], [2, 0]], 1, dtype="int16")
    mirror("reflect_int64", (3, 3), [[2, 1], [1, 2]], 0, dtype="int64")

    # SPACE_TO_BATCH_ND / BATCH_TO_SPACE_ND
    def s2b(name, shape, block, paddings, dtype="float32"):
        x = data(dtype, *shape)
        add(Case(f"space_to_batch_nd_{name}", "SPACE_TO_BATCH_ND",
                 [In(x, quant=qof(dtype)), In(i32(block), True), In(i32(paddings), True)],
                 out_types=[np.dtype(dtype)], out_quant=qof(dtype)))
    s2b("2x2_pad", (1, 6, 6, 3), [2, 2], [[1, 1], [2, 0]])
    s2b("3x2_batch2", (2, 4, 5, 2), [3, 2], [[1, 1], [0, 1]])
    s2b("2x2_no_pad", (1, 4, 4, 1), [2, 2], [[0, 0], [0, 0]])
    s2b("rank3_conv1d", (1, 30, 16), [2], [[2, 2]])
    s2b("int8_zero_point_fill", (1, 5, 3, 2), [2, 2], [[1, 0], [1, 0]], dtype="int8")
    s2b("int16", (1, 4, 4, 2), [2, 2], [[0, 2], [2, 0]], dtype="int16")
    s2b("int64", (2, 3, 2, 1), [3, 2], [[0, 0], [1, 1]], dtype="int64")

    def b2s(name, shape, block, crops, dtype="float32"):
        x = data(dtype, *shape)
        add(Case(f"batch_to_space_nd_{name}", "BATCH_TO_SPACE_ND",
                 [In(x, quant=qof(dtype)), In(i32(block), True), In(i32(crops), True)],
                 out_types=[np.dtype(dtype)], out_quant=qof(dtype)))
    b2s("2x2", (4, 3, 3, 2), [2, 2], [[0, 0], [0, 0]])
    b2s("2x2_crops_odd", (4, 4, 4, 3), [2, 2], [[1, 0], [0, 3]])
    b2s("3x2_batch2", (12, 2, 3, 2), [3, 2], [[2, 1], [1, 1]])
    b2s("rank3_conv1d", (2, 15, 16), [2], [[0, 0]])
    b2s("rank3_crops", (3, 4, 2), [3], [[1, 2]])
    b2s("int8", (4, 2, 3, 2), [2, 2], [[0, 1], [1, 0]], dtype="int8")
    b2s("int16", (4, 2, 2, 1), [2, 2], [[1, 0], [0, 1]], dtype="int16")

    # REDUCE_MIN / REDUCE_PROD: inputs (value, axes)
    def red(op, name, x, axes, keep, q=None):
        add(Case(f"{op.lower()}_{name}", op, [In(x, quant=q), In(i32(axes), True)],
                 opts("ReducerOptions", keepDims=keep), out_types=[x.dtype], out_quant=q))
    red("REDUCE_MIN", "axes12_keep", f32(2, 4, 5, 3), [1, 2], True)
    red("REDUCE_MIN", "axis_m1_drop", f32(2, 4, 5, 3), [-1], False)
    red("REDUCE_MIN", "all_like_zoo", f32(1, 8, 6), [1, 2], False)
    red("REDUCE_MIN", "dup_axes", f32(3, 4, 5), [0, -3, 2], True)
    red("REDUCE_MIN", "int32", data("int32", 3, 5), [1], False)
    red("REDUCE_MIN", "int64", data("int64", 2, 3, 4), [0, 2], False)
    red("REDUCE_MIN", "int8", i8(2, 5, 4), [1], False, q=Q)
    red("REDUCE_MIN", "empty_reduction", np.zeros((3, 0, 2), np.float32), [1], False)
    prod_x = (1.0 + 0.2 * f32(2, 4, 5, 3)).astype(np.float32)
    red("REDUCE_PROD", "axes12_keep", prod_x, [1, 2], True)
    red("REDUCE_PROD", "axis_m1_drop", prod_x, [-1], False)
    red("REDUCE_PROD", "all", (1.0 + 0.1 * f32(3, 4, 5)).astype(np.float32), [0, 1, 2], False)
    red("REDUCE_PROD", "int32_shape", i32([1, 49, 8, 16]), [0], False)
    red("REDUCE_PROD", "int32_rows", RNG.integers(-5, 6, size=(4, 6)).astype(np.int32), [1], True)
    red("REDUCE_PROD", "int32_wraps", RNG.integers(1000, 5000, size=(2, 6)).astype(np.int32), [1], False)
    red("REDUCE_PROD", "int64", RNG.integers(-9, 10, size=(3, 4)).astype(np.int64), [0], False)

    # ARG_MIN: inputs (value, axis); output type int32 (2) / int64 (4)
    def argmin(name, x, axis, out="int32", q=None, axis_dtype="int32"):
        ot = {"int32": S.TensorType.INT32, "int64": S.TensorType.INT64}[out]
        add(Case(f"arg_min_{name}", "ARG_MIN", [In(x, quant=q), In(np.asarray([axis], axis_dtype), True)],
                 opts("ArgMinOptions", outputType=ot), out_types=[np.dtype(out)]))
    argmin("axis2_like_zoo", f32(1, 8, 6), 2)
    argmin("ties_axis1_int64", small_ints(2, 7, 3), 1, out="int64")
    argmin("axis0", small_ints(5, 4), 0)
    argmin("axis_m1_int64_axis", f32(3, 4, 5), -1, axis_dtype="int64")
    argmin("int32", data("int32", 4, 6), 1)
    argmin("int8", i8(3, 9), 1, q=Q)
    argmin("uint8_int64", RNG.integers(0, 256, size=(2, 3, 4)).astype(np.uint8), 2, out="int64", q=(0.1, 128))

    # TOPK_V2: inputs (value, k); outputs (values, int32 indices)
    def topk(name, x, k, q=None):
        add(Case(f"topk_v2_{name}", "TOPK_V2", [In(x, quant=q), In(np.asarray(k, np.int32), True)],
                 out_types=[x.dtype, np.dtype("int32")], out_quant=q))
    topk("k3_like_zoo", f32(1, 6), 3)
    topk("ties_k4", small_ints(3, 10), 4)
    topk("k_all", f32(2, 2, 7), 7)
    topk("k1", f32(4, 9), 1)
    topk("int32_ties", RNG.integers(0, 4, size=(3, 12)).astype(np.int32), 5)
    topk("int8", i8(2, 16), 6, q=Q)
    topk("large_row", f32(2, 300), 20)

    # CUMSUM: inputs (value, axis)
    def cumsum(name, x, axis, exclusive=False, reverse=False):
        add(Case(f"cumsum_{name}", "CUMSUM", [In(x), In(np.asarray(axis, np.int32), True)],
                 opts("CumsumOptions", exclusive=exclusive, reverse=reverse), out_types=[x.dtype]))
    cumsum("axis1_like_zoo", f32(1, 8, 6), 1)
    cumsum("exclusive", f32(2, 5, 3), 1, exclusive=True)
    cumsum("reverse", f32(2, 5, 3), -1, reverse=True)
    cumsum("exclusive_reverse", f32(3, 6), 0, exclusive=True, reverse=True)
    cumsum("long_axis_inner_300", f32(40, 300), 0)
    cumsum("int32", data("int32", 3, 7), 1)
    cumsum("int64_reverse", data("int64", 4, 3), 0, reverse=True)

    # GATHER_ND: inputs (params, indices)
    def gather_nd(name, x, idx, const=True, q=None):
        add(Case(f"gather_nd_{name}", "GATHER_ND", [In(x, quant=q), In(idx, const)], out_types=[x.dtype], out_quant=q))
    gather_nd("elements", f32(4, 5), i32([[1, 2], [3, 0], [0, 4]]))
    gather_nd("rows", f32(3, 4, 5), i32([[2], [0]]))
    gather_nd("batched_tuples", f32(3, 4, 2), i32([[[0, 1], [2, 3]], [[1, 0], [2, 2]]]))
    gather_nd("full_depth_rank3", f32(2, 3, 4), i32([[1, 2, 3], [0, 0, 0]]))
    gather_nd("runtime_indices", f32(5, 3), i32([[4], [1], [1]]), const=False)
    gather_nd("int64_indices", f32(3, 3), np.asarray([[2, 1]], np.int64))
    gather_nd("int8", i8(4, 3, 2), i32([[3, 1], [0, 2]]), q=Q)

    # REDUCE_MAX on integers (shares REDUCE_MIN's kernel)
    red("REDUCE_MAX", "int32", data("int32", 3, 5), [1], True)
    red("REDUCE_MAX", "int64", data("int64", 2, 3, 4), [0, -1], False)

    # TRANSPOSE of 2- and 8-byte elements: rows whose input stride is not 1
    # take the strided copy's element-by-element path (1- and 4-byte elements
    # have their own loops).
    def transpose(name, x, perm):
        add(Case(f"transpose_{name}", "TRANSPOSE", [In(x), In(i32(perm), True)], opts("TransposeOptions"),
                 out_types=[x.dtype]))
    transpose("rank3_int16", RNG.integers(-32768, 32768, size=(2, 3, 4)).astype(np.int16), [2, 0, 1])
    transpose("rank4_int64", RNG.integers(-2**62, 2**62, size=(2, 3, 2, 4)).astype(np.int64), [3, 1, 2, 0])
    return cs


def invalid_cases() -> list[Case]:
    cs: list[Case] = []
    add = cs.append
    add(Case("space_to_depth_block0", "SPACE_TO_DEPTH", [In(f32(1, 4, 4, 2))], opts("SpaceToDepthOptions", blockSize=0),
             error="block size 0", out_shape_hint=[1, 4, 4, 2]))
    add(Case("depth_to_space_block0", "DEPTH_TO_SPACE", [In(f32(1, 2, 2, 4))], opts("DepthToSpaceOptions", blockSize=0),
             error="block size 0", out_shape_hint=[1, 2, 2, 4]))
    add(Case("depth_to_space_block_negative", "DEPTH_TO_SPACE", [In(f32(1, 2, 2, 4))], opts("DepthToSpaceOptions", blockSize=-2),
             error="block size -2", out_shape_hint=[1, 2, 2, 4]))
    add(Case("strided_slice_stride0", "STRIDED_SLICE", [In(f32(4, 4)), In(i32([0, 0]), True), In(i32([4, 4]), True),
                                                          In(i32([1, 0]), True)], opts("StridedSliceOptions"),
             error="stride 0", out_shape_hint=[4, 4]))
    add(Case("strided_slice_two_ellipses", "STRIDED_SLICE", [In(f32(2, 3)), In(i32([0, 0]), True), In(i32([1, 1]), True),
                                                               In(i32([1, 1]), True)],
             opts("StridedSliceOptions", ellipsisMask=3), error="ellipsis", out_shape_hint=[2, 3]))
    add(Case("transpose_conv_stride0", "TRANSPOSE_CONV", [In(i32([1, 4, 4, 2]), True), In(f32(2, 3, 3, 2), True), In(f32(1, 2, 2, 2))],
             opts("TransposeConvOptions", padding=S.Padding.SAME, strideW=0, strideH=2), error="stride", out_shape_hint=[1, 4, 4, 2]))
    # LiteRT: the forward conv of output_shape must give the input's size.
    add(Case("transpose_conv_output_shape_mismatch", "TRANSPOSE_CONV",
             [In(i32([1, 5, 6, 2]), True), In(f32(2, 3, 3, 2), True), In(f32(1, 3, 3, 2))],
             opts("TransposeConvOptions", padding=S.Padding.VALID, strideW=2, strideH=2), error="does not match",
             out_shape_hint=[1, 5, 6, 2]))
    add(Case("conv2d_transpose_bias_stride0", "CUSTOM:Convolution2DTransposeBias",
             [In(f32(1, 2, 2, 2)), In(f32(2, 3, 3, 2), True), In(f32(2), True)],
             custom_options=struct.pack("<iii", 1, 2, 0), error="stride", out_shape_hint=[1, 4, 4, 2]))
    add(Case("conv2d_transpose_bias_short_options", "CUSTOM:Convolution2DTransposeBias",
             [In(f32(1, 2, 2, 2)), In(f32(2, 3, 3, 2), True), In(f32(2), True)],
             custom_options=struct.pack("<ii", 1, 2), error="custom options", out_shape_hint=[1, 4, 4, 2]))
    add(Case("expand_dims_huge_negative_axis", "EXPAND_DIMS", [In(f32(2, 3)), In(i32([-2147483647]), True)],
             error="axis", out_shape_hint=[1, 2, 3]))
    add(Case("expand_dims_axis_too_large", "EXPAND_DIMS", [In(f32(2, 3)), In(i32([3]), True)], error="axis", out_shape_hint=[2, 3, 1]))
    add(Case("squeeze_bad_axis", "SQUEEZE", [In(f32(1, 3))], opts("SqueezeOptions", squeezeDims=[5]), error="axis", out_shape_hint=[3]))
    add(Case("squeeze_non_one_dim", "SQUEEZE", [In(f32(1, 3))], opts("SqueezeOptions", squeezeDims=[1]), error="not 1", out_shape_hint=[1]))
    add(Case("gather_bad_axis", "GATHER", [In(f32(3, 4)), In(i32([0]), True)], opts("GatherOptions", axis=2), error="axis",
             out_shape_hint=[1, 4]))
    add(Case("gather_index_out_of_range", "GATHER", [In(f32(3, 4)), In(i32([0, 3]), True)], opts("GatherOptions"),
             error="out of range", out_shape_hint=[2, 4]))
    add(Case("gather_index_negative", "GATHER", [In(f32(3, 4)), In(i32([-1]), True)], opts("GatherOptions"),
             error="out of range", out_shape_hint=[1, 4]))
    add(Case("transpose_bad_perm_duplicate", "TRANSPOSE", [In(f32(2, 3, 4)), In(i32([0, 0, 1]), True)], opts("TransposeOptions"),
             error="perm", out_shape_hint=[2, 2, 3]))
    add(Case("transpose_bad_perm_range", "TRANSPOSE", [In(f32(2, 3)), In(i32([0, 2]), True)], opts("TransposeOptions"),
             error="perm", out_shape_hint=[2, 3]))
    add(Case("slice_out_of_bounds", "SLICE", [In(f32(4, 4)), In(i32([2, 0]), True), In(i32([3, 4]), True)], opts("SliceOptions"),
             error="out of bounds", out_shape_hint=[3, 4]))
    add(Case("resize_bilinear_align_and_half_pixel", "RESIZE_BILINEAR", [In(f32(1, 2, 2, 1)), In(i32([3, 3]), True)],
             opts("ResizeBilinearOptions", alignCorners=True, halfPixelCenters=True), error="half_pixel_centers",
             out_shape_hint=[1, 3, 3, 1]))
    add(Case("resize_bilinear_zero_size", "RESIZE_BILINEAR", [In(f32(1, 2, 2, 1)), In(i32([0, 3]), True)],
             opts("ResizeBilinearOptions"), error="size", out_shape_hint=[1, 1, 3, 1]))
    add(Case("batch_matmul_mismatch", "BATCH_MATMUL", [In(f32(2, 3, 4)), In(f32(2, 5, 6))], opts("BatchMatMulOptions"),
             error="contract", out_shape_hint=[2, 3, 6]))
    # Shapes with huge dimensions after a 0 pass the model validator (no
    # elements); the op must not overflow or allocate per batch.
    add(Case("batch_matmul_huge_empty_batches", "BATCH_MATMUL",
             [In(np.zeros((8192, 8192, 8192, 0, 4), np.float32)), In(f32(4, 3), True)], opts("BatchMatMulOptions"),
             error="batches", out_shape_hint=[8192, 8192, 8192, 0, 3]))
    add(Case("strided_slice_int64_min_begin", "STRIDED_SLICE",
             [In(f32(4)), In(np.asarray([-2**63], np.int64), True), In(np.asarray([2], np.int64), True),
              In(np.asarray([1], np.int64), True)], opts("StridedSliceOptions"), error="int32 range", out_shape_hint=[2]))
    cs += invalid_cases_2()
    return cs


def invalid_cases_2() -> list[Case]:
    """Hostile values for SPLIT … CUMSUM: axes, counts, multiples, paddings,
    block shapes, crops and k out of range, sizes that overflow."""
    cs: list[Case] = []
    add = cs.append
    F = np.dtype("float32")

    def split(name, shape, axis, num, outs, error):
        add(Case(f"split_{name}", "SPLIT", [In(np.asarray(axis, np.int32), True), In(f32(*shape))],
                 opts("SplitOptions", numSplits=num), out_types=[F] * outs, error=error, out_shape_hint=list(shape)))
    split("num_splits_0", (4, 6), 1, 0, 1, "num_splits 0")
    split("not_dividing", (4, 6), 1, 4, 4, "equal pieces")
    split("axis_huge", (4, 6), 2**31 - 1, 2, 2, "axis 2147483647")
    split("axis_huge_negative", (4, 6), -2**31, 2, 2, "axis -2147483648")
    split("outputs_not_num_splits", (4, 6), 0, 2, 3, "outputs")

    def split_v(name, sizes, axis, error):
        add(Case(f"split_v_{name}", "SPLIT_V", [In(f32(4, 6)), In(i32(sizes), True), In(np.asarray(axis, np.int32), True)],
                 opts("SplitVOptions", numSplits=len(sizes)), out_types=[F] * len(sizes), error=error, out_shape_hint=[4, 6]))
    split_v("two_minus_one", [-1, -1, 2], 1, "more than one -1")
    split_v("negative_size", [-2, 8], 1, "entry -2")
    split_v("sum_too_small", [2, 3], 1, "do not add up")
    split_v("known_sizes_exceed", [4, 4, -1], 1, "more than dimension")
    split_v("huge_sizes_wrap", [2**31 - 1, 2**31 - 1, 4], 1, "out of range")

    def unpack(name, shape, num, axis, outs, error):
        add(Case(f"unpack_{name}", "UNPACK", [In(f32(*shape))], opts("UnpackOptions", num=num, axis=axis),
                 out_types=[F] * outs, error=error, out_shape_hint=[1]))
    unpack("num_mismatch", (3, 4), 4, 0, 4, "differs")
    unpack("num_0", (3, 4), 0, 0, 1, "num 0")
    unpack("axis_out_of_range", (3, 4), 3, 2, 3, "axis 2")

    def tile(name, shape, multiples, error, mdtype="int32"):
        add(Case(f"tile_{name}", "TILE", [In(f32(*shape)), In(np.asarray(multiples, mdtype), True)], error=error,
                 out_shape_hint=list(shape)))
    tile("negative_multiple", (2, 3), [2, -1], "negative")
    tile("multiples_count", (2, 3), [2, 2, 2], "entries")
    tile("huge_multiples", (2, 3), [2**31 - 1, 2**31 - 1], "too large")
    tile("int64_multiple_overflow", (2, 3), [2**62, 4], "overflows", mdtype="int64")

    def mirror(name, shape, paddings, mode, error, pdtype="int32"):
        add(Case(f"mirror_pad_{name}", "MIRROR_PAD", [In(f32(*shape)), In(np.asarray(paddings, pdtype), True)],
                 opts("MirrorPadOptions", mode=mode), error=error, out_shape_hint=list(shape)))
    mirror("reflect_padding_equals_size", (3, 4), [[0, 0], [4, 0]], 0, "must be in 0…3")
    mirror("symmetric_padding_above_size", (3, 4), [[4, 0], [0, 0]], 1, "must be in 0…3")
    mirror("negative_padding", (3, 4), [[0, -1], [0, 0]], 1, "paddings (0, -1)")
    mirror("huge_int64_padding", (3, 4), [[0, 0], [0, 2**40]], 1, "paddings", pdtype="int64")
    mirror("bad_mode", (3, 4), [[1, 1], [1, 1]], 7, "mode 7")
    mirror("paddings_shape", (3, 4), [[1, 1, 1], [1, 1, 1]], 0, "paddings have shape")

    def s2b(name, shape, block, paddings, error):
        add(Case(f"space_to_batch_nd_{name}", "SPACE_TO_BATCH_ND", [In(f32(*shape)), In(i32(block), True), In(i32(paddings), True)],
                 error=error, out_shape_hint=list(shape)))
    s2b("block_0", (1, 4, 4, 1), [2, 0], [[0, 0], [0, 0]], "block size 0")
    s2b("block_negative", (1, 4, 4, 1), [-2, 2], [[0, 0], [0, 0]], "block size -2")
    s2b("block_huge", (1, 4, 4, 1), [2**31 - 1, 1], [[0, 0], [0, 0]], "block size 2147483647")
    s2b("padding_negative", (1, 4, 4, 1), [2, 2], [[-2, 0], [0, 0]], "paddings value -2")
    s2b("padding_huge", (1, 4, 4, 1), [2, 2], [[2**31 - 1, 1], [0, 0]], "paddings value 2147483647")
    s2b("not_divisible", (1, 5, 4, 1), [2, 2], [[0, 0], [0, 0]], "not a multiple")
    s2b("rank2", (4, 4), [2], [[0, 0]], "rank 2")
    s2b("block_shape_count", (1, 4, 4, 1), [2], [[0, 0], [0, 0]], "block_shape has shape")

    def b2s(name, shape, block, crops, error):
        add(Case(f"batch_to_space_nd_{name}", "BATCH_TO_SPACE_ND", [In(f32(*shape)), In(i32(block), True), In(i32(crops), True)],
                 error=error, out_shape_hint=list(shape)))
    b2s("crops_exceed_size", (4, 2, 2, 1), [2, 2], [[3, 2], [0, 0]], "exceed")
    b2s("crop_negative", (4, 2, 2, 1), [2, 2], [[0, -1], [0, 0]], "crops value -1")
    b2s("batch_not_divisible", (6, 2, 2, 1), [2, 2], [[0, 0], [0, 0]], "not a multiple")
    b2s("block_0", (4, 2, 2, 1), [0, 2], [[0, 0], [0, 0]], "block size 0")

    add(Case("reduce_min_axis_out_of_range", "REDUCE_MIN", [In(f32(2, 3)), In(i32([2]), True)], opts("ReducerOptions"),
             error="axis 2", out_shape_hint=[2]))
    add(Case("reduce_prod_axis_huge_negative", "REDUCE_PROD", [In(f32(2, 3)), In(i32([-2**31]), True)], opts("ReducerOptions"),
             error="axis -2147483648", out_shape_hint=[2]))
    add(Case("reduce_prod_int8_tiny_output_scale", "REDUCE_PROD", [In(i8(2, 3), quant=(1.0, 0)), In(i32([1]), True)],
             opts("ReducerOptions"), out_types=[np.dtype("int8")], out_quant=(1e-30, 0), error="out of range", out_shape_hint=[2]))
    add(Case("reduce_prod_uint8", "REDUCE_PROD", [In(RNG.integers(0, 255, size=(2, 3)).astype(np.uint8), quant=Q), In(i32([1]), True)],
             opts("ReducerOptions"), out_types=[np.dtype("uint8")], out_quant=Q, error="uint8", out_shape_hint=[2]))
    add(Case("arg_min_axis_out_of_range", "ARG_MIN", [In(f32(2, 3)), In(i32([-3]), True)],
             opts("ArgMinOptions", outputType=S.TensorType.INT32), out_types=[np.dtype("int32")], error="axis -3", out_shape_hint=[2]))
    add(Case("arg_min_output_type_mismatch", "ARG_MIN", [In(f32(2, 3)), In(i32([1]), True)],
             opts("ArgMinOptions", outputType=S.TensorType.INT64), out_types=[np.dtype("int32")], error="output_type", out_shape_hint=[2]))
    add(Case("topk_v2_k_above_row", "TOPK_V2", [In(f32(2, 5)), In(np.asarray(6, np.int32), True)],
             out_types=[F, np.dtype("int32")], error="k 6", out_shape_hint=[2, 5]))
    add(Case("topk_v2_k_negative", "TOPK_V2", [In(f32(2, 5)), In(np.asarray(-1, np.int32), True)],
             out_types=[F, np.dtype("int32")], error="k -1", out_shape_hint=[2, 5]))
    add(Case("topk_v2_float_indices", "TOPK_V2", [In(f32(2, 5)), In(np.asarray(2, np.int32), True)],
             out_types=[F, F], error="expected int32", out_shape_hint=[2, 2]))
    add(Case("cumsum_axis_out_of_range", "CUMSUM", [In(f32(2, 3)), In(np.asarray(2, np.int32), True)],
             opts("CumsumOptions"), error="axis 2", out_shape_hint=[2, 3]))
    add(Case("cumsum_int8", "CUMSUM", [In(i8(2, 3), quant=Q), In(np.asarray(1, np.int32), True)],
             opts("CumsumOptions"), out_types=[np.dtype("int8")], out_quant=Q, error="int8", out_shape_hint=[2, 3]))
    add(Case("gather_nd_index_out_of_range", "GATHER_ND", [In(f32(3, 4)), In(i32([[0, 1], [2, 4]]), True)],
             error="index 4 of tuple 1", out_shape_hint=[2]))
    add(Case("gather_nd_index_negative", "GATHER_ND", [In(f32(3, 4)), In(i32([[-1]]), True)],
             error="index -1 of tuple 0", out_shape_hint=[1, 4]))
    add(Case("gather_nd_tuple_longer_than_rank", "GATHER_ND", [In(f32(3, 4)), In(i32([[0, 1, 2]]), True)],
             error="exceed params rank", out_shape_hint=[1]))
    return cs


def unsupported_model() -> bytes:
    """Three nodes our engine has no kernel for: LSTM, custom FooBar, builtin code 250."""
    m = S.ModelT()
    m.version = 3
    codes = []
    for builtin, custom in ((S.BuiltinOperator.LSTM, None), (S.BuiltinOperator.CUSTOM, "FooBar"), (250, None)):
        c = S.OperatorCodeT()
        c.builtinCode = builtin
        c.deprecatedBuiltinCode = min(builtin, 127)
        c.customCode = custom
        c.version = 1
        codes.append(c)
    m.operatorCodes = codes
    m.buffers = [S.BufferT()] + [S.BufferT() for _ in range(4)]
    sg = S.SubGraphT()
    sg.tensors = []
    for i in range(4):
        t = S.TensorT()
        t.name = f"t{i}"
        t.shape = [1, 4]
        t.type = S.TensorType.FLOAT32
        t.buffer = i + 1
        sg.tensors.append(t)
    sg.inputs, sg.outputs = [0], [3]
    sg.operators = []
    for n in range(3):
        o = S.OperatorT()
        o.opcodeIndex = n
        o.inputs, o.outputs = [n], [n + 1]
        sg.operators.append(o)
    sg.name = "main"
    m.subgraphs = [sg]
    return fl.pack_model(m)


def shape_prod_model() -> bytes:
    """SHAPE → REDUCE_PROD (int32, all axes): the element count of a run-time
    input, a shape computation that must fold at prepare."""
    m = S.ModelT()
    m.version = 3
    m.description = "make_op_fixtures_layout"
    codes = []
    for op in (S.BuiltinOperator.SHAPE, S.BuiltinOperator.REDUCE_PROD):
        c = S.OperatorCodeT()
        c.builtinCode = op
        c.deprecatedBuiltinCode = op
        c.version = 1
        codes.append(c)
    m.operatorCodes = codes
    axis = S.BufferT()
    axis.data = list(np.asarray([0], "<i4").tobytes())
    m.buffers = [S.BufferT(), S.BufferT(), S.BufferT(), axis, S.BufferT()]
    sg = S.SubGraphT()
    sg.tensors = []
    for name, shape, ttype, buffer in (("input", [2, 3, 5], S.TensorType.FLOAT32, 1), ("shape", [3], S.TensorType.INT32, 2),
                                       ("axis", [1], S.TensorType.INT32, 3), ("count", [], S.TensorType.INT32, 4)):
        t = S.TensorT()
        t.name, t.shape, t.type, t.buffer = name, shape, ttype, buffer
        sg.tensors.append(t)
    sg.inputs, sg.outputs = [0], [3]
    shape_op, prod_op = S.OperatorT(), S.OperatorT()
    shape_op.opcodeIndex, shape_op.inputs, shape_op.outputs = 0, [0], [1]
    shape_op.builtinOptionsType = S.BuiltinOptions.ShapeOptions
    shape_op.builtinOptions = opts("ShapeOptions", outType=S.TensorType.INT32)
    prod_op.opcodeIndex, prod_op.inputs, prod_op.outputs = 1, [1, 2], [3]
    prod_op.builtinOptionsType = S.BuiltinOptions.ReducerOptions
    prod_op.builtinOptions = opts("ReducerOptions", keepDims=False)
    sg.operators = [shape_op, prod_op]
    sg.name = "main"
    m.subgraphs = [sg]
    return fl.pack_model(m)


def make_shape_prod() -> None:
    x = f32_fixed(2, 3, 5)
    model = shape_prod_model()
    outs = fl.run_litert(model, [x])
    assert outs[0].tolist() == 30, outs
    fl.save_fixture(OUT, "reduce_prod_of_shape_folds", "REDUCE_PROD", model, [x], outs)


def f32_fixed(*shape):
    """Deterministic values that do not draw from RNG (so other cases keep theirs)."""
    return (np.arange(np.prod(shape), dtype=np.float32).reshape(shape) / 7.0).astype(np.float32)


def make_valid(case: Case, out: Path = OUT) -> None:
    # LiteRT resizes outputs at prepare; run once with placeholder shapes, then
    # store the real output shapes so the model is self-consistent.
    # (Some kernels insist the stored rank is right: try a few ranks.)
    runtime_inputs = [x.value for x in case.inputs if x is not None and not x.const]
    in_rank = next(len(np.shape(x.value)) for x in case.inputs if x is not None)
    outs, last_error = None, None
    tries = [[[1] * rank for _ in case.out_types] for rank in dict.fromkeys([1, in_rank, 0, 2, 3, 4, 5, 6])]
    if case.out_shape_hint is not None:
        tries = [[case.out_shape_hint] * len(case.out_types)]
    for shapes in tries:
        try:
            outs = fl.run_litert(build_model(case, shapes), runtime_inputs, kernels=case.kernels)
            break
        except RuntimeError as e:
            last_error = e
    if outs is None:
        raise RuntimeError(f"{case.name}: {last_error}")
    model = build_model(case, [list(o.shape) for o in outs])
    outs2 = fl.run_litert(model, runtime_inputs, kernels=case.kernels)
    for a, b in zip(outs, outs2):
        assert a.shape == b.shape and np.array_equal(a, b), case.name
    for o, dt in zip(outs, case.out_types):
        assert o.dtype == np.dtype(dt), (case.name, o.dtype, dt)
    fl.save_fixture(out, case.name, case.op.replace("CUSTOM:", ""), model, runtime_inputs, outs, reference=case.reference)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args()
    if args.clean:
        fl.clean_fixture_dir(OUT)
        fl.clean_fixture_dir(INVALID_OUT)
    valid = [c for c in cases() if not args.only or args.only in c.name]
    invalid = [c for c in invalid_cases() if not args.only or args.only in c.name]
    if args.list:
        for c in valid + invalid:
            print(c.name, c.op, "(invalid)" if c.error else "")
        return
    for c in valid:
        make_valid(c)
        print("ok", c.name)
    INVALID_OUT.mkdir(parents=True, exist_ok=True)
    manifest = fl.load_manifest(INVALID_OUT)
    entries = {e["name"]: e for e in manifest.get("fixtures", [])}
    for c in invalid:
        (INVALID_OUT / f"{c.name}.tflite").write_bytes(build_model(c, [c.out_shape_hint] * len(c.out_types)))
        entries[c.name] = {"name": c.name, "error_contains": c.error}
    if not args.only or args.only in "reduce_prod_of_shape_folds":
        make_shape_prod()
        print("ok reduce_prod_of_shape_folds")
    if not args.only or "unsupported" in args.only:
        (INVALID_OUT / "unsupported_three_ops.tflite").write_bytes(unsupported_model())
    fl.write_manifest(INVALID_OUT, {"fixtures": list(entries.values())})
    print("sizes:", fl.dir_size(OUT), fl.dir_size(INVALID_OUT))


if __name__ == "__main__":
    main()
