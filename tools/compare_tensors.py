#!/usr/bin/env python3
"""Find the first operator where our engine and LiteRT part ways.

Runs MODEL once in LiteRT (every intermediate tensor kept) and once with our
`infer` on a copy of MODEL whose subgraph 0 outputs every float32 tensor an
operator writes, then prints each operator's output difference in execution
order:

    python3 tools/compare_tensors.py MODEL.tflite --input-npy X.npy \\
        [--kernels builtin|reference|xnnpack] [--infer .build/release/infer] [--all]

Each row is `max |ours - litert| / max |litert|` of one operator's output;
`--versus` adds a second LiteRT kernel set (e.g. `--versus reference`) so the
row also shows LiteRT's own spread at that tensor. Without `--all` only the
rows that are at least 10x worse than every row before them are printed (the
points where the error jumps).

`--isolate hybrid` (or a comma-separated list of operator indices) instead
runs each chosen operator alone, on the input LiteRT gave it, in LiteRT and
in ours: the difference is then that kernel's own arithmetic, not what the
operators before it passed on.

A debugging aid for kernels whose arithmetic must follow LiteRT's (the hybrid
kernels, issue 13); it needs Python and a built `infer`, tests do not.
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

ROOT = Path(__file__).resolve().parent.parent
FLOAT32 = 0  # schema TensorType.FLOAT32


def litert_tensors(model_bytes: bytes, inputs: list[np.ndarray], kernels: str) -> dict[int, np.ndarray]:
    """Every tensor LiteRT holds after one invoke, by index."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = {
        "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        "xnnpack": OpResolverType.BUILTIN,
        "reference": OpResolverType.BUILTIN_REF,
    }[kernels]
    interp = Interpreter(model_content=bytes(model_bytes), experimental_op_resolver_type=resolver,
                         experimental_preserve_all_tensors=True)
    details = interp.get_input_details()
    for d, x in zip(details, inputs):
        if list(d["shape"]) != list(x.shape):
            interp.resize_tensor_input(d["index"], list(x.shape))
    interp.allocate_tensors()
    for d, x in zip(interp.get_input_details(), inputs):
        interp.set_tensor(d["index"], np.array(x, order="C", copy=True))
    interp.invoke()
    result = {}
    for d in interp.get_tensor_details():
        try:
            result[d["index"]] = np.array(interp.get_tensor(d["index"]))
        except ValueError:
            pass  # tensors without data (e.g. freed temporaries)
    return result


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--input-npy", action="append", required=True, help="once per model input, in order")
    p.add_argument("--kernels", default="builtin", choices=["builtin", "reference", "xnnpack"])
    p.add_argument("--versus", choices=["builtin", "reference", "xnnpack"], help="also show this LiteRT kernel set's difference")
    p.add_argument("--infer", default=".build/release/infer", help="infer binary (default: %(default)s, relative to the repo root)")
    p.add_argument("--all", action="store_true", help="print every operator, not just the jumps")
    p.add_argument("--isolate", help="'hybrid' or operator indices: run each alone on LiteRT's input to it")
    args = p.parse_args()
    if args.isolate:
        return isolate(args)

    model_bytes = Path(args.model).read_bytes()
    inputs = [np.load(f) for f in args.input_npy]
    model = fl.parse_model(model_bytes)
    graph = model.subgraphs[0]
    names = fl.builtin_op_names()
    produced = []  # (op index, op name, tensor index) in execution order
    for i, op in enumerate(graph.operators):
        code = model.operatorCodes[op.opcodeIndex]
        op_name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), str(code.builtinCode))
        for t in op.outputs:
            if t >= 0 and graph.tensors[t].type == FLOAT32:
                produced.append((i, op_name, int(t)))
    original_outputs = list(graph.outputs)
    graph.outputs = original_outputs + [t for _, _, t in produced if t not in original_outputs]
    probe = fl.pack_model(model)

    theirs = litert_tensors(model_bytes, inputs, args.kernels)
    versus = litert_tensors(model_bytes, inputs, args.versus) if args.versus else None
    infer = Path(args.infer)
    if not infer.is_absolute():
        infer = ROOT / infer
    with tempfile.TemporaryDirectory(prefix="compare-tensors-") as tmp:
        probe_path = Path(tmp) / "probe.tflite"
        probe_path.write_bytes(probe)
        out_dir = Path(tmp) / "out"
        cmd = [str(infer), str(probe_path)] + sum((["--input-npy", f] for f in args.input_npy), []) + ["--save-outputs", str(out_dir)]
        run = subprocess.run(cmd, capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stderr.strip() or run.stdout.strip(), file=sys.stderr)
            return 1
        ours = {t: np.load(out_dir / f"output_{k}.npy") for k, t in enumerate(graph.outputs)}

    worst = 0.0
    header = f"{'op':>5} {'operator':<22} {'tensor':>6} {'shape':<20} {'ours vs ' + args.kernels:>16}"
    if versus is not None:
        header += f" {args.versus + ' vs ' + args.kernels:>22}"
    print(header)
    for i, op_name, t in produced:
        if t not in theirs or t not in ours:
            continue
        ref = theirs[t].astype(np.float64)
        scale = max(float(np.max(np.abs(ref))), 1e-30) if ref.size else 1.0
        mine = ours[t].astype(np.float64)
        if mine.shape != ref.shape:
            print(f"{i:>5} {op_name:<22} {t:>6} shape ours {mine.shape} vs {ref.shape}")
            continue
        diff = float(np.max(np.abs(mine - ref))) / scale if ref.size else 0.0
        jump = diff > 10 * worst and diff > 1e-6
        if args.all or jump:
            row = f"{i:>5} {op_name:<22} {t:>6} {str(list(ref.shape)):<20} {diff:>16.3e}"
            if versus is not None:
                other = float(np.max(np.abs(versus[t].astype(np.float64) - ref))) / scale if ref.size else 0.0
                row += f" {other:>22.3e}"
            print(row + ("  <- jump" if jump and args.all else ""))
        worst = max(worst, diff)
    return 0


