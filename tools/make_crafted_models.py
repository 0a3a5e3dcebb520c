#!/usr/bin/env python3
"""Write one malformed model per class of bad input TFLite has shipped bugs for
(see ../shared/docs/tflite-internals.md §6), derived from small valid fixtures.

Each crafted model goes to Tests/TFLiteEngineTests/Fixtures/crafted/<name>.tflite
with a manifest entry: {"name", "class", "expect": "error"|"ok",
"error_contains": text the engine's error must contain, "cve": ...}.
The Swift test (CraftedModelTests) loads, prepares and runs each one and checks
it gets that specific typed error (or runs cleanly for "ok"), never a crash,
hang or huge allocation.

Usage: python3 tools/make_crafted_models.py
"""
from __future__ import annotations

import copy
import json
import struct
from pathlib import Path

import ai_edge_litert.schema_py_generated as schema

import fixturelib as fl

OPS = fl.FIXTURES_ROOT / "ops" / "float32"
OUT = fl.FIXTURES_ROOT / "crafted"

CONV = (OPS / "conv2d_3x3_s2_same_relu6.tflite").read_bytes()       # t0 x, t1 filter, t2 bias, t3 out
CONCAT = (OPS / "concatenation_axis3.tflite").read_bytes()          # t0 x, t1 y, t2 out
POOL = (OPS / "max_pool2d_2x2_s2_valid_none.tflite").read_bytes()   # t0 x, t1 out
MEAN = (OPS / "mean_axes_1_2_keepdims.tflite").read_bytes()         # t0 x, t1 axes (int32 const), t2 out
DWCONV = (OPS / "depthwise_conv2d_3x3_m1_s1_same_none.tflite").read_bytes()

entries: list[dict] = []


def emit(name: str, klass: str, data: bytes, error_contains: str | None, cve: str | None = None) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.tflite").write_bytes(data)
    entry = {"name": name, "class": klass, "expect": "error" if error_contains else "ok"}
    if error_contains:
        entry["error_contains"] = error_contains
    if cve:
        entry["cve"] = cve
    entries.append(entry)


def patched(base: bytes, edit) -> bytes:
    return fl.patch_model(base, edit)


def op0(m):
    return m.subgraphs[0].operators[0]


def tensors(m):
    return m.subgraphs[0].tensors


def set_option(m, field, value):
    setattr(op0(m).builtinOptions, field, value)


def two_conv_chain(m, swap=False, cycle=False):
    """Append a second CONV_2D reading the first one's output (t3) into a new t4.
    swap: run the second op first (reads t3 before it is written).
    cycle: the first op also reads t4, which only the second op writes."""
    sg = m.subgraphs[0]
    first = sg.operators[0]
    out = copy.deepcopy(sg.tensors[3])
    out.name = b"second"
    out.buffer = 0
    sg.tensors.append(out)
    # The second conv needs 5 input channels; reuse the pool-free path: a 1x1 filter of 5x1x1x5.
    filt = copy.deepcopy(sg.tensors[1])
    filt.name = b"filter2"
    filt.shape = [5, 1, 1, 5]
    buf = schema.BufferT()
    buf.data = [0] * (5 * 5 * 4)
    m.buffers.append(buf)
    filt.buffer = len(m.buffers) - 1
    sg.tensors.append(filt)
    second = copy.deepcopy(first)
    second.inputs = [3, len(sg.tensors) - 1, 2]
    second.outputs = [4]
    sg.operators.append(second)
    sg.outputs = [4]
    if swap:
        sg.operators = [second, first]
    if cycle:
        first.inputs = [4, 1, 2]


# 1. Indices out of range, or -1 where not optional.
emit("tensor_index_out_of_range", "index", patched(CONV, lambda m: setattr(op0(m), "inputs", [0, 99, 2])),
     "tensor index 99 is out of range", "CVE-2020-15211")
emit("omitted_index_as_output", "index", patched(CONV, lambda m: setattr(op0(m), "outputs", [-1])),
     "tensor index -1 (omitted) is not allowed", "CVE-2020-15211")
emit("graph_input_index_out_of_range", "index", patched(CONV, lambda m: setattr(m.subgraphs[0], "inputs", [42])),
     "tensor index 42 is out of range")
emit("buffer_index_out_of_range", "index", patched(CONV, lambda m: setattr(tensors(m)[1], "buffer", 99)),
     "buffer index 99 is out of range", "CVE-2020-15209")
emit("opcode_index_out_of_range", "index", patched(CONV, lambda m: setattr(op0(m), "opcodeIndex", 7)),
     "opcode index 7 is out of range")
emit("no_subgraphs", "index", patched(CONV, lambda m: setattr(m, "subgraphs", [])), "has no subgraphs")


def bad_metadata(m):
    md = schema.MetadataT()
    md.name = b"evil"
    md.buffer = 1000
    m.metadata = (m.metadata or []) + [md]


emit("metadata_buffer_out_of_range", "index", patched(CONV, bad_metadata), "buffer index 1000 is out of range")


def bad_signature(m):
    sig = schema.SignatureDefT()
    sig.signatureKey = b"serving_default"
    sig.subgraphIndex = 5
    m.signatureDefs = [sig]


emit("signature_subgraph_out_of_range", "index", patched(CONV, bad_signature), "subgraph index 5 is out of range")

