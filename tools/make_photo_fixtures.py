#!/usr/bin/env python3
"""A colour photo through a float32 MobileNet-style classifier that carries
its own labels and normalization in TFLite metadata, with the expected top-5
from the LiteRT Python interpreter, for PhotoClassifierTests (and for
`swift run infer MODEL photo.jpg`, which must print the same labels with no
flags).

Like tools/make_metadata_fixtures.py this runs in three stages, because
tflite-support cannot share a virtual environment with TensorFlow 2.21 (see
../shared/docs/tooling-notes.md):

  1. (python3, TensorFlow) the bare model: tf.keras.applications.MobileNet
     (v1, alpha 0.25, 128×128×3, fixed batch 1, random weights from a fixed
     seed, BatchNorm statistics calibrated on other scikit-image photos so the
     activations stay alive) + Dense(len(LABELS), softmax); and the photo: the
     scikit-image wheel's chelsea.png (451×300, a cat) re-encoded by Pillow as
     a baseline 4:2:0 JPEG, quality 90;
  2. (.venv-support, tflite-support 0.4.4) the metadata, written by
     `image_classifier.MetadataWriter` (name, RGB input with per-channel
     NormalizationOptions in 0...255 pixel units, output labels.txt as a
     TENSOR_AXIS_LABELS file in the appended zip), and read back with
     MetadataDisplayer into `photo_classifier.metadata.json`;
  3. (python3) the reference: Pillow decodes photo.jpg (`convert("RGB")`),
     pixels / 255, the resize `infer` uses, then the normalization read from
     metadata.json (`(x × 255 − mean[c]) / std[c]`), LiteRT runs the model;
     `photo_classifier.expected.json` holds the top-5 (indices, labels from the
     model's labels.txt, scores) and all scores.

The resize is the one of Sources/InputFormats/ImagePreprocessing.swift
(`resizeBilinear`), reproduced operation by operation in float32 below:
bilinear with half-pixel centres and no antialiasing, as TensorFlow 2's
`tf.image.resize(method="bilinear", antialias=False)` (stage 3 checks the two
agree to 1e-5). infer resizes to the input size without keeping the aspect
ratio and without cropping.

Set up the tflite-support environment once (git-ignored; needs Debian's
libusb-1.0-0):

  python3 -m venv .venv-support
  .venv-support/bin/pip install -r tools/requirements-support.txt

Then: python3 tools/make_photo_fixtures.py [--venv .venv-support]
Output: Tests/TFLiteEngineTests/Fixtures/photo/
"""
from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "TFLiteEngineTests" / "Fixtures" / "photo"
MODEL = "photo_classifier"
SIZE = 128
SEED = 17
# ImageNet per-channel statistics in 0...255 pixel units (as torchvision's).
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]
# Human-readable class names (the weights are random: which one wins says
# nothing about the photo; what matters is that infer prints these names).
LABELS = [
    "tabby cat", "tiger cat", "Persian cat", "Siamese cat", "Egyptian cat", "lynx", "snow leopard", "cougar",
    "golden retriever", "Labrador retriever", "border collie", "German shepherd", "beagle", "red fox", "grey wolf",
    "brown bear", "giant panda", "koala", "red panda", "otter", "hedgehog", "hamster", "rabbit", "squirrel",
    "zebra", "horse", "goldfish", "great white shark", "robin", "goldfinch", "bald eagle", "flamingo", "penguin",
    "monarch butterfly", "ladybug", "coffee mug", "teapot", "rocket", "space shuttle", "bicycle", "sports car",
    "school bus", "laptop", "desk clock", "tennis ball", "pizza", "banana", "strawberry",
]
# Photos from the scikit-image wheel used only to calibrate BatchNorm.
CALIBRATION = ["astronaut.png", "coffee.png", "rocket.jpg", "motorcycle_left.png", "chelsea.png", "color.png"]


def skimage_data() -> Path:
    import skimage
    return Path(skimage.__file__).parent / "data"


# ----------------------------------------------------------------- the resize infer uses

