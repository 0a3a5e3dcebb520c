#!/usr/bin/env python3
"""Regenerate docs/models.md: what the engine runs of the converter zoo.

For every model of Tests/TFLiteEngineTests/Fixtures/zoo/manifest.json (the
tf.keras.applications architectures cut small and the layer models, each
converted as float32, dynamic-range and full-integer int8) this runs the
engine's `infer` binary on the recorded input and compares its outputs with
the reference the manifest names (`expected`), with the tolerances of
Tests/TFLiteEngineTests/ZooModelTests.swift:

    float32  max |diff| / max |expected| <= max(1e-4, 3 x max spread *_vs_builtin)
    dynamic  max |diff| / max |expected| <= max(1e-4, max spread *_vs_builtin)
    int8     bit-exact with TFLite Micro; where Micro cannot run the model,
             within LiteRT's own optimized-vs-reference spread (max LSB)

When the full-size zoo exists (`tools/make_zoo.py` writes it to .models/zoo,
git-ignored; `--full DIR` names another folder), its models are judged the
same way in a section of their own.

It then writes the operator census (zoo operators x tensor type: does the
engine run it) and the census of the engine's registry (parsed from
Sources/TFLiteEngine/Graph/OperatorRegistry.swift, no Swift build needed).

With --speed it also times every model that runs: ours with the `bench`
binary, LiteRT (XNNPACK delegate and builtin kernels) with
tools/compare_litert.py, one thread each, in the same run.

Build the binaries first:

    swift build -c release --product infer
    swift build -c release --product bench      # only for --speed

Usage:

    python3 tools/zoo_report.py                  # correctness + census
    python3 tools/zoo_report.py --speed          # + latency vs LiteRT

Binaries built elsewhere (e.g. with --scratch-path .build-report):

    python3 tools/zoo_report.py --infer .build-report/release/infer \\
        --bench .build-report/release/bench --speed

With --performance it only times the full-size zoo (no correctness run, no
docs/models.md): each float32 and int8 model (`--variants`) ours against
LiteRT + XNNPACK, one thread, back to back per model and `--rounds` times,
and writes the table with the geometric means between the markers
`<!-- zoo-performance:begin -->` / `<!-- zoo-performance:end -->` of
docs/performance.md (`--performance-doc`). With --profile it also runs ours'
`bench --profile` once per model and round (each node's fastest over the
rounds) and lists the nodes below 25% of the run's measured float
throughput, with the bytes each moves. After a change
to some kernels, re-measure only the models it touches and fold them in
(each row keeps the commit and time it was measured at, which the header
lists): `--performance --only A,B --raw new.json --performance-doc .models/partial.md`,
then `--performance --from-raw all.json --merge-raw new.json`:

    swift build -c release --scratch-path .build-avx2 -Xcc -march=x86-64-v3 \\
        -Xswiftc -DTFLITEENGINE_AVX2 --product bench
    python3 tools/zoo_report.py --performance --bench .build-avx2/release/bench \\
        --variants float32 --profile
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu_identity  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ZOO = Path("Tests/TFLiteEngineTests/Fixtures/zoo")
REGISTRY = Path("Sources/TFLiteEngine/Graph/OperatorRegistry.swift")
BUILTIN_OPERATOR = Path("Sources/TFLiteEngine/Model/BuiltinOperator.swift")
FULL_DEFAULT = ".models/zoo"
VARIANTS = ("float32", "dynamic", "int8")
CENSUS_TYPES = ("float32", "int8", "uint8", "hybrid", "int32/other")


def rel(path: Path) -> str:
    """`path` relative to the repository root when it is inside it (for commands and the report)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def run(cmd: list[str], timeout: float, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, returncode=-1, stdout="", stderr=f"timed out after {timeout:.0f} s")


# MARK: Machine and build


def machine() -> dict:
    info = {"model": cpu_identity.describe(), "flags": set(), "cpus": "?"}
    p = run(["lscpu"], timeout=10)
    for line in p.stdout.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key == "Flags":
            info["flags"] = set(value.split())
        elif key == "CPU(s)":
            info["cpus"] = value
    return info


def git_commit() -> str:
    head = run(["git", "rev-parse", "--short=12", "HEAD"], timeout=10).stdout.strip() or "unknown"
    dirty = run(["git", "status", "--porcelain", "--", "Sources", "Package.swift", "Benchmarks"], timeout=30).stdout.strip()
    return head + (" (with uncommitted changes under Sources/, Package.swift or Benchmarks/)" if dirty else "")


# MARK: Registry census


def registry_census() -> tuple[list[str], list[str]]:
    """(schema names of the registered builtin operators, custom codes), parsed from the Swift sources."""
    names: list[str] = []
    text = (ROOT / BUILTIN_OPERATOR).read_text()
    codes = {m.group(1): int(m.group(2)) for m in re.finditer(r"static let (\w+) = BuiltinOperator\(rawValue: (\d+)\)", text)}
    table = text[text.index("static let names: [String] = ["):]
    schema = re.findall(r'^\s*"([A-Z0-9_]+)",\s*$', table, flags=re.M)
    registry = (ROOT / REGISTRY).read_text()
    for case in re.findall(r"^\s*r\[\.(\w+)\]\s*=", registry, flags=re.M):
        code = codes.get(case)
        names.append(schema[code] if code is not None and code < len(schema) else f".{case}")
    customs = re.findall(r'^\s*"([^"]+)":\s*\w+(?:\.\w+)*,\s*$', registry[registry.find("static let customs"):], flags=re.M)
    return sorted(set(names)), sorted(customs)


# MARK: Correctness


def tolerance(entry: dict) -> float:
    spreads = entry.get("spreads") or {}
    spread = max((v.get("max_rel", 0.0) for k, v in spreads.items() if k.endswith("_vs_builtin")), default=0.0)
    return {"float32": max(1e-4, 3 * spread), "dynamic": max(1e-4, spread)}.get(entry["variant"], 0.0)


def integer_tolerance(entry: dict) -> int:
    """As ZooEntry.integerTolerance: 0 against TFLite Micro; otherwise LiteRT's
    own spread (max LSB) between its kernel sets and the expected reference."""
    exp = entry["expected"]
    if exp == "micro":
        return 0
    spreads = [v.get("max_lsb", 0) for k, v in (entry.get("spreads") or {}).items()
               if k.endswith(f"_vs_{exp}") or k.startswith(f"{exp}_vs_")]
    return int(max(spreads, default=0))


def compare(actual: np.ndarray, expected: np.ndarray) -> dict:
    """As Fixtures.mismatch: float outputs by max |diff| / max |expected|, others by differing elements."""
    out = {"dtype": expected.dtype.name}
    if actual.dtype != expected.dtype:
        return {**out, "problem": f"type {actual.dtype.name} != expected {expected.dtype.name}"}
    if actual.shape != expected.shape and not (expected.shape == () and actual.size == expected.size):
        return {**out, "problem": f"shape {list(actual.shape)} != expected {list(expected.shape)}"}
    a = actual.reshape(-1).astype(np.float64)
    e = expected.reshape(-1).astype(np.float64)
    diff = np.abs(a - e)
    nan_a, nan_e = np.isnan(a), np.isnan(e)
    diff[nan_a != nan_e] = np.inf
    diff[nan_a & nan_e] = 0.0
    out["differing"] = int(np.count_nonzero(diff))
    out["max_abs"] = float(diff.max()) if diff.size else 0.0
    if np.issubdtype(expected.dtype, np.floating):
        scale = max(float(np.abs(e[~nan_e]).max()) if (~nan_e).any() else 0.0, 1e-30)
        out["max_rel"] = out["max_abs"] / scale
    return out