# 2. A tensor both input and output of one node.
emit("tensor_is_input_and_output", "overlap", patched(CONV, lambda m: setattr(op0(m), "outputs", [0])),
     "is both an input and an output", "CVE-2020-15210")
def output_is_constant(m):
    sg = m.subgraphs[0]
    constant = copy.deepcopy(sg.tensors[2])
    constant.name = b"constant_output"
    sg.tensors.append(constant)
    op0(m).outputs = [len(sg.tensors) - 1]
    sg.outputs = [len(sg.tensors) - 1]


emit("output_is_constant", "overlap", patched(CONV, output_is_constant), "is a constant")


def written_twice(m):
    two_conv_chain(m)
    m.subgraphs[0].operators[1].outputs = [3]
    m.subgraphs[0].operators[1].inputs = [0, 1, 2]
    m.subgraphs[0].outputs = [3]


emit("tensor_written_twice", "overlap", patched(CONV, written_twice), "written exactly once")

# 3. Constant buffers of the wrong length.
emit("constant_buffer_short", "buffer", patched(CONV, lambda m: setattr(m.buffers[tensors(m)[1].buffer], "data", list(m.buffers[tensors(m)[1].buffer].data)[:-4])),
     "holds 536 bytes but shape")
emit("constant_buffer_long", "buffer", patched(CONV, lambda m: setattr(m.buffers[tensors(m)[1].buffer], "data", list(m.buffers[tensors(m)[1].buffer].data) + [0] * 4)),
     "holds 544 bytes but shape")


def external_buffer(offset, size):
    def edit(m):
        b = m.buffers[tensors(m)[1].buffer]
        b.data = None
        b.offset = offset
        b.size = size
    return edit


emit("external_buffer_beyond_file", "buffer", patched(CONV, external_buffer(1 << 40, 540)), "lies outside")
emit("external_buffer_offset_overflow", "buffer", patched(CONV, external_buffer((1 << 64) - 8, 540)), "lies outside")

# 4. Negative, zero, overflowing and memory-bomb dimensions.
emit("negative_dimension", "shape", patched(CONV, lambda m: setattr(tensors(m)[0], "shape", [1, -7, 9, 3])),
     "dimension -7 is negative")
emit("overflowing_dimensions", "shape", patched(CONV, lambda m: setattr(tensors(m)[3], "shape", [2**31 - 1] * 4)),
     "more than", "CVE-2021-29605")
emit("memory_bomb_shape", "shape", patched(CONV, lambda m: setattr(tensors(m)[0], "shape", [1, 40000, 40000, 3])),
     "more than the limit")
emit("zero_size_input_runs_empty", "shape", patched(CONV, lambda m: setattr(tensors(m)[0], "shape", [1, 0, 9, 3])), None)
# Found by the fuzzer: an empty input whose other dimensions are huge made the
# conv loop over 377M empty rows (a hang). Nodes with only empty outputs are skipped.
emit("fuzz_empty_input_huge_rows", "shape", patched(CONV, lambda m: setattr(tensors(m)[0], "shape", [5, 150994951, 0, 3])), None)
emit("empty_tensor_giant_dimensions", "shape", patched(CONV, lambda m: setattr(tensors(m)[0], "shape", [0, 2**30, 2**30, 3])),
     "more than")
emit("depthwise_zero_input_channels", "shape",
     patched(DWCONV, lambda m: setattr(tensors(m)[0], "shape", [1, 7, 9, 0])), "input has 0 channels", "CVE-2021-29602")

# 5. Zero strides, dilations and filter sizes.
emit("conv_zero_stride", "divisor", patched(CONV, lambda m: set_option(m, "strideW", 0)), "strides", "CVE-2021-29585")
emit("conv_zero_dilation", "divisor", patched(CONV, lambda m: set_option(m, "dilationHFactor", 0)), "dilations")
emit("pool_zero_stride", "divisor", patched(POOL, lambda m: set_option(m, "strideH", 0)), "strides", "CVE-2021-29585")
emit("pool_zero_filter", "divisor", patched(POOL, lambda m: set_option(m, "filterWidth", 0)), "filter size")

# 6. Axes out of range.
emit("concat_axis_out_of_range", "axis", patched(CONCAT, lambda m: set_option(m, "axis", 7)), "axis 7 is out of range", "CVE-2020-15207")
emit("concat_huge_negative_axis", "axis", patched(CONCAT, lambda m: set_option(m, "axis", -(2**31))), "is out of range", "CVE-2021-37685")


def mean_axis(value):
    def edit(m):
        t = tensors(m)[1]
        m.buffers[t.buffer].data = list(struct.pack("<2i", 1, value))
    return edit


emit("mean_axis_out_of_range", "axis", patched(MEAN, mean_axis(9)), "axis 9 is out of range")

# 7. Graph order: reading a tensor before it is written, and cycles.
emit("read_before_write", "order", patched(CONV, lambda m: two_conv_chain(m, swap=True)), "is read before any operator writes it")
emit("cyclic_graph", "order", patched(CONV, lambda m: two_conv_chain(m, cycle=True)), "is read before any operator writes it", "CVE-2021-29591")

