"""Shared helpers for the fixture generators in tools/.

Not a script.  Provides:

* paths: ``REPO_ROOT``, ``FIXTURES_ROOT``, ``MODELS_DIR`` (the git-ignored
  ``.models/`` scratch directory for large outputs);
* model inspection: ``parse_model``, ``model_ops``, ``assert_ops`` (checks the
  builtin op sequence and option values of a converted ``.tflite``),
  ``const_value`` (reads a constant tensor);
* model patching: ``patch_model`` (edit a model through the flatbuffers object
  API and re-pack it, for option values the converter never emits);
* running: ``run_litert`` (LiteRT with a chosen op resolver), ``run_micro``
  (tflite-micro);
* saving: ``save_npy`` (NumPy format 1.0, C order, little endian) and
  ``save_fixture`` (writes ``<name>.tflite``, ``<name>.inputN.npy``,
  ``<name>.outputN.npy`` and updates ``manifest.json`` in place).

TensorFlow is imported lazily (only ``convert_concrete``/``convert_keras``
need it) so light tools such as run_litert.py start quickly.
"""
from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_ROOT = REPO_ROOT / "Tests" / "TFLiteEngineTests" / "Fixtures"
MODELS_DIR = REPO_ROOT / ".models"  # git-ignored: large / uncommitted outputs only

KERNELS = ("builtin", "xnnpack", "reference", "micro")


# --------------------------------------------------------------------------- TF

def quiet_tf() -> None:
    """Silence TensorFlow's C++/absl logging.  Call before importing tensorflow."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
    try:  # the converter's python-side warnings go through absl
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except ImportError:  # pragma: no cover
        pass


def seed_everything(seed: int) -> None:
    """Seed numpy, python and (if imported) TensorFlow/Keras."""
    import random

    random.seed(seed)
    np.random.seed(seed)
    try:
        import tensorflow as tf

        tf.keras.utils.set_random_seed(seed)
    except ImportError:  # pragma: no cover
        pass


def name_seed(base: int, name: str) -> int:
    """A stable per-fixture seed, so adding a fixture does not change the others."""
    return (base * 1_000_003 + zlib.crc32(name.encode())) % (2**31 - 1)


def convert_concrete(fn, input_specs: Sequence[Any], configure=None) -> bytes:
    """Trace ``fn`` with a fixed input signature and convert it to TFLite
    (float32 unless ``configure(converter)`` changes it).

    Deliberately uses ``from_concrete_functions`` *without* ``trackable_obj``
    (the "deprecated" path, which logs a warning): it freezes variables into
    constants and keeps the argument names as input tensor names.  With a
    trackable object the converter keeps resource variables (READ_VARIABLE
    ops) and renames inputs to ``serving_default_<arg>:0``."""
    import tensorflow as tf

    concrete = tf.function(fn, input_signature=list(input_specs)).get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete])
    if configure is not None:
        configure(converter)
    return converter.convert()


def convert_keras(model, configure=None) -> bytes:
    """Convert a Keras model to TFLite (float32 unless ``configure`` changes it)."""
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if configure is not None:
        configure(converter)
    return converter.convert()


def convert_keras_batch1(model, input_name: str = "input", configure=None) -> bytes:
    """Convert a single-input Keras model with a fixed batch of 1 (via a
    concrete function), so no dynamic-shape ops (SHAPE/STRIDED_SLICE/PACK)
    appear, e.g. for Flatten."""
    import tensorflow as tf

    shape = [1] + [int(d) for d in model.inputs[0].shape[1:]]

    def serve(x):
        return model(x, training=False)

    return convert_concrete(serve, [tf.TensorSpec(shape, tf.float32, name=input_name)], configure)


# ---------------------------------------------------------------- inspection

def _schema():
    import ai_edge_litert.schema_py_generated as schema

    return schema


def _enum(cls) -> dict[str, int]:
    return {k: v for k, v in vars(cls).items() if not k.startswith("_") and isinstance(v, int)}


def builtin_op_names() -> dict[int, str]:
    return {v: k for k, v in _enum(_schema().BuiltinOperator).items()}


# Option fields whose expected value may be given as an enum name.
_ENUM_FIELDS = {
    "padding": "Padding",
    "fusedActivationFunction": "ActivationFunctionType",
}


def parse_model(model_bytes: bytes):
    """Unpack a .tflite flatbuffer into the schema's object API (ModelT)."""
    return _schema().ModelT.InitFromPackedBuf(bytearray(model_bytes), 0)


