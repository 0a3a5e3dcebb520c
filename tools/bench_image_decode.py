#!/usr/bin/env python3
"""Pillow's decoding speed on image files, to compare with `bench decode`.

  python3 tools/bench_image_decode.py FILE... [--runs N] [--min-time S] [--json FILE] [--ours OURS.json]

Each file is read into memory once; then `Image.open(BytesIO(data)).load()`
(plus `convert("RGB")` when the file is not already RGB or L, as our decoder
always returns gray or RGB) is timed at least --runs times and --min-time
seconds after one warm-up, on one thread. Prints the median wall and
thread-CPU time and megapixels per second by CPU time. With --ours (the JSON
of `bench decode ... --json`), prints a Markdown table of both and the
ratio Pillow ÷ ours in MP/s (above 1: Pillow faster).
"""
import argparse
import io
import json
import os
import statistics
import time

from PIL import Image, features


def decode(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    return im


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--min-time", type=float, default=2.0)
    parser.add_argument("--json")
    parser.add_argument("--ours", help="JSON from `bench decode --json` to compare with")
    args = parser.parse_args()
    print(f"Pillow {Image.__version__}, libjpeg-turbo {features.version('libjpeg_turbo')}, zlib {features.version('zlib')}; one thread")
    results = []
    for path in args.files:
        with open(path, "rb") as f:
            data = f.read()
        im = decode(data)
        wall, cpu = [], []
        start = time.perf_counter()
        while len(wall) < args.runs or time.perf_counter() - start < args.min_time:
            c, t = time.thread_time(), time.perf_counter()
            decode(data)
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.thread_time() - c) * 1000)
        mp = im.width * im.height / 1e6
        r = {"file": path, "width": im.width, "height": im.height, "mode": im.mode, "megapixels": mp,
             "median_ms": statistics.median(wall), "cpu_median_ms": statistics.median(cpu), "cpu_min_ms": min(cpu),
             "megapixels_per_second": mp / (statistics.median(cpu) / 1000), "runs": len(wall)}
        results.append(r)
        print(f"{path}  {im.width}x{im.height} {im.mode}  median {r['median_ms']:.2f} ms (CPU {r['cpu_median_ms']:.2f} ms, min {r['cpu_min_ms']:.2f} ms)  "
              f"{r['megapixels_per_second']:.1f} MP/s  ({len(wall)} runs)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"pillow": Image.__version__, "libjpeg_turbo": features.version("libjpeg_turbo"),
                       "zlib": features.version("zlib"), "results": results}, f, indent=1)
        print(f"wrote {args.json}")
    if args.ours:
        with open(args.ours) as f:
            ours = {os.path.basename(r["file"]): r for r in json.load(f)["results"]}
        print("\n| file | size | Pillow MP/s | ours MP/s | Pillow ÷ ours |")
        print("|---|---|---|---|---|")
        for r in results:
            o = ours.get(os.path.basename(r["file"]))
            if o:
                print(f"| {os.path.basename(r['file'])} | {r['width']}×{r['height']} | {r['megapixels_per_second']:.1f} | "
                      f"{o['megapixels_per_second']:.1f} | {r['megapixels_per_second'] / o['megapixels_per_second']:.2f} |")


if __name__ == "__main__":
    main()
