#!/usr/bin/env python3
"""Batch-4 fixtures: committed models run by LiteRT after resizing the input
batch, to check that the engine's ``Interpreter.resizeInput(at:to:)`` and
every kernel on the way handle batch > 1.

For each selected model (a representative subset of the small converter zoo,
``Tests/TFLiteEngineTests/Fixtures/zoo``, float32, dynamic-range and int8,
plus the fixture MobileNets in ``Fixtures/models`` and ``Fixtures/models_int8``)
this script:

- builds 4 distinct inputs from the model's committed batch-1 input (the
  input itself, mirrored left-right, rolled, and with its elements shuffled:
  same value range, different content), stacked into one batch of 4;
- resizes LiteRT's interpreter (``resize_tensor_input`` +
  ``allocate_tensors``) to batch 4 and runs the builtin kernels (and the
  reference kernels);
- for int8 models, also runs TFLite Micro on each sample at batch 1 and
  stacks the results (Micro cannot resize; the batch is independent, so the
  stacked outputs are what batch 4 must give, bit for bit).

The models themselves are not copied: each entry names its ``.tflite``
relative to ``Fixtures/``.  Writes ``Fixtures/batch/manifest.json`` and the
inputs and outputs as ``.npy`` next to it.  ``expected`` names the reference
the engine must match: ``micro`` (stacked, exact) for int8 models Micro runs,
else ``builtin`` (float: relative to max |expected| within ``tolerance``) or
``reference`` (int8 where Micro cannot run the model, within ``max_lsb``, the
spread between LiteRT's builtin and reference kernels at batch 4).

Usage:  python3 tools/make_batch_fixtures.py [--fixtures Tests/TFLiteEngineTests/Fixtures] [--batch 4]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

# Zoo models covering every kernel family the zoo uses (conv, depthwise,
# pooling, mean, fully connected, reshape through SHAPE/PACK, batch matmul,
# transpose, softmax, concatenation, layer norm, resize, hard-swish,
# squeeze-excite MUL, int32 embedding GATHER, hybrid kernels).
ZOO = [
    "mobilenetv2_float32", "mobilenetv2_int8", "mobilenetv2_dynamic",
    "mobilenetv3small_float32", "mobilenetv3small_int8",
    "efficientnetb0_int8", "efficientnetb0_dynamic",
    "resnet50_int8", "resnet50v2_float32",
    "densenet121_int8", "convnexttiny_float32", "convnexttiny_int8",
    "nasnetmobile_float32", "regnety002_int8", "vgg16_int8",
    "mobilenet_int8", "xception_int8", "inceptionv3_int8",
    "layer_conv1d_float32", "layer_conv1d_int8",
    "layer_conv2d_transpose_float32", "layer_conv2d_transpose_int8",
    "layer_dilated_conv_float32", "layer_dilated_conv_int8",
    "layer_embedding_float32", "layer_embedding_int8",
    "layer_layernorm_float32", "layer_layernorm_int8", "layer_layernorm_dynamic",
    "layer_separable_conv_float32", "layer_separable_conv_int8",
    "layer_tf_math_float32", "layer_tf_select_float32", "layer_tf_select_int8",
    "layer_upsampling_float32", "layer_upsampling_int8",
    "layer_vit_block_float32", "layer_vit_block_int8", "layer_vit_block_dynamic",
]
# Not here: the recurrent layer models (layer_lstm_*, layer_gru_*) have a static
# batch (RESHAPE to [1, ...]); LiteRT cannot run them at batch 4 either.
MODELS = [
    ("models/mobilenet_v2_035_96", "float32"),
    ("models_int8/mobilenet_v2_035_96_int8", "int8"),
]


def four_inputs(x: np.ndarray, seed: int) -> np.ndarray:
    """Four distinct samples from one batch-1 input, stacked on axis 0."""
    x0 = x[0]
    rng = np.random.default_rng(seed)
    flipped = np.flip(x0, axis=-2) if x0.ndim >= 2 else x0[::-1]
    rolled = np.roll(x0, shift=max(1, x0.shape[0] // 3), axis=0)
    shuffled = rng.permutation(x0.reshape(-1)).reshape(x0.shape)
    samples = [x0, flipped, rolled, shuffled]
    for a in range(4):
        for b in range(a + 1, 4):
            if np.array_equal(samples[a], samples[b]):
                samples[b] = rng.permutation(samples[b].reshape(-1)).reshape(x0.shape)
    return np.ascontiguousarray(np.stack(samples))


def run_batch(model_bytes: bytes, inputs: list[np.ndarray], kernels: str) -> list[np.ndarray]:
    """LiteRT at the inputs' shapes (``run_litert`` resizes and re-allocates)."""
    return fl.run_litert(model_bytes, inputs, kernels=kernels)


def micro_stacked(model_bytes: bytes, inputs: list[np.ndarray], batch: int) -> list[np.ndarray]:
    per_sample = [fl.run_micro(model_bytes, [x[i:i + 1] for x in inputs]) for i in range(batch)]
    return [np.concatenate([s[o] for s in per_sample], axis=0) for o in range(len(per_sample[0]))]


def max_rel(a: np.ndarray, b: np.ndarray) -> float:
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return float(np.max(np.abs(a.astype(np.float64) - b.astype(np.float64)))) / scale if scale > 0 else 0.0