class OpInfo:
    """One operator of subgraph 0, with its options as a plain dict."""

    def __init__(self, model, subgraph, op):
        names = builtin_op_names()
        code = model.operatorCodes[op.opcodeIndex]
        self.name = names[max(code.builtinCode, code.deprecatedBuiltinCode)]
        self.options = dict(vars(op.builtinOptions)) if op.builtinOptions is not None else {}
        self.inputs = list(op.inputs) if op.inputs is not None else []
        self.outputs = list(op.outputs) if op.outputs is not None else []
        self.op = op

    def __repr__(self) -> str:
        return f"{self.name}{self.options}"


def model_ops(model_bytes: bytes, subgraph: int = 0) -> list[OpInfo]:
    model = parse_model(model_bytes)
    sg = model.subgraphs[subgraph]
    return [OpInfo(model, sg, op) for op in (sg.operators or [])]


def op_histogram(model_bytes: bytes) -> dict[str, int]:
    hist: dict[str, int] = {}
    for op in model_ops(model_bytes):
        hist[op.name] = hist.get(op.name, 0) + 1
    return hist


def const_value(model_bytes: bytes, tensor_index: int, subgraph: int = 0) -> np.ndarray | None:
    """The data of a constant tensor (None if the tensor has no buffer data)."""
    schema = _schema()
    model = parse_model(model_bytes)
    t = model.subgraphs[subgraph].tensors[tensor_index]
    buf = model.buffers[t.buffer]
    if buf is None or buf.data is None or len(buf.data) == 0:
        return None
    dtypes = {
        schema.TensorType.FLOAT32: "<f4", schema.TensorType.INT32: "<i4",
        schema.TensorType.INT64: "<i8", schema.TensorType.INT8: "i1",
        schema.TensorType.UINT8: "u1", schema.TensorType.INT16: "<i2",
        schema.TensorType.FLOAT16: "<f2", schema.TensorType.BOOL: "?",
    }
    shape = [int(d) for d in (t.shape if t.shape is not None else [])]
    return np.frombuffer(bytes(np.asarray(buf.data, dtype=np.uint8)), dtype=dtypes[t.type]).reshape(shape)


def _normalise_expected(opts: dict[str, Any]) -> dict[str, Any]:
    schema = _schema()
    out = {}
    for k, v in opts.items():
        if k in _ENUM_FIELDS and isinstance(v, str):
            v = _enum(getattr(schema, _ENUM_FIELDS[k]))[v]
        out[k] = v
    return out


def assert_ops(model_bytes: bytes, expected: Sequence[tuple[str, dict[str, Any]]], what: str = "") -> list[OpInfo]:
    """Assert subgraph 0 consists of exactly the ``expected`` ops, in order.

    ``expected`` is a list of ``(OP_NAME, {optionField: value})``; option
    fields use the schema object-API names (``strideH``, ``padding``,
    ``fusedActivationFunction``, ``depthMultiplier``, ``keepDims``, ...), and
    ``padding`` / ``fusedActivationFunction`` may be given as enum names.
    Only the listed option fields are checked.  Returns the ops.
    """
    ops = model_ops(model_bytes)
    got = [o.name for o in ops]
    want = [n for n, _ in expected]
    if got != want:
        raise AssertionError(f"{what}: expected ops {want}, converter produced {got}: {ops}")
    for op, (_, opts) in zip(ops, expected):
        for k, v in _normalise_expected(opts).items():
            if k not in op.options:
                raise AssertionError(f"{what}: {op.name} has no option {k!r}: {op.options}")
            actual = op.options[k]
            if isinstance(v, (list, tuple)):
                actual = None if actual is None else [int(a) for a in actual]
                v = list(v)
            if isinstance(v, float):
                ok = actual is not None and abs(float(actual) - v) <= 1e-7 * max(1.0, abs(v))
            else:
                ok = actual == v
            if not ok:
                raise AssertionError(f"{what}: {op.name}.{k} = {actual!r}, expected {v!r} ({op.options})")
    return ops