# 8. Invalid enum values and mismatched unions.
emit("invalid_tensor_type", "enum", patched(CONV, lambda m: setattr(tensors(m)[3], "type", 100)), "unknown tensor type 100")
emit("invalid_padding", "enum", patched(CONV, lambda m: set_option(m, "padding", 7)), "padding 7 is not SAME or VALID")
emit("invalid_fused_activation", "enum", patched(CONV, lambda m: set_option(m, "fusedActivationFunction", 9)), "fused activation 9")


def wrong_union(m):
    op = op0(m)
    op.builtinOptionsType = schema.BuiltinOptions.Pool2DOptions
    op.builtinOptions = schema.Pool2DOptionsT()


emit("options_union_mismatch", "enum", patched(CONV, wrong_union), "builtin options have union type 5")


def bad_scale(m):
    q = schema.QuantizationParametersT()
    q.scale = [-1.0]
    q.zeroPoint = [0]
    tensors(m)[1].quantization = q


emit("negative_quantization_scale", "quantization", patched(CONV, bad_scale), "is not a finite non-negative number")


def bad_per_channel(m):
    q = schema.QuantizationParametersT()
    q.scale = [0.1, 0.2, 0.3]
    q.zeroPoint = [0, 0, 0]
    q.quantizedDimension = 0
    tensors(m)[1].quantization = q


emit("per_channel_count_mismatch", "quantization", patched(CONV, bad_per_channel), "3 scales and 3 zero points for 5 channels")

# 9. String and unstorable tensors where numbers are expected.
emit("string_input", "type", patched(CONV, lambda m: setattr(tensors(m)[0], "type", schema.TensorType.STRING)), "input type string is not supported")
emit("string_output", "type", patched(CONV, lambda m: setattr(tensors(m)[3], "type", schema.TensorType.STRING)), "which the engine cannot store")
emit("string_filter", "type", patched(CONV, lambda m: setattr(tensors(m)[1], "type", schema.TensorType.STRING)), "is string, expected float32")


# 10. Byte-level damage: identifier, root offset, vtable, vector and string lengths.
def byte_edit(base: bytes, edit) -> bytes:
    data = bytearray(base)
    edit(data)
    return bytes(data)


emit("wrong_identifier", "flatbuffer", byte_edit(CONV, lambda d: d.__setitem__(slice(4, 8), b"TFL2")), "file identifier")
emit("root_offset_out_of_bounds", "flatbuffer", byte_edit(CONV, lambda d: d.__setitem__(slice(0, 4), struct.pack("<I", 0xFFFFFF00))),
     "points past the end")


def vtable_out_of_bounds(d):
    root = struct.unpack_from("<I", d, 0)[0]
    struct.pack_into("<i", d, root, -0x7FFFFFF0)


emit("vtable_out_of_bounds", "flatbuffer", byte_edit(CONV, vtable_out_of_bounds), "lie outside")


def first_tensor_field(d, slot):
    model = schema.Model.GetRootAs(bytes(d), 0)
    tensor = model.Subgraphs(0).Tensors(0)
    o = tensor._tab.Offset(slot)
    return tensor._tab.Vector(o)


def huge_vector(d):
    start = first_tensor_field(d, 4)  # shape
    struct.pack_into("<I", d, start - 4, 0x7FFFFFFF)


def unterminated_string(d):
    start = first_tensor_field(d, 10)  # name
    length = struct.unpack_from("<I", d, start - 4)[0]
    d[start + length] = ord("A")


emit("vector_length_beyond_file", "flatbuffer", byte_edit(CONV, huge_vector), "runs past the end of the buffer")
emit("string_not_terminated", "flatbuffer", byte_edit(CONV, unterminated_string), "not NUL-terminated")
emit("eight_byte_file", "flatbuffer", b"\x18\x00\x00\x00TFL3", "points past the end")

# 12. Hostile options, shapes and quantization for the newer operators (the
# layout, math and int8 ops). Prepare-time checks of their constant operands
# are also in ops/invalid and ops/invalid_layout; these run through invoke.
LAYOUT = fl.FIXTURES_ROOT / "ops" / "float32_layout"
MATH = fl.FIXTURES_ROOT / "ops" / "math"
INT8 = fl.FIXTURES_ROOT / "ops" / "int8"


def fixture(directory: Path, name: str) -> bytes:
    return (directory / f"{name}.tflite").read_bytes()


def set_opcode(m, op_name: str, version: int = 1):
    code = getattr(schema.BuiltinOperator, op_name)
    oc = m.operatorCodes[op0(m).opcodeIndex]
    oc.builtinCode = code
    oc.deprecatedBuiltinCode = min(code, 127)
    oc.version = version


def const_input(m, index: int, values, dtype: str = "<i4", shape=None):
    """Rewrite operator 0's constant input `index` with `values`."""
    import numpy as np

    t = tensors(m)[op0(m).inputs[index]]
    array = np.asarray(values, dtype=dtype)
    m.buffers[t.buffer].data = list(array.tobytes())
    t.shape = list(array.shape) if shape is None else shape
    t.type = {"<i4": schema.TensorType.INT32, "<i8": schema.TensorType.INT64, "<f4": schema.TensorType.FLOAT32}[dtype]


def edits(*fs):
    def edit(m):
        for f in fs:
            f(m)
    return edit


