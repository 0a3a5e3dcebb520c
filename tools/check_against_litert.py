#!/usr/bin/env python3
"""Run models with our `infer` CLI and with LiteRT on the same random inputs,
and compare every output (relative to the output's largest magnitude).

  python3 tools/check_against_litert.py MODEL.tflite... [--kernels xnnpack|builtin|reference]
        [--rtol 2e-3] [--infer .build/release/infer] [--seed 0]

Inputs: float inputs are uniform in [-1, 1] (or [0, 1] with --unit), integer
inputs uniform over their range. Prints one line per model and exits 1 if any
model fails to run or disagrees. Used to try published models as a new user
would (e.g. the .tflite files shipped inside PyPI's mediapipe wheel).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def random_input(detail, rng, unit):
    shape, dtype = detail["shape"], detail["dtype"]
    if np.issubdtype(dtype, np.floating):
        low = 0.0 if unit else -1.0
        return rng.uniform(low, 1.0, size=shape).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+")
    p.add_argument("--kernels", default="xnnpack", choices=["xnnpack", "builtin", "reference"])
    p.add_argument("--rtol", type=float, default=2e-3)
    p.add_argument("--infer", default=".build/release/infer")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--unit", action="store_true", help="float inputs in [0, 1] instead of [-1, 1]")
    args = p.parse_args()

    failures = 0
    for model in args.models:
        data = Path(model).read_bytes()
        rng = np.random.default_rng(args.seed)
        try:
            from ai_edge_litert.interpreter import Interpreter
            inputs_detail = Interpreter(model_content=data).get_input_details()
            inputs = [random_input(d, rng, args.unit) for d in inputs_detail]
            expected = fl.run_litert(data, inputs, kernels=args.kernels)
        except Exception as error:  # LiteRT itself cannot run it (e.g. an unknown custom op)
            first_line = str(error).strip().splitlines()[0]
            print(f"skip {Path(model).name}: LiteRT cannot run it: {first_line}")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            command = [args.infer, model, "--save-outputs", f"{tmp}/out"]
            for i, x in enumerate(inputs):
                fl.save_npy(f"{tmp}/x{i}.npy", x)
                command += ["--input-npy", f"{tmp}/x{i}.npy"]
            run = subprocess.run(command, capture_output=True, text=True)
            if run.returncode != 0:
                print(f"FAIL {Path(model).name}: infer exited {run.returncode}: {run.stderr.strip()}")
                failures += 1
                continue
            worst = 0.0
            for i, e in enumerate(expected):
                ours = np.load(f"{tmp}/out/output_{i}.npy")
                if ours.shape != e.shape:
                    worst = float("inf")
                    break
                scale = max(float(np.max(np.abs(e.astype(np.float64)))), 1e-30)
                worst = max(worst, float(np.max(np.abs(ours.astype(np.float64) - e.astype(np.float64)))) / scale)
        status = "ok  " if worst <= args.rtol else "FAIL"
        failures += status == "FAIL"
        print(f"{status} {Path(model).name}: {len(expected)} outputs, max relative difference {worst:.2e} (limit {args.rtol:g}, LiteRT {args.kernels})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