def pack_model(model) -> bytes:
    """Re-pack a ModelT into .tflite bytes (file identifier TFL3)."""
    import flatbuffers

    builder = flatbuffers.Builder(1024)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def patch_model(model_bytes: bytes, edit) -> bytes:
    """Apply ``edit(model: ModelT)`` and re-pack.  For option values the
    converter never emits (e.g. SOFTMAX beta != 1, RESHAPE new_shape)."""
    model = parse_model(model_bytes)
    edit(model)
    return pack_model(model)


# ------------------------------------------------------------------- running

def _litert_interpreter(model_bytes: bytes, kernels: str):
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = {
        "builtin": OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
        "xnnpack": OpResolverType.BUILTIN,
        "reference": OpResolverType.BUILTIN_REF,
    }[kernels]
    interp = Interpreter(model_content=bytes(model_bytes), experimental_op_resolver_type=resolver)
    interp.allocate_tensors()
    return interp


def litert_io_details(model_bytes: bytes):
    """(input_details, output_details) as reported by LiteRT, in model order."""
    interp = _litert_interpreter(model_bytes, "builtin")
    return interp.get_input_details(), interp.get_output_details()


def run_litert(model_bytes: bytes, inputs: Sequence[np.ndarray], kernels: str = "builtin") -> list[np.ndarray]:
    """Run one inference; ``inputs`` in the model's input order.  Returns the
    outputs in the model's output order."""
    if kernels == "micro":
        return run_micro(model_bytes, inputs)
    interp = _litert_interpreter(model_bytes, kernels)
    in_det = interp.get_input_details()
    if len(in_det) != len(inputs):
        raise ValueError(f"model has {len(in_det)} inputs, got {len(inputs)}")
    resized = False
    for d, x in zip(in_det, inputs):
        if list(d["shape"]) != list(x.shape):
            interp.resize_tensor_input(d["index"], list(x.shape))
            resized = True
    if resized:
        interp.allocate_tensors()
    for d, x in zip(in_det, inputs):
        if x.dtype != d["dtype"]:
            raise ValueError(f"input {d['name']}: dtype {x.dtype}, model wants {d['dtype']}")
        interp.set_tensor(d["index"], np.array(x, order="C", copy=True))
    interp.invoke()
    return [np.array(interp.get_tensor(d["index"])) for d in interp.get_output_details()]


def run_micro(model_bytes: bytes, inputs: Sequence[np.ndarray], arena_size: int | None = None) -> list[np.ndarray]:
    """Run one inference with tflite-micro's Python interpreter."""
    from tflite_micro.python.tflite_micro import runtime

    if arena_size is None:
        arena_size = max(len(model_bytes) * 10, 8 << 20)
    interp = runtime.Interpreter.from_bytes(bytes(model_bytes), arena_size=arena_size)
    for i, x in enumerate(inputs):
        interp.set_input(np.array(x, order="C", copy=True), i)
    interp.invoke()
    n_out = len(parse_model(model_bytes).subgraphs[0].outputs)
    return [np.array(interp.get_output(i)) for i in range(n_out)]


# -------------------------------------------------------------------- saving

_ALLOWED_DTYPES = {"<f4", "|i1", "|u1", "<i4", "<i8", "|b1", "<i2", "<f2"}


def save_npy(path: Path | str, array: np.ndarray) -> None:
    """Write NumPy format 1.0, C order, little endian, explicit dtype."""
    a = np.asarray(array)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    a = np.array(a, order="C", copy=True)
    if a.dtype.str not in _ALLOWED_DTYPES:
        raise ValueError(f"{path}: unsupported dtype {a.dtype.str}")
    with open(path, "wb") as f:
        np.lib.format.write_array(f, a, version=(1, 0), allow_pickle=False)


def load_manifest(directory: Path | str) -> dict:
    p = Path(directory) / "manifest.json"
    if p.exists():
        return json.loads(p.read_text())
    return {"fixtures": []}


def write_manifest(directory: Path | str, manifest: dict) -> None:
    p = Path(directory) / "manifest.json"
    p.write_text(json.dumps(manifest, indent=1) + "\n")


