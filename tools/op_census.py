#!/usr/bin/env python3
"""Operator census of a folder of .tflite models.

For every builtin operator: in which tensor types it appears and in which
models.  The type ("kind") of an operator is the type of its first
non-constant input (``fixturelib.op_type_census``): float32, int8, uint8,
int16, int32, bool, ... or ``hybrid`` for float activations with int8/uint8
constant weights (dynamic-range quantization).  Int8/uint8 RELU-family ops
whose input and output quantization differ are counted as kind
``int8-requant`` (``uint8-requant``): the engine moves bytes for them only
when the quantization is equal.

Each (op, kind) pair is checked against the operators the Swift engine
supports today (``SUPPORTED`` below, kept by hand); pairs it lacks are
listed at the end with the models that need them.  Layout operators that
only move bytes are counted as supported for every element type.

Usage:
    python3 tools/op_census.py [DIR ...] [--json] [--recursive]
(default DIR: Tests/TFLiteEngineTests/Fixtures/zoo)
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

DEFAULT_DIR = fl.FIXTURES_ROOT / "zoo"

FLOAT32 = set("""
ADD SUB MUL DIV MAXIMUM MINIMUM SQUARED_DIFFERENCE CONV_2D DEPTHWISE_CONV_2D TRANSPOSE_CONV
FULLY_CONNECTED BATCH_MATMUL MAX_POOL_2D AVERAGE_POOL_2D MEAN SUM REDUCE_MAX ARG_MAX SOFTMAX
L2_NORMALIZATION LOGISTIC TANH RELU RELU6 RELU_N1_TO_1 LEAKY_RELU PRELU HARD_SWISH ELU EXP SQRT
RSQRT RESHAPE SQUEEZE EXPAND_DIMS SHAPE TRANSPOSE CONCATENATION PAD PADV2 SLICE STRIDED_SLICE
GATHER DEPTH_TO_SPACE SPACE_TO_DEPTH RESIZE_BILINEAR RESIZE_NEAREST_NEIGHBOR DEQUANTIZE DENSIFY
QUANTIZE
""".split())
# Operators that only move bytes (any element type).
LAYOUT = set("""
RESHAPE SQUEEZE EXPAND_DIMS SHAPE TRANSPOSE CONCATENATION PAD PADV2 SLICE STRIDED_SLICE GATHER
DEPTH_TO_SPACE SPACE_TO_DEPTH
""".split())
QUANTIZED = set("""
CONV_2D DEPTHWISE_CONV_2D FULLY_CONNECTED ADD MUL AVERAGE_POOL_2D MAX_POOL_2D MEAN SOFTMAX
LOGISTIC CONCATENATION RESHAPE PAD QUANTIZE DEQUANTIZE
MAXIMUM MINIMUM REDUCE_MAX ARG_MAX RELU RELU6 RELU_N1_TO_1
""".split()) | LAYOUT
RELU_FAMILY = {"RELU", "RELU6", "RELU_N1_TO_1"}

# Layout and reduction operators of the ops-layout work (SPLIT … GATHER_ND).
LAYOUT |= set("SPLIT SPLIT_V UNPACK TILE MIRROR_PAD SPACE_TO_BATCH_ND BATCH_TO_SPACE_ND GATHER_ND".split())
FLOAT32 |= LAYOUT | set("REDUCE_MIN REDUCE_PROD ARG_MIN TOPK_V2 CUMSUM".split())
QUANTIZED |= LAYOUT | {"REDUCE_MIN", "ARG_MIN", "TOPK_V2"}
INT8 = QUANTIZED | {"REDUCE_PROD"}
# Integer tensors (shape arithmetic the converter leaves in models).
INTEGER = LAYOUT | set("REDUCE_MAX REDUCE_MIN REDUCE_PROD ARG_MAX ARG_MIN TOPK_V2 CUMSUM".split())

# Recurrent layers: the fused LSTM Keras 2 converts to (float32, hybrid and
# int8), and REVERSE_V2 (Bidirectional and go_backwards).
LAYOUT |= {"REVERSE_V2"}
FLOAT32 |= {"UNIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_RNN"}
INT8 |= {"UNIDIRECTIONAL_SEQUENCE_LSTM"}
HYBRID = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "UNIDIRECTIONAL_SEQUENCE_LSTM", "UNIDIRECTIONAL_SEQUENCE_RNN"}

SUPPORTED = {"float32": FLOAT32, "int8": INT8, "uint8": QUANTIZED, "int32": INTEGER, "int64": INTEGER, "hybrid": HYBRID}


def supported(op: str, kind: str) -> bool:
    if op in LAYOUT:
        return True
    return op in SUPPORTED.get(kind, set())


def census_of(model_bytes: bytes) -> list[tuple[str, str]]:
    """(op, kind) pairs, with requantizing int8/uint8 RELUs marked."""
    pairs = fl.op_type_census(model_bytes)
    model = fl.parse_model(model_bytes)
    out = []
    k = 0
    for sg in model.subgraphs:
        for op in (sg.operators or []):
            name, kind = pairs[k]
            k += 1
            if name in RELU_FAMILY and kind in ("int8", "uint8"):
                def q(i):
                    qp = sg.tensors[i].quantization
                    if qp is None or qp.scale is None:
                        return None
                    return (tuple(float(s) for s in qp.scale), tuple(int(z) for z in qp.zeroPoint))
                if q(op.inputs[0]) != q(op.outputs[0]):
                    kind = f"{kind}-requant"
            out.append((name, kind))
    return out


def collect(dirs, recursive: bool) -> dict[str, list[tuple[str, str]]]:
    models = {}
    for d in dirs:
        files = sorted(d.rglob("*.tflite") if recursive else d.glob("*.tflite"))
        for f in files:
            key = str(f.relative_to(d).with_suffix("")) if len(dirs) == 1 else str(f.with_suffix(""))
            try:
                models[key] = census_of(f.read_bytes())
            except Exception as e:  # noqa: BLE001 - report unreadable files
                print(f"warning: {f}: {e}", file=sys.stderr)
    return models


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="*", type=Path)
    ap.add_argument("--json", action="store_true", help="print the census as JSON")
    ap.add_argument("--recursive", action="store_true")
    args = ap.parse_args(argv)
    dirs = args.dirs or [DEFAULT_DIR]
    models = collect(dirs, args.recursive)

    ops: dict[str, dict[str, dict[str, int]]] = {}
    for m, pairs in models.items():
        for op, kind in pairs:
            ops.setdefault(op, {}).setdefault(kind, {})
            ops[op][kind][m] = ops[op][kind].get(m, 0) + 1
    per_model = {m: sorted({op for op, _ in pairs}) for m, pairs in models.items()}
    missing = [{"op": op, "kind": kind, "models": sorted(ms)}
               for op in sorted(ops) for kind, ms in sorted(ops[op].items()) if not supported(op, kind)]

    if args.json:
        print(json.dumps({
            "operators": {op: {k: sorted(ms) for k, ms in sorted(kinds.items())} for op, kinds in sorted(ops.items())},
            "models": per_model,
            "missing": missing,
        }, indent=1))
        return 0

    print(f"# Operator census: {len(models)} models, {len(ops)} operators")
    for op in sorted(ops):
        print(f"{op}")
        for kind, ms in sorted(ops[op].items()):
            mark = "" if supported(op, kind) else "   <-- MISSING in engine"
            print(f"  {kind:14s} {sum(ms.values()):5d} ops in {len(ms):3d} models{mark}")
            print(f"    {', '.join(sorted(ms))}")
    print("\n# Operators per model")
    for m, names in per_model.items():
        print(f"{m}: {' '.join(names)}")
    print(f"\n# (op, type) pairs missing from the engine: {len(missing)}")
    for e in missing:
        print(f"{e['op']:28s} {e['kind']:14s} {len(e['models']):3d} models: {', '.join(e['models'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