def first_error_line(stderr: str) -> str:
    lines = [l.strip() for l in stderr.splitlines() if l.strip()]
    line = lines[0] if lines else "failed without a message"
    return line.removeprefix("infer: error: ")


def short_error(error: str) -> str:
    """The error for a table cell: an unsupported-operator list grouped by
    operator (`REDUCE_PROD v1 ×4, GELU v1`), long tensor names cut."""
    items = re.findall(r"node \d+: (\S+) v(\d+) \(([^)]*)\)", error)
    if re.match(r"\d+ unsupported operators?: ", error) and items:
        by_reason: dict[str, dict[str, int]] = {}
        for op, version, reason in items:
            counts = by_reason.setdefault(reason, {})
            counts[f"{op} v{version}"] = counts.get(f"{op} v{version}", 0) + 1
        parts = []
        for reason, counts in by_reason.items():
            ops = ", ".join(k + (f" ×{n}" if n > 1 else "") for k, n in counts.items())
            parts.append(f"{reason}: {ops}" if reason != "no kernel for this builtin operator" else f"no kernel: {ops}")
        return "; ".join(parts)
    return re.sub(r"'([^']{40,})'", lambda m: "'" + m.group(1)[:24] + "…'", error)


def correctness(entry: dict, infer: Path, scratch: Path) -> dict:
    zoo = entry["_dir"]
    name = entry["name"]
    outdir = scratch / entry["_key"]
    cmd = [str(infer), str(zoo / f"{name}.tflite")]
    for f in entry["inputs"]:
        cmd += ["--input-npy", str(zoo / f)]
    cmd += ["--save-outputs", str(outdir), "--json"]
    p = run(cmd, timeout=300)
    result = {"name": name, "variant": entry["variant"], "tolerance": tolerance(entry)}
    expected_files = entry["references"][entry["expected"]]
    saved = [outdir / f"output_{i}.npy" for i in range(len(expected_files))]
    # `infer` saves the outputs before it ranks output 0, so a model whose
    # output 0 is not a score vector still counts as running.
    result["runs"] = p.returncode == 0 or all(s.exists() for s in saved)
    if p.returncode != 0:
        result["error"] = first_error_line(p.stderr)
    if not result["runs"]:
        return result
    outputs = []
    for s, f in zip(saved, expected_files):
        if not s.exists():
            outputs.append({"problem": f"no output file {s.name}"})
            continue
        outputs.append(compare(np.load(s), np.load(ROOT / zoo / f)))
    result["outputs"] = outputs
    result["inspect"] = inspect_check(entry, infer)
    if any("problem" in o for o in outputs):
        result["agrees"] = False
    elif entry["variant"] == "int8":
        result["agrees"] = all(o["max_abs"] <= integer_tolerance(entry) for o in outputs)
    else:
        result["agrees"] = all(o.get("max_rel", 0.0 if o["differing"] == 0 else math.inf) <= result["tolerance"] for o in outputs)
    return result


def judge_over_inputs(entry: dict, result: dict, infer: Path, inputs: int) -> None:
    """A dynamic-range model quantizes its activations at run time, so one float ulp before a quantization
    can flip a rounding step, and a random-weight network amplifies the flip: on one input, which kernel set
    lands closest to LiteRT's builtin kernels is partly chance. The full-size dynamic-range models are
    therefore also run on `inputs` seeded random inputs, and agree when our median difference from builtin
    is within the median of LiteRT's own spread (XNNPACK or reference vs builtin, the larger) — the
    recorded-input judgement stays in the row (`agrees_recorded`)."""
    from dynamic_range_spread import spread, summary  # noqa: E402 (a sibling tool; needs LiteRT)
    s = summary(spread(entry["_dir"] / f"{entry['name']}.tflite", infer, inputs))
    result["spread"] = s
    result["agrees_recorded"] = result["agrees"]
    result["agrees"] = s["ours"] <= max(1e-4, s["xnnpack"], s["reference"])


NODE_LINE = re.compile(r"^\s*(\d+)\s+[A-Z][A-Z0-9_]* v\d+\b")


def inspect_check(entry: dict, infer: Path) -> str | None:
    """`infer MODEL --inspect` must exit 0 and list every node of the primary subgraph, in order
    (LiteRT's own count of the model's nodes is the reference). None when it does; else what is wrong."""
    model = entry["_dir"] / f"{entry['name']}.tflite"
    p = run([str(infer), str(model), "--inspect"], timeout=120)
    if p.returncode != 0:
        return f"--inspect exit {p.returncode}: {first_error_line(p.stderr)}"
    main_table = p.stdout.split("\nsubgraph 1 '")[0]  # the called subgraphs' tables follow subgraph 0's
    listed = [int(m.group(1)) for line in main_table.splitlines() if (m := NODE_LINE.match(line))]
    try:
        from ai_edge_litert.interpreter import Interpreter
        count = len(Interpreter(model_path=str(ROOT / model))._get_ops_details())
    except Exception as error:  # LiteRT cannot load it: only the order is checked
        count = len(listed)
    if listed != list(range(count)):
        return f"--inspect lists {len(listed)} nodes, LiteRT counts {count}"
    return None


def load_entries(manifest: dict, folder: Path, key: str, label: str) -> list[dict]:
    """The manifest's fixtures in report order, each told its folder (`_dir`), a key unique across the small
    and full-size zoos (`_key`) and the name the report shows (`_label`)."""
    entries = sorted(manifest["fixtures"], key=lambda e: (VARIANTS.index(e["variant"]) if e["variant"] in VARIANTS else 9, e["name"]))
    return [{**e, "_dir": Path(folder), "_key": f"{key}/{e['name']}", "_label": e["name"] + label} for e in entries]


# MARK: Speed


def bench_ours(entry: dict, bench: Path, runs: int, min_time: float, scratch: Path, init: bool = False) -> dict | None:
    name, zoo = entry["name"], entry["_dir"]
    out = scratch / f"{entry['_key']}.bench.json"
    cmd = [str(bench), str(zoo / f"{name}.tflite"), "--threads", "1", "--runs", str(runs), "--min-time", str(min_time), "--json", str(out)]
    if len(entry["inputs"]) == 1:  # the recorded input (valid indices for GATHER/embedding models)
        cmd += ["--input", str(zoo / entry["inputs"][0])]
    p = run(cmd, timeout=600)
    if p.returncode != 0 or not out.exists():
        return {"error": first_error_line(p.stderr or p.stdout)}
    report = json.loads(out.read_text())
    results = report.get("results") or []
    if not results:
        return {"error": "bench wrote no result"}
    r = results[0]
    res = {"median_ms": r["median_ms"], "cpu_median_ms": r.get("cpu_median_ms"), "flavour": report.get("build", {}).get("flavour", "?")}
    if init:
        res["init_ms"] = r.get("init_ms")
    return res


