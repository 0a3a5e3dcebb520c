#!/usr/bin/env python3
"""Train the MNIST digit models and export them as float32 TFLite.

Reads the IDX (gzip) files from ../shared/data/mnist beside the repository (no download; --data to change), trains
the architecture chosen with ``--arch``, converts it with the TFLite converter
(float32, no optimisations), measures test accuracy with LiteRT (builtin
kernels) on all 10,000 test images, and writes

    weights/mnist_<arch>.tflite     the converted model (committed)
    weights/labels_digits.txt       "0".."9", one per line
    .models/mnist_<arch>.keras      the Keras model (git-ignored)

Architectures (``--arch``):
    small_cnn        28x28x1 float in [0,1]: conv3x3x16 relu, maxpool, conv3x3x32
                     relu, maxpool, dense64 relu, dense10 softmax.  ~1 min on 2 cores.
    mobilenet_v2_32  32x32x3 float in [0,1] (the 28x28 digit zero-padded by 2 px on
                     every side, the gray channel replicated 3x, as the original app
                     fed its ImageNet-style models): a MobileNetV2-style net (3x3 stem,
                     inverted residual blocks with expansion 4, linear bottlenecks,
                     ReLU6, batch norm folded at conversion, global average pool,
                     dense10 softmax).  ~0.1 M parameters.
    vgg_32           32x32x3 float in [0,1] (same input as above): a VGG-style net,
                     three stacks of two 3x3 convs (16, 32, 64 channels) with batch
                     norm + ReLU and a 2x2 max pool each, dense512 relu, dropout,
                     dense10 softmax.  ~0.6 M parameters, ~2.4 MB as float32.
Each entry of ``ARCHS`` says how to build the model and how to turn the 28x28
uint8 images into its input.

Outputs per architecture (``weights/``):
    mnist_<arch>_float32.tflite   (small_cnn: ``mnist_small_cnn.tflite``, the name
                                   the CLI demo and tests use)
    mnist_<arch>_int8.tflite      full-integer int8 (int8 input and output; the
                                   representative dataset is 500 training images)
    mnist_<arch>_float16.tflite   only with ``--float16`` (float16 weights that
                                   the engine dequantizes once at load)
and its entries in ``weights/models.json`` (accuracy measured here with LiteRT's
builtin kernels on all 10,000 test images; int8 models also with TFLite Micro,
reporting how many predictions differ from LiteRT's).

Determinism: numpy, python and TensorFlow are seeded with ``--seed`` and
``enable_op_determinism`` is on, so a rerun on the same machine and TF version
gives the same weights (up to thread-scheduling in the converter's calibration).

Usage:
    python3 tools/train_mnist.py --arch small_cnn [--epochs N] [--seed S]
    python3 tools/train_mnist.py --arch vgg_32 --float16
    python3 tools/train_mnist.py --arch small_cnn --from-keras   # re-export only
    python3 tools/train_mnist.py --arch vgg_32 --micro-only      # TFLite Micro vs LiteRT, all 10,000
Training takes minutes on 2 cores; run it in the background, e.g.
    nohup python3 tools/train_mnist.py --arch vgg_32 --float16 > .models/vgg_32.log 2>&1 &
"""
from __future__ import annotations

import argparse
import gzip
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "mnist"
WEIGHTS_DIR = fl.REPO_ROOT / "weights"


# ----------------------------------------------------------------- data

def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file (optionally gzip-compressed) into a numpy array."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if data[0] != 0 or data[1] != 0:
        raise ValueError(f"{path}: bad IDX magic")
    dtype = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[data[2]]
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    arr = np.frombuffer(data, dtype=dtype, offset=4 + 4 * ndim)
    return arr.reshape(dims).astype(np.dtype(dtype).newbyteorder("="))


def load_mnist(data_dir: Path = DATA_DIR):
    """(train_images uint8 [N,28,28], train_labels, test_images, test_labels)."""
    return (
        read_idx(data_dir / "train-images.idx3-ubyte.gz"),
        read_idx(data_dir / "train-labels.idx1-ubyte.gz"),
        read_idx(data_dir / "t10k-images.idx3-ubyte.gz"),
        read_idx(data_dir / "t10k-labels.idx1-ubyte.gz"),
    )


