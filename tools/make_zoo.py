#!/usr/bin/env python3
"""Converter zoo: real ``tf.keras.applications`` architectures converted the way
users convert them, with reference outputs from LiteRT and TFLite Micro.

For every architecture (random weights, fixed seed per model, logits) three
variants are converted with ``TFLiteConverter.from_keras_model`` on the model
as built (dynamic batch: the input's shape_signature is [-1, H, W, C]):

    float32   no optimization
    dynamic   ``optimizations=[Optimize.DEFAULT]``, no dataset (dynamic-range)
    int8      full-integer: representative dataset of random inputs,
              ``supported_ops=[TFLITE_BUILTINS_INT8]``, int8 input and output

Each fixture stores one deterministic input and the outputs of LiteRT's
builtin kernels, LiteRT+XNNPACK, LiteRT's reference kernels and (int8) TFLite
Micro, plus the spreads between them, in ``manifest.json`` (see
``fixturelib.save_multi_reference_fixture``).  ``expected`` names the
reference the engine must match: ``builtin`` for float32/dynamic, ``micro``
for int8 where Micro runs the model (and has no SPACE_TO_BATCH_ND, whose pad
value Micro leaves uninitialised), else ``reference``.

Modes:
    full size (default, ``--out .models/zoo``, git-ignored): the architecture
        at its default input size, for speed/coverage reports.
    ``--small`` (``Tests/TFLiteEngineTests/Fixtures/zoo``, committed): small
        input and a parameter budget; big architectures are cut at a block
        boundary (a single-tensor cut point of the layer graph) and get a
        head with the ops of the real top.  The small float32 model's op set is
        checked against the whole architecture's (float32 at its default input
        size); ops the small one lacks are printed and recorded
        (``missing_ops_vs_whole``).  With ``--check-full DIR`` the histograms are also
        compared with the full-size manifest in DIR, per variant.

Inputs: float inputs are uniform random in the range the architecture
expects (``[0, 255]`` where preprocessing is built in: MobileNetV3,
EfficientNet(V2), ConvNeXt, RegNet; ``[-1, 1]`` for the "tf"-style ones,
caffe-style mean-subtracted range for ResNet50/VGG16, "torch"-style for
DenseNet); int8 inputs are the same image quantized with the model's input
scale/zero point.

RegNet is not part of the Keras shipped with TensorFlow 2.21, so RegNetX002
and RegNetY002 are rebuilt here after the Keras 2 implementation (pre-stem
rescaling/normalization, grouped 3×3 convolutions with group width 8, Y:
squeeze-and-excitation).

Usage:
    python3 tools/make_zoo.py --small [--only MobileNetV2,ResNet50] [--variants float32,int8]
    nice -n 10 python3 tools/make_zoo.py [--out .models/zoo]
    python3 tools/make_zoo.py --list [--small]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
import traceback
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # keep tools/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

SMALL_OUT = fl.FIXTURES_ROOT / "zoo"
FULL_OUT = fl.MODELS_DIR / "zoo"
BASE_SEED = 4242
VARIANTS = ("float32", "dynamic", "int8")
N_CALIBRATION = 12
CLASSES = 10

# Input ranges (what the architecture's own preprocessing expects).
PIXELS = (0.0, 255.0)      # preprocessing built into the model
TF_STYLE = (-1.0, 1.0)     # imagenet_utils mode "tf"
CAFFE = (-124.0, 152.0)    # BGR minus ImageNet mean
TORCH = (-2.1, 2.6)        # (x/255 - mean) / std


# ---------------------------------------------------------------- RegNet

def regnet(name: str, depths, widths, group_width: int, se: bool, input_shape, classes: int):
    """RegNetX/Y after keras 2.x ``keras.applications.regnet`` (not in Keras 3)."""
    import tensorflow as tf

    L = tf.keras.layers

    def bn(n):
        return L.BatchNormalization(momentum=0.9, epsilon=1e-5, name=n)

    inp = tf.keras.Input(input_shape)
    x = L.Rescaling(1.0 / 255.0, name=f"{name}_prestem_rescaling")(inp)
    x = L.Normalization(mean=[0.485, 0.456, 0.406], variance=[0.229**2, 0.224**2, 0.225**2],
                        name=f"{name}_prestem_normalize")(x)
    x = L.Conv2D(32, 3, strides=2, use_bias=False, padding="same", name=f"{name}_stem_conv")(x)
    x = bn(f"{name}_stem_bn")(x)
    x = L.ReLU(name=f"{name}_stem_relu")(x)
    f_in = 32
    for s, (depth, width) in enumerate(zip(depths, widths)):
        for b in range(depth):
            stride = 2 if b == 0 else 1
            p = f"{name}_stage{s}_block{b}"
            groups = width // group_width
            if stride != 1 or f_in != width:
                skip = L.Conv2D(width, 1, strides=stride, use_bias=False, name=f"{p}_skip_conv")(x)
                skip = bn(f"{p}_skip_bn")(skip)
            else:
                skip = x
            y = L.Conv2D(width, 1, use_bias=False, name=f"{p}_conv_1x1_1")(x)
            y = bn(f"{p}_conv_1x1_1_bn")(y)
            y = L.ReLU(name=f"{p}_conv_1x1_1_relu")(y)
            y = L.Conv2D(width, 3, strides=stride, groups=groups, use_bias=False, padding="same",
                         name=f"{p}_conv_3x3")(y)
            y = bn(f"{p}_conv_3x3_bn")(y)
            y = L.ReLU(name=f"{p}_conv_3x3_relu")(y)
            if se:
                se_filters = int(f_in * 0.25)
                z = L.GlobalAveragePooling2D(keepdims=True, name=f"{p}_se_gap")(y)
                z = L.Conv2D(se_filters, 1, activation="relu", name=f"{p}_se_squeeze")(z)
                z = L.Conv2D(width, 1, activation="sigmoid", name=f"{p}_se_excite")(z)
                y = L.Multiply(name=f"{p}_se_mul")([y, z])
            y = L.Conv2D(width, 1, use_bias=False, name=f"{p}_conv_1x1_2")(y)
            y = bn(f"{p}_conv_1x1_2_bn")(y)
            x = L.ReLU(name=f"{p}_out")(L.Add(name=f"{p}_add")([y, skip]))
            f_in = width
    x = L.GlobalAveragePooling2D(name=f"{name}_head_gap")(x)
    x = L.Dense(classes, name=f"{name}_head_dense")(x)
    return tf.keras.Model(inp, x, name=name)


# ---------------------------------------------------------------- specs
#
# ctor(input_shape, small) -> keras model.  small: dict of the small version:
#   size        small input side
#   kwargs      constructor overrides for the small version (alpha, ...)
#   cut         regex of block-boundary layer names (deepest match within
#               the budget is used); None = no cut (whole model)
#   budget      parameter budget of the small model
#   head        head after the cut: gap | flatten | gap_flatten | gap_ln | bn_relu_gap
#   max_cut     optional regex: the cut must not be deeper than this layer

def _app(fn_name):
    def ctor(input_shape, **kw):
        import tensorflow as tf

        fn = getattr(tf.keras.applications, fn_name)
        args = dict(input_shape=input_shape, weights=None, classes=CLASSES, classifier_activation=None)
        args.update(kw)
        return fn(**args)
    return ctor


def _nasnet(input_shape, **kw):
    from keras.src.applications.nasnet import NASNet

    args = dict(penultimate_filters=1056, num_blocks=4, stem_block_filters=32, skip_reduction=False,
                filter_multiplier=2, default_size=224)
    args.update(kw)
    return NASNet(input_shape=input_shape, include_top=True, weights=None, classes=CLASSES,
                  classifier_activation=None, name="nasnet_mobile", **args)


def _regnet(name, se):
    def ctor(input_shape, **kw):
        return regnet(name, [1, 1, 4, 7], [24, 56, 152, 368], 8, se, input_shape, CLASSES)
    return ctor


SPECS: dict[str, dict] = {
    "MobileNet": dict(ctor=_app("MobileNet"), full=224, range=TF_STYLE,
                      small=dict(size=64, kwargs=dict(alpha=0.25), cut=None)),
    "MobileNetV2": dict(ctor=_app("MobileNetV2"), full=224, range=TF_STYLE,
                        small=dict(size=32, kwargs=dict(alpha=0.35), cut=r"block_\d+_(add|project_BN)$", head="gap")),
    "MobileNetV3Small": dict(ctor=_app("MobileNetV3Small"), full=224, range=PIXELS,
                             small=dict(size=32, kwargs=dict(alpha=0.75), cut=r"expanded_conv(_\d+)?_(add|project_bn)$",
                                        head="gap_flatten")),
    "MobileNetV3Large": dict(ctor=_app("MobileNetV3Large"), full=224, range=PIXELS,
                             small=dict(size=32, kwargs=dict(alpha=0.75), cut=r"expanded_conv(_\d+)?_(add|project_bn)$",
                                        head="gap_flatten")),
    "EfficientNetB0": dict(ctor=_app("EfficientNetB0"), full=224, range=PIXELS,
                           small=dict(size=32, cut=r"block\w+_(add|project_bn)$", head="gap")),
    "EfficientNetB1": dict(ctor=_app("EfficientNetB1"), full=240, range=PIXELS,
                           small=dict(size=32, cut=r"block\w+_(add|project_bn)$", head="gap")),
    "EfficientNetB2": dict(ctor=_app("EfficientNetB2"), full=260, range=PIXELS,
                           small=dict(size=32, cut=r"block\w+_(add|project_bn)$", head="gap")),
    "EfficientNetV2B0": dict(ctor=_app("EfficientNetV2B0"), full=224, range=PIXELS,
                             small=dict(size=32, cut=r"block\w+_(add|project_bn)$", head="gap", budget=280_000)),
    "EfficientNetV2B1": dict(ctor=_app("EfficientNetV2B1"), full=240, range=PIXELS,
                             small=dict(size=32, cut=r"block\w+_(add|project_bn)$", head="gap", budget=280_000)),
    "ResNet50": dict(ctor=_app("ResNet50"), full=224, range=CAFFE,
                     small=dict(size=32, cut=r"conv\d_block\d_out$", head="gap")),
    "ResNet50V2": dict(ctor=_app("ResNet50V2"), full=224, range=TF_STYLE,
                       small=dict(size=32, cut=r"conv\d_block\d_out$", head="bn_relu_gap")),
    "DenseNet121": dict(ctor=_app("DenseNet121"), full=224, range=TORCH,
                        small=dict(size=32, cut=r"pool\d_pool$", head="bn_relu_gap", budget=420_000)),
    "InceptionV3": dict(ctor=_app("InceptionV3"), full=299, range=TF_STYLE,
                        small=dict(size=75, cut=r"mixed\d+$", head="gap", budget=450_000)),
    "InceptionResNetV2": dict(ctor=_app("InceptionResNetV2"), full=299, range=TF_STYLE,
                              small=dict(size=75, cut=r"block35_\d+_ac$", head="gap", budget=570_000)),
    "Xception": dict(ctor=_app("Xception"), full=299, range=TF_STYLE,
                     small=dict(size=71, cut=r"add(_\d+)?$", head="gap")),
    "NASNetMobile": dict(ctor=_nasnet, full=224, range=TF_STYLE,
                         small=dict(size=32, kwargs=dict(penultimate_filters=192, num_blocks=1,
                                                         stem_block_filters=16), cut=None)),
    "ConvNeXtTiny": dict(ctor=_app("ConvNeXtTiny"), full=224, range=PIXELS,
                         small=dict(size=32, cut=r"stage_\d_block_\d_identity$|add(_\d+)?$", head="gap_ln")),
    "RegNetX002": dict(ctor=_regnet("regnetx002", False), full=224, range=PIXELS,
                       small=dict(size=32, cut=r"_out$", head="gap")),
    "RegNetY002": dict(ctor=_regnet("regnety002", True), full=224, range=PIXELS,
                       small=dict(size=32, cut=r"_out$", head="gap")),
    "VGG16": dict(ctor=_app("VGG16"), full=224, range=CAFFE,
                  small=dict(size=32, cut=r"block\d_pool$", head="flatten", budget=210_000)),
}
DEFAULT_BUDGET = 150_000


def arch_seed(arch: str) -> int:
    return fl.name_seed(BASE_SEED, arch)


def fixture_name(arch: str, variant: str) -> str:
    return f"{arch.lower()}_{variant}"


# ---------------------------------------------------------------- cutting

def cut_points(model) -> list[int]:
    """Indices i into model.operations whose single output tensor separates
    the graph: no operation after i reads anything produced before i."""
    ops = model.operations
    idx = {id(o): i for i, o in enumerate(ops)}
    min_src = []
    for j, o in enumerate(ops):
        srcs = [idx[id(p.operation)] for n in o._inbound_nodes for p in n.parent_nodes if id(p.operation) in idx]
        min_src.append(min(srcs) if srcs else j)
    points = []
    suffix = len(ops)
    for i in range(len(ops) - 1, 0, -1):
        if suffix >= i and len(ops[i]._inbound_nodes) == 1 and len(ops[i]._inbound_nodes[0].output_tensors) == 1:
            points.append(i)
        if i < len(ops):
            suffix = min(suffix, min_src[i])
    return sorted(points)


def add_head(x, head: str):
    import tensorflow as tf

    L = tf.keras.layers
    if head == "gap":
        x = L.GlobalAveragePooling2D(name="zoo_head_gap")(x)
    elif head == "flatten":
        x = L.Flatten(name="zoo_head_flatten")(x)
    elif head == "gap_flatten":
        x = L.GlobalAveragePooling2D(keepdims=True, name="zoo_head_gap")(x)
        x = L.Flatten(name="zoo_head_flatten")(x)
    elif head == "gap_ln":
        x = L.GlobalAveragePooling2D(name="zoo_head_gap")(x)
        x = L.LayerNormalization(epsilon=1e-6, name="zoo_head_layernorm")(x)
    elif head == "bn_relu_gap":
        x = L.BatchNormalization(epsilon=1.001e-5, name="zoo_head_bn")(x)
        x = L.ReLU(name="zoo_head_relu")(x)
        x = L.GlobalAveragePooling2D(name="zoo_head_gap")(x)
    else:
        raise ValueError(head)
    return L.Dense(CLASSES, name="zoo_head_dense")(x)


def head_params(shape, head: str) -> int:
    c = int(shape[-1])
    feat = int(np.prod([int(d) for d in shape[1:]])) if head == "flatten" else c
    extra = 2 * c if head == "gap_ln" else (4 * c if head == "bn_relu_gap" else 0)
    return feat * CLASSES + CLASSES + extra


def choose_cut(full, small: dict):
    """(index, operation name, params) of the deepest block boundary within budget."""
    ops = full.operations
    budget = small.get("budget", DEFAULT_BUDGET)
    pattern = re.compile(small["cut"])
    cum = np.cumsum([o.count_params() if hasattr(o, "count_params") and o.built else 0 for o in ops])
    best = None
    for i in cut_points(full):
        o = ops[i]
        if not pattern.search(o.name):
            continue
        shape = o.output.shape
        if len(shape) != 4:
            continue
        params = int(cum[i]) + head_params(shape, small["head"])
        if params <= budget:
            best = (i, o.name, params)
    if best is None:
        raise RuntimeError(f"no cut point matching {small['cut']!r} within {budget} params")
    return best


def build(arch: str, small: bool):
    """(keras model, info dict)."""
    import tensorflow as tf

    spec = SPECS[arch]
    fl.seed_everything(arch_seed(arch))
    info: dict = {}
    if not small:
        size = spec["full"]
        net = spec["ctor"]((size, size, 3))
        info.update(input_size=size)
        return net, info
    s = spec["small"]
    size = s["size"]
    net = spec["ctor"]((size, size, 3), **s.get("kwargs", {}))
    info.update(input_size=size, constructor_args=s.get("kwargs", {}))
    if s.get("cut"):
        i, name, _ = choose_cut(net, s)
        fl.seed_everything(arch_seed(arch))
        y = add_head(net.operations[i].output, s["head"])
        net = tf.keras.Model(net.inputs, y, name=f"{net.name}_cut")
        info.update(cut_after=name, head=s["head"])
    else:
        info.update(cut_after=None)
    return net, info


# ---------------------------------------------------------------- converting

def converter_config(variant: str, calibration):
    import tensorflow as tf

    def configure(c):
        if variant == "dynamic":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
        elif variant == "int8":
            c.optimizations = [tf.lite.Optimize.DEFAULT]
            c.representative_dataset = lambda: (list(s) if isinstance(s, (list, tuple)) else [s]
                                                for s in calibration)
            c.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            c.inference_input_type = tf.int8
            c.inference_output_type = tf.int8
    return configure


def make_inputs(arch: str, size: int, n: int, seed: int) -> list[np.ndarray]:
    lo, hi = SPECS[arch]["range"]
    rng = np.random.default_rng(seed)
    xs = []
    for _ in range(n):
        x = rng.uniform(lo, hi, (1, size, size, 3))
        if SPECS[arch]["range"] == PIXELS:
            x = np.round(x)
        xs.append(x.astype(np.float32))
    return xs


def spreads(variant: str, outs: dict[str, list[np.ndarray]]) -> dict:
    """Float outputs: max |a - builtin| / max |builtin| per reference; integer
    outputs: max difference in LSBs and count of differing elements per pair
    (max over the model's outputs)."""
    res: dict = {}
    names = list(outs)
    n_out = len(outs["builtin"])
    integer = all(not np.issubdtype(outs["builtin"][i].dtype, np.floating) for i in range(n_out))
    if variant == "int8" or integer:
        for a_i, a in enumerate(names):
            for b in names[a_i + 1:]:
                lsb, differing = 0, 0
                for i in range(n_out):
                    d = np.abs(outs[a][i].astype(np.int64) - outs[b][i].astype(np.int64))
                    lsb = max(lsb, int(d.max()) if d.size else 0)
                    differing += int(np.count_nonzero(d))
                res[f"{a}_vs_{b}"] = {"max_lsb": lsb, "differing": differing}
    else:
        for a in names:
            if a == "builtin":
                continue
            rel = 0.0
            for i in range(n_out):
                b = outs["builtin"][i].astype(np.float64)
                if b.size == 0:
                    continue
                denom = float(np.max(np.abs(b))) or 1.0
                rel = max(rel, float(np.max(np.abs(outs[a][i].astype(np.float64) - b))) / denom)
            res[f"{a}_vs_builtin"] = {"max_rel": rel}
    return res


def run_references(model: bytes, x, variant: str) -> tuple[dict, dict]:
    """Outputs per reference ({kernels: [arrays]}) and errors ({kernels: message})."""
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    outs, errors = {}, {}
    for k in ("builtin", "xnnpack", "reference") + (("micro",) if variant == "int8" else ()):
        ok, res = _run_isolated(model, xs, k)
        if ok:
            outs[k] = res
        else:
            errors[k] = res
    return outs, errors


# The composite reference of int8 models that neither TFLite Micro nor LiteRT's
# reference resolver runs (`reference_final_quantize`).
FINAL_QUANTIZE_REFERENCE = "builtin_reference_quantize"


def _quantize_model(shape, scale: float, zero_point: int, signed: bool) -> bytes:
    """A one-op QUANTIZE model: float32 `shape` in, int8/uint8 (scale, zero point) out."""
    s = fl._schema()

    def tensor(name, type_, buf, q=None):
        t = s.TensorT()
        t.name, t.shape, t.type, t.buffer, t.quantization = name, list(shape), type_, buf, q
        return t

    q = s.QuantizationParametersT()
    q.scale, q.zeroPoint = [float(scale)], [int(zero_point)]
    model = s.ModelT()
    model.version = 3
    model.description = "final QUANTIZE"
    code = s.OperatorCodeT()
    code.builtinCode = code.deprecatedBuiltinCode = s.BuiltinOperator.QUANTIZE
    code.version = 1
    model.operatorCodes = [code]
    model.buffers = [s.BufferT(), s.BufferT(), s.BufferT()]
    sg = s.SubGraphT()
    sg.tensors = [tensor("input", s.TensorType.FLOAT32, 1),
                  tensor("output", s.TensorType.INT8 if signed else s.TensorType.UINT8, 2, q)]
    sg.inputs, sg.outputs = [0], [1]
    op = s.OperatorT()
    op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
    sg.operators = [op]
    model.subgraphs = [sg]
    return fl.pack_model(model)


def reference_final_quantize(model: bytes, xs) -> tuple[list[np.ndarray] | None, str]:
    """For an int8 model that neither TFLite Micro nor LiteRT's reference
    resolver runs: LiteRT builtin's outputs, except that every output made by
    a float→int8/uint8 QUANTIZE is recomputed from that QUANTIZE's float input
    (taken from the builtin run, all tensors preserved) by a one-op QUANTIZE
    model under LiteRT's reference kernels, which must agree with TFLite
    Micro's. LiteRT's optimized QUANTIZE rounds ties to even, its reference
    kernel and Micro away from zero, so this measures how far the builtin
    outputs are from reference arithmetic where the whole-model references
    cannot run. Returns (outputs or None, note)."""
    from compare_tensors import litert_tensors

    parsed = fl.parse_model(model)
    sg = parsed.subgraphs[0]
    names = fl.builtin_op_names()
    producer = {}
    for op in sg.operators or []:
        code = parsed.operatorCodes[op.opcodeIndex]
        for t in op.outputs if op.outputs is not None else []:
            producer[int(t)] = (names[max(code.builtinCode, code.deprecatedBuiltinCode)], op)
    T = fl._schema().TensorType
    finals = {}  # output position -> float input tensor index
    for pos, t in enumerate(sg.outputs):
        name, op = producer.get(int(t), (None, None))
        if name == "QUANTIZE" and sg.tensors[op.inputs[0]].type == T.FLOAT32 and \
                sg.tensors[int(t)].type in (T.INT8, T.UINT8):
            finals[pos] = int(op.inputs[0])
    if not finals:
        return None, "no output is made by a float QUANTIZE"
    tensors = litert_tensors(model, xs, "builtin")
    outs = [tensors[int(t)] for t in sg.outputs]
    for pos, src in finals.items():
        x = tensors[src]
        out_t = sg.tensors[int(sg.outputs[pos])]
        one = _quantize_model(x.shape, out_t.quantization.scale[0], out_t.quantization.zeroPoint[0],
                              signed=out_t.type == T.INT8)
        (builtin,) = fl.run_litert(one, [x], kernels="builtin")
        if not np.array_equal(builtin, outs[pos]):
            raise AssertionError(f"output {pos}: the one-op QUANTIZE under LiteRT builtin does not reproduce the model's output")
        (ref,) = fl.run_litert(one, [x], kernels="reference")
        (micro,) = fl.run_micro(one, [x])
        if not np.array_equal(ref, micro):
            raise AssertionError(f"output {pos}: LiteRT's reference QUANTIZE and TFLite Micro's disagree")
        outs[pos] = ref
    return outs, f"outputs {sorted(finals)}: final QUANTIZE under LiteRT's reference kernels (= TFLite Micro)"


def _child(conn, model, xs, kernels):
    try:
        conn.send((True, fl.run_litert(model, xs, kernels)))
    except Exception as e:  # noqa: BLE001
        msg = str(e).strip()
        conn.send((False, f"{type(e).__name__}: {msg.splitlines()[0][:300] if msg else ''}"))
    conn.close()


def _run_isolated(model: bytes, xs, kernels: str):
    """run_litert in a forked child, so an interpreter that crashes (some
    int8 control-flow models abort inside LiteRT/Micro) is recorded, not fatal."""
    import multiprocessing as mp

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(target=_child, args=(child, model, xs, kernels))
    p.start()
    child.close()
    result = None
    try:
        if parent.poll(600):
            result = parent.recv()
    except EOFError:
        result = None
    p.join(30)
    if result is None:
        if p.is_alive():
            p.kill()
            p.join()
            return False, "timed out"
        return False, f"crashed (exit code {p.exitcode})"
    return result


def convert(net, configure=None) -> bytes:
    """fl.convert_keras without Keras's "Saved artifact at ..." listing on stdout."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        return fl.convert_keras(net, configure)


def op_set(model: bytes) -> set[str]:
    return set(fl.op_histogram(model))


def make_arch(arch: str, out: Path, small: bool, variants, check_full: Path | None, log: dict,
              skip_whole: bool = False) -> None:
    import tensorflow as tf

    t_arch = time.time()
    net, info = build(arch, small)
    size = info["input_size"]
    seed = arch_seed(arch)
    calibration = make_inputs(arch, size, N_CALIBRATION, seed + 1)
    fl.liven_up(net, seed, np.concatenate(calibration[:8]))
    (x,) = make_inputs(arch, size, 1, seed)
    x2 = make_inputs(arch, size, 1, seed + 2)[0]
    params = int(net.count_params())
    info.update(params=params)
    print(f"== {arch}: input {size}, params {params}, cut after {info.get('cut_after')}", flush=True)

    reference_ops = None
    if small and not skip_whole:
        # The whole architecture at the same small input: its op set is what the cut must keep.
        t0 = time.time()
        fl.seed_everything(seed)
        full_size = SPECS[arch]["full"]
        whole = SPECS[arch]["ctor"]((full_size, full_size, 3))
        whole_model = convert(whole)
        reference_ops = op_set(whole_model)
        info["whole_model_float32_ops"] = sorted(reference_ops)
        print(f"   whole {arch} at {full_size}: {whole.count_params()} params, float32 converted in "
              f"{time.time() - t0:.0f}s", flush=True)
        del whole, whole_model
    full_manifest = {}
    if check_full is not None and (check_full / "manifest.json").exists():
        full_manifest = {e["name"]: e for e in fl.load_manifest(check_full)["fixtures"]}

    for variant in variants:
        name = fixture_name(arch, variant)
        t0 = time.time()
        model = convert(net, converter_config(variant, calibration))
        t_conv = time.time() - t0
        in_det, out_det = fl.litert_io_details(model)
        xin = fl.quantize_to_input(x, in_det[0])
        outs, errors = run_references(model, xin, variant)
        if "builtin" not in outs:
            raise RuntimeError(f"{name}: LiteRT builtin failed: {errors}")
        # Alive: two inputs give different, non-constant logits (builtin kernels).
        y2 = fl.run_litert(model, [fl.quantize_to_input(x2, in_det[0])], "builtin")[0]
        ys = [outs["builtin"][0], y2]
        if variant == "int8":
            sc, zp = out_det[0]["quantization"]
            ys = [(y.astype(np.float32) - zp) * sc for y in ys]
        try:
            alive = fl.check_logits_alive(ys, name)
        except AssertionError as e:
            alive = {"warning": str(e)}
            print(f"   WARNING {e}")
        expected = "builtin"
        hist = fl.op_histogram(model)
        if variant == "int8":
            # TFLite Micro's SPACE_TO_BATCH_ND pads with an uninitialised value
            # (it never sets SpaceToBatchParams.output_offset): not a reference.
            expected = "micro" if "micro" in outs and "SPACE_TO_BATCH_ND" not in hist else "reference"
        missing = []
        if reference_ops is not None and variant == "float32":
            missing = sorted(reference_ops - set(hist))
        full_missing = None
        fe = full_manifest.get(name)
        if fe is not None:
            full_missing = sorted(set(fe["ops"]) - set(hist))
        extra = {
            "architecture": arch, "variant": variant, "input_size": size,
            "input_shape": [int(d) for d in in_det[0]["shape_signature"]],
            "input_dtype": str(in_det[0]["dtype"].__name__), "params": params,
            "cut_after": info.get("cut_after"), "head": info.get("head"),
            "constructor_args": info.get("constructor_args", {}),
            "model_bytes": len(model),
            "ops": hist, "op_types": fl.op_type_histogram(model),
            "spreads": spreads(variant, outs),
            "errors": errors,
            "alive": alive,
            "convert_seconds": round(t_conv, 1),
        }
        if reference_ops is not None and variant == "float32":
            extra["missing_ops_vs_whole"] = missing
            extra["whole_model_float32_ops"] = info["whole_model_float32_ops"]
        if full_missing is not None:
            extra["missing_ops_vs_full"] = full_missing
        if small:
            extra["tolerance"] = 0 if variant == "int8" and expected == "micro" else None
            if extra["tolerance"] is None:
                del extra["tolerance"]
        fl.save_multi_reference_fixture(out, name, model, [xin], outs, expected, extra)
        sp = " ".join(f"{k}={v.get('max_rel', v.get('max_lsb')):.3g}" if "max_rel" in v else
                      f"{k}={v['max_lsb']}lsb/{v['differing']}" for k, v in extra["spreads"].items())
        print(f"   {variant:8s} {len(model) / 1024:7.0f} KiB conv {t_conv:5.1f}s  {sp}"
              f"{'  errors: ' + json.dumps(errors) if errors else ''}"
              f"{'  MISSING vs whole: ' + ','.join(missing) if missing else ''}"
              f"{'  MISSING vs full: ' + ','.join(full_missing) if full_missing else ''}", flush=True)
        log.setdefault(arch, {})[variant] = round(t_conv, 1)
    print(f"   {arch} done in {time.time() - t_arch:.0f}s", flush=True)
    tf.keras.backend.clear_session()


def check_whole(out: Path, archs) -> int:
    """Record, per small float32 fixture, which ops of the whole architecture it lacks."""
    manifest = fl.load_manifest(out)
    by_name = {e["name"]: e for e in manifest["fixtures"]}
    bad = 0
    for arch in archs:
        e = by_name.get(fixture_name(arch, "float32"))
        if e is None:
            print(f"{arch}: no float32 fixture in {out}")
            continue
        t0 = time.time()
        fl.seed_everything(arch_seed(arch))
        size = SPECS[arch]["full"]
        whole = convert(SPECS[arch]["ctor"]((size, size, 3)))
        ops = sorted(op_set(whole))
        missing = sorted(set(ops) - set(e["ops"]))
        for v in VARIANTS:
            f = by_name.get(fixture_name(arch, v))
            if f is not None and v == "float32":
                f["whole_model_float32_ops"] = ops
                f["missing_ops_vs_whole"] = missing
        bad += bool(missing)
        print(f"{arch}: whole float32 at {size}: {len(ops)} op types, small lacks {missing or 'nothing'} "
              f"({time.time() - t0:.0f}s)", flush=True)
        fl.write_manifest(out, manifest)
    return 1 if bad else 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="small committed CI versions")
    ap.add_argument("--out", type=Path, default=None, help="output folder (default: .models/zoo, or the "
                    "committed fixtures folder with --small)")
    ap.add_argument("--only", default="", help="comma-separated architecture names")
    ap.add_argument("--variants", default=",".join(VARIANTS))
    ap.add_argument("--list", action="store_true", help="list architectures (and the small cut) and exit")
    ap.add_argument("--skip-whole", action="store_true",
                    help="--small: do not convert the whole architecture to check the cut's op set "
                    "(run --check-whole later)")
    ap.add_argument("--check-whole", action="store_true",
                    help="only convert the whole architectures (float32, default size) and record in the "
                    "manifest which of their ops each small float32 fixture lacks")
    ap.add_argument("--check-full", type=Path, default=None,
                    help="full-size zoo folder whose manifest histograms the small ones are compared with")
    args = ap.parse_args(argv)
    out = args.out or (SMALL_OUT if args.small else FULL_OUT)
    if not out.is_absolute():
        out = fl.REPO_ROOT / out
    archs = [a for a in args.only.split(",") if a] or list(SPECS)
    for a in archs:
        if a not in SPECS:
            raise SystemExit(f"unknown architecture {a!r}; --list shows them")
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in VARIANTS:
            raise SystemExit(f"unknown variant {v!r}")
    if args.list:
        for a in archs:
            if args.small:
                net, info = build(a, True)
                print(f"{a:18s} input {info['input_size']:3d} params {net.count_params():8d} "
                      f"cut {info.get('cut_after')} head {info.get('head')}")
            else:
                print(f"{a:18s} input {SPECS[a]['full']} range {SPECS[a]['range']}")
        return 0
    if args.check_whole:
        return check_whole(out, archs)
    log: dict = {}
    failures = {}
    t0 = time.time()
    for a in archs:
        try:
            make_arch(a, out, args.small, variants, args.check_full, log, args.skip_whole)
        except Exception as e:  # noqa: BLE001 - keep going, report at the end
            traceback.print_exc()
            failures[a] = f"{type(e).__name__}: {e}"
    print(f"{out.relative_to(fl.REPO_ROOT) if out.is_relative_to(fl.REPO_ROOT) else out}: "
          f"{fl.dir_size(out) / 1e6:.1f} MB, {time.time() - t0:.0f}s")
    if failures:
        print("FAILED:", json.dumps(failures, indent=1))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