def resize_bilinear(x: np.ndarray, out_h: int, out_w: int) -> np.ndarray:
    """ImagePreprocessing.resizeBilinear in float32: half-pixel centres,
    source coordinate clamped to the image, two taps per axis, horizontal
    interpolation of the two rows first, then vertical."""
    x = x.astype(np.float32)
    h, w, _ = x.shape
    if (h, w) == (out_h, out_w):
        return x

    def taps(out: int, size: int):
        scale = np.float32(size) / np.float32(out)
        s = (np.arange(out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
        s = np.minimum(np.maximum(s, np.float32(0)), np.float32(size - 1))
        lo = s.astype(np.int64)  # s >= 0: truncation is floor, as Swift's Int(s)
        hi = np.minimum(lo + 1, size - 1)
        return lo, hi, (s - lo.astype(np.float32)).astype(np.float32)

    y0, y1, wy = taps(out_h, h)
    x0, x1, wx = taps(out_w, w)
    wx = wx[None, :, None]
    wy = wy[:, None, None]
    a, b = x[y0][:, x0], x[y0][:, x1]
    d, e = x[y1][:, x0], x[y1][:, x1]
    top = a + (b - a) * wx
    bottom = d + (e - d) * wx
    return (top + (bottom - top) * wy).astype(np.float32)


def model_input(rgb: np.ndarray, mean, std) -> np.ndarray:
    """infer's pipeline for an RGB uint8 image: /255, resize, then the
    metadata normalization on 0...255 values; NHWC float32 batch of 1."""
    x = rgb.astype(np.float32) / np.float32(255)
    x = resize_bilinear(x, SIZE, SIZE)
    x = (x * np.float32(255) - np.asarray(mean, np.float32)) / np.asarray(std, np.float32)
    return x[None].astype(np.float32)


# ----------------------------------------------------------------- stage 1 (TensorFlow)

def make_bare_model(work: Path) -> None:
    sys.path.insert(0, str(REPO / "tools"))
    import fixturelib as fl
    fl.quiet_tf()
    import tensorflow as tf
    from PIL import Image

    OUT.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    Image.open(skimage_data() / "chelsea.png").convert("RGB").save(buffer, "JPEG", quality=90, subsampling=2)
    (OUT / "photo.jpg").write_bytes(buffer.getvalue())

    fl.seed_everything(SEED)
    image = tf.keras.Input((SIZE, SIZE, 3), batch_size=1, name="image")
    backbone = tf.keras.applications.MobileNet(
        input_tensor=image, alpha=0.25, include_top=False, weights=None, pooling="avg")
    probability = tf.keras.layers.Dense(len(LABELS), activation="softmax", name="probability")(backbone.output)
    model = tf.keras.Model(image, probability)

    calibration = np.concatenate([
        model_input(np.array(Image.open(skimage_data() / name).convert("RGB")), MEAN, STD) for name in CALIBRATION])
    fl.liven_up(model, SEED, calibration)
    # Logits with a standard deviation of about 2 across classes: a softmax
    # peaked enough that the top-5 are well apart, far from saturation.
    dense = model.get_layer("probability")
    logits = tf.keras.Model(image, dense.input)(tf.constant(calibration)).numpy() @ dense.get_weights()[0]
    kernel, bias = dense.get_weights()
    scale = 2.0 / float(np.std(logits, axis=1).mean())
    dense.set_weights([(kernel * scale).astype(np.float32), np.zeros_like(bias)])
    (work / f"{MODEL}.bare.tflite").write_bytes(fl.convert_keras(model))


# ----------------------------------------------------------------- stage 2 (.venv-support)

def write_metadata(work: Path) -> None:
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as fb
    from tensorflow_lite_support.metadata.python import metadata as md
    from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, metadata_info, writer_utils

    labels = work / "labels.txt"
    labels.write_text("".join(label + "\n" for label in LABELS))
    bare = bytearray((work / f"{MODEL}.bare.tflite").read_bytes())
    writer = image_classifier.MetadataWriter.create_from_metadata_info(
        bare,
        general_md=metadata_info.GeneralMd(
            name="PhotoClassifier", version="v1",
            description=f"MobileNet v1 (alpha 0.25, {SIZE}x{SIZE} RGB) with random weights classifying into "
                        f"{len(LABELS)} named classes: a test fixture.",
            author="TFLiteEngine tests", licenses="Apache License. Version 2.0"),
        input_md=metadata_info.InputImageTensorMd(
            name="image", description="RGB image, 0...255 per channel before normalization.",
            norm_mean=MEAN, norm_std=STD, color_space_type=fb.ColorSpaceType.RGB,
            tensor_type=writer_utils.get_input_tensor_types(bare)[0]),
        output_md=metadata_info.ClassificationTensorMd(
            name="probability", description=f"Probabilities of the {len(LABELS)} classes.",
            label_files=[metadata_info.LabelFileMd(str(labels), locale="en")],
            tensor_type=writer_utils.get_output_tensor_types(bare)[0]))
    model = writer.populate()
    (OUT / f"{MODEL}.tflite").write_bytes(model)
    metadata = json.loads(md.MetadataDisplayer.with_model_buffer(model).get_metadata_json())
    (OUT / f"{MODEL}.metadata.json").write_text(json.dumps(metadata, indent=1, sort_keys=True) + "\n")
    print(f"{MODEL}.tflite: {len(model)} bytes with metadata '{metadata['name']}'")


# ----------------------------------------------------------------- stage 3 (LiteRT reference)

def write_expected() -> None:
    sys.path.insert(0, str(REPO / "tools"))
    import fixturelib as fl
    fl.quiet_tf()
    from PIL import Image

    model = (OUT / f"{MODEL}.tflite").read_bytes()
    metadata = json.loads((OUT / f"{MODEL}.metadata.json").read_text())
    # The normalization and labels as the model carries them.
    process_unit = metadata["subgraph_metadata"][0]["input_tensor_metadata"][0]["process_units"][0]
    assert process_unit["options_type"] == "NormalizationOptions", process_unit
    mean, std = process_unit["options"]["mean"], process_unit["options"]["std"]
    with zipfile.ZipFile(io.BytesIO(model)) as archive:
        labels = archive.read("labels.txt").decode().splitlines()

    with Image.open(OUT / "photo.jpg") as photo:
        rgb = np.array(photo.convert("RGB"))
    x = model_input(rgb, mean, std)

    # The numpy resize is TensorFlow's half-pixel bilinear resize.
    import tensorflow as tf
    reference = tf.image.resize(rgb.astype(np.float32)[None] / 255, (SIZE, SIZE), method="bilinear", antialias=False).numpy()[0]
    difference = float(np.abs(resize_bilinear(rgb.astype(np.float32) / np.float32(255), SIZE, SIZE) - reference).max())
    assert difference < 1e-5, f"the numpy resize differs from tf.image.resize by {difference}"

    scores = fl.run_litert(model, [x])[0].reshape(-1).astype(np.float64)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], i))
    top = order[:5]
    gaps = [scores[order[i]] - scores[order[i + 1]] for i in range(5)]
    assert min(gaps) > 1e-3, f"top-5 scores too close to rank reliably: gaps {gaps}"
    expected = {
        "model": f"{MODEL}.tflite",
        "image": "photo.jpg",
        "image_size": [int(rgb.shape[1]), int(rgb.shape[0])],
        "input_size": [SIZE, SIZE],
        "decode": "Pillow Image.open(...).convert('RGB')",
        "resize": "bilinear, half-pixel centres, no antialiasing (ImagePreprocessing.resizeBilinear; "
                  "tf.image.resize(method='bilinear', antialias=False)); no crop, aspect ratio not kept",
        "normalization": {"mean": mean, "std": std, "units": "pixels 0...255: (x*255 - mean[c]) / std[c]"},
        "numpy_resize_vs_tf_max_abs": difference,
        "top5": [{"index": i, "label": labels[i], "score": float(scores[i])} for i in top],
        "scores": [float(s) for s in scores],
    }
    (OUT / f"{MODEL}.expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    print("LiteRT top-5:", ", ".join(f"{labels[i]} {scores[i]:.6f}" for i in top))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", default=str(REPO / ".venv-support"), help="tflite-support virtual environment")
    parser.add_argument("--stage", choices=["all", "metadata"], default="all", help=argparse.SUPPRESS)
    parser.add_argument("--work", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage == "metadata":
        write_metadata(Path(args.work))
        return
    python = Path(args.venv) / "bin" / "python"
    if not python.exists():
        sys.exit(f"no tflite-support environment at {args.venv}; create it as this script's docstring says")
    with tempfile.TemporaryDirectory(prefix="photo-fixtures-") as work:
        make_bare_model(Path(work))
        subprocess.run([str(python), __file__, "--stage", "metadata", "--work", work], check=True)
    write_expected()


if __name__ == "__main__":
    main()
