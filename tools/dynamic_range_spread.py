#!/usr/bin/env python3
"""How close our dynamic-range (hybrid) outputs are to LiteRT's, over several inputs.

A dynamic-range model quantizes float activations at run time; a difference
of one float ulp before such a quantization can flip a rounding step, and a
random-weight zoo model amplifies the flip. Which kernel set ends up closest
to LiteRT's builtin kernels on one input is then partly chance. This tool runs
each model on its recorded zoo input and on N more random inputs of the same
range (seeded) and prints, per input, `max |x - builtin| / max |builtin|` of
output 0 for ours, LiteRT's XNNPACK and LiteRT's reference kernels, with the
medians and how often ours is at least as close as XNNPACK:

    python3 tools/dynamic_range_spread.py .models/zoo/nasnetmobile_dynamic.tflite ... \\
        [--infer .build/release/infer] [--inputs 11] [--seed 1000]

Needs Python with ai-edge-litert and a built `infer`; tests do not.
"""
from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def litert(model: Path, x: np.ndarray, kernels: str) -> np.ndarray:
    from ai_edge_litert.interpreter import Interpreter, OpResolverType
    resolver = {"builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
                "xnnpack": OpResolverType.BUILTIN, "reference": OpResolverType.BUILTIN_REF}[kernels]
    it = Interpreter(model_path=str(model), experimental_op_resolver_type=resolver, num_threads=1)
    it.allocate_tensors()
    it.set_tensor(it.get_input_details()[0]["index"], x)
    it.invoke()
    return it.get_tensor(it.get_output_details()[0]["index"]).copy()


def ours(infer: Path, model: Path, x: np.ndarray) -> np.ndarray:
    with tempfile.TemporaryDirectory() as d:
        np.save(Path(d) / "x.npy", x)
        subprocess.run([str(infer), str(model), "--input-npy", str(Path(d) / "x.npy"), "--save-outputs", d, "--json"],
                       capture_output=True, check=False, timeout=600)
        return np.load(Path(d) / "output_0.npy")


def relative(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float64) - b).max() / max(float(np.abs(b).max()), 1e-30))


def spread(model: Path, infer: Path, inputs: int = 11, seed: int = 1000) -> list[tuple[str, float, float, float]]:
    """(input, ours, XNNPACK, reference) relative differences from LiteRT builtin, for the recorded input
    (`MODEL.input0.npy` beside the model) and `inputs` seeded random ones of the same range."""
    recorded = np.load(model.with_name(model.stem + ".input0.npy"))
    pixels = recorded.max() > 2  # the zoo's [0, 255] architectures (preprocessing built in)
    xs = [("recorded", recorded)]
    for i in range(inputs):
        rng = np.random.default_rng(seed + i)
        x = np.round(rng.uniform(0, 255, recorded.shape)) if pixels else rng.uniform(-1, 1, recorded.shape)
        xs.append((f"seed {seed + i}", x.astype(np.float32)))
    rows = []
    for name, x in xs:
        builtin = litert(model, x, "builtin")
        rows.append((name, relative(ours(infer, model, x), builtin), relative(litert(model, x, "xnnpack"), builtin),
                     relative(litert(model, x, "reference"), builtin)))
    return rows


def summary(rows: list[tuple[str, float, float, float]]) -> dict:
    """Medians over the inputs, and on how many ours is at least as close to builtin as XNNPACK."""
    a = np.array([r[1:] for r in rows])
    return {"inputs": len(rows), "ours": float(np.median(a[:, 0])), "xnnpack": float(np.median(a[:, 1])),
            "reference": float(np.median(a[:, 2])), "closer": int((a[:, 0] <= a[:, 1]).sum())}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("models", nargs="+", type=Path, help="dynamic-range zoo models (MODEL.input0.npy beside each)")
    p.add_argument("--infer", type=Path, default=ROOT / ".build/release/infer", help="infer binary (default: %(default)s)")
    p.add_argument("--inputs", type=int, default=11, help="random inputs besides the recorded one (default: %(default)s)")
    p.add_argument("--seed", type=int, default=1000, help="first seed (default: %(default)s)")
    args = p.parse_args()
    print("| model | input | ours | XNNPACK | reference |")
    print("|---|---|---|---|---|")
    for model in args.models:
        rows = spread(model, args.infer, args.inputs, args.seed)
        for name, o, x, r in rows:
            print(f"| {model.stem} | {name} | {o:.3g} | {x:.3g} | {r:.3g} |")
        s = summary(rows)
        print(f"| {model.stem} | **median** | **{s['ours']:.3g}** | **{s['xnnpack']:.3g}** | {s['reference']:.3g} | "
              f"ours at least as close as XNNPACK on {s['closer']} of {s['inputs']} |", flush=True)


if __name__ == "__main__":
    main()