def concat_to_pack(values_count: int, axis: int, same_shapes: bool):
    """CONCATENATION of [1,4,5,2] and [1,4,5,3] rewritten as PACK."""
    def edit(m):
        set_opcode(m, "PACK")
        op = op0(m)
        op.builtinOptionsType = schema.BuiltinOptions.PackOptions
        op.builtinOptions = schema.PackOptionsT()
        op.builtinOptions.valuesCount = values_count
        op.builtinOptions.axis = axis
        if same_shapes:
            tensors(m)[op.inputs[1]].shape = list(tensors(m)[op.inputs[0]].shape)
    return edit


def output_type(t):
    return lambda m: setattr(tensors(m)[op0(m).outputs[0]], "type", t)


def set_quantization(which: str, index: int, scale: float, zero_point: int):
    def edit(m):
        op = op0(m)
        q = tensors(m)[(op.inputs if which == "in" else op.outputs)[index]].quantization
        q.scale = [float(scale)]
        q.zeroPoint = [int(zero_point)]
    return edit


def drop_quantization(which: str, index: int):
    def edit(m):
        op = op0(m)
        tensors(m)[(op.inputs if which == "in" else op.outputs)[index]].quantization = None
    return edit


CONCAT_BASE = (OPS / "concatenation_axis3.tflite").read_bytes()
emit("pack_mismatched_shapes", "shape", patched(CONCAT_BASE, concat_to_pack(2, 0, same_shapes=False)), "input 1 is float32 [1, 4, 5, 2], input 0 is float32 [1, 4, 5, 3]")
emit("pack_axis_out_of_range", "axis", patched(CONCAT_BASE, concat_to_pack(2, 9, same_shapes=True)), "axis 9 is out of range for output rank 5")
emit("pack_huge_negative_axis", "axis", patched(CONCAT_BASE, concat_to_pack(2, -(2**31), same_shapes=True)), "axis -2147483648 is out of range")
emit("pack_values_count_mismatch", "options", patched(CONCAT_BASE, concat_to_pack(5, 0, same_shapes=True)), "values_count 5 does not match 2 inputs")
UNPACK_BASE = fixture(LAYOUT, "unpack_axis1_like_zoo")
emit("unpack_huge_negative_axis", "axis", patched(UNPACK_BASE, lambda m: set_option(m, "axis", -(2**31))), "axis -2147483648 is out of range for rank 3")
SPLIT_BASE = fixture(LAYOUT, "split_axis2_2_like_zoo")
emit("split_axis_float", "type", patched(SPLIT_BASE, lambda m: const_input(m, 0, 2.0, "<f4", shape=[])), "is float32, expected int32 or int64")
emit("split_huge_num_splits", "options", patched(SPLIT_BASE, lambda m: set_option(m, "numSplits", 2**31 - 1)), "has 2 outputs, expected 2147483647")
TILE_BASE = fixture(LAYOUT, "tile_1_2_1_like_zoo")
emit("tile_multiples_product_overflow", "shape", patched(TILE_BASE, lambda m: const_input(m, 1, [2**31 - 1] * 3)), "is too large")
emit("tile_multiples_zero_runs_empty", "shape", patched(TILE_BASE, lambda m: const_input(m, 1, [1, 0, 1])), None)
RANGE_BASE = fixture(MATH, "range_int32")
emit("range_int32_huge_count", "shape", patched(RANGE_BASE, edits(lambda m: const_input(m, 0, 0, shape=[]),
                                                                   lambda m: const_input(m, 1, 2**31 - 1, shape=[]),
                                                                   lambda m: const_input(m, 2, 1, shape=[]))), "more than the limit")
emit("range_int32_min_to_max_overflow", "shape", patched(RANGE_BASE, edits(lambda m: const_input(m, 0, -(2**31), shape=[]),
                                                                            lambda m: const_input(m, 1, 2**31 - 1, shape=[]),
                                                                            lambda m: const_input(m, 2, 3, shape=[]))), "more than the limit")
FILL_BASE = fixture(MATH, "fill_float32")
emit("fill_dims_product_overflow", "shape", patched(FILL_BASE, lambda m: const_input(m, 0, [2**31 - 1] * 3)), "is too large")
BROADCAST_BASE = fixture(MATH, "broadcast_to_float32")
emit("broadcast_to_negative_dim", "shape", patched(BROADCAST_BASE, lambda m: const_input(m, 1, [-1, 3, 4])), "has a negative dimension")
TOPK_BASE = fixture(LAYOUT, "topk_v2_k3_like_zoo")
emit("topk_v2_k_int32_max", "shape", patched(TOPK_BASE, lambda m: const_input(m, 1, 2**31 - 1, shape=[])), "k 2147483647 is out of range")
CUMSUM_BASE = fixture(LAYOUT, "cumsum_axis1_like_zoo")
emit("cumsum_huge_negative_axis", "axis", patched(CUMSUM_BASE, lambda m: const_input(m, 1, -(2**31), shape=[])), "axis -2147483648 is out of range for rank 3")
ARGMIN_BASE = fixture(LAYOUT, "arg_min_axis2_like_zoo")
emit("arg_min_huge_negative_axis", "axis", patched(ARGMIN_BASE, lambda m: const_input(m, 1, [-(2**31)])), "axis -2147483648 is out of range")
REDUCE_MIN_BASE = fixture(LAYOUT, "reduce_min_axes12_keep")
emit("reduce_min_huge_axis", "axis", patched(REDUCE_MIN_BASE, lambda m: const_input(m, 1, [1, 2**31 - 1])), "axis 2147483647 is out of range for rank 4")
GATHER_ND_BASE = fixture(LAYOUT, "gather_nd_elements")
emit("gather_nd_indices_int32_extremes", "index", patched(GATHER_ND_BASE, lambda m: const_input(m, 1, [[2**31 - 1, 0], [0, -(2**31)], [1, 1]])),
     "index 2147483647 of tuple 0 is out of range")
