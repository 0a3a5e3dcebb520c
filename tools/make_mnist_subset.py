#!/usr/bin/env python3
"""Writes the first N (default 100) MNIST test digits as plain (uncompressed)
IDX files for the `infer eval` test:
Tests/ModelSelectionTests/Fixtures/mnist/t10k-images-100.idx3-ubyte and
t10k-labels-100.idx1-ubyte (about 78 KB).

    python3 tools/make_mnist_subset.py [--count 100] [--data ../shared/data/mnist]
"""
import argparse
import gzip
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "ModelSelectionTests", "Fixtures", "mnist")


def subset(path: str, count: int) -> bytes:
    raw = gzip.open(path, "rb").read() if path.endswith(".gz") else open(path, "rb").read()
    assert raw[:3] == b"\x00\x00\x08", path
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    assert dims[0] >= count, f"{path} has only {dims[0]} items"
    item = 1
    for d in dims[1:]:
        item *= d
    header = raw[:4] + count.to_bytes(4, "big") + raw[8: 4 + 4 * rank]
    start = 4 + 4 * rank
    return header + raw[start: start + count * item]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--data", default=os.path.join(HERE, "..", "..", "shared", "data", "mnist"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for src, dst in [("t10k-images.idx3-ubyte.gz", f"t10k-images-{args.count}.idx3-ubyte"),
                     ("t10k-labels.idx1-ubyte.gz", f"t10k-labels-{args.count}.idx1-ubyte")]:
        data = subset(os.path.join(args.data, src), args.count)
        with open(os.path.join(OUT, dst), "wb") as f:
            f.write(data)
        print(f"wrote {dst} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