def max_lsb(a: np.ndarray, b: np.ndarray) -> int:
    return int(np.max(np.abs(a.astype(np.int64) - b.astype(np.int64)))) if a.size else 0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fixtures", default="Tests/TFLiteEngineTests/Fixtures")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--only", default="", help="comma-separated model names (default: all)")
    args = ap.parse_args()
    root = Path(args.fixtures)
    out = root / "batch"
    out.mkdir(parents=True, exist_ok=True)
    zoo_manifest = {e["name"]: e for e in fl.load_manifest(root / "zoo")["fixtures"]}
    selected = [("zoo/" + n, zoo_manifest[n]["variant"]) for n in ZOO] + MODELS
    if args.only:
        keep = set(args.only.split(","))
        selected = [s for s in selected if s[0].split("/")[-1] in keep]
    manifest = fl.load_manifest(out) if args.only else {"fixtures": []}
    entries = {e["name"]: e for e in manifest["fixtures"]}
    for path, variant in selected:
        name = path.split("/")[-1]
        model_bytes = (root / f"{path}.tflite").read_bytes()
        inputs_1 = [np.load(f) for f in sorted((root / path).parent.glob(f"{name}.input*.npy"))]
        inputs = [four_inputs(x, fl.name_seed(18, name + str(i))) for i, x in enumerate(inputs_1)]
        try:
            outs = {"builtin": run_batch(model_bytes, inputs, "builtin")}
        except Exception as e:  # noqa: BLE001 - report and skip models LiteRT cannot resize
            print(f"{name}: LiteRT cannot run batch {args.batch}: {type(e).__name__}: {e}")
            continue
        errors = {}
        try:
            outs["reference"] = run_batch(model_bytes, inputs, "reference")
        except Exception as e:  # noqa: BLE001
            errors["reference"] = f"{type(e).__name__}: {e}"
        if variant == "int8":
            try:
                outs["micro"] = micro_stacked(model_bytes, inputs, args.batch)
            except Exception as e:  # noqa: BLE001
                errors["micro"] = f"{type(e).__name__}: {e}"
        zoo_entry = zoo_manifest.get(name)
        if variant == "int8":
            integer = all(not np.issubdtype(y.dtype, np.floating) for y in outs["builtin"])
            if "micro" in outs and (zoo_entry is None or zoo_entry["expected"] == "micro"):
                expected = "micro"
            elif "reference" in outs:
                expected = "reference"
            else:
                expected = "builtin"
        else:
            integer = False
            expected = "builtin"
        entry = {"name": name, "model": f"{path}.tflite", "variant": variant, "batch": args.batch,
                 "expected": expected, "errors": errors}
        in_files = []
        for i, x in enumerate(inputs):
            fn = f"{name}.input{i}.npy"
            fl.save_npy(out / fn, x)
            in_files.append(fn)
        entry["inputs"] = in_files
        refs = {}
        for ref, ys in outs.items():
            files = []
            for i, y in enumerate(ys):
                fn = f"{name}.{ref}.output{i}.npy"
                fl.save_npy(out / fn, y)
                files.append(fn)
            refs[ref] = files
        entry["references"] = refs
        exp = outs[expected]
        pairs = {}
        names = list(outs)
        for a_i, a in enumerate(names):
            for b in names[a_i + 1:]:
                if integer:
                    pairs[f"{a}_vs_{b}"] = {"max_lsb": max(max_lsb(outs[a][i], outs[b][i]) for i in range(len(exp)))}
                else:
                    pairs[f"{a}_vs_{b}"] = {"max_rel": max(max_rel(outs[a][i], outs[b][i]) for i in range(len(exp))
                                                           if np.issubdtype(exp[i].dtype, np.floating))}
        entry["spreads"] = pairs
        if integer:
            # Exact against Micro; otherwise LiteRT's own spread at batch 1
            # between its optimized kernels and the expected reference (the
            # zoo's rule, without the pairs with Micro, whose outputs differ
            # where it is not the reference: uninitialised SPACE_TO_BATCH_ND pads).
            zoo_spreads = (zoo_entry or {}).get("spreads", {})
            entry["max_lsb"] = 0 if expected == "micro" else max(
                [v.get("max_lsb", 0) for k, v in zoo_spreads.items() if "micro" not in k.split("_vs_")
                 and (k.endswith(f"_vs_{expected}") or k.startswith(f"{expected}_vs_"))] or [0])
        else:
            spread = max((v["max_rel"] for k, v in pairs.items() if expected in k.split("_vs_")), default=0.0)
            # The zoo's rule: float32 within max(1e-4, 3 x LiteRT's own spread),
            # dynamic-range within max(1e-4, the spread), relative to max |expected|.
            entry["tolerance"] = max(1e-4, (3 if variant == "float32" else 1) * spread)
            if variant == "int8":
                entry["max_lsb"] = 0
        entries[name] = entry
        print(f"{name}: batch {args.batch} expected={expected} shapes={[y.shape for y in exp]}"
              f" {'max_lsb=' + str(entry.get('max_lsb')) if integer else 'tolerance=%.3g' % entry['tolerance']}"
              f" spreads={pairs} {errors if errors else ''}")
    manifest["fixtures"] = [entries[k] for k in sorted(entries)]
    fl.write_manifest(out, manifest)
    print(f"{len(manifest['fixtures'])} fixtures, {fl.dir_size(out) / 1e6:.2f} MB in {out}")


if __name__ == "__main__":
    main()