MIRROR_BASE = fixture(LAYOUT, "mirror_pad_reflect_like_zoo")
emit("mirror_pad_int32_max_padding", "shape", patched(MIRROR_BASE, lambda m: const_input(m, 1, [[0, 0], [2**31 - 1, 2**31 - 1], [0, 0]])),
     "paddings (2147483647, 2147483647) of dimension 1 must be in 0…7")
S2B_BASE = fixture(LAYOUT, "space_to_batch_nd_2x2_pad")
emit("space_to_batch_nd_block_product_overflow", "shape", patched(S2B_BASE, lambda m: const_input(m, 1, [2**31 - 1, 2**31 - 1])), "block size 2147483647 must be in 1…")
B2S_BASE = fixture(LAYOUT, "batch_to_space_nd_2x2")
emit("batch_to_space_nd_huge_block", "shape", patched(B2S_BASE, lambda m: const_input(m, 1, [2**31 - 1, 2])), "block size 2147483647 must be in 1…")
SELECT_BASE = fixture(MATH, "select_same_shape")
emit("select_mismatched_shapes", "shape", patched(SELECT_BASE, lambda m: setattr(tensors(m)[op0(m).inputs[2]], "shape", [4, 3])), "must have one shape")
POW_BASE = fixture(MATH, "pow_float32")
emit("pow_incompatible_shapes", "shape", patched(POW_BASE, lambda m: setattr(tensors(m)[op0(m).inputs[1]], "shape", [2, 5, 4])), "cannot be broadcast together")
CAST_BASE = fixture(MATH, "cast_float32_to_int32")
# A declared output shape that is not the computed one is replaced by it, as TFLite resizes outputs.
emit("cast_output_shape_mismatch_runs", "shape", patched(CAST_BASE, lambda m: setattr(tensors(m)[op0(m).outputs[0]], "shape", [4, 7])), None)
# Element-wise math: an output type that is not the input's, an int8 input
# without quantization parameters.
for op_name, base in [("abs", "abs"), ("neg", None), ("square", "square"), ("log", "log"), ("floor", "floor"), ("ceil", "ceil"),
                      ("round", "round_half_to_even"), ("sin", "sin"), ("cos", "cos"), ("gelu", "gelu_exact"),
                      ("log_softmax", "log_softmax_rank2"), ("zeros_like", "zeros_like_float32")]:
    data = fixture(MATH, base) if base else fixture(fl.FIXTURES_ROOT / "ops" / "float32_elementwise", "neg")
    emit(f"{op_name}_output_type_int32", "type", patched(data, output_type(schema.TensorType.INT32)), "is int32, expected float32")
for name in ["abs_1x300_in3p0", "log_1x300_in2p0", "gelu_1x300_exact_in3p0", "log_softmax_3x16_in2p0", "tanh_2x5x6x4_in3p0",
             "leaky_relu_2x5x6x4_alpha0p2_in3p0", "l2_normalization_2x5x16_in2p0"]:
    emit(f"{name.split('_1x')[0].split('_2x')[0].split('_3x')[0]}_int8_input_without_quantization", "quantization",
         patched(fixture(INT8, name), drop_quantization("in", 0)), "has no quantization parameters")
# int8 kernels added for converted models: degenerate quantization and
# operands that TFLite leaves undefined.
DIV_BASE = fixture(INT8, "div_1x4x5x3_1x4x5x3_none")
emit("div_int8_zero_divisors_run", "divisor", patched(DIV_BASE, set_quantization("in", 1, 0.1, 0)), None)
emit("div_int8_rescale_factor_huge", "quantization", patched(DIV_BASE, set_quantization("out", 0, 1e-12, 0)), "is too large (shift 39 > 23)")
emit("softmax_int8_tiny_input_scale_runs", "quantization", patched(fixture(INT8, "softmax_2x10_beta1p0_in2p0"), set_quantization("in", 0, 1e-30, 0)), None)
emit("l2_normalization_int8_output_scale", "quantization", patched(fixture(INT8, "l2_normalization_2x5x16_in2p0"), set_quantization("out", 0, 0.01, 0)),
     "must be (1/128")
emit("log_softmax_int8_output_zero_point", "quantization", patched(fixture(INT8, "log_softmax_3x16_in2p0"), set_quantization("out", 0, 0.0625, 0)),
     "must be (16/256")
emit("log_softmax_int8_tiny_input_scale", "quantization", patched(fixture(INT8, "log_softmax_3x16_in2p0"), set_quantization("in", 0, 1e-12, 0)),
     "too small for the fixed-point LOG_SOFTMAX")
emit("leaky_relu_nan_alpha", "options", patched(fixture(INT8, "leaky_relu_2x5x6x4_alpha0p2_in3p0"), lambda m: set_option(m, "alpha", float("nan"))),
     "is not finite")