def single_op_model(model_bytes: bytes, index: int, values: dict[int, np.ndarray]):
    """MODEL cut down to operator `index`; returns (bytes, input tensors, their values)."""
    model = fl.parse_model(model_bytes)
    graph = model.subgraphs[0]
    op = graph.operators[index]
    feeds = []
    for t in op.inputs:
        t = int(t)
        if t < 0:
            continue
        tensor = graph.tensors[t]
        constant = tensor.buffer > 0 and model.buffers[tensor.buffer].data is not None and len(model.buffers[tensor.buffer].data) > 0
        if not constant and t not in feeds:
            feeds.append(t)
    for t in feeds:  # the shapes this run had (dynamic-batch tensors store placeholders)
        graph.tensors[t].shape = np.array(values[t].shape, dtype=np.int32)
        graph.tensors[t].shapeSignature = None
    graph.operators = [op]
    graph.inputs = np.array(feeds, dtype=np.int32)
    graph.outputs = np.array([int(t) for t in op.outputs], dtype=np.int32)
    return fl.pack_model(model), feeds, [values[t] for t in feeds]


def isolate(args) -> int:
    model_bytes = Path(args.model).read_bytes()
    inputs = [np.load(f) for f in args.input_npy]
    theirs = litert_tensors(model_bytes, inputs, args.kernels)
    model = fl.parse_model(model_bytes)
    graph = model.subgraphs[0]
    names = fl.builtin_op_names()
    if args.isolate == "hybrid":
        chosen = [i for i, op in enumerate(graph.operators)
                  if len(op.inputs) > 1 and op.inputs[1] >= 0 and graph.tensors[op.inputs[0]].type == FLOAT32
                  and graph.tensors[op.inputs[1]].type == 9]  # INT8 weights
    else:
        chosen = [int(v) for v in args.isolate.split(",")]
    infer = Path(args.infer)
    if not infer.is_absolute():
        infer = ROOT / infer
    print(f"{'op':>5} {'operator':<22} {'output shape':<20} {'ours vs ' + args.kernels + ' (alone)':>24}")
    with tempfile.TemporaryDirectory(prefix="compare-tensors-") as tmp:
        for i in chosen:
            op = graph.operators[i]
            code = model.operatorCodes[op.opcodeIndex]
            op_name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), str(code.builtinCode))
            small, feeds, values = single_op_model(model_bytes, i, theirs)
            expected = litert_tensors(small, values, args.kernels)
            files = []
            for k, v in enumerate(values):
                f = Path(tmp) / f"in{k}.npy"
                np.save(f, v)
                files.append(str(f))
            path = Path(tmp) / "op.tflite"
            path.write_bytes(small)
            out_dir = Path(tmp) / f"out{i}"
            cmd = [str(infer), str(path)] + sum((["--input-npy", f] for f in files), []) + ["--save-outputs", str(out_dir)]
            run = subprocess.run(cmd, capture_output=True, text=True)
            if run.returncode != 0:
                print(f"{i:>5} {op_name:<22} infer failed: {(run.stderr or run.stdout).strip()}")
                continue
            t = int(op.outputs[0])
            ref = expected[t].astype(np.float64)
            mine = np.load(out_dir / "output_0.npy").astype(np.float64)
            scale = max(float(np.max(np.abs(ref))), 1e-30)
            diff = float(np.max(np.abs(mine - ref))) / scale
            mismatched = int(np.count_nonzero(mine != ref))
            print(f"{i:>5} {op_name:<22} {str(list(ref.shape)):<20} {diff:>24.3e}  ({mismatched} of {ref.size} elements differ)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
