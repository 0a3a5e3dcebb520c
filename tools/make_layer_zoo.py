#!/usr/bin/env python3
"""Layer zoo: tiny models of the layers people put in on-device models,
converted like the architectures of ``make_zoo.py`` (same variants, same
references, same manifest format, same folder).

Keras models keep Keras's dynamic batch (``from_keras_model``); the
``tf_*`` models are ``tf.function``s converted through
``fixturelib.convert_concrete`` with a dynamic batch dimension; the
``keras2_*`` models are built with Keras 2 (the ``tf_keras`` package), whose
LSTM layers convert to the fused UNIDIRECTIONAL_SEQUENCE_LSTM op.  A variant is
skipped (and listed under ``not_converted`` in the manifest) when the
converter refuses it or when it produces the same bytes as float32 (dynamic
range quantization of a model without weights).

Usage:
    python3 tools/make_layer_zoo.py [--out DIR] [--only NAME[,NAME]] [--variants float32,dynamic,int8] [--list]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402
import make_zoo as zoo  # noqa: E402

fl.quiet_tf()

BASE_SEED = 777
N_CALIBRATION = 12


def _keras(build):
    """Mark a builder of a Keras model."""
    build.kind = "keras"
    return build


def _emits(*ops):
    """Operators every variant of the model must contain (checked with
    ``fixturelib.op_histogram`` after conversion)."""
    def mark(build):
        build.expect_ops = ops
        return build
    return mark


def _fn(build):
    """Mark a builder of (tf.function body, [TensorSpec])."""
    build.kind = "function"
    return build


# Each builder returns (model or (fn, specs), [input spec: (shape without batch, dtype, (lo, hi))]).

@_keras
def conv1d():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((64, 8))
    x = L.Conv1D(16, 5, activation="relu")(inp)
    x = L.MaxPooling1D(2)(x)
    x = L.Conv1D(16, 3, padding="same", dilation_rate=2, activation="relu")(x)
    x = L.AveragePooling1D(2)(x)
    x = L.GlobalAveragePooling1D()(x)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((64, 8), np.float32, (-1, 1))]


# Recurrent layers: Keras 3 LSTM/GRU with a dynamic batch do not convert with
# builtin ops only (TensorListReserve needs a static element shape; see
# lstm_dynamic_batch, kept to record the error), so these use the fixed batch
# users fall back to: Input(..., batch_size=1).

@_keras
def gru():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((20, 8), batch_size=1)
    x = L.GRU(16)(inp)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((20, 8), np.float32, (-1, 1))]


@_keras
def lstm():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((20, 8), batch_size=1)
    x = L.LSTM(16)(inp)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((20, 8), np.float32, (-1, 1))]


@_keras
def lstm_dynamic_batch():
    """Expected not to convert (recorded under not_converted)."""
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((20, 8))
    x = L.LSTM(16)(inp)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((20, 8), np.float32, (-1, 1))]


@_keras
def lstm_sequences():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((20, 8), batch_size=1)
    x = L.LSTM(16, return_sequences=True)(inp)
    x = L.LSTM(8)(x)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((20, 8), np.float32, (-1, 1))]


# Keras 2 (the ``tf_keras`` package, what ``TF_USE_LEGACY_KERAS=1`` selects):
# its LSTM layers convert to the fused UNIDIRECTIONAL_SEQUENCE_LSTM op (Keras 3
# gives a WHILE loop), Bidirectional to two of them with REVERSE_V2 and
# CONCATENATION. 32 inputs and 32 units give the 1,024-element weight matrices
# dynamic-range quantization needs to make the hybrid kernel; biases are made
# non-zero so every gate's bias is exercised. GRU and SimpleRNN become WHILE
# loops even in Keras 2, so they are not here.

def _keras2_liven(model, seed: int) -> None:
    """Small random gate biases (Keras starts them at 0, forget gate at 1)."""
    rng = np.random.default_rng(seed)
    for layer in fl.all_layers(model):
        cells = [getattr(layer, "cell", None)] + [getattr(getattr(layer, d, None), "cell", None)
                                                  for d in ("forward_layer", "backward_layer")]
        for cell in [c for c in cells if c is not None]:
            kernel, recurrent, bias = cell.get_weights()
            cell.set_weights([kernel, recurrent, (bias + rng.normal(0.0, 0.3, bias.shape)).astype(np.float32)])


def _keras2(name: str, steps_features: tuple, layers):
    """A tf_keras model with a fixed batch of 1 (the fused LSTM conversion
    needs static shapes): ``layers(tf_keras.layers, input)`` gives its output."""
    import tf_keras

    tf_keras.backend.clear_session()
    tf_keras.utils.set_random_seed(fl.name_seed(BASE_SEED, name))
    inp = tf_keras.Input(steps_features, batch_size=1)
    model = tf_keras.Model(inp, layers(tf_keras.layers, inp))
    _keras2_liven(model, fl.name_seed(BASE_SEED, name) + 1)
    return model, [(steps_features, np.float32, (-1, 1))]


@_emits("UNIDIRECTIONAL_SEQUENCE_LSTM")
@_keras
def keras2_lstm():
    """tf_keras LSTM(32) sequence classifier (last output): UNIDIRECTIONAL_SEQUENCE_LSTM float32, hybrid, int8."""
    return _keras2("keras2_lstm", (12, 32), lambda L, x: L.Dense(4)(L.LSTM(32)(x)))


@_emits("UNIDIRECTIONAL_SEQUENCE_LSTM")
@_keras
def keras2_lstm_sequences():
    """tf_keras LSTM(32, return_sequences=True) and a per-step Dense: the whole output sequence."""
    return _keras2("keras2_lstm_sequences", (12, 32), lambda L, x: L.Dense(4)(L.LSTM(32, return_sequences=True)(x)))


@_emits("UNIDIRECTIONAL_SEQUENCE_LSTM", "REVERSE_V2")
@_keras
def keras2_bilstm():
    """tf_keras Bidirectional(LSTM(16)): two UNIDIRECTIONAL_SEQUENCE_LSTM, REVERSE_V2, CONCATENATION."""
    return _keras2("keras2_bilstm", (12, 8), lambda L, x: L.Dense(4)(L.Bidirectional(L.LSTM(16))(x)))


@_keras
def embedding():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((16,), dtype="int32")
    x = L.Embedding(100, 8)(inp)
    x = L.GlobalAveragePooling1D()(x)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((16,), np.int32, (0, 100))]


@_keras
def layernorm():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((16, 32))
    x = L.Dense(32)(inp)
    x = L.LayerNormalization()(x)
    x = L.Flatten()(x)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((16, 32), np.float32, (-1, 1))]


@_keras
def vit_block():
    """Patch embedding (conv 8x8/8 + dynamic-batch reshape), position
    embedding, one pre-norm transformer block (MultiHeadAttention: BATCH_MATMUL
    on 4-D tensors; GELU MLP), token mean and a classifier."""
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((32, 32, 3))
    x = L.Conv2D(32, 8, strides=8)(inp)
    x = L.Reshape((16, 32))(x)
    pos = L.Embedding(16, 32)(tf.range(16))
    x = x + pos
    y = L.LayerNormalization(epsilon=1e-6)(x)
    y = L.MultiHeadAttention(num_heads=2, key_dim=16)(y, y)
    x = L.Add()([x, y])
    y = L.LayerNormalization(epsilon=1e-6)(x)
    y = L.Dense(64, activation="gelu")(y)
    y = L.Dense(32)(y)
    x = L.Add()([x, y])
    x = L.GlobalAveragePooling1D()(x)
    return tf.keras.Model(inp, L.Dense(4)(x)), [((32, 32, 3), np.float32, (-1, 1))]


@_keras
def upsampling():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((8, 8, 4))
    a = L.UpSampling2D(2, interpolation="nearest")(inp)
    a = L.Conv2D(4, 3, padding="same")(a)
    b = L.UpSampling2D(2, interpolation="bilinear")(inp)
    b = L.Conv2D(4, 3, padding="same")(b)
    x = L.Concatenate()([a, b])
    return tf.keras.Model(inp, x), [((8, 8, 4), np.float32, (-1, 1))]


@_keras
def conv2d_transpose():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((8, 8, 4))
    x = L.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu")(inp)
    x = L.Conv2DTranspose(4, 4, strides=2, padding="valid")(x)
    return tf.keras.Model(inp, x), [((8, 8, 4), np.float32, (-1, 1))]


@_keras
def separable_conv():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((16, 16, 4))
    x = L.SeparableConv2D(8, 3, padding="same", activation="relu")(inp)
    x = L.SeparableConv2D(8, 5, strides=2, depth_multiplier=2)(x)
    return tf.keras.Model(inp, x), [((16, 16, 4), np.float32, (-1, 1))]


@_keras
def dilated_conv():
    import tensorflow as tf
    L = tf.keras.layers
    inp = tf.keras.Input((16, 16, 4))
    x = L.Conv2D(8, 3, dilation_rate=2, padding="same", activation="relu")(inp)
    x = L.DepthwiseConv2D(3, dilation_rate=2, padding="valid")(x)
    x = L.Conv2D(4, 3, dilation_rate=(1, 3), padding="same")(x)
    return tf.keras.Model(inp, x), [((16, 16, 4), np.float32, (-1, 1))]


@_fn
def tf_select():
    """split, unstack, tile, cast, where, comparisons, argmin, top_k, mirror pad."""
    import tensorflow as tf

    def f(x):
        a, b = tf.split(x, 2, axis=2)                       # [N,8,3] each
        rows = tf.unstack(x, axis=1)                         # 8 x [N,6]
        t = tf.tile(a, [1, 2, 1])                            # [N,16,3]
        mask = tf.logical_or(tf.greater(a, b), tf.less_equal(a, -0.5))
        eq = tf.cast(tf.equal(tf.round(a * 2.0), tf.round(b * 2.0)), tf.float32)
        w = tf.where(mask, a, b) + eq
        am = tf.argmin(x, axis=2, output_type=tf.int32)      # [N,8]
        vals, idx = tf.math.top_k(rows[0] + rows[3], k=3)    # [N,3]
        p = tf.pad(a, [[0, 0], [2, 1], [1, 1]], mode="REFLECT")
        s = tf.pad(b, [[0, 0], [1, 2], [0, 2]], mode="SYMMETRIC")
        c = tf.cast(tf.cast(x * 10.0, tf.int32), tf.float32)
        ne = tf.cast(tf.not_equal(am, 0), tf.int32) + tf.cast(tf.greater_equal(rows[1], rows[2]), tf.int32)[:, :1]
        return {"tile": t, "where": w, "argmin": am, "topk_values": vals, "topk_indices": idx,
                "reflect": p, "symmetric": s, "cast": c, "not_equal": ne}

    return (f, [((8, 6), np.float32, (-1, 1))])


@_fn
def tf_math():
    """cumsum, reduce_prod/min, log_softmax, abs/neg/square/pow/log/floor/ceil/round/sin/cos."""
    import tensorflow as tf

    def f(x):
        y = tf.abs(x) + 0.25
        out = {
            "cumsum": tf.cumsum(x, axis=1),
            "prod": tf.reduce_prod(y, axis=2),
            "min": tf.reduce_min(x, axis=[1, 2]),
            "log_softmax": tf.nn.log_softmax(x, axis=-1),
            "elementwise": tf.concat([
                tf.abs(x), -x, tf.square(x), tf.pow(y, 1.5), tf.math.log(y), tf.floor(x * 3.0),
                tf.math.ceil(x * 3.0), tf.round(x * 3.0), tf.sin(x * 3.0), tf.cos(x * 3.0)], axis=2),
        }
        return out

    return (f, [((8, 6), np.float32, (-2, 2))])


LAYERS = {b.__name__: b for b in (conv1d, gru, lstm, lstm_dynamic_batch, lstm_sequences,
                                  keras2_lstm, keras2_lstm_sequences, keras2_bilstm, embedding, layernorm, vit_block, upsampling,
                                  conv2d_transpose, separable_conv, dilated_conv, tf_select, tf_math)}


def make_inputs(specs, seed: int, n: int):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        xs = []
        for shape, dtype, (lo, hi) in specs:
            if np.issubdtype(dtype, np.integer):
                xs.append(rng.integers(lo, hi, (1,) + tuple(shape)).astype(dtype))
            else:
                xs.append(rng.uniform(lo, hi, (1,) + tuple(shape)).astype(dtype))
        out.append(xs)
    return out


def convert(built, kind: str, configure) -> bytes:
    import contextlib
    import io

    import tensorflow as tf

    with contextlib.redirect_stdout(io.StringIO()):
        if kind == "keras":
            return fl.convert_keras(built, configure)
        fn, specs = built
        tspecs = [tf.TensorSpec((None,) + tuple(s), tf.as_dtype(d), name=f"x{i}") for i, (s, d, _) in enumerate(specs)]
        return fl.convert_concrete(fn, tspecs, configure)


# Variants whose conversion kills the converter process (no Python exception).
CRASHES = {
    ("gru", "int8"): "converter process aborts while quantizing the WHILE loop (full-integer)",
    ("lstm", "int8"): "converter process aborts while quantizing the WHILE loop (full-integer)",
    ("lstm_sequences", "int8"): "converter process aborts while quantizing the WHILE loop (full-integer)",
}


def make_layer(name: str, out: Path, variants, not_converted: list) -> None:
    import tensorflow as tf

    seed = fl.name_seed(BASE_SEED, name)
    fl.seed_everything(seed)
    builder = LAYERS[name]
    built, specs = builder()
    if builder.kind == "function":
        built = (built, specs)
    calibration = make_inputs(specs, seed + 1, N_CALIBRATION)
    (xs,) = make_inputs(specs, seed, 1)
    float_bytes = None
    for variant in variants:
        fname = f"layer_{name}_{variant}"
        if (name, variant) in CRASHES:
            print(f"   {variant:8s} NOT CONVERTED: {CRASHES[(name, variant)]}")
            not_converted.append({"name": fname, "architecture": f"layer:{name}", "variant": variant,
                                  "error": CRASHES[(name, variant)]})
            continue
        t0 = time.time()
        try:
            model = convert(built, builder.kind, zoo.converter_config(variant, calibration))
        except Exception as e:  # noqa: BLE001 - recorded
            msg = f"{type(e).__name__}: " + (str(e).strip().splitlines() or [""])[-1][:300]
            print(f"   {variant:8s} NOT CONVERTED: {msg}")
            not_converted.append({"name": fname, "architecture": f"layer:{name}", "variant": variant, "error": msg})
            continue
        t_conv = time.time() - t0
        hist = fl.op_histogram(model)
        missing = [op for op in getattr(builder, "expect_ops", ()) if op not in hist]
        if missing:
            raise AssertionError(f"{fname}: the converter emitted {hist}, without {missing}")
        if variant == "float32":
            float_bytes = model
        elif variant == "dynamic" and float_bytes is not None and \
                fl.op_type_histogram(model) == fl.op_type_histogram(float_bytes):
            print(f"   {variant:8s} same operators and types as float32 (nothing quantized): skipped")
            not_converted.append({"name": fname, "architecture": f"layer:{name}", "variant": variant,
                                  "error": "same operators and types as float32 (no weights to quantize)"})
            continue
        in_det, _ = fl.litert_io_details(model)
        xin = [fl.quantize_to_input(x, d) for x, d in zip(xs, in_det)]
        outs, errors = zoo.run_references(model, xin, variant)
        if "builtin" not in outs:
            print(f"   {variant:8s} LiteRT builtin failed: {errors}")
            not_converted.append({"name": fname, "architecture": f"layer:{name}", "variant": variant,
                                  "error": "LiteRT builtin: " + errors.get("builtin", "")})
            continue
        expected = "builtin"
        notes = {}
        if variant == "int8" and "micro" not in outs and "reference" not in outs:
            # Neither whole-model reference runs: measure LiteRT builtin against
            # reference arithmetic where it can be had (the final QUANTIZE).
            composite, note = zoo.reference_final_quantize(model, xin)
            if composite is not None:
                outs[zoo.FINAL_QUANTIZE_REFERENCE] = composite
                notes[zoo.FINAL_QUANTIZE_REFERENCE] = note
        if variant == "int8":
            expected = next(k for k in ("micro", "reference", zoo.FINAL_QUANTIZE_REFERENCE, "builtin") if k in outs)
        extra = {
            "architecture": f"layer:{name}", "variant": variant,
            "input_shape": [[int(v) for v in d["shape_signature"]] for d in in_det],
            "input_dtype": [d["dtype"].__name__ for d in in_det],
            "model_bytes": len(model), "ops": fl.op_histogram(model), "op_types": fl.op_type_histogram(model),
            "spreads": zoo.spreads(variant, outs), "errors": errors, "convert_seconds": round(t_conv, 1),
        }
        if notes:
            extra["reference_notes"] = notes
        if expected == "micro":
            extra["tolerance"] = 0
        fl.save_multi_reference_fixture(out, fname, model, xin, outs, expected, extra)
        print(f"   {variant:8s} {len(model) / 1024:6.1f} KiB {json.dumps(extra['ops'])} spreads {json.dumps(extra['spreads'])}"
              f"{'  errors: ' + json.dumps(errors) if errors else ''}", flush=True)
    tf.keras.backend.clear_session()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=zoo.SMALL_OUT)
    ap.add_argument("--only", default="")
    ap.add_argument("--variants", default=",".join(zoo.VARIANTS))
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args(argv)
    out = args.out if args.out.is_absolute() else fl.REPO_ROOT / args.out
    names = [n for n in args.only.split(",") if n] or list(LAYERS)
    if args.list:
        for n in LAYERS:
            print(f"{n:18s} {(LAYERS[n].__doc__ or '').strip().splitlines()[0] if LAYERS[n].__doc__ else ''}")
        return 0
    variants = [v for v in args.variants.split(",") if v]
    not_converted: list = []
    failures = {}
    for n in names:
        if n not in LAYERS:
            raise SystemExit(f"unknown layer model {n!r}")
        print(f"== {n}", flush=True)
        try:
            make_layer(n, out, variants, not_converted)
        except Exception as e:  # noqa: BLE001
            traceback.print_exc()
            failures[n] = f"{type(e).__name__}: {e}"
    manifest = fl.load_manifest(out)
    done = {(e["name"]) for e in not_converted}
    kept = [e for e in manifest.get("not_converted", [])
            if e["name"] not in done and not any(e["name"] == f"layer_{n}_{v}" for n in names for v in variants)]
    manifest["not_converted"] = sorted(kept + not_converted, key=lambda e: e["name"])
    fl.write_manifest(out, manifest)
    if failures:
        print("FAILED:", json.dumps(failures, indent=1))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