emit("prelu_int8_uint8_alpha", "type", patched(fixture(INT8, "prelu_1x4x5x6_shared12"), lambda m: setattr(tensors(m)[op0(m).inputs[1]], "type", schema.TensorType.UINT8)),
     "alpha")
emit("sum_int8_rescale_factor_huge", "quantization", patched(fixture(INT8, "sum_axes12_keep_1x7x9x5"), set_quantization("out", 0, 1e-12, 0)),
     "too large to rescale")
emit("tanh_int8_huge_input_scale_runs", "quantization", patched(fixture(INT8, "tanh_2x5x6x4_in3p0"), set_quantization("in", 0, 1e30, 0)), None)

# 13. Control flow (WHILE, IF): subgraph indices, recursion, signatures that do
# not match, and loops that never end (CraftedModelTests runs them with
# Interpreter.Options.maximumLoopIterations = 4096).
CONTROL_FLOW = fl.FIXTURES_ROOT / "ops" / "control_flow"
LOOP = (CONTROL_FLOW / "while_loop_5_iterations.tflite").read_bytes()  # main: WHILE(cond 1, body 2) [i, x, n] -> [t3, t4, t5]
NESTED = (CONTROL_FLOW / "while_nested_loops.tflite").read_bytes()     # main: WHILE(cond 3, body 4); subgraph 4 op 1: WHILE(cond 1, body 2)
BRANCH = (CONTROL_FLOW / "if_then_branch.tflite").read_bytes()         # main: IF(then 2, else 1) [flag, x] -> [t2, t3]
TENSOR_ARRAY = (CONTROL_FLOW / "while_tensor_array.tflite").read_bytes()  # 6 iterations; condition bound: subgraph 1 tensor 5


def loop_option(field, value, subgraph=0, op=0):
    return lambda m: setattr(m.subgraphs[subgraph].operators[op].builtinOptions, field, value)


def add_constant(m, subgraph, name, tensor_type, shape, data: bytes) -> int:
    buf = schema.BufferT()
    buf.data = list(data)
    m.buffers.append(buf)
    t = schema.TensorT()
    t.name = name
    t.type = tensor_type
    t.shape = shape
    t.buffer = len(m.buffers) - 1
    m.subgraphs[subgraph].tensors.append(t)
    return len(m.subgraphs[subgraph].tensors) - 1


def condition_always_true(m):
    m.subgraphs[1].outputs = [add_constant(m, 1, b"always_true", schema.TensorType.BOOL, [], b"\x01")]


def body_output_changes_shape(m):
    m.subgraphs[2].outputs[1] = add_constant(m, 2, b"three_floats", schema.TensorType.FLOAT32, [3], bytes(12))


def unsupported_op_in_body(m):
    code = schema.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = schema.BuiltinOperator.CUSTOM
    code.customCode = b"NotAKernel"
    m.operatorCodes.append(code)
    m.subgraphs[2].operators[1].opcodeIndex = len(m.operatorCodes) - 1


def loop_bound(value):
    def edit(m):
        m.buffers[m.subgraphs[1].tensors[5].buffer].data = list(struct.pack("<i", value))
    return edit


emit("while_condition_subgraph_out_of_range", "control_flow", patched(LOOP, loop_option("condSubgraphIndex", 9)),
     "condition subgraph index 9 is out of range (3 subgraphs)")
emit("while_body_subgraph_negative", "control_flow", patched(LOOP, loop_option("bodySubgraphIndex", -2)),
     "body subgraph index -2 is out of range")
emit("while_condition_is_body", "control_flow", patched(LOOP, loop_option("condSubgraphIndex", 2)),
     "condition and body are the same subgraph 2")
emit("while_body_is_main_subgraph", "control_flow", patched(LOOP, loop_option("bodySubgraphIndex", 0)),
     "calls itself (subgraphs 0 → 0)")
emit("while_body_calls_itself", "control_flow", patched(NESTED, loop_option("bodySubgraphIndex", 4, subgraph=4, op=1)),
     "calls itself (subgraphs 0 → 4 → 4)")
emit("while_inner_loop_calls_main", "control_flow", patched(NESTED, loop_option("condSubgraphIndex", 0, subgraph=4, op=1)),
     "calls itself (subgraphs 0 → 4 → 0)")
emit("while_condition_input_count", "control_flow", patched(LOOP, lambda m: setattr(m.subgraphs[1], "inputs", [0, 1, 2, 2])),
     "condition subgraph 1 'while_cond' has 4 inputs, the node passes 3")
emit("while_output_count", "control_flow", patched(LOOP, lambda m: setattr(op0(m), "outputs", [3, 4])),
     "has 2 outputs for 3 inputs")
emit("while_body_input_type", "control_flow", patched(LOOP, lambda m: setattr(m.subgraphs[2].tensors[1], "type", schema.TensorType.INT32)),
     "body subgraph 2 'while_body' input 1 'while_body_arg1' is int32, the node passes float32")
emit("while_body_output_changes_shape", "control_flow", patched(LOOP, body_output_changes_shape),
     "has shape [3], loop variable 1 has [2, 3]; loop variables that change shape are not supported")
emit("while_condition_not_bool", "control_flow", patched(LOOP, lambda m: setattr(m.subgraphs[1], "outputs", [0])),
     "returns 'while_cond_arg0' of int32 [], expected one bool")