def bench_litert(entry: dict, runs: int, min_time: float, scratch: Path, backend: str = "all") -> dict:
    name, zoo = entry["name"], entry["_dir"]
    out = scratch / f"{entry['_key']}.litert.json"
    cmd = [sys.executable, "tools/compare_litert.py", str(zoo / f"{name}.tflite"), "--threads", "1", "--runs", str(runs),
           "--min-time", str(min_time), "--backend", backend, "--json", str(out)]
    # compare_litert.py waits on its measuring subprocess; a model LiteRT cannot
    # invoke on random inputs would wait forever, hence the timeout.
    p = run(cmd, timeout=120 + 4 * min_time)
    if p.returncode != 0 or not out.exists():
        return {"error": first_error_line(p.stderr or p.stdout)}
    res = {}
    for r in json.loads(out.read_text())["results"]:
        res[r["backend"]] = {"median_ms": r["median_ms"], "cpu_median_ms": r.get("cpu_median_ms"), "init_ms": r.get("init_ms")}
    return res


RATIOS = ("ratio_xnnpack", "ratio_builtin", "cpu_ratio_xnnpack")


def ratio_summary(speeds: list[dict], key: str) -> str:
    xs = [s[key] for s in speeds if s.get(key)]
    g = geomean(xs)
    return f"{fmt(g)} ({len(xs)} model{'s' if len(xs) != 1 else ''})" if g else "–"


