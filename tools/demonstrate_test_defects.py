#!/usr/bin/env python3
"""Shows that each weak spot of issue 19 is now caught: for every numbered
point it applies one deliberate break (a wrong kernel, comparator or
fixture), rebuilds, runs only the tests that should catch it, prints the
failing lines, and restores the file. With ``--verify`` it then runs the same
selections on the unbroken code, which must pass.

Unlike ``tools/mutate_kernels.py`` (a scratch clone, a fixed set of kernel
mutants, a score), this works in the given checkout so that builds are
incremental; it refuses to touch a file with uncommitted changes, and
restores every file it changed even when interrupted.

    python3 tools/demonstrate_test_defects.py [--repo DIR] [--only ID ...] [--list] [--verify] [--log FILE]

Each break must fail its tests; the script exits non-zero when one does not
(the test would not catch that defect) or when a verification run fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

K = "Sources/TFLiteEngine/Kernels/"
T = "Tests/TFLiteEngineTests/"


@dataclass
class Break:
    id: str
    point: int
    what: str
    file: str
    old: str = ""
    new: str = ""
    rename_to: str | None = None  # instead of a text edit: move the file away
    filter: str = ""
    env: dict = field(default_factory=dict)
    # More (file, old, new) edits applied together with the first one.
    also: list = field(default_factory=list)
    # False for a control: the old, weaker test that should *not* catch the break.
    caught: bool = True


BREAKS = [
    Break("accumulation-input-offset", 1,
          "int8/uint8 FULLY_CONNECTED/CONV: the input zero point off by one in the shared prepare, so every "
          "accumulator is off by the sum of its weights; the fast and reference kernels agree with each other, so "
          "only the comparison with TFLite Micro's (and LiteRT's) outputs sees it",
          K + "Convolution/ConvolutionQuantization.swift",
          "inputOffset = -inQ.zeroPoint", "inputOffset = -inQ.zeroPoint + 1",
          filter="QuantizedKernelTests/testLargestAccumulationsStayExact|OperatorFixtureTests",
          env={"TFLITE_FIXTURE_GROUP": "ops/int8_accumulation"}),
    Break("comparator-nan-matches-anything", 2,
          "comparator: a NaN in the reference matches any output",
          T + "Comparison.swift",
          "if e.isNaN { return a.isNaN ? nil : (\"expected NaN\", .infinity) }",
          "if e.isNaN { return nil }",
          filter="ComparisonTests"),
    Break("comparator-infinity-passes", 2,
          "comparator: an infinite reference value passes whatever the output",
          T + "Comparison.swift",
          "if e.isInfinite || a.isInfinite { return a == e ? nil : (\"infinities must match exactly\", .infinity) }",
          "if e.isInfinite { return nil }; if a.isInfinite { return a == e ? nil : (\"infinities must match exactly\", .infinity) }",
          filter="ComparisonTests"),
    Break("special-minimum-nan", 2,
          "MINIMUM kernel: operands of < swapped, so a NaN input picks the other operand (special-value fixture)",
          K + "Elementwise/Minimum.swift",
          "{ a < b ? a : b }", "{ b < a ? b : a }",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "MINIMUM", "TFLITE_FIXTURE_GROUP": "ops/float32_special"}),
    Break("softmax-plus-1e-6", 3,
          "float SOFTMAX adds 1e-6 to every probability (invisible at 1e-4 of the largest output)",
          K + "Activations/Softmax.swift",
          "for i in 0..<depth { y[i] *= scale }",
          "for i in 0..<depth { y[i] = y[i] * scale + 1e-6 }",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "SOFTMAX", "TFLITE_FIXTURE_GROUP": "ops/float32,ops/float32_elementwise,ops/float32_special"}),
    Break("float16-dequantize-unsupported", 4,
          "DEQUANTIZE rejects float16 inputs, so every float16-weight model fails to load",
          K + "Quantization/Dequantize.swift",
          "case .float16:", "case .float16 where count < 0:",
          filter="ArenaPlannerTests/testNoLiveTensorsOverlapInAnyFixtureModel|SelectionTests/testCatalogReadsTheShippedModels"
                 "|AdaptiveRunnerTests/testRealModelsAnswerThroughTheAdapter"),
    Break("missing-manifest", 4,
          "a fixture group's manifest is missing (moved away)",
          T + "Fixtures/ops/float32_special/manifest.json",
          rename_to=T + "Fixtures/ops/float32_special/manifest.json.moved",
          filter="OperatorFixtureTests",
          env={"TFLITE_FIXTURE_GROUP": "ops/float32_special"}),
    Break("concat-short-copy", 5,
          "CONCATENATION leaves the last 4 bytes of each slice unwritten (the branchy graph's LiteRT output)",
          K + "Layout/Concatenation.swift",
          "destination.copyMemory(from: sources[i] + o &* bytes, byteCount: bytes)",
          "destination.copyMemory(from: sources[i] + o &* bytes, byteCount: max(bytes &- 4, 0))",
          filter="WholeModelTests/testBranchyGraphMatchesLiteRT"),
    Break("quantized-conv-shift-plus-8", 5,
          "quantized conv/depthwise output shift 8 bits too large in the shared prepare: fast and reference kernels "
          "saturate alike, only the informativeness checks see it",
          K + "Convolution/ConvolutionQuantization.swift",
          "shifts.append(s)", "shifts.append(s + 8)",
          filter="QuantizedKernelTests/testDepthwise"),
    Break("conv-geometry-last-row-unwritten", 5,
          "convolution geometry: one output row fewer to run, so neither the fast nor the reference depthwise "
          "kernel writes the last row; only the harness's different pre-fill bytes per run show it",
          K + "Convolution/ConvGeometry.swift",
          "var outputRows: Int { batches * outputHeight }",
          "var outputRows: Int { max(batches * outputHeight - 1, 0) }",
          filter="QuantizedKernelTests/testDepthwise"),
    Break("conv-geometry-last-row-unwritten-equal-prefill", 5,
          "control: the same break with the old harness (all three runs pre-filled with 0x5A) passes",
          K + "Convolution/ConvGeometry.swift",
          "var outputRows: Int { batches * outputHeight }",
          "var outputRows: Int { max(batches * outputHeight - 1, 0) }",
          also=[(T + "QuantizedKernelTests.swift", "fill: 0xA5)", "fill: 0x5A)"),
                (T + "QuantizedKernelTests.swift", "fill: 0x3C)", "fill: 0x5A)")],
          filter="QuantizedKernelTests/testDepthwise", caught=False),
    Break("digit-centre-of-mass-off-by-2", 6,
          "digit preprocessing places the centre of mass 2 pixels left of the centre",
          "Sources/ModelSelection/Digits/DigitPreprocessing.swift",
          "let offX = min(max(Int((14 - comX - 0.5).rounded()), 0), 28 - outW)",
          "let offX = min(max(Int((14 - comX - 2.5).rounded()), 0), 28 - outW)",
          filter="DigitPreprocessingTests|DigitEvaluationTests"),
    Break("arg-max-uint8-as-int8", 7,
          "ARG_MAX reads uint8 inputs as int8 (values >= 128 compare as negative)",
          K + "Reduction/ArgMax.swift",
          "case (.uint8, .int32): return ArgExtremumKernel<Direction, UInt8, Int32>",
          "case (.uint8, .int32): return ArgExtremumKernel<Direction, Int8, Int32>",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "ARG_MAX", "TFLITE_FIXTURE_GROUP": "ops/int8_elementwise"}),
    Break("arg-max-int8-as-uint8-int64-output", 7,
          "ARG_MAX with int64 output reads int8 inputs as uint8 (negative values compare as large)",
          K + "Reduction/ArgMax.swift",
          "case (.int8, .int64): return ArgExtremumKernel<Direction, Int8, Int64>",
          "case (.int8, .int64): return ArgExtremumKernel<Direction, UInt8, Int64>",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "ARG_MAX", "TFLITE_FIXTURE_GROUP": "ops/int8_elementwise"}),
    Break("depthwise-int8-row-origin-from-width-stride", 7,
          "fast int8 DEPTHWISE_CONV_2D: each output row's first input row uses the width stride (equal-stride "
          "fixtures cannot tell; the unequal-stride ones compared with TFLite Micro can)",
          K + "Convolution/DepthwiseConv2D+Int8Vectorized.swift",
          "let iy0 = oy &* g.strideHeight &- g.padTop", "let iy0 = oy &* g.strideWidth &- g.padTop",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "DEPTHWISE_CONV_2D", "TFLITE_FIXTURE_GROUP": "ops/int8"}),
    Break("depthwise-int8-tap-column-from-height-dilation", 7,
          "fast int8 DEPTHWISE_CONV_2D: gathered taps step through columns by the height dilation (border pixels of "
          "3×3 filters, every pixel of other sizes; only unequal dilations show it)",
          K + "Convolution/DepthwiseConv2D+Int8Vectorized.swift",
          "let ix = ix0 &+ kx &* g.dilationWidth", "let ix = ix0 &+ kx &* g.dilationHeight",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "DEPTHWISE_CONV_2D", "TFLITE_FIXTURE_GROUP": "ops/int8"}),
    Break("strided-copy-wide-elements-last-unwritten", 7,
          "layout ops' strided copy (TRANSPOSE, SLICE, ...): the element-by-element path of 2- and 8-byte elements "
          "skips the last element of every row",
          K + "Layout/StridedCopy.swift",
          "(destination + i &* size).copyMemory(from: source + i &* step &* size, byteCount: size)",
          "if i &+ 1 < count { (destination + i &* size).copyMemory(from: source + i &* step &* size, byteCount: size) }",
          filter="OperatorFixtureTests",
          env={"TFLITE_OP": "TRANSPOSE", "TFLITE_FIXTURE_GROUP": "ops/float32_layout"}),
    Break("digit-evaluation-shifted-pixels", 6,
          "MNIST evaluation feeds each digit shifted 3 pixels left (95 of 100 still read right: the old "
          "'>= 95%' check passed)",
          "Sources/ModelSelection/Digits/DigitEvaluation.swift",
          "pixels.append(images.item(i).map { Float($0) / 255 })",
          "pixels.append((Array(images.item(i).dropFirst(3)) + [0, 0, 0]).map { Float($0) / 255 })",
          filter="DigitEvaluationTests"),
]

FAILURE = re.compile(r"error:|✘|recorded an issue|failed \(|Fatal error")


def run(cmd, cwd, env=None, timeout=None, log=None):
    t0 = time.time()
    full_env = dict(os.environ, **(env or {}))
    try:
        p = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True, timeout=timeout)
        out, code = p.stdout + p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out, code = (e.stdout or "") + (e.stderr or "") if isinstance(e.stdout, str) else "", -1
        out += f"\n(timed out after {timeout} s)"
    if log:
        log.write(f"\n$ {' '.join(f'{k}={v}' for k, v in (env or {}).items())} {' '.join(cmd)}  [{time.time() - t0:.0f} s, exit {code}]\n{out}")
        log.flush()
    return code, out


def shorten(line: str, width: int = 360) -> str:
    """Long XCTest lines print whole arrays; keep the start and the end (the message)."""
    return line if len(line) <= width else line[: width // 2] + " … " + line[-width // 2:]


def failing_lines(out: str, repo: Path, limit: int = 8) -> list[str]:
    lines, previous = [], ""
    for line in out.splitlines():
        line = line.replace(str(repo) + "/", "")
        if line.startswith("↳ ") and previous.endswith("Issue recorded") and not line.startswith("↳ ///"):
            lines.append(shorten(line))  # the message of a Swift Testing issue
        elif FAILURE.search(line) and not line.endswith("Issue recorded"):
            lines.append(shorten(line))
        previous = line
    # Keep distinct lines (the XCTest and Swift Testing summaries repeat).
    return list(dict.fromkeys(lines))[:limit]


def no_tests_ran(out: str) -> bool:
    """Neither XCTest nor Swift Testing ran a test (a filter that matches nothing passes)."""
    xctest = [int(n) for n in re.findall(r"Executed (\d+) tests?", out)]
    swift_testing = [int(n) for n in re.findall(r"Test run with (\d+) tests?", out)]
    return not any(xctest) and not any(swift_testing)


def command_text(b: Break) -> str:
    env = " ".join(f"{k}={v}" for k, v in b.env.items())
    return f"{env + ' ' if env else ''}swift test --skip-build --filter '{b.filter}'"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent)
    ap.add_argument("--only", nargs="*", help="break ids")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--verify", action="store_true", help="afterwards run every selection on the unbroken code (must pass)")
    ap.add_argument("--timeout", type=int, default=900, help="seconds per test run")
    ap.add_argument("--log", type=Path, help="full build and test output (default: none)")
    args = ap.parse_args(argv)
    repo = args.repo.resolve()
    chosen = [b for b in BREAKS if not args.only or b.id in args.only]
    if args.only and len(chosen) != len(set(args.only)):
        sys.exit(f"unknown break id among {args.only}")
    if args.list:
        for b in chosen:
            print(f"{b.point}  {b.id:34} {b.file}\n   {b.what}\n   {command_text(b)}")
        return 0
    log = args.log.open("a") if args.log else None
    not_caught = []
    for b in chosen:
        edits = ([] if b.rename_to else [(b.file, b.old, b.new)]) + list(b.also)
        files = sorted({b.file} | {f for f, _, _ in edits})
        dirty = [f for f in files if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", f], cwd=repo).returncode != 0]
        if dirty:
            sys.exit(f"{', '.join(dirty)} has uncommitted changes; refusing to break it")
        originals = {f: (repo / f).read_bytes() for f in files}
        moved = repo / b.rename_to if b.rename_to else None
        try:
            where = []
            if moved:
                (repo / b.file).rename(moved)
                where.append(f"{b.file} moved away")
            texts = {f: originals[f].decode() for f, _, _ in edits}
            stale = [(f, old) for f, old, _ in edits if texts[f].count(old) != 1]
            if stale:
                print(f"[{b.id}] the text to change does not occur exactly once: {stale}; skipped (update the break)")
                not_caught.append(b.id)
                continue
            for f, old, new in edits:
                line = texts[f][: texts[f].index(old)].count("\n") + 1
                texts[f] = texts[f].replace(old, new)
                where.append(f"{f}:{line}")
            for f, text in texts.items():
                (repo / f).write_text(text)
            print(f"\n== point {b.point}: {b.id}\n   break: {', '.join(where)}: {b.what}", flush=True)
            code, out = run(["swift", "build", "--build-tests"], repo, log=log)
            if code != 0:
                print("   the break does not compile:\n     " + "\n     ".join(failing_lines(out, repo)))
                not_caught.append(b.id)
                continue
            t0 = time.time()
            code, out = run(["swift", "test", "--skip-build", "--filter", b.filter], repo, env=b.env, timeout=args.timeout, log=log)
            print(f"   $ {command_text(b)}   -> exit {code} ({time.time() - t0:.0f} s)")
            for line in failing_lines(out, repo):
                print(f"     {line}")
            if no_tests_ran(out):
                print("   NO TESTS RAN: the filter matches nothing (fix the break's filter)")
                not_caught.append(b.id)
            elif code == 0 and b.caught:
                print("   NOT CAUGHT: the tests passed on the broken code")
                not_caught.append(b.id)
            elif not b.caught:
                print("   control: passes, as expected of the old test" if code == 0 else "   CONTROL FAILED: expected the old test to pass")
                if code != 0:
                    not_caught.append(b.id)
        finally:
            if moved and moved.exists():
                moved.rename(repo / b.file)
            for f, data in originals.items():
                (repo / f).write_bytes(data)
    status = 0
    if not_caught:
        print(f"\nnot caught: {', '.join(not_caught)}")
        status = 1
    if args.verify:
        print("\n== verification on the unbroken code", flush=True)
        code, out = run(["swift", "build", "--build-tests"], repo, log=log)
        if code != 0:
            print("   build failed:\n     " + "\n     ".join(failing_lines(out, repo)))
            return 1
        done = set()
        for b in chosen:
            key = (b.filter, tuple(sorted(b.env.items())))
            if key in done:
                continue
            done.add(key)
            code, out = run(["swift", "test", "--skip-build", "--filter", b.filter], repo, env=b.env, timeout=args.timeout, log=log)
            summary = [l for l in out.splitlines() if re.search(r"Executed \d+ test|Test run with|passed after|failed after", l)]
            print(f"   $ {command_text(b)}   -> exit {code}; {' | '.join(s.strip() for s in summary[-2:])}")
            if code != 0 or no_tests_ran(out):
                for line in failing_lines(out, repo):
                    print(f"     {line}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