emit("while_unsupported_op_in_body", "control_flow", patched(LOOP, unsupported_op_in_body),
     "body subgraph 2 'while_body': 1 unsupported operator: node 1: NotAKernel")
emit("while_condition_never_false", "control_flow", patched(LOOP, condition_always_true),
     "stopped after 4096 iterations: one invoke may run 4096 loop iterations (Interpreter.Options.maximumLoopIterations)")
emit("while_slice_out_of_bounds_at_run_time", "control_flow", patched(TENSOR_ARRAY, loop_bound(7)),
     "(SLICE): slice begin 7 size -1 (computed at run time) is out of bounds for dimension 0 of size 6")
emit("if_condition_not_bool", "control_flow", patched(BRANCH, lambda m: setattr(tensors(m)[1], "type", schema.TensorType.FLOAT32)),
     "condition 'flag' is float32 [], expected one bool")
emit("if_else_subgraph_out_of_range", "control_flow", patched(BRANCH, loop_option("elseSubgraphIndex", 5)),
     "else subgraph index 5 is out of range (3 subgraphs)")
emit("if_branch_output_count", "control_flow", patched(BRANCH, lambda m: setattr(m.subgraphs[1], "outputs", [5])),
     "has 1 outputs, the node has 2")
emit("if_branch_output_shapes_differ", "control_flow", patched(BRANCH, lambda m: setattr(m.subgraphs[1], "outputs", [5, 0])),
     "output 1 has shape [2] from the then subgraph and [2, 3] from the else subgraph")

# 14. Recurrent layers: UNIDIRECTIONAL_SEQUENCE_LSTM's 24 inputs with optional
# ones present or omitted inconsistently, shapes against the sizes, state
# tensors that are not variables or alias each other, options out of range;
# REVERSE_V2 axes.
RECURRENT = fl.FIXTURES_ROOT / "ops" / "recurrent"
LSTM = (RECURRENT / "lstm_float32_plain.tflite").read_bytes()           # B=2, T=5, features 6, cells 7
LSTM_PEEPHOLE = (RECURRENT / "lstm_float32_peephole.tflite").read_bytes()
LSTM_PROJECTION = (RECURRENT / "lstm_float32_projection.tflite").read_bytes()  # 4 outputs
LSTM_LAYER_NORM = (RECURRENT / "lstm_float32_layer_norm.tflite").read_bytes()
LSTM_INT8 = (RECURRENT / "lstm_int8_plain.tflite").read_bytes()
REVERSE = (RECURRENT / "reverse_v2_two_axes.tflite").read_bytes()        # rank 4, axes [2, 1]


def lstm_input(m, k):
    """The tensor of the LSTM's input k."""
    return tensors(m)[op0(m).inputs[k]]


def omit_inputs(*ks):
    def edit(m):
        inputs = list(op0(m).inputs)
        for k in ks:
            inputs[k] = -1
        op0(m).inputs = inputs
    return edit


def set_inputs(**pairs):
    def edit(m):
        inputs = list(op0(m).inputs)
        for k, v in pairs.items():
            inputs[int(k[1:])] = inputs[v] if v >= 0 else v
        op0(m).inputs = inputs
    return edit


emit("lstm_state_not_variable", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 19), "isVariable", False)),
     "is read before any operator writes it")
emit("lstm_state_wrong_size", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 18), "shape", [2, 5])),
     "output state 'output_state' has shape [2, 5], expected 2 × 7 elements")
emit("lstm_cell_state_is_output_state", "recurrent", patched(LSTM, set_inputs(i19=18)), "output state and cell state are the same tensor")
emit("lstm_half_cifg", "recurrent", patched(LSTM, omit_inputs(5)),
     "input-gate input and recurrent weights must both be present (LSTM) or both omitted (CIFG)")
emit("lstm_cifg_with_input_gate_bias", "recurrent", patched(LSTM, omit_inputs(1, 5)),
     "input-gate bias is present but the input-gate weights are omitted (CIFG)")
emit("lstm_partial_peephole", "recurrent", patched(LSTM_PEEPHOLE, omit_inputs(11)),
     "peephole weights must be present for every gate")
emit("lstm_projection_bias_without_weights", "recurrent", patched(LSTM_PROJECTION, omit_inputs(16)),
     "projection bias is present without projection weights")
emit("lstm_outputs_differ_from_cells", "recurrent", patched(LSTM_PROJECTION, omit_inputs(16, 17)),
     "without projection the output size (4, from the recurrent weights) must equal the number of cells (7)")
emit("lstm_partial_layer_norm", "recurrent", patched(LSTM_LAYER_NORM, omit_inputs(22)),
     "cell-gate layer norm coefficients (input 22) are required with layer norm")
emit("lstm_missing_forget_bias", "recurrent", patched(LSTM, omit_inputs(13)), "forget-gate bias (input 13) is required but missing")
emit("lstm_input_rank_2", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 0), "shape", [10, 6])),
     "input 'input' has rank 2 (shape [10, 6]), expected 3")
emit("lstm_weights_transposed", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 2), "shape", [6, 7])),
     "forget-gate input weights 'forget_input_weights' has shape [6, 7], expected [7, 6]")
emit("lstm_diagonal_recurrent_weights", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 8), "shape", [49])),
     "expected 2 (diagonal recurrent weights are not supported)")
