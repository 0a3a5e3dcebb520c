#!/usr/bin/env python3
"""Compare two .npy files (or two directories of same-named .npy files).

For each pair prints the shapes/dtypes, the max absolute difference, that
difference relative to max |B| (B is the reference), and the number of
mismatching elements (elements with |A-B| > rtol * max|B|, or any difference
with --exact).  Exits 1 if any pair fails: relative error > rtol, shape
mismatch, a file missing on one side (directory mode), or -- with --exact --
any element differs (dtypes must then match too).

Usage:
    python3 tools/compare_npy.py A.npy B.npy [--rtol 1e-4] [--exact]
    python3 tools/compare_npy.py OUT_SWIFT/ OUT_LITERT/ [--rtol 1e-4]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np


def compare(a_path: Path, b_path: Path, rtol: float, exact: bool) -> bool:
    a = np.load(a_path, allow_pickle=False)
    b = np.load(b_path, allow_pickle=False)
    label = f"{a_path} vs {b_path}"
    if a.shape != b.shape:
        print(f"FAIL {label}: shape {list(a.shape)} vs {list(b.shape)}")
        return False
    if exact and a.dtype != b.dtype:
        print(f"FAIL {label}: dtype {a.dtype} vs {b.dtype}")
        return False
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    nan_mismatch = np.isnan(a64) != np.isnan(b64)
    both_nan = np.isnan(a64) & np.isnan(b64)
    diff = np.where(both_nan, 0.0, np.abs(a64 - b64))
    diff = np.where(nan_mismatch, np.inf, diff)
    max_abs = float(diff.max()) if diff.size else 0.0
    finite_b = np.abs(b64[np.isfinite(b64)])
    ref = float(finite_b.max()) if finite_b.size else 0.0
    rel = max_abs / ref if ref > 0 else (0.0 if max_abs == 0 else float("inf"))
    if exact:
        mismatches = int(np.count_nonzero(diff != 0))
        ok = mismatches == 0
    else:
        mismatches = int(np.count_nonzero(diff > rtol * ref)) if ref > 0 else int(np.count_nonzero(diff))
        ok = rel <= rtol
    print(f"{'ok  ' if ok else 'FAIL'} {label}: shape {list(a.shape)} {a.dtype}/{b.dtype} "
          f"max_abs_diff {max_abs:.6g} rel_to_max|B| {rel:.3g} mismatches {mismatches}/{diff.size}")
    return ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path, help="reference")
    ap.add_argument("--rtol", type=float, default=1e-4, help="max |A-B| / max |B| (default %(default)g)")
    ap.add_argument("--exact", action="store_true", help="require bit-identical values and equal dtypes")
    args = ap.parse_args(argv)

    if args.a.is_dir() != args.b.is_dir():
        print("both arguments must be files or both directories", file=sys.stderr)
        return 2
    if args.a.is_dir():
        names_a = {p.name for p in args.a.glob("*.npy")}
        names_b = {p.name for p in args.b.glob("*.npy")}
        ok = True
        for n in sorted(names_a ^ names_b):
            print(f"FAIL {n}: only in {args.a if n in names_a else args.b}")
            ok = False
        if not names_a & names_b:
            print("FAIL no common .npy files")
            ok = False
        for n in sorted(names_a & names_b):
            ok &= compare(args.a / n, args.b / n, args.rtol, args.exact)
    else:
        ok = compare(args.a, args.b, args.rtol, args.exact)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