def prep_28x28x1(images: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,28,28,1] in [0,1]."""
    return (images.astype(np.float32) / 255.0)[..., None]


def shift_augment(x: np.ndarray, rng: np.random.Generator, max_shift: int = 2) -> np.ndarray:
    """Random integer translations of up to ``max_shift`` pixels (zero fill)."""
    n, h, w = x.shape[:3]
    out = np.zeros_like(x)
    dy = rng.integers(-max_shift, max_shift + 1, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    for sy in range(-max_shift, max_shift + 1):
        for sx in range(-max_shift, max_shift + 1):
            idx = np.nonzero((dy == sy) & (dx == sx))[0]
            if idx.size == 0:
                continue
            ys, yd = (slice(0, h - sy), slice(sy, h)) if sy >= 0 else (slice(-sy, h), slice(0, h + sy))
            xs, xd = (slice(0, w - sx), slice(sx, w)) if sx >= 0 else (slice(-sx, w), slice(0, w + sx))
            out[idx, yd, xd] = x[idx, ys, xs]
    return out


def prep_32x32x3(images: np.ndarray) -> np.ndarray:
    """uint8 [N,28,28] -> float32 [N,32,32,3] in [0,1]: zero-pad 2 px on every
    side (the digit keeps its MNIST scale) and replicate the gray channel."""
    x = np.pad(images, ((0, 0), (2, 2), (2, 2))).astype(np.float32) / 255.0
    return np.repeat(x[..., None], 3, axis=-1)


# ---------------------------------------------------------- architectures

def build_small_cnn():
    import tensorflow as tf

    L = tf.keras.layers
    return tf.keras.Sequential([
        L.Input((28, 28, 1), name="image"),
        L.Conv2D(16, 3, activation="relu", name="conv1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(32, 3, activation="relu", name="conv2"),
        L.MaxPooling2D(2, name="pool2"),
        L.Flatten(name="flatten"),
        L.Dense(64, activation="relu", name="fc1"),
        L.Dense(10, activation="softmax", name="probs"),
    ], name="mnist_small_cnn")


def build_mobilenet_v2_32():
    import tensorflow as tf

    L = tf.keras.layers

    def conv_bn(x, filters, kernel, stride, name, act=True):
        x = L.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=name)(x)
        x = L.BatchNormalization(name=name + "_bn")(x)
        return L.ReLU(6.0, name=name + "_relu6")(x) if act else x

    def inverted_residual(x, out_ch, stride, expansion, name):
        in_ch = x.shape[-1]
        h = x
        if expansion != 1:
            h = conv_bn(h, in_ch * expansion, 1, 1, name + "_expand")
        h = L.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=name + "_dw")(h)
        h = L.BatchNormalization(name=name + "_dw_bn")(h)
        h = L.ReLU(6.0, name=name + "_dw_relu6")(h)
        h = conv_bn(h, out_ch, 1, 1, name + "_project", act=False)   # linear bottleneck
        if stride == 1 and in_ch == out_ch:
            h = L.Add(name=name + "_add")([x, h])
        return h

    inp = L.Input((32, 32, 3), name="image")
    x = conv_bn(inp, 16, 3, 1, "stem")
    # (expansion, channels, repeats, first stride)
    for i, (t, c, n, s) in enumerate([(1, 16, 1, 1), (4, 24, 2, 2), (4, 32, 2, 2), (4, 64, 2, 2)]):
        for j in range(n):
            x = inverted_residual(x, c, s if j == 0 else 1, t, f"block{i}_{j}")
    x = conv_bn(x, 128, 1, 1, "head")
    x = L.GlobalAveragePooling2D(name="pool")(x)
    x = L.Dropout(0.2, name="dropout")(x)
    out = L.Dense(10, activation="softmax", name="probs")(x)
    return tf.keras.Model(inp, out, name="mnist_mobilenet_v2_32")


def build_vgg_32():
    import tensorflow as tf

    L = tf.keras.layers
    layers = [L.Input((32, 32, 3), name="image")]
    for stage, ch in enumerate((16, 32, 64), start=1):
        for k in (1, 2):
            layers += [L.Conv2D(ch, 3, padding="same", use_bias=False, name=f"conv{stage}_{k}"),
                       L.BatchNormalization(name=f"conv{stage}_{k}_bn"),
                       L.ReLU(name=f"conv{stage}_{k}_relu")]
        layers.append(L.MaxPooling2D(2, name=f"pool{stage}"))
    layers += [L.Flatten(name="flatten"),
               L.Dense(512, activation="relu", name="fc1"),
               L.Dropout(0.3, name="dropout"),
               L.Dense(10, activation="softmax", name="probs")]
    return tf.keras.Sequential(layers, name="mnist_vgg_32")


@dataclass
class Arch:
    build: Callable[[], object]
    prepare: Callable[[np.ndarray], np.ndarray]   # uint8 [N,28,28] -> model input
    epochs: int
    batch_size: int
    lr: float
    augment: bool
    min_accuracy: float
    description: str = ""
    input_spec: dict | None = None


SPEC_28 = {"shape": [1, 28, 28, 1], "layout": "NHWC", "channels": 1, "channel_replication": False,
           "value_range": [0.0, 1.0], "ink": "white on black (MNIST)",
           "from_28x28": "identity"}
SPEC_32 = {"shape": [1, 32, 32, 3], "layout": "NHWC", "channels": 3, "channel_replication": True,
           "value_range": [0.0, 1.0], "ink": "white on black (MNIST)",
           "from_28x28": "zero-pad 2 px on every side, replicate gray into 3 channels"}


ARCHS: dict[str, Arch] = {
    "small_cnn": Arch(build_small_cnn, prep_28x28x1, epochs=5, batch_size=128, lr=2e-3,
                      augment=True, min_accuracy=0.985,
                      description="conv3x3x16-pool-conv3x3x32-pool-fc64-fc10", input_spec=SPEC_28),
    "mobilenet_v2_32": Arch(build_mobilenet_v2_32, prep_32x32x3, epochs=4, batch_size=128, lr=4e-3,
                            augment=True, min_accuracy=0.985,
                            description="MobileNetV2-style: stem conv3x3x16, 7 inverted residual blocks "
                                        "(expansion 4, 16-24-32-64 ch), conv1x1x128, global avg pool, fc10",
                            input_spec=SPEC_32),
    "vgg_32": Arch(build_vgg_32, prep_32x32x3, epochs=3, batch_size=128, lr=2e-3,
                   augment=True, min_accuracy=0.99,
                   description="VGG-style: 3 stages of 2x conv3x3 (16, 32, 64 ch) + BN + relu + maxpool, "
                               "fc512, fc10",
                   input_spec=SPEC_32),
}


# ----------------------------------------------------------------- main

MODELS_JSON_NOTE = (
    "Digit classifiers for the 'choose a model for the device' feature. accuracy = top-1 on the "
    "10,000 MNIST test digits measured by tools/train_mnist.py with LiteRT builtin kernels (int8: "
    "also TFLite Micro). Reference, the original app this replaces: its VGG16 reached 95.3% and its "
    "MobileNet 51.1% on its digit test, and it chose between them with a fixed threshold on a "
    "device 'AI score' looked up by device name (no measurement, no latency or memory check). "
    "arena_bytes is null until the Swift engine computes it (ModelCatalog.withArenaSizes)."
)


def quantize_input(x: np.ndarray, detail: dict) -> np.ndarray:
    """float input -> the model's input dtype using its (scale, zero_point)."""
    if detail["dtype"] == np.float32:
        return x.astype(np.float32)
    scale, zp = detail["quantization"]
    info = np.iinfo(detail["dtype"])
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(detail["dtype"])