def median(xs: list[float], geometric: bool = False) -> float:
    """The middle value; with an even count the middle two's mean (geometric: of ratios)."""
    xs = sorted(xs)
    n = len(xs)
    if n % 2:
        return xs[n // 2]
    a, b = xs[n // 2 - 1], xs[n // 2]
    return math.sqrt(a * b) if geometric else (a + b) / 2


def geomean(xs: list[float]) -> float | None:
    xs = [x for x in xs if x and x > 0 and math.isfinite(x)]
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


# MARK: Operator census


def census_type(t: str) -> str:
    return t if t in CENSUS_TYPES else "int32/other"


def op_census(entries: list[dict], results: dict[str, dict]) -> dict:
    """(op, type) -> {"models": [...], "ran": [...], "blocking": [...]}."""
    cells: dict[tuple[str, str], dict] = defaultdict(lambda: {"models": [], "ran": [], "blocking": [], "types": set()})
    for e in entries:
        r = results[e["_key"]]
        error = r.get("error", "") if not r["runs"] else ""
        for op, types in e.get("op_types", {}).items():
            for t in sorted({census_type(t) for t in types}):
                cell = cells[(op, t)]
                cell["models"].append(e["_label"])
                cell["types"].update(x for x in types if census_type(x) == t)
                if r["runs"]:
                    cell["ran"].append(e["_label"])
                elif re.search(rf"(?<![A-Z0-9_]){re.escape(op)}(?![A-Z0-9_])", error):
                    cell["blocking"].append(e["_label"])
    return cells


def cell_mark(cell: dict | None) -> str:
    if not cell:
        return ""
    if cell["ran"]:
        return "✓"
    return "✗" if cell["blocking"] else "·"


# MARK: Formatting


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return "inf"
    return f"{x:.{digits}g}"


def ms(x: float | None) -> str:
    return "–" if x is None else f"{x:.3f}"


def cell_text(s: str, limit: int = 240) -> str:
    s = s.replace("|", "\\|").replace("\n", " ")
    return s if len(s) <= limit else s[: limit - 1] + "…"


def spread_text(entry: dict) -> str:
    spreads = entry.get("spreads") or {}
    if entry["variant"] != "int8":
        parts = [f"{k.split('_vs_')[0]} {fmt(v.get('max_rel'), 2)}" for k, v in sorted(spreads.items()) if k.endswith("_vs_builtin")]
        return ", ".join(parts) or "–"
    exp = entry["expected"]
    parts = []
    for k, v in sorted(spreads.items()):
        a, _, b = k.partition("_vs_")
        if exp in (a, b):
            other = b if a == exp else a
            parts.append(f"{other} {v['differing']}/{v['max_lsb']}")
    return ", ".join(parts) or "–"


def model_row(e: dict, r: dict, compact: bool = False) -> str:
    """One table row: the per-variant tables (int8 with differing / max LSB columns) or, `compact`, the
    full-size table where int8 shows `differing/max LSB` in the error column."""
    runs = "yes" if r["runs"] else "no"
    msg = cell_text(short_error(r.get("error", ""))) if not r["runs"] else ""
    problems = "; ".join(o["problem"] for o in r.get("outputs", []) if "problem" in o)
    if problems:
        msg = cell_text(problems)
    agrees = "–" if not r["runs"] else ("yes" if r["agrees"] else "**no**")
    outs = [o for o in r.get("outputs", []) if "problem" not in o]
    if e["variant"] == "int8":
        diff = str(sum(o["differing"] for o in outs)) if outs else "–"
        lsb = fmt(max(o["max_abs"] for o in outs)) if outs else "–"
        if compact:
            return (f"| {e['name']} | {e['expected']} | {runs} | {agrees} | {diff}/{lsb} LSB | {integer_tolerance(e)} LSB | "
                    f"{spread_text(e)} | {msg} |")
        return f"| {e['name']} | {e['expected']} | {runs} | {agrees} | {diff} | {lsb} | {spread_text(e)} | {msg} |"
    err = max((o.get("max_rel", 0.0 if o["differing"] == 0 else math.inf) for o in outs), default=None)
    spread = spread_text(e)
    if "spread" in r:
        m = r["spread"]
        agrees += "" if r["agrees_recorded"] == r["agrees"] else (" (recorded input: yes)" if r["agrees_recorded"] else " (recorded input: no)")
        spread += (f"; median over {m['inputs']} inputs: ours {fmt(m['ours'], 2)}, xnnpack {fmt(m['xnnpack'], 2)}, "
                   f"reference {fmt(m['reference'], 2)} (ours at least as close as xnnpack on {m['closer']})")
    return f"| {e['name']} | {e['expected']} | {runs} | {agrees} | {fmt(err, 2)} | {fmt(r['tolerance'], 2)} | {spread} | {msg} |"


def write_report(args, entries, full_entries, results, speed, not_converted, elapsed) -> str:
    m = machine()
    flags = ", ".join(f"{f} {'yes' if f in m['flags'] else 'no'}" for f in ("avx2", "avx512f", "avx512_vnni"))
    registered, customs = registry_census()
    zoo_ops = sorted({op for e in entries + full_entries for op in e.get("op_types", {})})
    by_variant = {v: [e for e in entries if e["variant"] == v] for v in VARIANTS}
    lines: list[str] = []
    w = lines.append

    w("# Converter zoo coverage")
    w("")
    w("Generated by `tools/zoo_report.py`; do not edit by hand. Regenerate with:")
    w("")
    w("```")
    w("swift build -c release --product infer")
    w("swift build -c release --product bench   # for --speed")
    w("python3 tools/zoo_report.py --speed      # without --speed: correctness and census only (seconds)")
    w("```")
    w("")
    w(f"- Date: {datetime.now(timezone.utc).strftime('%Y-%m-%d')}")
    w(f"- Commit: {git_commit()}")
    w(f"- Machine: {m['model']}, {m['cpus']} logical CPUs; {flags}")
    if speed is not None:
        w(f"- Load average (1 min) before / after the timings: {args.load_before:.1f} / {os.getloadavg()[0]:.1f} "
          "(above the CPU count, other processes shared the cores and wall-clock ratios are noisy; the CPU-time ratio less so)")
    if speed is not None:
        flavours = sorted({s['ours']['flavour'] for s in speed.values() if s.get('ours') and 'flavour' in s['ours']})
        w(f"- Engine build flavour (as `bench` reports it): {', '.join(flavours) or 'unknown'} "
          "(docs/performance.md: the `fma` and `avx512` flavours are faster on machines that have those instructions)")
    w(f"- Models: {len(entries)} from `{ZOO}/manifest.json` (made by `tools/make_zoo.py --small` and `tools/make_layer_zoo.py`)"
      + (f", and {len(full_entries)} full-size ones from `{rel(args.full_dir)}/manifest.json` (made by `tools/make_zoo.py`, "
         "not committed)" if full_entries else "") + f"; run time of this report {elapsed:.0f} s")
    w("")
    w("Each model runs through `infer MODEL --input-npy INPUT --save-outputs DIR --json` on its recorded input; its outputs are "
      "compared with the reference its manifest entry names, at the tolerance `ZooModelTests` uses: float32 "
      "max |diff| / max |expected| ≤ max(1e-4, 3 × LiteRT's largest `*_vs_builtin` spread), dynamic-range ≤ max(1e-4, that spread), "
      "int8 bit-exact with TFLite Micro (elsewhere within LiteRT's own optimized-vs-reference spread). *Runs* means `infer` loaded, prepared and invoked the model.")
    w("")

    # Summary
    w("## Summary")
    w("")
    header = "| variant | models | run | agree |"
    if speed is not None:
        header += " ours ÷ LiteRT XNNPACK | ours ÷ LiteRT builtin | CPU time ours ÷ XNNPACK |"
    w(header)
    w("|" + "---|" * (header.count("|") - 1))
    totals = [0, 0, 0]
    for v in VARIANTS:
        es = by_variant[v]
        n_run = sum(results[e["_key"]]["runs"] for e in es)
        n_agree = sum(bool(results[e["_key"]].get("agrees")) for e in es)
        totals = [totals[0] + len(es), totals[1] + n_run, totals[2] + n_agree]
        row = f"| {v} | {len(es)} | {n_run} | {n_agree} |"
        if speed is not None:
            row += " " + " | ".join(ratio_summary([speed.get(e["_key"], {}) for e in es], k) for k in RATIOS) + " |"
        w(row)
    row = f"| all | {totals[0]} | {totals[1]} | {totals[2]} |"
    if speed is not None:
        row += " " + " | ".join(ratio_summary([speed.get(e["_key"], {}) for e in entries], k) for k in RATIOS) + " |"
    w(row)
    for v in VARIANTS if full_entries else ():
        es = [e for e in full_entries if e["variant"] == v]
        row = (f"| {v}, full size | {len(es)} | {sum(results[e['_key']]['runs'] for e in es)} | "
               f"{sum(bool(results[e['_key']].get('agrees')) for e in es)} |")
        if speed is not None:
            row += " " + " | ".join(ratio_summary([speed.get(e["_key"], {}) for e in es], k) for k in RATIOS) + " |"
        w(row)
    w("")
    ran = [e for e in entries + full_entries if results[e["_key"]]["runs"]]
    inspect_bad = [f"{e['_label']} ({results[e['_key']]['inspect']})" for e in ran if results[e["_key"]].get("inspect")]
    w(f"`infer MODEL --inspect` (exit 0 and every node of the primary subgraph listed in order, LiteRT's node count as reference): "
      f"{len(ran) - len(inspect_bad)} of {len(ran)} models that run" + (": not " + "; ".join(inspect_bad) if inspect_bad else "") + ".")
    w("")
    if speed is not None:
        w("Latency columns: geometric mean, over the models that run, of our median latency ÷ LiteRT's (one thread; "
          "above 1 means slower; per model under *Latency*).")
        w("")

    # Per variant
    for v in VARIANTS:
        es = by_variant[v]
        w(f"## {v}" + {"float32": "", "dynamic": " (dynamic-range quantization, hybrid kernels)", "int8": " (full-integer)"}[v])
        w("")
        if v == "int8":
            w("*Differing*: output elements that differ from the reference; *max LSB*: the largest difference. "
              "*LiteRT spread*: each other LiteRT kernel set against the same reference, as differing elements / max LSB.")
            w("")
            w("| model | reference | runs | agrees | differing | max LSB | LiteRT spread | error |")
            w("|---|---|---|---|---|---|---|---|")
        else:
            w("*Error*: max |diff| / max |expected| over the outputs; *LiteRT spread*: max relative difference of LiteRT's "
              "XNNPACK and reference kernels from its builtin kernels.")
            w("")
            w("| model | reference | runs | agrees | error | tolerance | LiteRT spread | error message |")
            w("|---|---|---|---|---|---|---|---|")
        for e in es:
            r = results[e["_key"]]
            w(model_row(e, r))
        w("")

    if full_entries:
        w("## Full size")
        w("")
        w("The architectures at their default input size (224–331 pixels, whole networks), converted by `tools/make_zoo.py` "
          "the same three ways and judged the same way. *Error*: max |diff| / max |expected| for float models; "
          "for int8 the differing elements / max LSB. Dynamic-range models quantize activations at run time, where a "
          "float ulp can flip a rounding step that a random-weight network then amplifies, so one input is partly "
          "chance: they also run on `--spread-inputs` seeded random inputs of the same range "
          f"({args.spread_inputs} here; `tools/dynamic_range_spread.py` prints each) and *agree* when our median "
          "difference from LiteRT builtin is within the median of LiteRT's own spread (XNNPACK or reference vs builtin); "
          "the recorded input's verdict is added where it differs.")
        w("")
        w("| model | reference | runs | agrees | error | tolerance | LiteRT spread | error message |")
        w("|---|---|---|---|---|---|---|---|")
        for e in full_entries:
            w(model_row(e, results[e["_key"]], compact=True))
        w("")

    # Speed
    if speed is not None:
        w("## Latency (one thread)")
        w("")
        w(f"Median wall-clock ms per invoke, measured in this run on this machine: ours with `bench --threads 1 --runs {args.runs} "
          f"--min-time {args.min_time}` (on the recorded input), LiteRT with `tools/compare_litert.py --threads 1` "
          "(XNNPACK delegate, and its builtin kernels without delegate; random inputs). "
          "*CPU ratio* divides the median thread CPU times instead, which is steadier when other processes share the cores. "
          "Ratios are ours ÷ LiteRT: above 1 means slower. Geometric means per variant are in the summary. "
          "The small models are cut small (32–75 pixel inputs, a few to a few hundred operators, most under a millisecond in "
          "LiteRT), so their ratios are dominated by per-operator overhead rather than kernel throughput; the full-size rows "
          "(marked *full*) measure the kernels.")
        w("")
        w("| model | ours ms | XNNPACK ms | builtin ms | ours ÷ XNNPACK | ours ÷ builtin | CPU ratio ÷ XNNPACK | note |")
        w("|---|---|---|---|---|---|---|---|")
        for e in entries + full_entries:
            s = speed.get(e["_key"])
            if s is None:
                continue
            ours, lx, lb = s.get("ours") or {}, s.get("litert", {}).get("litert-xnnpack", {}), s.get("litert", {}).get("litert-builtin", {})
            note = "; ".join(cell_text(x, 100) for x in (ours.get("error"), s.get("litert", {}).get("error")) if x)
            w(f"| {e['_label']} | {ms(ours.get('median_ms'))} | {ms(lx.get('median_ms'))} | {ms(lb.get('median_ms'))} | "
              f"{fmt(s.get('ratio_xnnpack'))} | {fmt(s.get('ratio_builtin'))} | {fmt(s.get('cpu_ratio_xnnpack'))} | {note} |")
        w("")

    # Operator census
    cells = op_census(entries + full_entries, results)
    w("## Operator census")
    w("")
    w("Every operator of the zoo models by the type it computes in (`op_types` of the manifest; *hybrid*: float activations "
      "with int8 weights, from dynamic-range models). ✓: some model containing the operator in that type runs; "
      "✗: no such model runs and the engine's error names the operator; ·: every model containing it stops at another "
      "operator first (not yet exercised); blank: not in the zoo. The counts are models that run / models containing it. "
      "The zoo has no uint8 models (the converter quantizes to int8); uint8 kernels are checked by the operator fixtures "
      "(`Tests/TFLiteEngineTests/Fixtures/ops/uint8`).")
    w("")
    w("| operator | " + " | ".join(CENSUS_TYPES) + " | in registry |")
    w("|---|" + "---|" * (len(CENSUS_TYPES) + 1))
    reg = set(registered)
    for op in zoo_ops:
        row = []
        for t in CENSUS_TYPES:
            c = cells.get((op, t))
            row.append(f"{cell_mark(c)} {len(c['ran'])}/{len(c['models'])}" if c else "")
        w(f"| {op} | " + " | ".join(row) + f" | {'yes' if op in reg else 'no'} |")
    w("")
    missing = [(op, t) for (op, t), c in sorted(cells.items()) if not c["ran"]]
    named = sum(1 for k in missing if cells[k]["blocking"])
    w(f"### Not yet supported: {len(missing)} operator × type pairs ({named} named by an error, "
      f"{len(missing) - named} not reached)")
    w("")
    if missing:
        w("*Stops*: models whose error names the operator; *also in*: the other models containing it in that type "
          "(they stop at another operator first).")
        w("")
        w("| operator | type | stops | also in |")
        w("|---|---|---|---|")
        for op, t in missing:
            c = cells[(op, t)]
            shown = t if t != "int32/other" else ", ".join(sorted(c["types"]))
            others = sorted(set(c["models"]) - set(c["blocking"]))
            w(f"| {op} | {shown} | {', '.join(sorted(c['blocking'])) or '–'} | {', '.join(others) or '–'} |")
    else:
        w("None: every operator × type of the zoo runs in at least one model.")
    w("")
    if not_converted:
        w("Models the converter could not produce (not in the zoo; from the manifest's `not_converted`): "
          + ", ".join(f"{n['name']}" for n in sorted(not_converted, key=lambda n: n["name"])) + ".")
        w("")

    # Registry census
    w("## Engine registry")
    w("")
    w(f"`{REGISTRY}` registers **{len(registered)} builtin operators** "
      f"(and {len(customs)} custom: {', '.join(customs) or 'none'}):")
    w("")
    w(", ".join(registered) + ".")
    w("")
    absent = [op for op in zoo_ops if op not in reg]
    w(f"Zoo operators without a registry entry ({len(absent)}): {', '.join(absent) or 'none'}.")
    w("")
    return "\n".join(lines)


# MARK: Performance table (--performance)


PERF_BEGIN, PERF_END = "<!-- zoo-performance:begin -->", "<!-- zoo-performance:end -->"


def bench_profile(entry: dict, bench: Path, runs: int, min_time: float, scratch: Path) -> list[dict] | None:
    """Ours' per-node profile (`bench --profile --warm --json`): node, op, avg_ms, min_ms, warm_min_ms, cost, bytes."""
    name, zoo = entry["name"], entry["_dir"]
    out = scratch / f"{entry['_key']}.profile.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = [str(bench), str(zoo / f"{name}.tflite"), "--threads", "1", "--runs", str(runs), "--min-time", str(min_time),
           "--profile", "--warm", "--json", str(out)]
    p = run(cmd, timeout=900)
    if p.returncode != 0 or not out.exists():
        return None
    results = json.loads(out.read_text()).get("results") or []
    return (results[0].get("profile") if results else None) or None


def merge_profiles(profiles: list[list[dict]]) -> list[dict]:
    """One profile per model from the rounds' profiles: each node's fastest time over the rounds
    (`min_ms`, `warm_min_ms`), its mean (`avg_ms`) from the round where it was fastest, and each
    round's minimum (`round_min_ms`). One profile of a few seconds can fall wholly in a slow period of a
    shared host (a convolution of int8 EfficientNet-B1 took 0.295 ms in one run's profile and 0.166 ms
    in a profile an hour later); a node slow in every round is slow, one slow in one round is the host."""
    merged: list[dict] = []
    for nodes in zip(*profiles):
        if len({(r["node"], r["op"]) for r in nodes}) != 1:
            return profiles[0]  # not the same graph: keep the first round's
        best = min(nodes, key=lambda r: r["min_ms"] if r["min_ms"] > 0 else math.inf)
        warms = [r["warm_min_ms"] for r in nodes if r.get("warm_min_ms")]
        merged.append({**best, **({"warm_min_ms": min(warms)} if warms else {}),
                       "round_min_ms": [r["min_ms"] for r in nodes]})
    return merged


def slow_nodes(profiles: dict[str, list[dict]], fraction: float = 0.25, warm_share: float = 0.8) -> tuple[float, float, list[dict]]:
    """(measured float throughput, measured bandwidth, nodes below `fraction` of that throughput).

    The throughput is the best GFLOP/s of any float32 model's node of the run at its fastest (min_ms;
    2 FLOP per multiply-add; every model's when the run has no float32 model: on CPUs with integer
    dot products an int8 convolution runs several times the float peak, and the bar is the float
    throughput), the bandwidth the best GB/s of any node by bytes moved, both over nodes of at least
    50 µs (shorter ones are within the timer's and the clock's noise). A slow node is called
    memory-bound when its arithmetic intensity (FLOP per byte moved) is below the machine balance
    (throughput / bandwidth): it could not reach `fraction` of the throughput even at full bandwidth.
    A slow node that is not is said to wait on memory (`waits_on_memory`) when its warm run (`warm_min_ms`:
    run again at once, its code and bytes just used; profiles from `bench --warm`) reaches `fraction` and
    takes at most `warm_share` of its time in the model: the kernel's arithmetic is fast enough, the node
    waits in the model for bytes from beyond the cache (a node near `fraction` either way is not moved
    by the timer's noise alone).
    Nodes under 5 µs are left out (timer resolution; per-node overhead is measured separately)."""
    rows = [(model, r) for model, prof in profiles.items() for r in prof if r["min_ms"] > 0]
    timed = [r for _, r in rows if r["min_ms"] >= 0.05]
    float_timed = [r for model, r in rows if r["min_ms"] >= 0.05 and "float32" in model] or timed
    peak = max((2 * r["cost"] / (r["min_ms"] * 1e6) for r in float_timed if r["cost"] > 0), default=0.0)
    bandwidth = max((r["bytes"] / (r["min_ms"] * 1e6) for r in timed), default=0.0)
    balance = peak / bandwidth if bandwidth > 0 else math.inf
    slow = []
    for model, r in rows:
        if r["min_ms"] < 0.005 or r["cost"] <= 0:
            continue
        gflops = 2 * r["cost"] / (r["min_ms"] * 1e6)
        if gflops < fraction * peak:
            intensity = 2 * r["cost"] / r["bytes"] if r["bytes"] else math.inf
            # The roofline: what the node could reach at the measured peak and bandwidth.
            bound = min(peak, intensity * bandwidth)
            warm = r.get("warm_min_ms")
            warm_gflops = 2 * r["cost"] / (warm * 1e6) if warm else None
            memory_bound = intensity < balance
            slow.append({"model": model, **r, "gflops": gflops, "gbps": r["bytes"] / (r["min_ms"] * 1e6),
                         "memory_bound": memory_bound, "of_roofline": gflops / bound if bound > 0 else 0.0,
                         "warm_gflops": warm_gflops,
                         "waits_on_memory": not memory_bound and warm_gflops is not None and warm_gflops >= fraction * peak
                         and warm <= warm_share * r["min_ms"]})
    # The nodes the 25% rule counts against first (slow even warm), then those waiting on memory, then the
    # memory-bound ones, each group longest first.
    slow.sort(key=lambda s: (s["memory_bound"], s["waits_on_memory"], -s["min_ms"]))
    return peak, bandwidth, slow


def performance_section(args, rows: list[dict], profiles: dict[str, list[dict]] | None, elapsed: float) -> str:
    m = machine()
    flags = ", ".join(f"{f} {'yes' if f in m['flags'] else 'no'}" for f in ("avx2", "fma", "avx512f"))
    flavours = sorted({r["ours"]["flavour"] for r in rows if r.get("ours") and "flavour" in r["ours"]})
    # Where rows were measured (rows of a merged raw file can come from
    # different commits and times; older raw files carry neither).
    measured: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        key = f"commit {r.get('commit') or git_commit()}" + (f", {r['measured']}" if r.get("measured") else "")
        if r["variant"] not in measured[key]:
            measured[key].append(r["variant"])
    provenance = "; ".join(f"{', '.join(v)} rows at {k}" if len(measured) > 1 else k for k, v in measured.items())
    lines: list[str] = []
    w = lines.append
    w(PERF_BEGIN)
    w("")
    w(f"Generated by `tools/zoo_report.py --performance` on {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} "
      f"({provenance}); do not edit by hand.")
    w("")
    load_after = getattr(args, "load_after", None)  # recorded in the raw file (--from-raw), else the load now
    if load_after is None:
        load_after = os.getloadavg()[0]
    w(f"- Machine: {getattr(args, 'measured_machine', None) or m['model']}, {m['cpus']} logical CPUs ({flags}); "
      f"load average {args.load_before[0]:.1f} before and {load_after:.1f} after the run ({elapsed:.0f} s).")
    w(f"- Ours: `bench --threads 1 --runs {args.runs} --min-time {args.min_time}`, build flavour {', '.join(flavours) or '?'}; "
      "LiteRT: `tools/compare_litert.py --backend litert-xnnpack --threads 1` (XNNPACK delegate). Each model ours then LiteRT, "
      f"{args.rounds} round(s); random inputs in [-1, 1] (int8: the whole range).")
    w("- *CPU ms*: median thread CPU time per invoke (steady when other processes share the cores); *wall ms*: median latency. "
      "Ratios are ours ÷ XNNPACK (above 1: slower), the median of the rounds' ratios (of an even count, the middle two's geometric mean; the ms columns each side's median); *init*: `Interpreter` creation + "
      "`allocateTensors()` (ms; the smaller over the rounds in rows that record each round's, else the first round's, "
      "where ours may include reading the model file from disk).")
    w("")
    w("| model | ours CPU ms | XNNPACK CPU ms | ÷ XNNPACK (CPU) | ours wall ms | XNNPACK wall ms | ÷ XNNPACK (wall) | init ours / XNNPACK ms |")
    w("|---|---|---|---|---|---|---|---|")
    for r in rows:
        o, x = r.get("ours") or {}, r.get("xnnpack") or {}
        note = "; ".join(cell_text(e, 80) for e in (o.get("error"), x.get("error")) if e)
        name = r["name"] + (f" ({note})" if note else "")
        w(f"| {name} | {ms(o.get('cpu_median_ms'))} | {ms(x.get('cpu_median_ms'))} | {fmt(r.get('cpu_ratio'))} | "
          f"{ms(o.get('median_ms'))} | {ms(x.get('median_ms'))} | {fmt(r.get('ratio'))} | "
          f"{fmt(o.get('init_ms'))} / {fmt(x.get('init_ms'))} |")
    for v in args.variant_list:
        sel = [r for r in rows if r["variant"] == v]
        if sel:
            w(f"| **geometric mean, {v}** ({len([r for r in sel if r.get('cpu_ratio')])} models) | | | "
              f"**{fmt(geomean([r.get('cpu_ratio') for r in sel]))}** | | | **{fmt(geomean([r.get('ratio') for r in sel]))}** | |")
    w("")
    if profiles is not None:
        peak, bandwidth, slow = slow_nodes(profiles)
        w(f"Nodes below 25% of the measured float throughput ({peak:.0f} GFLOP/s: the fastest float32 node of this run at its "
          f"fastest, among nodes of at least 50 µs; measured bandwidth {bandwidth:.0f} GB/s: the most bytes per second "
          "such a node moved), from one `bench --profile --warm` per model and round (each node's fastest over the rounds), nodes of at least 5 µs; the ones slow even warm first, "
          "then those that wait on memory, then the memory-bound ones, each group longest first. *MB*: bytes of the node's inputs "
          "(weights included) and outputs (an int8 convolution fused with the max pool after it: the Int32 sums "
          "it writes instead of its output, which the pool reads instead of its input); *memory-bound*: its FLOP per byte is below the machine balance "
          f"({peak / bandwidth if bandwidth else 0:.1f} FLOP/byte), so even at full bandwidth it could not reach 25%; "
          "*warm*: the node's fastest run repeated at once after its first (its code and bytes just used) and its GFLOP/s "
          "there (`bench --profile --warm`: a second profile, so the plain times stay undisturbed); *waits on memory*: "
          "not memory-bound by that balance, but at least 25% warm, in at most 80% of its time in the model: its arithmetic is fast enough and in the model it waits "
          "for code and bytes from beyond the cache (squeeze-and-excitation weights read once an invoke); "
          "*of roofline*: its GFLOP/s over the most it could reach at that peak and bandwidth "
          "(min(peak, FLOP per byte × bandwidth); the bandwidth is a cache-resident node's, so nodes whose bytes "
          "come from DRAM read low here). FLOP are the kernel's `cost` × 2 (a multiply-add, or one element's "
          "step of an element-wise kernel: 4 for int8 ADD/MUL's requantization).")
        w("")
        def kind(s: dict) -> str:
            return "yes" if s["memory_bound"] else "waits on memory" if s["waits_on_memory"] else "**no**"

        def warm(s: dict) -> str:
            return f"{s['warm_min_ms']:.3f} ({s['warm_gflops']:.0f})" if s.get("warm_gflops") else "–"

        w("| model | node | op | min ms | GFLOP/s | MB | GB/s | warm ms (GFLOP/s) | memory-bound | of roofline |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for s in slow[: args.slow_limit]:
            w(f"| {s['model']} | {s['node']} | {s['op']} | {s['min_ms']:.3f} | {s['gflops']:.1f} | {s['bytes'] / 1e6:.2f} | "
              f"{s['gbps']:.1f} | {warm(s)} | {kind(s)} | {s['of_roofline']:.0%} |")
        if len(slow) > args.slow_limit:
            w(f"| … {len(slow) - args.slow_limit} more | | | | | | | | | |")
        kinds = ("not", "waits on memory", "memory-bound")
        by_op: dict[str, dict[str, list[float]]] = defaultdict(lambda: {k: [0, 0.0] for k in kinds})
        totals = {k: 0 for k in kinds}
        for s in slow:
            k = kinds[2] if s["memory_bound"] else kinds[1] if s["waits_on_memory"] else kinds[0]
            by_op[s["op"]][k][0] += 1
            by_op[s["op"]][k][1] += s["min_ms"]
            totals[k] += 1
        w("")
        w(f"All {len(slow)} slow nodes: {totals['not']} slow even warm, {totals['waits on memory']} waiting on memory, "
          f"{totals['memory-bound']} memory-bound. By operator (slow even warm / waiting on memory / memory-bound, with their "
          "summed min ms): "
          + ", ".join(f"{op} {'/'.join(str(v[k][0]) for k in kinds)} ({'/'.join(f'{v[k][1]:.1f}' for k in kinds)} ms)"
                      for op, v in sorted(by_op.items(), key=lambda kv: -sum(x[1] for x in kv[1].values()))) + ".")
        w("")
    w(PERF_END)
    return "\n".join(lines)


def performance(args, bench: Path) -> int:
    """--performance: the full-size zoo, ours vs LiteRT + XNNPACK, into docs/performance.md."""
    manifest_path = args.full_dir / "manifest.json" if args.full_dir else None
    if not manifest_path or not manifest_path.exists():
        print(f"zoo_report: --performance needs the full-size zoo ({args.full}/manifest.json)", file=sys.stderr)
        return 2
    entries = [e for e in load_entries(json.loads(manifest_path.read_text()), args.full_dir, "full", "")
               if e["variant"] in args.variant_list]
    if args.only:
        entries = [e for e in entries if e["name"] in set(args.only.split(","))]
    args.load_before = os.getloadavg()
    start = time.monotonic()
    rows: list[dict] = []
    profiles: dict[str, list[dict]] | None = {} if args.profile else None
    commit, started = git_commit(), datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    with tempfile.TemporaryDirectory(prefix="zoo_performance.") as tmp:
        scratch = Path(tmp)
        for i, e in enumerate(entries, 1):
            (scratch / e["_key"]).parent.mkdir(parents=True, exist_ok=True)
            samples = []
            round_profiles: list[list[dict]] = []
            for _ in range(args.rounds):
                ours = bench_ours(e, bench, args.runs, args.min_time, scratch, init=True)
                lx = bench_litert(e, args.runs, args.min_time, scratch, backend="litert-xnnpack")
                samples.append((ours or {}, lx.get("litert-xnnpack") or ({"error": lx["error"]} if "error" in lx else {})))
                if profiles is not None:
                    prof = bench_profile(e, bench, max(10, args.runs // 5), args.min_time, scratch)
                    if prof:
                        round_profiles.append(prof)
            row = {"name": e["name"], "variant": e["variant"], "ours": samples[0][0], "xnnpack": samples[0][1]}
            # Medians over the rounds: of each round's ratio, and of each side's ms. With an
            # even count, the middle two's mean (geometric for ratios). (The upper of the two,
            # as before, gave two rounds' worse ratio beside the two sides' slower times:
            # MobileNetV3-Small float32 1.03 next to 1.597 and 1.770 ms.)
            for key, field in (("cpu_ratio", "cpu_median_ms"), ("ratio", "median_ms")):
                ratios = [o[field] / x[field] for o, x in samples if o.get(field) and x.get(field)]
                if ratios:
                    row[key] = median(ratios, geometric=True)
            for field in ("cpu_median_ms", "median_ms"):
                for side, idx in (("ours", 0), ("xnnpack", 1)):
                    vals = [s[idx][field] for s in samples if s[idx].get(field)]
                    if vals:
                        row[side] = {**row[side], field: median(vals)}
            row["round_ms"] = [{f"{side}_{field}": s[idx].get(field) for side, idx in (("ours", 0), ("xnnpack", 1))
                                for field in ("cpu_median_ms", "median_ms")} for s in samples]
            # Start-up: the smaller over the rounds. The first round can read the model
            # file from disk for ours (measured first), which is not start-up work.
            for side, idx in (("ours", 0), ("xnnpack", 1)):
                inits = [s[idx]["init_ms"] for s in samples if s[idx].get("init_ms")]
                if inits:
                    row[side] = {**row[side], "init_ms": min(inits)}
            row["init_rounds"] = [[s[0].get("init_ms"), s[1].get("init_ms")] for s in samples]
            row["commit"] = commit
            row["measured"] = f"run started {started} UTC"
            rows.append(row)
            if profiles is not None and round_profiles:
                profiles[e["name"]] = merge_profiles(round_profiles)
            print(f"[performance {i}/{len(entries)}] {e['name']}: ours CPU {ms(row['ours'].get('cpu_median_ms'))} ms, "
                  f"XNNPACK CPU {ms(row['xnnpack'].get('cpu_median_ms'))} ms, ratio {fmt(row.get('cpu_ratio'))}",
                  file=sys.stderr, flush=True)
    elapsed = time.monotonic() - start
    section = performance_section(args, rows, profiles, elapsed)
    doc = ROOT / args.performance_doc
    write_performance_section(doc, section)
    print(f"wrote the zoo table into {rel(doc)} in {elapsed:.0f} s", file=sys.stderr)
    if args.raw:
        Path(args.raw).write_text(json.dumps({"rows": rows, "profiles": profiles, "load_before": list(args.load_before),
                                              "load_after": os.getloadavg()[0], "rounds": args.rounds,
                                              "elapsed": elapsed, "machine": machine()["model"]}, indent=1, sort_keys=True))
    return 0


def write_performance_section(doc: Path, section: str) -> None:
    """Replaces the text between the markers of `doc` with `section` (appended under a heading when absent)."""
    text = doc.read_text() if doc.exists() else ""
    if PERF_BEGIN in text and PERF_END in text:
        head, rest = text.split(PERF_BEGIN, 1)
        text = head + section + rest.split(PERF_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n## Zoo speed (`tools/zoo_report.py --performance`)\n\n" + section + "\n"
    doc.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--infer", default=".build/release/infer", help="infer binary (default: %(default)s, relative to the repo root)")
    parser.add_argument("--bench", default=".build/release/bench", help="bench binary for --speed (default: %(default)s)")
    parser.add_argument("--speed", action="store_true", help="also time ours vs LiteRT (XNNPACK and builtin), one thread")
    parser.add_argument("--runs", type=int, default=50, help="minimum timed invokes per model and backend (default: %(default)s)")
    parser.add_argument("--min-time", type=float, default=0.5, help="minimum seconds of timed invokes (default: %(default)s)")
    parser.add_argument("--only", help="comma-separated model names (for a quick look; the report then covers only those)")
    parser.add_argument("--output", default="docs/models.md", help="report to write (default: %(default)s)")
    parser.add_argument("--full", default=FULL_DEFAULT, help="folder of the full-size zoo made by `tools/make_zoo.py` "
                        "(default: %(default)s; left out of the report when it has no manifest; '' to skip)")
    parser.add_argument("--raw", help="also write the raw per-model results as JSON to this file")
    parser.add_argument("--spread-inputs", type=int, default=11,
                        help="full-size dynamic-range models are also run on this many seeded random inputs besides the "
                             "recorded one and judged on the medians (0: the recorded input only; default: %(default)s)")
    parser.add_argument("--performance", action="store_true",
                        help="only time the full-size zoo, ours vs LiteRT + XNNPACK, into --performance-doc (see above)")
    parser.add_argument("--variants", default="float32,int8", help="variants for --performance (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of ours-then-LiteRT per model for --performance (default: %(default)s)")
    parser.add_argument("--profile", action="store_true", help="with --performance: also profile ours and list the slow nodes")
    parser.add_argument("--slow-limit", type=int, default=40, help="rows of the slow-node table (default: %(default)s)")
    parser.add_argument("--performance-doc", default="docs/performance.md", help="file --performance writes into (default: %(default)s)")
    parser.add_argument("--from-raw", help="with --performance: no timing, re-render the table from an earlier run's --raw file")
    parser.add_argument("--merge-raw", action="append",
                        help="with --from-raw: a later run's --raw file (e.g. of --only models re-measured after a change) "
                             "whose rows replace those of the same models; repeatable")
    args = parser.parse_args()
    args.variant_list = [v for v in args.variants.split(",") if v]

    infer = (ROOT / args.infer) if not Path(args.infer).is_absolute() else Path(args.infer)
    bench = (ROOT / args.bench) if not Path(args.bench).is_absolute() else Path(args.bench)
    if args.performance and args.from_raw:  # re-render the table from an earlier run's --raw file
        raw = json.loads(Path(args.from_raw).read_text())
        # Later raw files (--merge-raw) replace the rows and profiles of the models they measured.
        for extra in args.merge_raw or []:
            more = json.loads(Path(extra).read_text())
            names = {r["name"] for r in more["rows"]}
            raw["rows"] = [r for r in raw["rows"] if r["name"] not in names] + more["rows"]
            if raw.get("profiles") is not None and more.get("profiles"):
                raw["profiles"].update(more["profiles"])
            raw["elapsed"] = raw.get("elapsed", 0.0) + more.get("elapsed", 0.0)
        order = {v: i for i, v in enumerate(args.variant_list)}
        raw["rows"].sort(key=lambda r: (order.get(r["variant"], len(order)), r["name"]))
        args.load_before = tuple(raw.get("load_before") or (float("nan"),))
        args.measured_machine = raw.get("machine")
        # The run's own rounds and closing load (raw files before these were kept: the rounds from the rows'
        # per-round start-up times, the load unknown, so the load now).
        args.load_after = raw.get("load_after")
        args.rounds = raw.get("rounds") or max((len(r.get("init_rounds") or []) for r in raw["rows"]), default=0) or args.rounds
        section = performance_section(args, raw["rows"], raw.get("profiles"), raw.get("elapsed", 0.0))
        write_performance_section(ROOT / args.performance_doc, section)
        return 0
    if args.performance:
        if not bench.exists():
            print(f"zoo_report: no bench binary at {args.bench} (see --help for the build command)", file=sys.stderr)
            return 2
        args.full_dir = (ROOT / args.full) if args.full and not Path(args.full).is_absolute() else (Path(args.full) if args.full else None)
        return performance(args, bench)
    if not infer.exists():
        print(f"zoo_report: no infer binary at {args.infer}; build it with `swift build -c release --product infer` "
              "(or pass --infer PATH)", file=sys.stderr)
        return 2
    if args.speed and not bench.exists():
        print(f"zoo_report: no bench binary at {args.bench}; build it with `swift build -c release --product bench` "
              "(or pass --bench PATH)", file=sys.stderr)
        return 2

    manifest = json.loads((ROOT / ZOO / "manifest.json").read_text())
    entries = load_entries(manifest, ZOO, "small", "")
    full_entries: list[dict] = []
    args.full_dir = (ROOT / args.full) if args.full and not Path(args.full).is_absolute() else (Path(args.full) if args.full else None)
    if args.full_dir and (args.full_dir / "manifest.json").exists():
        full_entries = load_entries(json.loads((args.full_dir / "manifest.json").read_text()), args.full_dir, "full", " (full)")
    elif args.full and args.full != FULL_DEFAULT:
        print(f"zoo_report: no manifest.json in {args.full}", file=sys.stderr)
        return 2
    if args.only:
        wanted = set(args.only.split(","))
        entries = [e for e in entries if e["name"] in wanted]
        full_entries = [e for e in full_entries if e["name"] in wanted]
    start = time.monotonic()
    results: dict[str, dict] = {}
    speed: dict[str, dict] | None = {} if args.speed else None
    with tempfile.TemporaryDirectory(prefix="zoo_report.") as tmp:
        scratch = Path(tmp)
        everything = entries + full_entries
        for i, e in enumerate(everything, 1):
            r = correctness(e, infer, scratch)
            if e["_key"].startswith("full") and e["variant"] == "dynamic" and r["runs"] and args.spread_inputs > 0:
                judge_over_inputs(e, r, infer, args.spread_inputs)
            results[e["_key"]] = r
            state = ("agrees" if r["agrees"] else "DISAGREES") if r["runs"] else "does not run: " + r.get("error", "")[:100]
            if r.get("inspect"):
                state += f"; {r['inspect']}"
            print(f"[{i}/{len(everything)}] {e['_label']}: {state}", file=sys.stderr, flush=True)
        if speed is not None:
            args.load_before = os.getloadavg()[0]
            runnable = [e for e in everything if results[e["_key"]]["runs"]]
            for i, e in enumerate(runnable, 1):
                ours = bench_ours(e, bench, args.runs, args.min_time, scratch)
                litert = bench_litert(e, args.runs, args.min_time, scratch)
                s = {"ours": ours, "litert": litert}
                om = (ours or {}).get("median_ms")
                for key, backend, field in (("ratio_xnnpack", "litert-xnnpack", "median_ms"), ("ratio_builtin", "litert-builtin", "median_ms"),
                                            ("cpu_ratio_xnnpack", "litert-xnnpack", "cpu_median_ms")):
                    ours_t, theirs = (ours or {}).get(field), litert.get(backend, {}).get(field)
                    if ours_t and theirs:
                        s[key] = ours_t / theirs
                speed[e["_key"]] = s
                print(f"[speed {i}/{len(runnable)}] {e['_label']}: ours {ms(om)} ms, XNNPACK "
                      f"{ms(litert.get('litert-xnnpack', {}).get('median_ms'))} ms", file=sys.stderr, flush=True)
    elapsed = time.monotonic() - start
    not_converted = manifest.get("not_converted", []) if not args.only else []
    text = write_report(args, entries, full_entries, results, speed, not_converted, elapsed)
    out = ROOT / args.output
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)
    print(f"wrote {rel(out)} in {elapsed:.0f} s", file=sys.stderr)
    if args.raw:
        Path(args.raw).write_text(json.dumps({"results": results, "speed": speed}, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
