#!/usr/bin/env python3
"""LiteRT's (and optionally TFLite Micro's) predictions on MNIST test digits,
to compare with `infer eval --save-predictions` image by image.

    python3 tools/eval_litert.py weights/mnist_small_cnn.tflite \
        [--images ../shared/data/mnist/t10k-images.idx3-ubyte.gz] \
        [--labels ../shared/data/mnist/t10k-labels.idx1-ubyte.gz] \
        [--out preds.txt] [--micro micro.txt] [--compare ours.txt]

Input preparation is the Swift `DigitInputAdapter`'s: the 28x28 digit as
float32 bytes / 255 in [0, 1]; for 32x32 inputs zero-padded by 2 px on every
side with the gray value replicated into every channel; for int8/uint8 inputs
q = round-half-away-from-zero(v / scale) + zero_point, clamped, computed in
float32 like the Swift code. LiteRT runs with its builtin kernels
(BUILTIN_WITHOUT_DEFAULT_DELEGATES), batch 1. Prints the accuracy; writes one
predicted label per line to --out (default: <model name>.litert.txt in the
current directory). --micro FILE also runs TFLite Micro's reference kernels
(slow for the larger models) and writes its predictions; --compare FILE lists
the images where FILE's predictions differ from LiteRT's.
"""
import argparse
import gzip
import os
import sys

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist")


def read_idx(path: str) -> np.ndarray:
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if raw[:3] != b"\x00\x00\x08":
        sys.exit(f"{path}: not an unsigned-byte IDX file")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def adapt(images_u8: np.ndarray, detail: dict) -> np.ndarray:
    """[N, 28, 28] bytes -> [N, H, W, C] in the input's dtype, as DigitInputAdapter does."""
    _, h, w, c = detail["shape"]
    x = images_u8.astype(np.float32) / np.float32(255)
    if (h, w) != (28, 28):
        if h < 28 or w < 28 or (h - 28) % 2 or (w - 28) % 2:
            sys.exit(f"input {h}x{w}: only 28x28 and padded sizes are supported")
        py, px = (h - 28) // 2, (w - 28) // 2
        x = np.pad(x, ((0, 0), (py, py), (px, px)))
    x = np.repeat(x[..., None], c, axis=3)
    if detail["dtype"] == np.float32:
        return x
    scale, zp = detail["quantization"]
    v = x / np.float32(scale)
    q = np.sign(v) * np.floor(np.abs(v) + np.float32(0.5))  # round half away from zero
    info = np.iinfo(detail["dtype"])
    return np.clip(q + zp, info.min, info.max).astype(detail["dtype"])


def litert_predictions(model_path: str, images: np.ndarray):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_path=model_path,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    x = adapt(images, inp)
    preds = np.empty(len(x), dtype=np.int64)
    for i in range(len(x)):
        interp.set_tensor(inp["index"], x[i: i + 1])
        interp.invoke()
        preds[i] = int(np.argmax(interp.get_tensor(out["index"])[0]))
    return preds, inp


def micro_predictions(model_path: str, images: np.ndarray, detail: dict) -> np.ndarray:
    from tflite_micro.python.tflite_micro import runtime

    model_bytes = open(model_path, "rb").read()
    interp = runtime.Interpreter.from_bytes(model_bytes, arena_size=max(len(model_bytes) * 4, 4 << 20))
    x = adapt(images, detail)
    preds = np.empty(len(x), dtype=np.int64)
    for i in range(len(x)):
        interp.set_input(np.ascontiguousarray(x[i: i + 1]), 0)
        interp.invoke()
        preds[i] = int(np.argmax(interp.get_output(0)[0]))
    return preds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("--images", default=os.path.join(DATA, "t10k-images.idx3-ubyte.gz"))
    ap.add_argument("--labels", default=os.path.join(DATA, "t10k-labels.idx1-ubyte.gz"))
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--out", default=None, help="LiteRT predictions, one label per line")
    ap.add_argument("--micro", default=None, help="also run TFLite Micro and write its predictions here")
    ap.add_argument("--compare", default=None, help="predictions file (e.g. infer eval --save-predictions) to compare")
    args = ap.parse_args()

    images, labels = read_idx(args.images), read_idx(args.labels)
    if len(images) != len(labels):
        sys.exit(f"{len(images)} images but {len(labels)} labels")
    if args.limit:
        images, labels = images[: args.limit], labels[: args.limit]
    name = os.path.splitext(os.path.basename(args.model))[0]
    preds, detail = litert_predictions(args.model, images)
    out = args.out or f"{name}.litert.txt"
    np.savetxt(out, preds, fmt="%d")
    print(f"{name}: LiteRT accuracy {np.mean(preds == labels):.4f} on {len(labels)} images -> {out}")
    if args.micro:
        mp = micro_predictions(args.model, images, detail)
        np.savetxt(args.micro, mp, fmt="%d")
        print(f"{name}: TFLite Micro accuracy {np.mean(mp == labels):.4f}; "
              f"{int(np.sum(mp != preds))} predictions differ from LiteRT -> {args.micro}")
    if args.compare:
        ours = np.loadtxt(args.compare, dtype=np.int64).reshape(-1)
        if len(ours) != len(preds):
            sys.exit(f"{args.compare} has {len(ours)} predictions, expected {len(preds)}")
        diff = np.nonzero(ours != preds)[0]
        print(f"{name}: {len(diff)} of {len(preds)} predictions differ from LiteRT"
              + (f" (images {diff[:20].tolist()})" if len(diff) else ""))
        if args.micro:
            print(f"{name}: {int(np.sum(ours != mp))} differ from TFLite Micro")
    return 0


if __name__ == "__main__":
    sys.exit(main())
