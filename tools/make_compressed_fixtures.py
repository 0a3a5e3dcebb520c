#!/usr/bin/env python3
"""Generate compressed-weight fixtures (float16, dynamic-range hybrid, sparse).

Writes, with expected outputs from LiteRT's builtin kernels
(BUILTIN_WITHOUT_DEFAULT_DELEGATES):

    Tests/TFLiteEngineTests/Fixtures/ops/float16/   DEQUANTIZE(float16) + CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED,
                                                    and int8/uint8/int16 DEQUANTIZE variants (folded and at run time)
    Tests/TFLiteEngineTests/Fixtures/ops/hybrid/    float32 activations x int8 weights (Optimize.DEFAULT, no dataset)
    Tests/TFLiteEngineTests/Fixtures/ops/sparse/    EXPERIMENTAL_SPARSITY (DENSIFY), plus a crafted malformed model
    Tests/TFLiteEngineTests/Fixtures/models_compressed/   MobileNetV2 0.35 96x96, float16 and dynamic-range

Each converted model is checked to contain the intended ops and tensor types
(float16 constants feeding DEQUANTIZE; int8 per-channel weights on float ops;
a sparse tensor feeding DENSIFY).  Some variants are produced by patching the
converted flatbuffer (symmetric input quantization for FULLY_CONNECTED,
per-tensor conv weights, an out-of-range sparse index).

Usage: python3 tools/make_compressed_fixtures.py [--only float16|dequantize|hybrid|hybrid-exact|sparse|models]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()
import tensorflow as tf  # noqa: E402

ROOT = fl.FIXTURES_ROOT
SEED = 20261123


def f16(c):
    c.optimizations = [tf.lite.Optimize.DEFAULT]
    c.target_spec.supported_types = [tf.float16]


def dynamic(c):
    c.optimizations = [tf.lite.Optimize.DEFAULT]


def sparse(c):
    c.optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]


def keras_model(layers, input_shape, batch=1, seed=0):
    tf.keras.utils.set_random_seed(seed)
    inp = tf.keras.Input(input_shape, batch_size=batch)
    x = inp
    for layer in layers:
        x = layer(x)
    m = tf.keras.Model(inp, x)
    fl.keep_activations_alive(m, seed)
    # Non-zero biases so the float bias path is exercised.
    for layer in m.layers:
        if hasattr(layer, "bias") and layer.bias is not None:
            w = layer.get_weights()
            w[-1] = np.random.default_rng(seed).normal(0, 0.2, w[-1].shape).astype(np.float32)
            layer.set_weights(w)
    return m


def schema():
    import ai_edge_litert.schema_py_generated as s
    return s


def op_inputs(model_bytes, op_name):
    """Tensor objects of the inputs of every op named op_name."""
    m = fl.parse_model(model_bytes)
    sg = m.subgraphs[0]
    names = fl.builtin_op_names()
    out = []
    for op in sg.operators:
        if names[m.operatorCodes[op.opcodeIndex].builtinCode] == op_name:
            out.append([sg.tensors[i] if i >= 0 else None for i in op.inputs])
    return out


def save(group, name, op, model_bytes, inputs):
    outputs = fl.run_litert(model_bytes, inputs, kernels="builtin")
    fl.save_fixture(ROOT / group, name, op, model_bytes, inputs, outputs)
    print(f"  {group}/{name}: {len(model_bytes)} bytes, ops {fl.op_histogram(model_bytes)}")


def rand_inputs(model_bytes, rng, scale=1.0):
    ins, _ = fl.litert_io_details(model_bytes)
    return [(rng.normal(0, scale, d["shape"]).astype(np.float32)) for d in ins]


# ----------------------------------------------------------------- float16

def make_float16():
    print("float16")
    S = schema()
    cases = [
        ("conv2d_3x3_relu", "CONV_2D", [tf.keras.layers.Conv2D(8, 3, padding="same", activation="relu")], (7, 7, 4), 1),
        ("conv2d_3x3_s2_valid", "CONV_2D", [tf.keras.layers.Conv2D(6, 3, strides=2, padding="valid")], (9, 9, 3), 2),
        ("depthwise_3x3_relu6", "DEPTHWISE_CONV_2D", [tf.keras.layers.DepthwiseConv2D(3, padding="same", activation="relu6")], (6, 6, 8), 1),
        ("fully_connected", "FULLY_CONNECTED", [tf.keras.layers.Dense(10)], (16,), 3),
    ]
    for i, (name, op, layers, shape, batch) in enumerate(cases):
        m = keras_model(layers, shape, batch, seed=SEED + i)
        b = fl.convert_keras(m, f16)
        hist = fl.op_histogram(b)
        assert hist.get("DEQUANTIZE", 0) >= 1 and op in hist, hist
        for ins in op_inputs(b, "DEQUANTIZE"):
            assert ins[0].type == S.TensorType.FLOAT16, "DEQUANTIZE input is not float16"
        rng = np.random.default_rng(SEED + i)
        save("ops/float16", name, op, b, rand_inputs(b, rng))


def integer_dequantize_variant(b, qtype, per_channel, zero_point, as_graph_input):
    """Turn the float16 filter of a DEQUANTIZE(float16) fixture into an int8 /
    uint8 / int16 tensor with scale(s) and zero point(s).  With
    ``as_graph_input`` the model is cut down to the single DEQUANTIZE, whose
    input becomes the graph input (run-time path instead of folding)."""
    S = schema()
    names = fl.builtin_op_names()
    info = {"int8": (S.TensorType.INT8, np.int8), "uint8": (S.TensorType.UINT8, np.uint8), "int16": (S.TensorType.INT16, np.int16)}
    ttype, dtype = info[qtype]
    lo, hi = np.iinfo(dtype).min, np.iinfo(dtype).max

    def edit(m):
        sg = m.subgraphs[0]
        for op in sg.operators:
            if names[m.operatorCodes[op.opcodeIndex].builtinCode] != "DEQUANTIZE":
                continue
            t = sg.tensors[op.inputs[0]]
            if len(t.shape) != 4:
                continue  # the filter, not the bias
            real = fl.const_value(b, op.inputs[0]).astype(np.float32)
            channels = real.shape[0]
            if per_channel:
                scale = (np.abs(real).reshape(channels, -1).max(axis=1) / 100).astype(np.float32) + 1e-3
                zp = np.array([zero_point + (c % 3) for c in range(channels)], dtype=np.int64)
                q = np.clip(np.round(real / scale.reshape(-1, 1, 1, 1)) + zp.reshape(-1, 1, 1, 1), lo, hi).astype(dtype)
            else:
                scale = np.array([np.abs(real).max() / 100 + 1e-3], np.float32)
                zp = np.array([zero_point], np.int64)
                q = np.clip(np.round(real / scale[0]) + zp[0], lo, hi).astype(dtype)
            t.type = ttype
            t.quantization = S.QuantizationParametersT()
            t.quantization.scale = scale.tolist()
            t.quantization.zeroPoint = zp.tolist()
            t.quantization.quantizedDimension = 0
            m.buffers[t.buffer].data = np.frombuffer(q.tobytes(), dtype=np.uint8)
            if as_graph_input:
                m.buffers[t.buffer].data = None
                sg.operators = [op]
                sg.inputs = np.array([op.inputs[0]], dtype=np.int32)
                sg.outputs = np.array([op.outputs[0]], dtype=np.int32)
            return
        raise AssertionError("no DEQUANTIZE of a 4-D filter")
    return fl.patch_model(b, edit)


def make_integer_dequantize():
    print("integer DEQUANTIZE")
    src = (ROOT / "ops" / "float16" / "conv2d_3x3_relu.tflite").read_bytes()
    rng = np.random.default_rng(SEED + 40)
    for qtype, per_channel, zp in [("int8", True, -3), ("uint8", False, 128), ("int16", False, 0)]:
        tag = f"dequantize_{qtype}_{'per_channel' if per_channel else 'per_tensor'}"
        b = integer_dequantize_variant(src, qtype, per_channel, zp, as_graph_input=False)
        save("ops/float16", f"{tag}_folded", "DEQUANTIZE", b, rand_inputs(b, rng))
        b = integer_dequantize_variant(src, qtype, per_channel, zp, as_graph_input=True)
        ins, _ = fl.litert_io_details(b)
        d = ins[0]
        info = np.iinfo(d["dtype"])
        x = rng.integers(info.min, int(info.max) + 1, size=d["shape"]).astype(d["dtype"])
        save("ops/float16", f"{tag}_runtime", "DEQUANTIZE", b, [x])


# ------------------------------------------------------------------ hybrid

def check_hybrid(b, op, per_channel=True):
    S = schema()
    found = op_inputs(b, op)
    assert found, f"no {op} in {fl.op_histogram(b)}"
    for ins in found:
        assert ins[0].type == S.TensorType.FLOAT32
        w = ins[1]
        assert w.type == S.TensorType.INT8, f"{op} weights are {w.type}, not int8"
        if per_channel:
            assert len(w.quantization.scale) > 1, "expected per-channel weight scales"


def set_fc_asymmetric(b, value):
    names = fl.builtin_op_names()

    def edit(m):
        for op in m.subgraphs[0].operators:
            if names[m.operatorCodes[op.opcodeIndex].builtinCode] == "FULLY_CONNECTED":
                op.builtinOptions.asymmetricQuantizeInputs = value
    return fl.patch_model(b, edit)


def make_per_tensor_weights(b, op_name, keep_channels=False):
    """Requantize the int8 weights of op_name with one scale (max of the per-channel
    scales), so LiteRT takes its per-tensor (symmetric input) hybrid path.
    With keep_channels the one scale is repeated per channel (equal per-channel scales)."""
    names = fl.builtin_op_names()

    def edit(m):
        sg = m.subgraphs[0]
        for op in sg.operators:
            if names[m.operatorCodes[op.opcodeIndex].builtinCode] != op_name:
                continue
            t = sg.tensors[op.inputs[1]]
            scales = np.asarray(t.quantization.scale, dtype=np.float32)
            buf = m.buffers[t.buffer]
            q = np.frombuffer(bytes(np.asarray(buf.data, dtype=np.uint8)), dtype=np.int8).reshape(list(t.shape)).astype(np.float32)
            real = q * scales.reshape([-1] + [1] * (q.ndim - 1))
            s = float(scales.max())
            nq = np.clip(np.round(real / s), -127, 127).astype(np.int8)
            buf.data = np.frombuffer(nq.tobytes(), dtype=np.uint8)
            n = len(scales) if keep_channels else 1
            t.quantization.scale = [s] * n
            t.quantization.zeroPoint = [0] * n
    return fl.patch_model(b, edit)


def make_hybrid():
    print("hybrid")
    rng = np.random.default_rng(SEED)
    # FULLY_CONNECTED: default asymmetric input quantization, per-channel weights.
    m = keras_model([tf.keras.layers.Dense(24, activation="relu")], (64,), batch=3, seed=SEED + 10)
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "FULLY_CONNECTED")
    save("ops/hybrid", "fully_connected_asymmetric_relu", "FULLY_CONNECTED", b, rand_inputs(b, rng))
    b2 = set_fc_asymmetric(b, False)
    save("ops/hybrid", "fully_connected_symmetric_relu", "FULLY_CONNECTED", b2, rand_inputs(b2, rng))
    b3 = make_per_tensor_weights(b, "FULLY_CONNECTED")
    save("ops/hybrid", "fully_connected_per_tensor", "FULLY_CONNECTED", b3, rand_inputs(b3, rng))
    # Input with a large offset (asymmetric range far from symmetric).
    x = rand_inputs(b, rng)
    x = [np.abs(v) + 0.5 for v in x]
    save("ops/hybrid", "fully_connected_positive_inputs", "FULLY_CONNECTED", b, x)

    # Exact rounding ties: identity weights and inputs whose quantized values
    # fall on .5.  Range [-100, 155] gives scale 1 and zero point -28, so
    # round-then-offset and offset-then-round differ; [-127, 127] with
    # symmetric quantization gives scale 1.
    m = keras_model([tf.keras.layers.Dense(32, use_bias=False)], (32,), batch=2, seed=SEED + 15)
    m.layers[-1].set_weights([np.eye(32, dtype=np.float32)])
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "FULLY_CONNECTED", per_channel=False)
    ties = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 3.5, 10.5, -10.5, 99.5, -99.5, 0.0], np.float32)
    x = np.zeros((2, 32), np.float32)
    x[0, :12] = ties
    x[0, 12:14] = [-100, 155]
    x[1, :12] = ties
    x[1, 12:14] = [-127, 127]
    save("ops/hybrid", "fully_connected_ties_asymmetric", "FULLY_CONNECTED", b, [x])
    save("ops/hybrid", "fully_connected_ties_symmetric", "FULLY_CONNECTED", set_fc_asymmetric(b, False), [x])

    # CONV_2D: >= 1024 weights so the converter quantizes them.
    m = keras_model([tf.keras.layers.Conv2D(16, 3, padding="same", activation="relu6")], (8, 8, 12), batch=2, seed=SEED + 11)
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "CONV_2D")
    save("ops/hybrid", "conv2d_3x3_same_relu6", "CONV_2D", b, rand_inputs(b, rng, 2.0))
    save("ops/hybrid", "conv2d_per_tensor", "CONV_2D", make_per_tensor_weights(b, "CONV_2D"), rand_inputs(b, rng))
    m = keras_model([tf.keras.layers.Conv2D(32, 1, strides=2, padding="valid")], (9, 9, 40), batch=1, seed=SEED + 12)
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "CONV_2D")
    save("ops/hybrid", "conv2d_1x1_s2_valid", "CONV_2D", b, rand_inputs(b, rng))

    # DEPTHWISE_CONV_2D: 3x3x128 = 1152 weights.
    m = keras_model([tf.keras.layers.DepthwiseConv2D(3, padding="same", activation="relu")], (6, 6, 128), batch=1, seed=SEED + 13)
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "DEPTHWISE_CONV_2D")
    save("ops/hybrid", "depthwise_3x3_same_relu", "DEPTHWISE_CONV_2D", b, rand_inputs(b, rng))
    m = keras_model([tf.keras.layers.DepthwiseConv2D(3, strides=2, padding="valid", depth_multiplier=2)], (7, 7, 64), batch=2, seed=SEED + 14)
    b = fl.convert_keras(m, dynamic)
    check_hybrid(b, "DEPTHWISE_CONV_2D")
    save("ops/hybrid", "depthwise_3x3_s2_valid_m2", "DEPTHWISE_CONV_2D", b, rand_inputs(b, rng))


def make_hybrid_exact():
    """Hybrid convolutions compared bit-exactly (tolerance 0) with LiteRT's
    builtin kernels: the float products after the int32 sum must come in
    the builtin kernel's order, and grouped CONV_2D (ConvNeXt's 7x7
    depthwise-as-grouped convolution) quantizes its input asymmetrically
    like LiteRT's per-channel fallback even when the filter scales are equal.
    One product rounded differently in an early layer flips a later layer's
    int8 input; random-weight models (the zoo) amplify that up to LiteRT's
    own builtin-vs-XNNPACK spread."""
    print("hybrid (bit-exact)")
    rng = np.random.default_rng(SEED + 30)
    cases = [
        # groups == channels: ConvNeXt's depthwise block, 7x7x1x32 = 1568 weights.
        ("conv2d_grouped_depthwise_7x7", "CONV_2D",
         [tf.keras.layers.Conv2D(32, 7, padding="same", groups=32)], (9, 9, 32), 2),
        # Two groups of 8 input channels, 3x3x8x16 = 1152 weights, stride 2.
        ("conv2d_grouped_2_s2", "CONV_2D",
         [tf.keras.layers.Conv2D(16, 3, strides=2, padding="same", groups=2, activation="relu")], (9, 9, 16), 1),
        # DEPTHWISE_CONV_2D, 48 channels (blocks of four only).
        ("depthwise_5x5_same_exact", "DEPTHWISE_CONV_2D",
         [tf.keras.layers.DepthwiseConv2D(5, padding="same")], (8, 8, 48), 2),
        # 22 channels: LiteRT rescales channels 0-19 in blocks of four as
        # (acc x channel scale) x input scale, 20-21 as (acc x input scale) x channel scale.
        ("depthwise_7x7_22_channels_exact", "DEPTHWISE_CONV_2D",
         [tf.keras.layers.DepthwiseConv2D(7, strides=2, padding="same")], (11, 11, 22), 2),
        # CONV_2D per channel (im2col + GEMM): acc x (channel scale x input scale).
        ("conv2d_3x3_per_channel_exact", "CONV_2D",
         [tf.keras.layers.Conv2D(24, 3, padding="same")], (8, 8, 8), 2),
        # FULLY_CONNECTED on a 4-D input (one quantization block per row of
        # 64 features), as ConvNeXt's pointwise layers.
        ("fully_connected_4d_rows_exact", "FULLY_CONNECTED",
         [tf.keras.layers.Dense(40)], (5, 6, 64), 1),
    ]
    for i, (name, op, layers, shape, batch) in enumerate(cases):
        m = keras_model(layers, shape, batch=batch, seed=SEED + 31 + i)
        b = fl.convert_keras(m, dynamic)
        check_hybrid(b, op, per_channel=False)
        x = rand_inputs(b, rng)
        outputs = fl.run_litert(b, x, kernels="builtin")
        entry = fl.save_fixture(ROOT / "ops/hybrid", name, op, b, x, outputs)
        entry["tolerance"] = 0
        fl.upsert_manifest_entry(ROOT / "ops/hybrid", entry)
        print(f"  ops/hybrid/{name}: {len(b)} bytes, ops {fl.op_histogram(b)}")
    # Grouped with equal per-channel filter scales: LiteRT's EvalHybrid has
    # no grouped form, so it still quantizes the input asymmetrically (and
    # it refuses a grouped hybrid filter with a single scale).
    m = keras_model([tf.keras.layers.Conv2D(32, 7, padding="same", groups=32)], (9, 9, 32), batch=1, seed=SEED + 40)
    b = make_per_tensor_weights(fl.convert_keras(m, dynamic), "CONV_2D", keep_channels=True)
    check_hybrid(b, "CONV_2D", per_channel=False)
    x = [np.abs(v) + 0.25 for v in rand_inputs(b, rng)]
    outputs = fl.run_litert(b, x, kernels="builtin")
    entry = fl.save_fixture(ROOT / "ops/hybrid", "conv2d_grouped_equal_scales", "CONV_2D", b, x, outputs)
    entry["tolerance"] = 0
    fl.upsert_manifest_entry(ROOT / "ops/hybrid", entry)
    print(f"  ops/hybrid/conv2d_grouped_equal_scales: {len(b)} bytes")


# ------------------------------------------------------------------ sparse

def sparse_tensors(b):
    m = fl.parse_model(b)
    return [t for t in m.subgraphs[0].tensors if t.sparsity is not None]


def insert_densify(b):
    S = schema()

    def edit(m):
        sg = m.subgraphs[0]
        code = S.OperatorCodeT()
        code.builtinCode = S.BuiltinOperator.DENSIFY
        code.deprecatedBuiltinCode = S.BuiltinOperator.DENSIFY
        code.version = 1
        m.operatorCodes.append(code)
        for op in list(sg.operators):
            for pos, t in enumerate(op.inputs):
                if t < 0 or sg.tensors[t].sparsity is None:
                    continue
                src = sg.tensors[t]
                dense = S.TensorT()
                dense.shape = np.array(src.shape, dtype=np.int32)
                dense.type = src.type
                dense.name = (src.name or b"w") + b"_dense"
                dense.buffer = 0
                sg.tensors.append(dense)
                d = S.OperatorT()
                d.opcodeIndex = len(m.operatorCodes) - 1
                d.inputs = np.array([t], dtype=np.int32)
                d.outputs = np.array([len(sg.tensors) - 1], dtype=np.int32)
                sg.operators.insert(0, d)
                op.inputs[pos] = len(sg.tensors) - 1
    return fl.patch_model(b, edit)


def make_sparse():
    print("sparse")
    rng = np.random.default_rng(SEED + 20)
    # Unstructured: ~85% zeros in a Dense kernel.
    m = keras_model([tf.keras.layers.Dense(24)], (40,), batch=2, seed=SEED + 21)
    k, bias = m.layers[-1].get_weights()
    k = k * (rng.random(k.shape) < 0.15)
    m.layers[-1].set_weights([k.astype(np.float32), bias])
    b = fl.convert_keras(m, sparse)
    hist = fl.op_histogram(b)
    assert "DENSIFY" in hist and sparse_tensors(b), f"no DENSIFY / sparse tensor: {hist}"
    save("ops/sparse", "fully_connected_random", "DENSIFY", b, rand_inputs(b, rng))
    random_model = b

    # Block sparsity: blocks of 1 output x 4 consecutive inputs (TFLite weight
    # layout [out, in]) kept at random; the converter then stores 1x4 blocks.
    m = keras_model([tf.keras.layers.Dense(32)], (48,), batch=1, seed=SEED + 22)
    k, bias = m.layers[-1].get_weights()   # Keras layout [in, out]
    mask = (rng.random((k.shape[0] // 4, k.shape[1])) < 0.2).repeat(4, axis=0)
    m.layers[-1].set_weights([(k * mask).astype(np.float32), bias])
    b = fl.convert_keras(m, sparse)
    st = sparse_tensors(b)
    assert st and st[0].sparsity.blockMap is not None and list(st[0].sparsity.blockMap) == [1], "no 1x4 block sparse tensor"
    # With block sparsity the converter lets FULLY_CONNECTED read the sparse
    # weights itself (LiteRT's sparse FC kernel).  Insert an explicit DENSIFY
    # in front so the fixture exercises block-sparse DENSIFY.
    save("ops/sparse", "fully_connected_block1x4_direct", "FULLY_CONNECTED", b, rand_inputs(b, rng))
    b = insert_densify(b)
    assert "DENSIFY" in fl.op_histogram(b)
    save("ops/sparse", "fully_connected_block1x4", "DENSIFY", b, rand_inputs(b, rng))

    # Sparse conv filter.
    m = keras_model([tf.keras.layers.Conv2D(16, 3, padding="same")], (6, 6, 8), batch=1, seed=SEED + 23)
    k, bias = m.layers[-1].get_weights()
    m.layers[-1].set_weights([(k * (rng.random(k.shape) < 0.1)).astype(np.float32), bias])
    b = fl.convert_keras(m, sparse)
    hist = fl.op_histogram(b)
    if "DENSIFY" in hist and sparse_tensors(b):
        save("ops/sparse", "conv2d_random", "DENSIFY", b, rand_inputs(b, rng))
    else:
        print("    conv2d: converter did not emit DENSIFY", hist)

    # Crafted malformed model: one array_indices entry out of range.
    def corrupt(mod):
        for t in mod.subgraphs[0].tensors:
            if t.sparsity is None:
                continue
            for dm in t.sparsity.dimMetadata:
                if dm.format == 1 and dm.arrayIndices is not None:
                    dm.arrayIndices.values = np.array(dm.arrayIndices.values).copy()
                    dm.arrayIndices.values[0] = 1000 if dm.arrayIndicesType != 3 else 255
                    return
        raise AssertionError("no sparse dimension to corrupt")
    bad = fl.patch_model(random_model, corrupt)
    d = ROOT / "ops" / "sparse" / "malformed"
    d.mkdir(parents=True, exist_ok=True)
    (d / "index_out_of_range.tflite").write_bytes(bad)
    print(f"  ops/sparse/malformed/index_out_of_range.tflite: {len(bad)} bytes")


# ------------------------------------------------------------------ models

def make_models():
    print("models")
    m = tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, weights=None, classes=16,
                                          input_tensor=tf.keras.Input((96, 96, 3), batch_size=1))
    fl.keep_activations_alive(m, SEED)
    rng = np.random.default_rng(SEED + 30)
    for kind, cfg in [("float16", f16), ("dynamic", dynamic)]:
        b = fl.convert_keras(m, cfg)
        x = [rng.normal(0, 1, (1, 96, 96, 3)).astype(np.float32)]
        save("models_compressed", f"mobilenet_v2_035_96_{kind}", "MODEL", b, x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", choices=["float16", "dequantize", "hybrid", "hybrid-exact", "sparse", "models"])
    a = ap.parse_args()
    for name, fn in [("float16", make_float16), ("dequantize", make_integer_dequantize), ("hybrid", make_hybrid), ("hybrid-exact", make_hybrid_exact), ("sparse", make_sparse), ("models", make_models)]:
        if a.only in (None, name):
            fn()
    print("fixture tree size:", fl.dir_size(ROOT))


if __name__ == "__main__":
    main()