def clean_fixture_dir(directory: Path | str) -> None:
    """Delete the fixture files (*.tflite, *.npy, manifest.json) of one directory."""
    d = Path(directory)
    if not d.is_dir():
        return
    for p in d.iterdir():
        if p.is_file() and (p.suffix in (".tflite", ".npy") or p.name == "manifest.json"):
            p.unlink()


def save_fixture(
    directory: Path | str,
    name: str,
    op: str,
    model_bytes: bytes,
    inputs: Sequence[np.ndarray],
    outputs: Sequence[np.ndarray],
    reference: str = "litert-builtin",
) -> dict:
    """Write one fixture and add/replace its entry in ``directory/manifest.json``.

    Layout: ``<name>.tflite``, ``<name>.input<i>.npy`` (model input order),
    ``<name>.output<i>.npy`` (model output order).
    """
    if name != name.lower() or "/" in name or " " in name:
        raise ValueError(f"bad fixture name {name!r}")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.tflite").write_bytes(bytes(model_bytes))
    in_files, out_files = [], []
    for i, x in enumerate(inputs):
        fn = f"{name}.input{i}.npy"
        save_npy(d / fn, x)
        in_files.append(fn)
    for i, y in enumerate(outputs):
        fn = f"{name}.output{i}.npy"
        save_npy(d / fn, y)
        out_files.append(fn)
    entry = {"name": name, "op": op, "inputs": in_files, "outputs": out_files, "reference": reference}
    upsert_manifest_entry(d, entry)
    return entry


def upsert_manifest_entry(directory, entry: dict, sort: bool = False) -> None:
    """Add `entry` to directory/manifest.json, replacing one of the same name."""
    manifest = load_manifest(directory)
    fixtures = manifest.setdefault("fixtures", [])
    for i, e in enumerate(fixtures):
        if e.get("name") == entry["name"]:
            fixtures[i] = entry
            break
    else:
        fixtures.append(entry)
    if sort:
        fixtures.sort(key=lambda e: e["name"])
    write_manifest(directory, manifest)


def dir_size(directory: Path | str) -> int:
    return sum(p.stat().st_size for p in Path(directory).rglob("*") if p.is_file())


# ------------------------------------------------------------ weight helpers

def all_layers(model) -> list:
    """Every layer of a Keras model, descending into nested models (e.g. the
    Sequential stems of ConvNeXt), in order."""
    out = []
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:
            out.extend(all_layers(layer))
        else:
            out.append(layer)
    return out