def litert_predictions(model_bytes: bytes, x: np.ndarray) -> np.ndarray:
    """Top-1 predictions with LiteRT builtin kernels, one image at a time (batch 1)."""
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    interp = Interpreter(model_content=model_bytes,
                         experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]
    xq = quantize_input(x, inp)
    preds = np.empty(len(x), dtype=np.int64)
    for i in range(len(x)):
        interp.set_tensor(inp["index"], xq[i: i + 1])
        interp.invoke()
        preds[i] = int(np.argmax(interp.get_tensor(out["index"])[0]))
    return preds


def litert_accuracy(model_bytes: bytes, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy with LiteRT builtin kernels, one image at a time (batch 1)."""
    return float(np.mean(litert_predictions(model_bytes, x) == y))


def micro_predictions(model_bytes: bytes, x: np.ndarray, input_detail: dict) -> np.ndarray:
    """Top-1 predictions with TFLite Micro's reference kernels (one interpreter, batch 1)."""
    from tflite_micro.python.tflite_micro import runtime

    interp = runtime.Interpreter.from_bytes(bytes(model_bytes), arena_size=max(len(model_bytes) * 4, 4 << 20))
    xq = quantize_input(x, input_detail)
    preds = np.empty(len(x), dtype=np.int64)
    for i in range(len(x)):
        interp.set_input(np.ascontiguousarray(xq[i: i + 1]), 0)
        interp.invoke()
        preds[i] = int(np.argmax(interp.get_output(0)[0]))
    return preds


def model_cost(model_bytes: bytes) -> dict:
    """Multiply-accumulates by kind, parameter count and op count of subgraph 0.

    Ops whose inputs are all constant (e.g. DEQUANTIZE of float16 weights) are
    evaluated once at load by the engine and are not counted.  Kinds:
    conv (CONV_2D, FULLY_CONNECTED, ...: kernel MACs), depthwise
    (DEPTHWISE_CONV_2D), elementwise (everything else: one per output element,
    pools: one per window element)."""
    m = fl.parse_model(model_bytes)
    sg = m.subgraphs[0]
    names = fl.builtin_op_names()

    def is_const(t):
        return t >= 0 and sg.tensors[t].buffer > 0 and m.buffers[sg.tensors[t].buffer].data is not None \
            and len(m.buffers[sg.tensors[t].buffer].data) > 0

    def numel(t):
        return int(np.prod(sg.tensors[t].shape)) if len(sg.tensors[t].shape) else 1

    macs = {"conv": 0, "depthwise": 0, "elementwise": 0}
    ops = 0
    for op in sg.operators:
        code = m.operatorCodes[op.opcodeIndex]
        name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), "?")
        ins = [t for t in op.inputs if t >= 0]
        if ins and all(is_const(t) for t in ins):
            continue
        ops += 1
        out = numel(op.outputs[0])
        if name == "CONV_2D":
            w = sg.tensors[op.inputs[1]].shape  # [O, KH, KW, I]
            macs["conv"] += out * int(w[1] * w[2] * w[3])
        elif name == "FULLY_CONNECTED":
            w = sg.tensors[op.inputs[1]].shape  # [O, I]
            macs["conv"] += out * int(w[1])
        elif name == "DEPTHWISE_CONV_2D":
            w = sg.tensors[op.inputs[1]].shape  # [1, KH, KW, C]
            macs["depthwise"] += out * int(w[1] * w[2])
        elif name in ("MAX_POOL_2D", "AVERAGE_POOL_2D"):
            o = op.builtinOptions
            macs["elementwise"] += out * int(o.filterHeight * o.filterWidth)
        elif name == "MEAN":
            macs["elementwise"] += numel(op.inputs[0])
        else:
            macs["elementwise"] += out
    params = 0
    for t in range(len(sg.tensors)):
        if is_const(t):
            params += numel(t)
    return {"macs": macs, "total_macs": sum(macs.values()), "parameters": params, "op_count": ops}


