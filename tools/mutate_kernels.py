#!/usr/bin/env python3
"""Mutation check: do the tests catch a wrong kernel?

Clones the repository's committed HEAD into a scratch directory (never
touching the working tree), builds the tests there once, then applies the
mutants below one at a time — a flipped comparison, an off-by-one, a changed
rounding constant or shift, a zero-point sign — rebuilds, runs the tests
relevant to that kernel, and restores the file. A mutant is *killed* when the
tests fail (or time out), *survived* when they pass. Mutants that do not
compile are reported apart and not counted.

Prints a table and the score, and writes it as JSON (``--json``).

Usage:
    python3 tools/mutate_kernels.py [--scratch DIR] [--only ID ...] [--json FILE] [--repo DIR]

The scratch directory defaults to ``<system temp>/mutate-kernels`` and is
reused between runs (the clone is reset to the repository's HEAD each time),
so only the first run pays for a full build. Takes about a minute or two per
mutant on a 2-core machine (incremental build + tests).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
K = "Sources/TFLiteEngine/Kernels/"

# Test selections (XCTest / Swift Testing filters and the environment that picks operator cases).
QUANTIZED = ("QuantizedKernelTests|QuantizedTests|OperatorFixtureTests", {"TFLITE_FIXTURE_GROUP": "ops/int8,ops/uint8,ops/int8_accumulation,ops/int8_elementwise"})
FC_CONV_INT8 = ("QuantizedKernelTests|OperatorFixtureTests", {"TFLITE_OP": "FULLY_CONNECTED,CONV_2D", "TFLITE_FIXTURE_GROUP": "ops/int8,ops/uint8,ops/int8_accumulation"})
DEPTHWISE_INT8 = ("QuantizedKernelTests|OperatorFixtureTests", {"TFLITE_OP": "DEPTHWISE_CONV_2D", "TFLITE_FIXTURE_GROUP": "ops/int8"})
ADD_INT8 = ("QuantizedKernelTests|OperatorFixtureTests", {"TFLITE_OP": "ADD,SUB", "TFLITE_FIXTURE_GROUP": "ops/int8"})
FLOAT_POOL = ("FastKernelTests|OperatorFixtureTests", {"TFLITE_OP": "MAX_POOL_2D,AVERAGE_POOL_2D", "TFLITE_FIXTURE_GROUP": "ops/float32,ops/float32_special"})
FLOAT_SOFTMAX = ("OperatorFixtureTests", {"TFLITE_OP": "SOFTMAX", "TFLITE_FIXTURE_GROUP": "ops/float32,ops/float32_elementwise,ops/float32_special"})
FLOAT_MAXMIN = ("OperatorFixtureTests", {"TFLITE_OP": "MAXIMUM,MINIMUM", "TFLITE_FIXTURE_GROUP": "ops/float32_elementwise,ops/float32_special,ops/int8_elementwise"})
FLOAT_BINARY = ("OperatorFixtureTests|ElementwiseOpTests", {"TFLITE_OP": "MAXIMUM,MINIMUM,SQUARED_DIFFERENCE,DIV,MUL,SUB,ADD", "TFLITE_FIXTURE_GROUP": "ops/float32_elementwise,ops/float32_special,ops/float32"})
HYBRID = ("OperatorFixtureTests|CompressedWeightsTests", {"TFLITE_FIXTURE_GROUP": "ops/hybrid"})
BRANCHY_LITERT = ("WholeModelTests", {})
QUANTIZE = ("QuantizedTests|OperatorFixtureTests", {"TFLITE_OP": "QUANTIZE,DEQUANTIZE", "TFLITE_FIXTURE_GROUP": "ops/int8,ops/uint8"})


@dataclass
class Mutant:
    id: str
    file: str
    old: str
    new: str
    what: str
    tests: tuple[str, dict] = field(default_factory=lambda: QUANTIZED)


MUTANTS = [
    Mutant("gemm-chunk-bound", K + "GEMM/GEMMConvolution+Quantized.swift",
           "(1 << 22) / product))", "(1 << 24) / product))",
           "exact-float chunks 4x too long (partial sums past 2^22)", FC_CONV_INT8),
    Mutant("gemm-chunk-handover", K + "GEMM/GEMMConvolution+Quantized.swift",
           "for i in 0..<count { s.intTile[i] &+= Self.exactInteger(s.floatTile[i]) }",
           "for i in 0..<count { s.intTile[i] = Self.exactInteger(s.floatTile[i]) }",
           "later chunks overwrite the int32 sum instead of adding", FC_CONV_INT8),
    Mutant("gemm-exact-integer-constant", K + "GEMM/GEMMConvolution+Quantized.swift",
           "Int32(bitPattern: (v + 12_582_912).bitPattern) &- 0x4B40_0000",
           "Int32(bitPattern: (v + 12_582_913).bitPattern) &- 0x4B40_0000",
           "float-to-int rounding constant off by one", FC_CONV_INT8),
    Mutant("gemm-input-offset-sign", K + "GEMM/GEMMConvolution+Quantized.swift",
           "for c in 0..<k { dst[c] = D(x: Int32(truncatingIfNeeded: src[c]), inputOffset: inOff) }",
           "for c in 0..<k { dst[c] = D(x: Int32(truncatingIfNeeded: src[c]), inputOffset: 0 &- inOff) }",
           "input zero point added with the wrong sign (row inputs)", FC_CONV_INT8),
    Mutant("gemm-padding-value", K + "GEMM/GEMMConvolution+Quantized.swift",
           "@inline(__always) static func padding(inputOffset: Int32) -> Float { 0 }",
           "@inline(__always) static func padding(inputOffset: Int32) -> Float { 1 }",
           "padding taps contribute 1 instead of 0 (exact-float arithmetic, the portable build's)", FC_CONV_INT8),
    Mutant("srdhm-negative-nudge", K + "Quantization/FixedPoint.swift",
           "let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 &- (1 << 30)",
           "let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 << 30",
           "SaturatingRoundingDoublingHighMul rounds negatives like positives"),
    Mutant("rdbpot-threshold", K + "Quantization/FixedPoint.swift",
           "let threshold = (mask >> 1) &+ (x < 0 ? 1 : 0)",
           "let threshold = (mask >> 1)",
           "RoundingDivideByPOT without the negative-tie adjustment"),
    Mutant("requant-table-addend", K + "Quantization/ChannelRequantization.swift",
           "addends[c] = (1 << 30) + (right >= 1 ? 1 << (30 + right) : 0)",
           "addends[c] = (1 << 30) + (right >= 1 ? 1 << (29 + right) : 0)",
           "per-channel requantization rounding addend halved", FC_CONV_INT8),
    Mutant("requant-output-zero-point-sign", K + "Quantization/ChannelRequantization.swift",
           "let v = t.scale(acc[c] &+ bias[c], c) &+ zp",
           "let v = t.scale(acc[c] &+ bias[c], c) &- zp",
           "output zero point subtracted (with bias)", FC_CONV_INT8),
    Mutant("depthwise-requant-threshold", K + "Convolution/DepthwiseConv2D+Int8Vectorized.swift",
           "let threshold = (mask &>> 1) &+ (doubled < 0 ? 1 : 0)",
           "let threshold = (mask &>> 1)",
           "depthwise requantization: negative ties round the wrong way", DEPTHWISE_INT8),
    Mutant("depthwise-requant-nudge", K + "Convolution/DepthwiseConv2D+Int8Vectorized.swift",
           "let high = Int32(truncatingIfNeeded: (ab &+ (1 << 30)) &>> 31)",
           "let high = Int32(truncatingIfNeeded: (ab &+ (1 << 29)) &>> 31)",
           "depthwise high-multiply rounding constant halved", DEPTHWISE_INT8),
    Mutant("add-int8-left-shift", K + "Elementwise/Add+Int8Vectorized.swift",
           "let v2 = (Int32(b[i]) &+ off2) &<< left",
           "let v2 = (Int32(b[i]) &+ off2) &<< (left &- 1)",
           "int8 ADD: second input shifted one bit less", ADD_INT8),
    Mutant("add-int8-lower-clamp", K + "Elementwise/Add+Int8Vectorized.swift",
           "output[i] = Int8(truncatingIfNeeded: min(max(r, lo), hi))",
           "output[i] = Int8(truncatingIfNeeded: min(r, hi))",
           "int8 ADD: no lower activation clamp", ADD_INT8),
    Mutant("maxpool-initial-zero", K + "Pooling/Pool2D+Float.swift",
           "let initial: Float = isMax ? -.greatestFiniteMagnitude : 0",
           "let initial: Float = isMax ? 0 : 0",
           "float max pool starts at 0 (negative windows)", FLOAT_POOL),
    Mutant("avgpool-divisor-off-by-one", K + "Pooling/Pool2D+Float.swift",
           "let divisor = Float(count)",
           "let divisor = Float(count &+ 1)",
           "float average pool divides by count + 1", FLOAT_POOL),
    Mutant("softmax-no-max-subtraction", K + "Activations/Softmax.swift",
           "let e = expf((x[i] - maximum) * beta)",
           "let e = expf(x[i] * beta)",
           "float softmax without subtracting the maximum", FLOAT_SOFTMAX),
    Mutant("softmax-max-loop-start", K + "Activations/Softmax.swift",
           "for i in 0..<depth { maximum = max(maximum, x[i]) }",
           "for i in 1..<depth { maximum = max(maximum, x[i]) }",
           "float softmax's maximum skips element 0 (off-by-one)", FLOAT_SOFTMAX),
    Mutant("maximum-comparison", K + "Elementwise/Maximum.swift",
           "{ a > b ? a : b }\n    @inline(__always) static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector { b.replacing(with: a, where: a .> b) }",
           "{ a >= b ? a : b }\n    @inline(__always) static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector { b.replacing(with: a, where: a .>= b) }",
           "MAXIMUM: > flipped to >=", FLOAT_MAXMIN),
    Mutant("minimum-comparison", K + "Elementwise/Minimum.swift",
           "{ a < b ? a : b }\n    @inline(__always) static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector { b.replacing(with: a, where: a .< b) }",
           "{ b < a ? b : a }\n    @inline(__always) static func choose(_ a: FloatVector, _ b: FloatVector) -> FloatVector { a.replacing(with: b, where: b .< a) }",
           "MINIMUM: operands of < swapped (NaN picks the other one)", FLOAT_MAXMIN),
    Mutant("binary-clamp-unfused", K + "Elementwise/BinaryElementwise+Float.swift",
           "let (lo, hi) = activation?.floatRange ?? (-.infinity, .infinity)",
           "let (lo, hi) = activation?.floatRange ?? (-.greatestFiniteMagnitude, .greatestFiniteMagnitude)",
           "ops without fused activation clamp to ±FLT_MAX", FLOAT_BINARY),
    Mutant("quantize-rounding-mode", K + "Quantization/FixedPoint.swift",
           "let r = x.rounded(.toNearestOrAwayFromZero)",
           "let r = x.rounded(.toNearestOrEven)",
           "QUANTIZE rounds half to even instead of away from zero", QUANTIZE),
    Mutant("dequantize-zero-point-sign", K + "Quantization/Dequantize.swift",
           "let q = input.assumingMemoryBound(to: Int8.self)\n                        for j in i..<end { output[j] = Float(Int32(q[j]) &- z) * s }",
           "let q = input.assumingMemoryBound(to: Int8.self)\n                        for j in i..<end { output[j] = Float(Int32(q[j]) &+ z) * s }",
           "int8 DEQUANTIZE adds the zero point", QUANTIZE),
    # Small errors the old tolerances (relative to the largest output: 1e-4,
    # hybrid 1e-3) let through, and a bug only the LiteRT output of the
    # branchy graph shows (its other tests compared the engine with itself).
    Mutant("hybrid-scale-2e-4", K + "Convolution/Convolution+Hybrid.swift",
           "finish: { a, oc in min(max(Float(a) * (scale[oc] * inputScale) + (bias?[oc] ?? 0), lo), hi) })",
           "finish: { a, oc in min(max(Float(a) * (scale[oc] * inputScale * 1.0002) + (bias?[oc] ?? 0), lo), hi) })",
           "hybrid conv/FC output scale 2e-4 too large", HYBRID),
    Mutant("softmax-small-offset", K + "Activations/Softmax.swift",
           "for i in 0..<depth { y[i] *= scale }",
           "for i in 0..<depth { y[i] = y[i] * scale + 1e-6 }",
           "float softmax adds 1e-6 to every probability", FLOAT_SOFTMAX),
    Mutant("concat-short-copy", K + "Layout/Concatenation.swift",
           "destination.copyMemory(from: sources[i] + o &* bytes, byteCount: bytes)",
           "destination.copyMemory(from: sources[i] + o &* bytes, byteCount: max(bytes &- 4, 0))",
           "CONCATENATION leaves the last 4 bytes of each slice unwritten", BRANCHY_LITERT),
]


def run(cmd, cwd, env=None, timeout=None, log=None):
    start = time.time()
    try:
        p = subprocess.run(cmd, cwd=cwd, env=env, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        out, code = p.stdout, p.returncode
    except subprocess.TimeoutExpired as e:
        out, code = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or ""), "timeout"
    if log is not None:
        log.write(f"$ {' '.join(cmd)}  ({time.time() - start:.0f} s, exit {code})\n{out[-4000:]}\n")
        log.flush()
    return code, out


def prepare_scratch(repo: Path, scratch: Path, log) -> None:
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, text=True, stdout=subprocess.PIPE, check=True).stdout.strip()
    if not (scratch / ".git").exists():
        scratch.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(repo), str(scratch)], check=True)
    subprocess.run(["git", "fetch", "--quiet", str(repo), head], cwd=scratch, check=True)
    subprocess.run(["git", "checkout", "--quiet", "--force", head], cwd=scratch, check=True)
    subprocess.run(["git", "clean", "--quiet", "-fdx", "-e", ".build"], cwd=scratch, check=True)
    print(f"scratch clone {scratch} at {head[:12]}; building the tests once ...", flush=True)
    code, out = run(["swift", "build", "--build-tests"], scratch, log=log)
    if code != 0:
        sys.exit(f"the unmutated build fails:\n{out[-3000:]}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, default=REPO_ROOT)
    ap.add_argument("--scratch", type=Path, default=Path(tempfile.gettempdir()) / "mutate-kernels")
    ap.add_argument("--only", nargs="*", default=None, help="mutant ids")
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per mutant's tests")
    ap.add_argument("--baseline", action="store_true", help="also run every selection on the unmutated code (must pass)")
    args = ap.parse_args(argv)
    mutants = [m for m in MUTANTS if args.only is None or m.id in args.only]
    if args.list:
        for m in mutants:
            print(f"{m.id:32s} {m.file.removeprefix(K):45s} {m.what}")
        return 0
    repo, scratch = args.repo.resolve(), args.scratch.resolve()
    if scratch == repo or repo in scratch.parents:
        sys.exit("the scratch directory must be outside the repository")
    log_path = scratch.with_name(scratch.name + ".log")
    with open(log_path, "w") as log:
        prepare_scratch(repo, scratch, log)
        # Every mutant must apply to the clone exactly once.
        for m in mutants:
            n = (scratch / m.file).read_text().count(m.old)
            if n != 1:
                sys.exit(f"{m.id}: the text to mutate occurs {n} times in {m.file}")
        if args.baseline:
            for selection in {(f, tuple(sorted(e.items()))) for f, e in (m.tests for m in mutants)}:
                env = dict(os.environ, **dict(selection[1]))
                code, out = run(["swift", "test", "--skip-build", "--filter", selection[0]], scratch, env=env, timeout=args.timeout, log=log)
                if code != 0:
                    sys.exit(f"baseline fails for {selection}: see {log_path}")
            print("baseline: every selection passes unmutated", flush=True)
        results = []
        for m in mutants:
            path = scratch / m.file
            original = path.read_text()
            path.write_text(original.replace(m.old, m.new, 1))
            t0 = time.time()
            try:
                log.write(f"\n==== {m.id}: {m.what}\n")
                code, out = run(["swift", "build", "--build-tests"], scratch, log=log)
                if code != 0:
                    status = "did not compile"
                else:
                    filt, env_extra = m.tests
                    env = dict(os.environ, **env_extra)
                    code, out = run(["swift", "test", "--skip-build", "--filter", filt], scratch, env=env, timeout=args.timeout, log=log)
                    status = "killed (timeout)" if code == "timeout" else ("survived" if code == 0 else "killed")
            finally:
                path.write_text(original)
            results.append({"id": m.id, "file": m.file, "what": m.what, "status": status, "seconds": round(time.time() - t0)})
            print(f"{m.id:32s} {status:18s} {time.time() - t0:5.0f} s  {m.what}", flush=True)
        # Leave the clone built from unmutated sources.
        run(["swift", "build", "--build-tests"], scratch, log=log)
    counted = [r for r in results if r["status"] != "did not compile"]
    killed = [r for r in counted if r["status"].startswith("killed")]
    score = len(killed) / len(counted) if counted else 0.0
    print(f"\nmutation score: {len(killed)}/{len(counted)} killed ({100 * score:.0f}%); "
          f"{len(results) - len(counted)} did not compile; log {log_path}")
    for r in counted:
        if r["status"] == "survived":
            print(f"  survived: {r['id']} ({r['what']})")
    if args.json:
        args.json.write_text(json.dumps({"score": score, "killed": len(killed), "counted": len(counted), "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
