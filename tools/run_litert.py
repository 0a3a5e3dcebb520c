#!/usr/bin/env python3
"""Run one .tflite model with LiteRT (or tflite-micro) and save its outputs.

Writes ``output_0.npy``, ``output_1.npy``, ... into ``--save-outputs DIR`` in
the model's output order -- the same convention as the Swift
``infer --save-outputs`` -- so the two can be diffed with compare_npy.py.

Kernels (``--kernels``):
    builtin    LiteRT builtin kernels, no delegates
               (OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)  [default]
    xnnpack    LiteRT default resolver (BUILTIN; applies the XNNPACK delegate)
    reference  LiteRT reference kernels (OpResolverType.BUILTIN_REF)
    micro      tflite-micro's Python interpreter (tflite_micro.runtime)

Inputs are given in the model's input order, one ``--input-npy`` per input;
their dtypes must match the model (no conversion is done).  If an input's
shape differs from the model's, the input tensor is resized (not for micro).

Usage:
    python3 tools/run_litert.py MODEL.tflite --input-npy X.npy [--input-npy Y.npy] \\
        --save-outputs OUTDIR [--kernels builtin|xnnpack|reference|micro]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("--input-npy", type=Path, action="append", default=[], required=True,
                    help="one per model input, in the model's input order")
    ap.add_argument("--save-outputs", type=Path, required=True, metavar="DIR")
    ap.add_argument("--kernels", choices=fl.KERNELS, default="builtin")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args(argv)

    model = args.model.read_bytes()
    inputs = [np.load(p, allow_pickle=False) for p in args.input_npy]
    t0 = time.time()
    outputs = fl.run_litert(model, inputs, args.kernels)
    dt = time.time() - t0
    args.save_outputs.mkdir(parents=True, exist_ok=True)
    for i, y in enumerate(outputs):
        fl.save_npy(args.save_outputs / f"output_{i}.npy", y)
        if not args.quiet:
            print(f"output_{i}: shape {list(y.shape)} dtype {y.dtype} "
                  f"min {y.min() if y.size else 0:.6g} max {y.max() if y.size else 0:.6g}")
    if not args.quiet:
        print(f"{args.kernels}: {len(outputs)} output(s) -> {args.save_outputs} ({dt * 1000:.1f} ms incl. setup)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