emit("lstm_diagonal_option", "recurrent", patched(LSTM, lambda m: set_option(m, "diagonalRecurrentTensors", True)),
     "diagonal recurrent weights are not supported")
emit("lstm_21_inputs", "recurrent", patched(LSTM, lambda m: setattr(op0(m), "inputs", list(op0(m).inputs)[:21])),
     "has 21 inputs, expected 20 or 24")
emit("lstm_negative_cell_clip", "recurrent", patched(LSTM, lambda m: set_option(m, "cellClip", -1.0)), "cell_clip -1.0 must be ≥ 0")
emit("lstm_nan_projection_clip", "recurrent", patched(LSTM, lambda m: set_option(m, "projClip", float("nan"))), "proj_clip nan must be ≥ 0")
emit("lstm_activation_none", "recurrent", patched(LSTM, lambda m: set_option(m, "fusedActivationFunction", 0)),
     "fused activation 0 is not supported")
emit("lstm_activation_sign_bit", "recurrent", patched(LSTM, lambda m: set_option(m, "fusedActivationFunction", 5)),
     "fused activation 5 is not supported")
emit("lstm_int32_bias", "recurrent", patched(LSTM, lambda m: setattr(lstm_input(m, 13), "type", schema.TensorType.INT32)),
     "forget-gate bias 'forget_bias' is int32, expected float32")
emit("lstm_int8_relu", "recurrent", patched(LSTM_INT8, lambda m: set_option(m, "fusedActivationFunction", 1)),
     "int8 LSTM with fused activation relu is not supported")


def cell_scale(m):
    lstm_input(m, 19).quantization.scale = [0.0003]


emit("lstm_int8_cell_scale_not_power_of_two", "recurrent", patched(LSTM_INT8, cell_scale),
     "int8 LSTM needs a power of two from 2^-30 to 1")


def empty_batch(m):
    for k, shape in ((0, [0, 5, 6]), (18, [0, 7]), (19, [0, 7])):
        lstm_input(m, k).shape = shape
    tensors(m)[op0(m).outputs[0]].shape = [0, 5, 7]


emit("lstm_empty_batch_runs_empty", "recurrent", patched(LSTM, empty_batch), None)


RNN = (RECURRENT / "rnn_float32_tanh.tflite").read_bytes()              # B=2, T=6, features 5, units 9
emit("rnn_state_wrong_shape", "recurrent", patched(RNN, lambda m: setattr(lstm_input(m, 4), "shape", [9, 2])),
     "hidden state 'hidden_state' has shape [9, 2], expected [2, 9]")
emit("rnn_recurrent_weights_not_square", "recurrent", patched(RNN, lambda m: setattr(lstm_input(m, 2), "shape", [3, 27])),
     "recurrent weights 'recurrent_weights' have shape [3, 27], expected [9, 9]")
emit("rnn_state_is_bias", "recurrent", patched(RNN, set_inputs(i3=4)), "bias 'hidden_state' has rank 2")
emit("rnn_activation_sign_bit", "recurrent", patched(RNN, lambda m: set_option(m, "fusedActivationFunction", 5)),
     "fused activation 5 is not supported")


def reverse_axes(*axes):
    def edit(m):
        t = tensors(m)[op0(m).inputs[1]]
        t.shape = [len(axes)]
        m.buffers[t.buffer].data = list(struct.pack(f"<{len(axes)}i", *axes))
    return edit


emit("reverse_non_contiguous_axes", "axis", patched(REVERSE, reverse_axes(1, 3)), "must name distinct, contiguous dimensions")
emit("reverse_repeated_axis", "axis", patched(REVERSE, reverse_axes(2, 2)), "must name distinct, contiguous dimensions")
emit("reverse_axis_out_of_range", "axis", patched(REVERSE, reverse_axes(4)), "axis 4 is out of range for rank 4")
# An empty constant is stored as no data at all: the validator sees an unwritten tensor.
emit("reverse_no_axes", "axis", patched(REVERSE, reverse_axes()), "is read before any operator writes it")

# 15. Inputs found by the fuzzer (tools/fuzz.sh), kept verbatim as files in OUT.
FOUND_BY_FUZZER = {
    # A sparse weight whose dense shape [32, 33554480] is 4 GB: expanding it at
    # prepare bypassed the arena limit (out of memory). Constants made at prepare
    # now count against Interpreter.Options.maximumArenaBytes.
    "fuzz_densify_4gb": "more than the limit",
    # A depthwise conv on a 206 GB input: the fast kernel sized a 34 GB zero row
    # from it at prepare and the allocation aborted. Tensors a node reads or
    # writes are now checked against the limit before and after its prepare.
    "fuzz_depthwise_34gb_zero_row": "more than the limit",
    # An 808-byte int8 MAX_POOL_2D with a 5,963,788-row window: about 6e12
    # operations (a fuzzer timeout). Work per invoke is now capped at prepare.
    "fuzz_pool_window_compute_bomb": "operations, more than the limit",
}
for name, error in FOUND_BY_FUZZER.items():
    assert (OUT / f"{name}.tflite").exists(), f"missing fuzzer regression {name}.tflite"
    entries.append({"name": name, "class": "fuzzer", "expect": "error", "error_contains": error})

(OUT / "manifest.json").write_text(json.dumps({"fixtures": entries}, indent=1) + "\n")
print(f"wrote {len(entries)} crafted models to {OUT}")