def update_models_json(path: Path, entries: list[dict]) -> None:
    import json

    doc = json.loads(path.read_text()) if path.exists() else {}
    models = {e["name"]: e for e in doc.get("models", [])}
    for e in entries:
        models[e["name"]] = e
    doc = {"task": "mnist-digits", "note": MODELS_JSON_NOTE,
           "reference_app": {"vgg16_accuracy": 0.953, "mobilenet_accuracy": 0.511,
                             "policy": "fixed threshold on a device AI score looked up by device name"},
           "models": sorted(models.values(), key=lambda e: (e["architecture"], e["variant"]))}
    path.write_text(json.dumps(doc, indent=2) + "\n")


def remeasure_micro(args) -> int:
    """Compare TFLite Micro with LiteRT on an existing int8 model and record it."""
    import json

    arch = ARCHS[args.arch]
    name = f"mnist_{args.arch}_int8"
    model_bytes = (args.out_dir / f"{name}.tflite").read_bytes()
    _, _, xte_u8, yte = load_mnist(args.data)
    n = min(args.micro_limit, len(xte_u8))
    x, y = arch.prepare(xte_u8[:n]), yte[:n].astype(np.int64)
    in_det, _ = fl.litert_io_details(model_bytes)
    t0 = time.time()
    lp = litert_predictions(model_bytes, x)
    mp = micro_predictions(model_bytes, x, in_det[0])
    macc, diff = float(np.mean(mp == y)), int(np.sum(mp != lp))
    print(f"{name}: TFLite Micro {macc:.4f} on {n} images, LiteRT {float(np.mean(lp == y)):.4f}; "
          f"{diff} predictions differ ({time.time() - t0:.0f}s)", flush=True)
    path = args.out_dir / "models.json"
    doc = json.loads(path.read_text())
    for e in doc["models"]:
        if e["name"] == name:
            e["accuracy"].update({"tflite_micro": round(macc, 4), "tflite_micro_images": n,
                                  "predictions_differing_from_litert": diff})
    path.write_text(json.dumps(doc, indent=2) + "\n")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arch", choices=sorted(ARCHS), default="small_cnn")
    ap.add_argument("--epochs", type=int, default=None, help="override the architecture's epoch count")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--data", type=Path, default=DATA_DIR)
    ap.add_argument("--out-dir", type=Path, default=WEIGHTS_DIR)
    ap.add_argument("--from-keras", action="store_true",
                    help="skip training: load .models/mnist_<arch>.keras and only convert + evaluate")
    ap.add_argument("--float16", action="store_true", help="also write a float16-weight model")
    ap.add_argument("--micro-limit", type=int, default=10000,
                    help="number of test images run through TFLite Micro for int8 models")
    ap.add_argument("--micro-only", action="store_true",
                    help="no training or conversion: rerun weights/mnist_<arch>_int8.tflite with LiteRT and "
                         "TFLite Micro on --micro-limit test images and update its models.json entry")
    args = ap.parse_args(argv)
    if args.micro_only:
        return remeasure_micro(args)

    import tensorflow as tf

    arch = ARCHS[args.arch]
    fl.seed_everything(args.seed)
    tf.config.experimental.enable_op_determinism()
    rng = np.random.default_rng(args.seed)

    t0 = time.time()
    xtr_u8, ytr, xte_u8, yte = load_mnist(args.data)
    print(f"loaded MNIST: train {xtr_u8.shape}, test {xte_u8.shape}", flush=True)
    xte = arch.prepare(xte_u8)
    ytr = ytr.astype(np.int32)
    yte = yte.astype(np.int32)
    keras_path = fl.MODELS_DIR / f"mnist_{args.arch}.keras"

    if args.from_keras:
        model = tf.keras.models.load_model(keras_path)
    else:
        model = arch.build()
        epochs = args.epochs or arch.epochs
        steps = epochs * int(np.ceil(len(xtr_u8) / arch.batch_size))
        sched = tf.keras.optimizers.schedules.CosineDecay(arch.lr, steps, alpha=0.05)
        model.compile(optimizer=tf.keras.optimizers.Adam(sched),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        for epoch in range(epochs):
            x_ep = shift_augment(xtr_u8, rng) if arch.augment and epoch > 0 else xtr_u8
            model.fit(arch.prepare(x_ep), ytr, batch_size=arch.batch_size, epochs=1, shuffle=True,
                      verbose=2)
        fl.MODELS_DIR.mkdir(exist_ok=True)
        model.save(keras_path)
    keras_acc = model.evaluate(xte, yte, batch_size=500, verbose=0)[1]
    print(f"keras test accuracy: {keras_acc:.4f} ({time.time() - t0:.0f}s)", flush=True)

    # representative dataset: 500 training images (fixed choice from the seed)
    rep_idx = np.random.default_rng(args.seed + 1).choice(len(xtr_u8), 500, replace=False)
    rep = arch.prepare(xtr_u8[rep_idx])

    def representative():
        for i in range(len(rep)):
            yield [rep[i: i + 1]]

    def int8_config(c):
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.representative_dataset = representative
        c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        c.inference_input_type = tf.int8
        c.inference_output_type = tf.int8

    def float16_config(c):
        c.optimizations = [tf.lite.Optimize.DEFAULT]
        c.target_spec.supported_types = [tf.float16]

    variants = [("float32", None), ("int8", int8_config)]
    if args.float16:
        variants.append(("float16", float16_config))

    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "labels_digits.txt").write_text("".join(f"{d}\n" for d in range(10)))
    entries = []
    for variant, config in variants:
        model_bytes = fl.convert_keras_batch1(model, input_name="image", configure=config)
        in_det, out_det = fl.litert_io_details(model_bytes)
        preds = litert_predictions(model_bytes, xte)
        acc = float(np.mean(preds == yte))
        print(f"[{variant}] LiteRT (builtin kernels) accuracy on {len(xte)} images: {acc:.4f}", flush=True)
        if acc < arch.min_accuracy:
            raise SystemExit(f"{variant}: accuracy {acc:.4f} below target {arch.min_accuracy}")
        name = f"mnist_{args.arch}" if (args.arch == "small_cnn" and variant == "float32") \
            else f"mnist_{args.arch}_{variant}"
        out = args.out_dir / f"{name}.tflite"
        out.write_bytes(model_bytes)
        spec = dict(arch.input_spec or {})
        spec["dtype"] = np.dtype(in_det[0]["dtype"]).name
        spec["shape"] = [int(d) for d in in_det[0]["shape"]]
        if spec["dtype"] != "float32":
            s_, z_ = in_det[0]["quantization"]
            spec["quantization"] = {"scale": float(s_), "zero_point": int(z_)}
        else:
            spec["quantization"] = None
        out_spec = {"shape": [int(d) for d in out_det[0]["shape"]], "dtype": np.dtype(out_det[0]["dtype"]).name,
                    "meaning": "softmax probabilities of digits 0-9"}
        if out_spec["dtype"] != "float32":
            s_, z_ = out_det[0]["quantization"]
            out_spec["quantization"] = {"scale": float(s_), "zero_point": int(z_)}
        cost = model_cost(model_bytes)
        entry = {
            "name": name, "file": out.name, "task": "mnist-digits", "architecture": args.arch,
            "variant": variant, "description": arch.description,
            "weights": {"float32": "float32", "int8": "int8 (full integer, per-channel conv weights)",
                        "float16": "float16, dequantized at load"}[variant],
            "input": spec, "output": out_spec, "labels": "labels_digits.txt",
            "macs": cost["macs"], "total_macs": cost["total_macs"], "parameters": cost["parameters"],
            "op_count": cost["op_count"], "file_bytes": len(model_bytes), "arena_bytes": None,
            "accuracy": {"litert_builtin": round(acc, 4), "test_images": len(xte)},
            "training": {"seed": args.seed, "keras_accuracy": round(float(keras_acc), 4)},
        }
        if variant == "int8":
            n = min(args.micro_limit, len(xte))
            if n > 0:
                tm = time.time()
                mp = micro_predictions(model_bytes, xte[:n], in_det[0])
                macc = float(np.mean(mp == yte[:n]))
                diff = int(np.sum(mp != preds[:n]))
                print(f"[{variant}] TFLite Micro accuracy on {n} images: {macc:.4f}; "
                      f"{diff} predictions differ from LiteRT ({time.time() - tm:.0f}s)", flush=True)
                entry["accuracy"].update({"tflite_micro": round(macc, 4), "tflite_micro_images": n,
                                          "predictions_differing_from_litert": diff})
        entries.append(entry)
        print(f"[{variant}] ops: {fl.op_histogram(model_bytes)}; cost {cost}", flush=True)
        print(f"[{variant}] wrote {out} ({len(model_bytes)} bytes)", flush=True)
    update_models_json(args.out_dir / "models.json", entries)
    print(f"done in {time.time() - t0:.0f}s total", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