def keep_activations_alive(model, seed: int, recursive: bool = False) -> None:
    """Re-initialise a Keras model so activations stay O(1) through depth:
    He-normal conv/dense kernels, small random biases, and non-trivial
    BatchNormalization statistics (gamma ~ U(0.5,1.5), beta ~ N(0,0.1),
    moving_mean ~ N(0,0.1), moving_variance ~ U(0.5,1.5)).  ``recursive``
    also re-initialises the layers of nested models."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    for layer in (all_layers(model) if recursive else model.layers):
        cls = type(layer).__name__
        if isinstance(layer, tf.keras.layers.BatchNormalization):
            ws = layer.get_weights()
            n = ws[0].shape
            new = []
            names = [w.path.split("/")[-1] for w in layer.weights]
            for wname, w in zip(names, ws):
                if "gamma" in wname:
                    new.append(rng.uniform(0.5, 1.5, n))
                elif "beta" in wname:
                    new.append(rng.normal(0.0, 0.1, n))
                elif "moving_mean" in wname:
                    new.append(rng.normal(0.0, 0.1, n))
                elif "moving_variance" in wname:
                    new.append(rng.uniform(0.5, 1.5, n))
                else:
                    raise ValueError(f"unexpected BN weight {wname}")
            layer.set_weights([w.astype(np.float32) for w in new])
        elif cls in ("Conv2D", "DepthwiseConv2D", "Dense", "SeparableConv2D"):
            new = []
            for w in layer.weights:
                wname = w.path.split("/")[-1]
                shape = tuple(w.shape)
                if "kernel" in wname:
                    if cls == "DepthwiseConv2D":
                        fan_in = shape[0] * shape[1]
                    elif cls == "Dense":
                        fan_in = shape[0]
                    else:
                        fan_in = int(np.prod(shape[:-1]))
                    new.append(rng.normal(0.0, np.sqrt(2.0 / fan_in), shape))
                elif "bias" in wname:
                    new.append(rng.normal(0.0, 0.05, shape))
                else:
                    new.append(np.asarray(w))
            layer.set_weights([np.asarray(w, dtype=np.float32) for w in new])


def check_logits_alive(outputs: Iterable[np.ndarray], what: str = "", limit: float = 1e4) -> dict:
    """Assert logits are finite, bounded, and vary across classes and inputs."""
    outs = [np.asarray(o, dtype=np.float64) for o in outputs]
    for o in outs:
        if not np.all(np.isfinite(o)):
            raise AssertionError(f"{what}: non-finite logits")
        if np.max(np.abs(o)) >= limit:
            raise AssertionError(f"{what}: logits explode (max |logit| = {np.max(np.abs(o)):.3g})")
    stds = [float(np.std(o.reshape(o.shape[0], -1), axis=1).min()) for o in outs]
    if min(stds) < 1e-3:
        raise AssertionError(f"{what}: logits nearly constant across classes (std {stds})")
    if len(outs) >= 2:
        diff = float(np.max(np.abs(outs[0] - outs[1])))
        if diff < 1e-3 * max(1.0, float(np.max(np.abs(outs[0])))):
            raise AssertionError(f"{what}: logits identical for different inputs")
    return {"std_across_classes": stds, "max_abs": max(float(np.max(np.abs(o))) for o in outs)}


def liven_up(model, seed: int, calibration: np.ndarray) -> None:
    """``keep_activations_alive`` for deep application models, then:

    * SeparableConv2D depthwise kernels He-normal with fan-in k*k (not k*k*C);
    * LayerNormalization gamma ~ U(0.5,1.5), beta ~ N(0,0.1); ConvNeXt
      LayerScale gamma ~ U(0.1,0.5) (its 1e-6 default silences the blocks);
    * BatchNormalization moving statistics set to the batch statistics of
      ``calibration`` (one training-mode forward pass with momentum 0: every
      BN sees the activations that the already-calibrated BNs before it
      produce), so activations stay normalised through any depth."""
    import tensorflow as tf

    keep_activations_alive(model, seed, recursive=True)
    rng = np.random.default_rng(seed + 1)
    layers = all_layers(model)
    for layer in layers:
        cls = type(layer).__name__
        if cls == "SeparableConv2D":
            ws = []
            for w in layer.weights:
                wname = w.path.split("/")[-1]
                shape = tuple(w.shape)
                if wname == "depthwise_kernel":
                    ws.append(rng.normal(0.0, np.sqrt(2.0 / (shape[0] * shape[1])), shape))
                else:
                    ws.append(np.asarray(w))
            layer.set_weights([np.asarray(w, dtype=np.float32) for w in ws])
        elif cls == "LayerNormalization":
            ws = []
            for w in layer.weights:
                wname = w.path.split("/")[-1]
                shape = tuple(w.shape)
                ws.append(rng.uniform(0.5, 1.5, shape) if wname == "gamma" else rng.normal(0.0, 0.1, shape))
            layer.set_weights([np.asarray(w, dtype=np.float32) for w in ws])
        elif cls == "LayerScale":
            layer.set_weights([rng.uniform(0.1, 0.5, tuple(w.shape)).astype(np.float32) for w in layer.weights])
    bns = [l for l in layers if isinstance(l, tf.keras.layers.BatchNormalization)]
    if bns:
        saved = [l.momentum for l in bns]
        for l in bns:
            l.momentum = 0.0
        model(tf.constant(calibration), training=True)
        for l, m in zip(bns, saved):
            l.momentum = m


# --------------------------------------------------------- zoo / census helpers

_TYPE_NAMES = None


def tensor_type_names() -> dict[int, str]:
    global _TYPE_NAMES
    if _TYPE_NAMES is None:
        _TYPE_NAMES = {v: k.lower() for k, v in _enum(_schema().TensorType).items()}
    return _TYPE_NAMES


_DATA_TYPES = (0, 1, 3, 7, 9)  # FLOAT32, FLOAT16, UINT8, INT16, INT8 (schema TensorType)


def op_type_census(model_bytes: bytes) -> list[tuple[str, str]]:
    """(op name, kind) for every operator of every subgraph.  kind is the type
    of the first non-constant input (the output's type when there is none),
    or ``hybrid`` for float activations with int8/uint8 constant weights
    (dynamic-range quantization), e.g. ``("CONV_2D", "float32")``."""
    model = parse_model(model_bytes)
    names = builtin_op_names()
    tnames = tensor_type_names()
    out = []
    for sg in model.subgraphs:
        tensors = sg.tensors
        def is_const(i):
            buf = model.buffers[tensors[i].buffer] if tensors[i].buffer < len(model.buffers) else None
            return buf is not None and buf.data is not None and len(buf.data) > 0
        for op in (sg.operators or []):
            code = model.operatorCodes[op.opcodeIndex]
            name = names[max(code.builtinCode, code.deprecatedBuiltinCode)]
            if name == "CUSTOM":
                name = "CUSTOM:" + (code.customCode.decode() if isinstance(code.customCode, bytes) else str(code.customCode))
            ins = [i for i in (op.inputs if op.inputs is not None else []) if i >= 0]
            act = [i for i in ins if not is_const(i)]
            consts = [i for i in ins if is_const(i)]
            outs = [i for i in (op.outputs if op.outputs is not None else []) if i >= 0]
            # The data operand: the first non-constant input of a numeric data type
            # (TRANSPOSE_CONV's first input is its int32 output shape).
            data = [i for i in act if tensors[i].type in _DATA_TYPES]
            ref = data[0] if data else (act[0] if act else (outs[0] if outs else None))
            kind = tnames.get(tensors[ref].type, "?") if ref is not None else "?"
            if kind == "float32" and any(tensors[i].type in (_schema().TensorType.INT8, _schema().TensorType.UINT8)
                                         for i in consts):
                kind = "hybrid"
            out.append((name, kind))
    return out


def op_type_histogram(model_bytes: bytes) -> dict[str, dict[str, int]]:
    """{op name: {kind: count}} over all subgraphs (see ``op_type_census``)."""
    hist: dict[str, dict[str, int]] = {}
    for name, kind in op_type_census(model_bytes):
        h = hist.setdefault(name, {})
        h[kind] = h.get(kind, 0) + 1
    return {k: dict(sorted(v.items())) for k, v in sorted(hist.items())}


def quantize_to_input(x: np.ndarray, detail: dict) -> np.ndarray:
    """Quantize a float array with a LiteRT input detail's scale/zero point."""
    dtype = detail["dtype"]
    if dtype not in (np.int8, np.uint8, np.int16) or not detail["quantization"][0]:
        return np.asarray(x).astype(dtype)
    scale, zp = detail["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zp, info.min, info.max).astype(dtype)


def save_multi_reference_fixture(directory: Path | str, name: str, model_bytes: bytes,
                                 inputs: Sequence[np.ndarray], outputs: dict[str, Sequence[np.ndarray]],
                                 expected: str, extra: dict | None = None) -> dict:
    """Write one fixture with the outputs of several references and add/replace
    its entry in ``directory/manifest.json``.

    Layout: ``<name>.tflite``, ``<name>.input<i>.npy``,
    ``<name>.<reference>.output<i>.npy`` per reference.  The entry keeps the
    fields of ``save_fixture`` (``outputs``/``reference`` name the
    ``expected`` reference's files) and adds ``references`` ({reference:
    [files]}), ``expected`` and whatever ``extra`` holds."""
    if name != name.lower() or "/" in name or " " in name:
        raise ValueError(f"bad fixture name {name!r}")
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{name}.tflite").write_bytes(bytes(model_bytes))
    in_files = []
    for i, x in enumerate(inputs):
        fn = f"{name}.input{i}.npy"
        save_npy(d / fn, x)
        in_files.append(fn)
    refs = {}
    for ref, ys in outputs.items():
        files = []
        for i, y in enumerate(ys):
            fn = f"{name}.{ref}.output{i}.npy"
            save_npy(d / fn, y)
            files.append(fn)
        refs[ref] = files
    if expected not in refs:
        raise ValueError(f"{name}: expected reference {expected!r} has no outputs")
    entry = {"name": name, "op": "MODEL", "inputs": in_files, "outputs": refs[expected],
             "reference": expected, "expected": expected, "references": refs}
    entry.update(extra or {})
    upsert_manifest_entry(d, entry, sort=True)
    return entry
