#!/usr/bin/env python3
"""Reference outputs of a full-integer int8 model for the manual acceptance
check: random int8 inputs, outputs from TFLite Micro (reference kernels),
LiteRT's default builtin kernels (optimized) and LiteRT BUILTIN_REF.

    python3 tools/int8_reference_outputs.py MODEL.tflite OUTDIR [--count N] [--seed S]

Writes OUTDIR/<stem>.r<i>.input0.npy and <stem>.r<i>.{micro,builtin,reference}.npy
and prints how the LiteRT kernels differ from TFLite Micro.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--count", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    model = args.model.read_bytes()
    args.out.mkdir(parents=True, exist_ok=True)
    sg = fl.parse_model(model).subgraphs[0]
    shape = [int(d) for d in sg.tensors[sg.inputs[0]].shape]
    rng = np.random.default_rng(args.seed)
    stem = args.model.stem
    for i in range(args.count):
        x = rng.integers(-128, 128, size=shape, dtype=np.int8)
        fl.save_npy(args.out / f"{stem}.r{i}.input0.npy", x)
        results = {}
        for kernels in ("micro", "builtin", "reference"):
            t0 = time.time()
            (y,) = fl.run_litert(model, [x], kernels)
            results[kernels] = y
            fl.save_npy(args.out / f"{stem}.r{i}.{kernels}.npy", y)
            print(f"{stem} r{i} {kernels}: {time.time() - t0:.1f}s", flush=True)
        m = results["micro"].astype(np.int32)
        for k in ("builtin", "reference"):
            d = np.abs(results[k].astype(np.int32) - m)
            print(f"  {k} vs micro: {int((d > 0).sum())} of {d.size} differ, max {int(d.max())} LSB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
