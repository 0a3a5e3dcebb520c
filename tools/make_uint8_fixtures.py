#!/usr/bin/env python3
"""Generate legacy uint8 (asymmetric, per-tensor) single-op fixtures.

The modern converter cannot emit uint8 models, so each case of
``make_int8_fixtures.py`` is converted to int8 with per-tensor weights and
then rewritten through the flatbuffers object API into a uint8 model:

* every int8 activation tensor becomes uint8 with zero point + 128 (same scale);
* int8 constant operands (e.g. an ADD/MUL constant) are shifted by 128;
* CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED weights are re-quantized
  **asymmetrically** to uint8 (scale = (max − min)/255, zero point from the
  minimum), so the filter offset is non-trivial as in the old "quant.tflite"
  MobileNets, and the int32 bias is re-quantized to input_scale·weight_scale.

Expected outputs come from LiteRT's reference kernels
(``OpResolverType.BUILTIN_REF``): TFLite Micro no longer runs uint8 models.
Manifest entries carry ``"reference": "litert-reference"``, ``"tolerance": 0``.

Output: Tests/TFLiteEngineTests/Fixtures/ops/uint8/

Usage:
    python3 tools/make_uint8_fixtures.py [--only NAME] [--list] [--clean]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402
import make_int8_fixtures as m8  # noqa: E402

DEFAULT_OUT = fl.FIXTURES_ROOT / "ops" / "uint8"

# Cases of make_int8_fixtures.py that are rewritten to uint8 (a representative subset).
SELECTED = [
    "conv2d_3x3_s1_same_relu", "conv2d_3x3_s2_valid_relu", "conv2d_5x5_s2_same_relu6", "conv2d_1x1_s1_valid_none",
    "depthwise_conv2d_3x3_m1_s1_same_relu6", "depthwise_conv2d_3x3_m2_s1_same_relu6", "depthwise_conv2d_3x3_m1_s2_valid_none",
    "fully_connected_2x12_7_per_tensor_none", "fully_connected_3x12_7_per_tensor_relu6",
    "add_1x4x5x3_1x4x5x3_none", "add_2x1x5x3_1x4x1x3_relu6", "add_1x4x5x6_const_channel_none",
    "mul_1x4x5x3_1x4x5x3_none", "mul_2x1x5x3_1x4x1x3_relu6", "mul_1x4x5x6_const_channel_none",
    "max_pool2d_3x3_s2_same_relu", "average_pool2d_3x3_s2_same_none", "average_pool2d_5x5_s3_same_relu",
    "mean_axes12_keep", "mean_axes1_drop",
    "softmax_2x10_beta1p0_in2p0", "softmax_2x10_beta0p5_in3p0", "softmax_1x300_beta1p0_in10p0",
    "logistic_2x40_in3p0", "logistic_3x7_in0p5",
    "concatenation_axis3_1x3x4x2_1x3x4x5_scales1p0_4p0", "pad_1x5x6x3", "reshape_2x3x4_to_4x6",
    "quantize_avgpool_dequantize_1x6x7x3", "quantize_int8_requantize_1x4x5x6",
    "hard_swish_2x5x6x4_in3p0", "hard_swish_1x300_in12p0", "hard_swish_1x256_q_in0p5_zp127_out0p0042_zpm128",
    "hard_swish_1x256_q_in0p0001_zpm128_out0p05_zp127",
    "relu_2x5x6x4_requantized", "relu6_1x256_q_in0p1_zpm5_out0p01_zp60", "relu_n1_to_1_2x5x6x4_requantized",
    "sub_1x4x5x3_1x4x5x3_relu", "sub_2x1x5x3_1x4x1x3_relu6", "sub_1x4x5x3_3_none", "sub_1x4x5x6_const_channel_none",
    "gelu_1x300_exact_in3p0", "gelu_2x5x6x4_approximate_in2p0",
    "tanh_2x5x6x4_in3p0", "tanh_1x256_q_in0p05_zp40_out0p01_zpm100",
    "leaky_relu_2x5x6x4_alpha0p2_in3p0", "leaky_relu_1x256_alpha1p7_q_in0p002_zpm128_out0p5_zp127",
    "prelu_1x4x5x6_shared12", "prelu_1x3x5x4_q_in0p05_zp127_out0p02_zpm128",
    "div_1x4x5x3_1x4x5x3_none", "div_2x1x5x3_1x4x1x3_relu6", "div_1x16x16_1x16x16_none_q_zp_extremes",
    "sum_axes12_keep_1x7x9x5", "sum_axes1_keep_2x6x4_q_in0p3_zp127_out0p05_zpm128",
    "l2_normalization_2x5x16_in2p0", "l2_normalization_3x256_q_in0p01_zp127",
    "log_softmax_3x16_in2p0", "log_softmax_2x64_q_in3p0_zpm128",
    "softmax_2x10_q_in8em9_zp0", "softmax_3x100_q_in1em12_zpm128",
    "resize_nearest_neighbor_1x5x6x3_to_9x13_half", "resize_nearest_neighbor_2x7x5x4_to_3x4_align",
    "transpose_conv_3x3_s2_same_1x5x6x4_c6", "transpose_conv_4x4_s3_valid_1x3x4x2_c3_relu",
    "transpose_conv_3x3_s1_same_1x6x6x8_c4_nobias",
]

# Operator → (input, weights, bias) operand positions.
WEIGHT_OPS = {"CONV_2D": (0, 1, 2), "DEPTHWISE_CONV_2D": (0, 1, 2), "FULLY_CONNECTED": (0, 1, 2), "TRANSPOSE_CONV": (2, 1, 3)}


def to_uint8(model_bytes: bytes) -> bytes:
    import ai_edge_litert.schema_py_generated as schema

    model = fl.parse_model(model_bytes)
    sg = model.subgraphs[0]
    names = fl.builtin_op_names()
    buffers = model.buffers

    def data(t):
        b = buffers[t.buffer]
        return None if b is None or b.data is None or len(b.data) == 0 else b

    def set_data(t, array):
        buffers[t.buffer].data = np.frombuffer(np.ascontiguousarray(array).tobytes(), dtype=np.uint8).copy()

    done = set()
    for op in sg.operators:
        code = model.operatorCodes[op.opcodeIndex]
        name = names[max(code.builtinCode, code.deprecatedBuiltinCode)]
        if name not in WEIGHT_OPS:
            continue
        xi, wi, bi = WEIGHT_OPS[name]
        x, w = sg.tensors[op.inputs[xi]], sg.tensors[op.inputs[wi]]
        if len(w.quantization.scale) != 1:
            raise ValueError(f"{name}: per-channel weights cannot become uint8")
        real = np.frombuffer(bytes(data(w).data), dtype=np.int8).astype(np.float64) * float(w.quantization.scale[0])
        lo, hi = min(float(real.min()), 0.0), max(float(real.max()), 0.0)
        scale = np.float32((hi - lo) / 255.0 if hi > lo else 1.0)
        zp = int(np.clip(np.round(-lo / float(scale)), 0, 255))
        q = np.clip(np.round(real / float(scale)) + zp, 0, 255).astype(np.uint8)
        set_data(w, q)
        w.type = schema.TensorType.UINT8
        w.quantization.scale = [float(scale)]
        w.quantization.zeroPoint = [zp]
        w.quantization.quantizedDimension = 0
        done.add(op.inputs[wi])
        if len(op.inputs) > bi and op.inputs[bi] >= 0:
            bt = sg.tensors[op.inputs[bi]]
            b_real = np.frombuffer(bytes(data(bt).data), dtype="<i4").astype(np.float64) * float(bt.quantization.scale[0])
            b_scale = float(np.float32(x.quantization.scale[0]) * scale)
            set_data(bt, np.round(b_real / b_scale).astype("<i4"))
            bt.quantization.scale = [b_scale]
            bt.quantization.zeroPoint = [0]
            done.add(op.inputs[bi])
    for i, t in enumerate(sg.tensors):
        if t.type != schema.TensorType.INT8 or i in done:
            continue
        t.type = schema.TensorType.UINT8
        if t.quantization is not None and t.quantization.zeroPoint is not None:
            t.quantization.zeroPoint = [int(z) + 128 for z in t.quantization.zeroPoint]
        b = data(t)
        if b is not None:
            v = np.frombuffer(bytes(b.data), dtype=np.int8).astype(np.int16) + 128
            set_data(t, v.astype(np.uint8))
    model.signatureDefs = None
    return fl.pack_model(model)


def mixed_requantize(uint8_model: bytes, output_signed: bool) -> bytes:
    """From the uint8 PAD → QUANTIZE model: make the QUANTIZE output int8
    (uint8 → int8), or make the QUANTIZE input side int8 (int8 → uint8)."""
    import ai_edge_litert.schema_py_generated as schema

    model = fl.parse_model(uint8_model)
    sg = model.subgraphs[0]
    if output_signed:
        t = sg.tensors[sg.outputs[0]]
        t.type = schema.TensorType.INT8
        t.quantization.zeroPoint = [int(t.quantization.zeroPoint[0]) - 128]
    else:
        pad = sg.operators[0]
        for i in (pad.inputs[0], pad.outputs[0]):
            t = sg.tensors[i]
            t.type = schema.TensorType.INT8
            t.quantization.zeroPoint = [int(t.quantization.zeroPoint[0]) - 128]
    return fl.pack_model(model)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=8642)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args(argv)
    cases = {c.name: c for c in m8.all_cases()}
    missing = [n for n in SELECTED if n not in cases]
    if missing:
        raise SystemExit(f"unknown cases: {missing}")
    selected = [cases[n] for n in SELECTED if not args.only or any(o in n for o in args.only)]
    if args.list:
        for c in selected:
            print(f"{c.op:20s} {c.name}")
        return 0
    if args.clean:
        fl.clean_fixture_dir(args.out)
    t0 = time.time()
    for case in selected:
        rng = np.random.default_rng(fl.name_seed(args.seed, case.name))
        fn, shapes = case.build(rng)
        int8 = m8.convert_int8(fn, shapes, case.input_scales, rng, case.float_io, per_channel=False)
        if case.patch is not None:
            int8 = fl.patch_model(int8, case.patch)
        model = to_uint8(int8)
        if case.float_io:
            inputs = [(rng.standard_normal(s) * 2.0).astype(np.float32) for s in shapes]
        else:
            inputs = [rng.integers(0, 256, size=s, dtype=np.uint8) for s in shapes]
        if case.nonzero_divisor:
            inputs[1] = m8.avoid_zero_point(inputs[1], m8.io_types(model)[1])
        # SOFTMAX scales too small for the fixed point abort LiteRT's reference
        # kernels; those cases take LiteRT's default kernels.
        reference = "builtin" if case.reference == "builtin" else "reference"
        outputs = fl.run_litert(model, inputs, reference)
        builtin = fl.run_litert(model, inputs, "builtin")
        name = case.name.replace("int8", "uint8")
        fl.save_fixture(args.out, name, case.op, model, inputs, outputs, reference=f"litert-{reference}")
        manifest = fl.load_manifest(args.out)
        for e in manifest["fixtures"]:
            if e["name"] == name:
                e["tolerance"] = 0
        fl.write_manifest(args.out, manifest)
        if case.op == "CONCATENATION":
            # LiteRT requantizes uint8 inputs whose quantization differs from
            # the output's (ConcatenationWithScaling); the converter never
            # emits that, so give each input its own scale and zero point.
            def rescale_inputs(m):
                sg = m.subgraphs[0]
                for k, i in enumerate(sg.operators[0].inputs):
                    q = sg.tensors[i].quantization
                    q.scale = [float(q.scale[0]) * (0.6 + 0.9 * k)]
                    q.zeroPoint = [int(q.zeroPoint[0]) + 20 * k - 7]
            mixed = fl.patch_model(model, rescale_inputs)
            ys = fl.run_litert(mixed, inputs, "reference")
            mname = case.name + "_requantized_inputs"
            fl.save_fixture(args.out, mname, case.op, mixed, inputs, ys, reference="litert-reference")
            manifest = fl.load_manifest(args.out)
            for e in manifest["fixtures"]:
                e["tolerance"] = 0
            fl.write_manifest(args.out, manifest)
            print(f"CONCATENATION      {mname}", flush=True)
        if case.name.startswith("quantize_int8_requantize"):
            for signed_out, tag in ((True, "uint8_to_int8"), (False, "int8_to_uint8")):
                mixed = mixed_requantize(model, signed_out)
                xs = [inputs[0] if signed_out else (inputs[0].astype(np.int16) - 128).astype(np.int8)]
                ys = fl.run_litert(mixed, xs, "reference")
                mname = f"quantize_{tag}_requantize"
                fl.save_fixture(args.out, mname, "QUANTIZE", mixed, xs, ys, reference="litert-reference")
                manifest = fl.load_manifest(args.out)
                for e in manifest["fixtures"]:
                    e["tolerance"] = 0
                fl.write_manifest(args.out, manifest)
                print(f"QUANTIZE           {mname:55s} {ys[0].dtype}", flush=True)
        diffs = [int(np.sum(a.astype(np.float64) != b.astype(np.float64))) for a, b in zip(outputs, builtin)]
        print(f"{case.op:18s} {name:55s} {len(model):6d} B  builtin differs in {diffs} elements", flush=True)
    print(f"wrote {len(selected)} fixtures to {args.out} ({fl.dir_size(args.out) / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
