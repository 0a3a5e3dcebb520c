#!/usr/bin/env python3
"""Generate FULLY_CONNECTED fixtures with the largest int8/uint8 accumulations
whose outputs are informative (vary, none saturated), checked against TFLite
Micro (int8) or LiteRT's reference kernels (uint8: Micro has no uint8 kernels).

Why: the fast quantized GEMM accumulates exact integer products in float32
chunks (exact only up to 2^24) and hands over to int32 between chunks. A test
whose every input and weight is 255 and whose output scale comes from the
same numbers gives one constant output byte, so an accumulator error is
invisible until it is tens of thousands of units. Here:

* ``near_max`` cases: inputs and weights are the largest values (uint8 255,
  int8 input 127 with zero point -128 and weights 127) with a few values one
  to three steps lower, so every product is near the largest (255·255 for
  uint8, 255·127 for int8) and K up to 5,000 gives accumulators of ~3·10^8;
  the int32 bias cancels the mean accumulation (plus a per-column offset) and
  the output scale is 16 accumulator units per output step, so an
  accumulator error of 8 units changes an output byte. With the default
  scales (0.02, 0.003) the float32 scales make the multiplier slightly above
  1/16 (no exact ties; it tells a double-precision in·w from a float one);
  the ``exact_ties`` case uses scales 0.5 and 0.25 (output scale 2.0, the
  multiplier exactly 1/16), so about one output in 16 is an exact rounding
  tie of either sign, which pins the rounding rule (LiteRT's reference uint8
  kernel: one rounding, ties away from zero); the ``float_product_ties``
  case has float32 scales whose float32 product is exactly 1/16 of the output
  scale while their double product is 1.05e-9 below (the multiplier
  2^31 − 36 at shift −4 instead of 2^30 at −3), so it tells which precision
  the multiplier is computed in (LiteRT: double);
* ``spread`` cases: inputs and weights uniform over the whole range, the bias
  cancelling each column's mean, the output scale spreading the outputs over
  most of the range.

The generator checks that each case's reference outputs take many values and
that few are saturated, and writes ``"op": "FULLY_CONNECTED"`` entries (bit-exact, tolerance 0) to
Tests/TFLiteEngineTests/Fixtures/ops/int8_accumulation/manifest.json.

Usage:
    python3 tools/make_accumulation_fixtures.py [--out DIR]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

DEFAULT_OUT = fl.FIXTURES_ROOT / "ops" / "int8_accumulation"


def fc_model(signed: bool, batch: int, k: int, n: int, weights: np.ndarray, bias: np.ndarray,
             input_q: tuple[float, int], weight_q: tuple[float, int], output_q: tuple[float, int]) -> bytes:
    """A one-op FULLY_CONNECTED model built with the schema's object API."""
    import ai_edge_litert.schema_py_generated as s

    qtype = s.TensorType.INT8 if signed else s.TensorType.UINT8

    def quant(scale, zp):
        q = s.QuantizationParametersT()
        q.scale = [float(scale)]
        q.zeroPoint = [int(zp)]
        return q

    def buffer(data: bytes | None):
        b = s.BufferT()
        b.data = None if data is None else np.frombuffer(data, dtype=np.uint8).copy()
        return b

    def tensor(name, shape, type_, buf, q):
        t = s.TensorT()
        t.name = name
        t.shape = list(shape)
        t.type = type_
        t.buffer = buf
        t.quantization = q
        return t

    model = s.ModelT()
    model.version = 3
    model.description = "make_accumulation_fixtures"
    code = s.OperatorCodeT()
    code.builtinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.deprecatedBuiltinCode = s.BuiltinOperator.FULLY_CONNECTED
    code.version = 4 if signed else 1
    model.operatorCodes = [code]
    model.buffers = [buffer(None), buffer(None), buffer(weights.astype(np.int8 if signed else np.uint8).tobytes()),
                     buffer(bias.astype("<i4").tobytes()), buffer(None)]
    sg = s.SubGraphT()
    sg.name = "main"
    sg.tensors = [
        tensor("input", (batch, k), qtype, 1, quant(*input_q)),
        tensor("weights", (n, k), qtype, 2, quant(*weight_q)),
        tensor("bias", (n,), s.TensorType.INT32, 3, quant(input_q[0] * weight_q[0], 0)),
        tensor("output", (batch, n), qtype, 4, quant(*output_q)),
    ]
    sg.inputs, sg.outputs = [0], [3]
    op = s.OperatorT()
    op.opcodeIndex = 0
    op.inputs, op.outputs = [0, 1, 2], [3]
    op.builtinOptionsType = s.BuiltinOptions.FullyConnectedOptions
    opts = s.FullyConnectedOptionsT()
    opts.fusedActivationFunction = s.ActivationFunctionType.NONE
    op.builtinOptions = opts
    sg.operators = [op]
    model.subgraphs = [sg]
    return fl.pack_model(model)


def near_max(rng, shape, top: int, density: float, largest_step: int) -> np.ndarray:
    """`top` everywhere except a few values (fraction `density`) 1..largest_step lower."""
    v = np.full(shape, top, dtype=np.int64)
    mask = rng.random(shape) < density
    v[mask] -= rng.integers(1, largest_step + 1, size=int(mask.sum()))
    return v


def make_case(name: str, signed: bool, design: str, batch: int, k: int, n: int, seed: int,
              scales: tuple[float, float] = (0.02, 0.003)):
    rng = np.random.default_rng(fl.name_seed(seed, name))
    input_zp = -128 if signed else 0
    lo, hi = (-128, 127) if signed else (0, 255)
    whi = 127 if signed else 255
    if design == "near_max":
        # Each input row: only a handful of values below the top (row sums
        # differ by a few products), weights 0–3 steps below the top.
        x = near_max(rng, (batch, k), hi, density=3.0 / k, largest_step=2)
        w = near_max(rng, (n, k), whi, density=0.3, largest_step=3)
        steps_per_output = 16  # accumulator units per output step (M = 1/16)
    else:
        x = rng.integers(lo, hi + 1, size=(batch, k))
        w = rng.integers(0, whi + 1, size=(n, k))  # non-negative: sums grow with K
        steps_per_output = None
    acc = (x - input_zp) @ w.T  # int64, [batch, n]
    input_scale, weight_scale = scales
    if steps_per_output is None:
        # Cancel each column's mean; spread ±3σ over ±120 output steps.
        centred = acc - np.round(acc.mean(axis=0)).astype(np.int64)
        steps_per_output = max(1, int(np.ceil(3 * centred.std() / 120)))
        bias = -np.round(acc.mean(axis=0)).astype(np.int64)
    else:
        offsets = rng.integers(-60, 61, size=n) * steps_per_output
        bias = -np.round(acc.mean(axis=0)).astype(np.int64) + offsets
    if np.abs(bias).max() >= 2**31 or np.abs(acc + bias).max() >= 2**31:
        raise SystemExit(f"{name}: int32 overflow in the design")
    output_scale = input_scale * weight_scale * steps_per_output
    output_zp = 0 if signed else 128
    model = fc_model(signed, batch, k, n, w, bias, (input_scale, input_zp), (weight_scale, 0), (output_scale, output_zp))
    x_q = x.astype(np.int8 if signed else np.uint8)
    reference = "tflite-micro" if signed else "litert-reference"
    (out,) = fl.run_micro(model, [x_q]) if signed else fl.run_litert(model, [x_q], kernels="reference")
    values = out.astype(np.int64).ravel()
    distinct = len(set(values.tolist()))
    saturated = int(np.sum((values == lo) | (values == hi)))
    largest = int(np.abs(acc).max())
    print(f"{name}: largest |accumulator| {largest} (2^{np.log2(largest):.1f}), {steps_per_output} units per output step, "
          f"{distinct} distinct outputs of {values.size}, {saturated} saturated")
    if distinct < min(values.size // 3, 40) or saturated > values.size // 20:
        raise SystemExit(f"{name}: outputs not informative enough")
    if largest < 2**24:
        raise SystemExit(f"{name}: accumulators stay below 2^24")
    return model, x_q, out, reference


CASES = [
    # name, signed, design, batch, k, n[, (input scale, weight scale)]
    ("fully_connected_uint8_near_max_k300", False, "near_max", 3, 300, 24),
    ("fully_connected_uint8_near_max_k1300", False, "near_max", 3, 1300, 24),
    ("fully_connected_uint8_near_max_k5000", False, "near_max", 3, 5000, 24),
    ("fully_connected_uint8_spread_k5000", False, "spread", 6, 5000, 16),
    ("fully_connected_int8_near_max_k1300_single_row", True, "near_max", 1, 1300, 40),
    ("fully_connected_int8_near_max_k5000_single_row", True, "near_max", 1, 5000, 40),
    ("fully_connected_int8_near_max_k5000", True, "near_max", 3, 5000, 24),
    ("fully_connected_int8_spread_k5000", True, "spread", 6, 5000, 16),
    ("fully_connected_uint8_near_max_k1300_exact_ties", False, "near_max", 6, 1300, 48, (0.5, 0.25)),
    ("fully_connected_uint8_near_max_k1300_float_product_ties", False, "near_max", 6, 1300, 48,
     (0.03547846898436546, 0.003079146845266223)),
]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    fl.clean_fixture_dir(args.out)
    for name, signed, design, batch, k, n, *scales in CASES:
        model, x, out, reference = make_case(name, signed, design, batch, k, n, 14, *scales)
        entry = fl.save_fixture(args.out, name, "FULLY_CONNECTED", model, [x], [out], reference=reference)
        entry["tolerance"] = 0
        fl.upsert_manifest_entry(args.out, entry)
    print(f"wrote {len(CASES)} fixtures to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
