#!/usr/bin/env python3
"""Single-operator fixtures of the recurrent ops: UNIDIRECTIONAL_SEQUENCE_LSTM
in every variant TFLite's kernel honours, UNIDIRECTIONAL_SEQUENCE_RNN (float32
and hybrid, every fused activation, time-major) and REVERSE_V2 (which Keras
Bidirectional and ``go_backwards`` layers convert to).

The LSTM models are written directly with the TFLite schema's object API
(24 inputs, the two state tensors as variables), with random weights:

* float32 and hybrid (int8 weights, float activations; symmetric and
  asymmetric input quantization): plain, 20-input form, time-major, several
  batch rows, CIFG, peephole, layer norm, projection (with and without bias,
  clipped), cell clipping and the fused activations relu, relu_n1_to_1, relu6
  and tanh (NONE is rejected: LiteRT then multiplies the output gate by the
  cell gate, not the cell state); expected outputs from
  LiteRT's builtin kernels (what the interpreter runs by default);
* int8 (int16 cell state): the plain LSTM TFLite Micro runs, with different
  cell scales, zero points, clipping and time-major batches; expected outputs
  from TFLite Micro (bit-exact), LiteRT's own recorded for comparison.

The Keras models the converter makes (``tools/make_layer_zoo.py``,
``keras2_*``) cover the same kernels end to end.

Writes ``Tests/TFLiteEngineTests/Fixtures/ops/recurrent/`` (models, inputs,
outputs, manifest.json). Cases are only ever appended (their random draws
depend on the order).

Usage:
    python3 tools/make_op_fixtures_recurrent.py [--only SUBSTRING] [--list]
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402
import make_op_fixtures_layout as layout  # noqa: E402
import make_zoo as zoo  # noqa: E402

import ai_edge_litert.schema_py_generated as S  # noqa: E402

OUT = fl.FIXTURES_ROOT / "ops" / "recurrent"

_TYPES = {np.dtype("float32"): S.TensorType.FLOAT32, np.dtype("int8"): S.TensorType.INT8,
          np.dtype("int16"): S.TensorType.INT16, np.dtype("int32"): S.TensorType.INT32}


@dataclass
class Tensor:
    """One tensor of a single-op model: a graph input (``data`` given, not
    constant), a constant, a variable (state) or the output."""
    name: str
    shape: list[int]
    dtype: np.dtype
    data: np.ndarray | None = None
    kind: str = "const"             # "input", "const", "variable", "output", "intermediate"
    quant: tuple[float, int] | None = None


def _quant(q):
    if q is None:
        return None
    p = S.QuantizationParametersT()
    p.scale = [float(q[0])]
    p.zeroPoint = [int(q[1])]
    return p


def build_model(op: str, version: int, inputs: list[Tensor | None], output: Tensor, options,
                intermediates: list[Tensor] = ()) -> bytes:
    m = S.ModelT()
    m.version = 3
    m.description = "make_op_fixtures_recurrent"
    code = S.OperatorCodeT()
    c = getattr(S.BuiltinOperator, op)
    code.builtinCode = c
    code.deprecatedBuiltinCode = min(c, 127)
    code.version = version
    m.operatorCodes = [code]
    m.buffers = [S.BufferT()]
    sg = S.SubGraphT()
    sg.tensors, sg.inputs = [], []

    def add(t: Tensor) -> int:
        x = S.TensorT()
        x.name = t.name
        x.shape = list(t.shape)
        x.type = _TYPES[np.dtype(t.dtype)]
        x.quantization = _quant(t.quant)
        x.isVariable = t.kind == "variable"
        b = S.BufferT()
        if t.kind == "const":
            b.data = list(np.ascontiguousarray(t.data, dtype=np.dtype(t.dtype).newbyteorder("<")).tobytes())
        m.buffers.append(b)
        x.buffer = len(m.buffers) - 1
        sg.tensors.append(x)
        index = len(sg.tensors) - 1
        if t.kind == "input":
            sg.inputs.append(index)
        return index

    op_inputs = [-1 if t is None else add(t) for t in inputs]
    out = add(output)
    sg.outputs = [out]
    o = S.OperatorT()
    o.opcodeIndex = 0
    o.inputs = op_inputs
    o.outputs = [out]
    o.builtinOptionsType = getattr(S.BuiltinOptions, type(options).__name__[:-1])
    o.builtinOptions = options
    if intermediates:
        o.intermediates = [add(t) for t in intermediates]
    sg.operators = [o]
    sg.name = "main"
    m.subgraphs = [sg]
    return fl.pack_model(m)


BASE_SEED = 20261130


@dataclass
class LSTMCase:
    name: str
    batches: int = 2
    steps: int = 5
    features: int = 6
    cells: int = 7
    outputs: int | None = None           # projection size (None: cells, no projection)
    time_major: bool = False
    cifg: bool = False
    peephole: bool = False
    layer_norm: bool = False
    projection_bias: bool = True
    cell_clip: float = 0.0
    proj_clip: float = 0.0
    activation: int = 4                  # ActivationFunctionType: TANH
    twenty_inputs: bool = False
    kind: str = "float32"                # "float32", "hybrid", "int8"
    asymmetric: bool = True              # hybrid: asymmetric_quantize_inputs
    # int8 quantization
    input_q: tuple[float, int] = (1 / 100, 4)
    hidden_q: tuple[float, int] = (1 / 120, -6)
    cell_scale: float = 2.0 ** -11
    extra: dict = field(default_factory=dict)


def _symmetric_int8(w: np.ndarray) -> tuple[np.ndarray, float]:
    scale = float(np.max(np.abs(w))) / 127 or 1.0
    return np.clip(np.round(w / scale), -127, 127).astype(np.int8), scale


def lstm_model(c: LSTMCase) -> tuple[bytes, list[np.ndarray]]:
    """The model and its input for one case."""
    B, T, I, C = c.batches, c.steps, c.features, c.cells
    O = c.outputs or C
    rng = np.random.default_rng(fl.name_seed(BASE_SEED, c.name))
    f32 = np.float32
    gates = ("input", "forget", "cell", "output")
    wx = {g: rng.normal(0, 1 / np.sqrt(I), (C, I)).astype(f32) for g in gates}
    wh = {g: rng.normal(0, 1 / np.sqrt(O), (C, O)).astype(f32) for g in gates}
    bias = {g: rng.normal(0, 0.4, C).astype(f32) for g in gates}
    bias["forget"] += 1
    peep = {g: rng.normal(0, 0.3, C).astype(f32) for g in ("input", "forget", "output")}
    ln = {g: rng.uniform(0.5, 1.5, C).astype(f32) for g in gates}
    wp = rng.normal(0, 1 / np.sqrt(C), (O, C)).astype(f32)
    bp = rng.normal(0, 0.1, O).astype(f32)
    x = rng.uniform(-1, 1, (T, B, I) if c.time_major else (B, T, I)).astype(f32)

    inputs: list[Tensor | None] = [None] * (20 if c.twenty_inputs else 24)
    intermediates: list[Tensor] = []
    if c.kind == "int8":
        xs, xz = c.input_q
        hs, hz = c.hidden_q
        xq = np.clip(np.round(x / xs) + xz, -128, 127).astype(np.int8)
        inputs[0] = Tensor("input", list(x.shape), np.int8, xq, "input", c.input_q)
        for k, g in enumerate(gates):
            for base, w, act_scale in ((1, wx[g], xs), (5, wh[g], hs)):
                q, s = _symmetric_int8(w)
                inputs[base + k] = Tensor(f"{g}_{'input' if base == 1 else 'recurrent'}_weights", list(q.shape), np.int8, q, quant=(s, 0))
                if base == 1:
                    bq = np.round(bias[g] / (act_scale * s)).astype(np.int32)
                    inputs[12 + k] = Tensor(f"{g}_bias", [C], np.int32, bq, quant=(act_scale * s, 0))
        inputs[18] = Tensor("output_state", [B, O], np.int8, kind="variable", quant=c.hidden_q)
        inputs[19] = Tensor("cell_state", [B, C], np.int16, kind="variable", quant=(c.cell_scale, 0))
        out = Tensor("output", list(x.shape[:2]) + [O], np.int8, kind="output", quant=c.hidden_q)
        # LiteRT's integer kernel needs the converter's five intermediates
        # (the fifth: the hidden state's quantization); Micro ignores them.
        intermediates = [Tensor(f"{g}_intermediate", [0], np.float32, kind="intermediate") for g in gates]
        intermediates.append(Tensor("hidden_intermediate", [0], np.int8, kind="intermediate", quant=c.hidden_q))
        version = 1
    else:
        inputs[0] = Tensor("input", list(x.shape), np.float32, x, "input")
        weight = (lambda n, w: Tensor(n, list(w.shape), np.float32, w)) if c.kind == "float32" else \
            (lambda n, w: (lambda q, s: Tensor(n, list(w.shape), np.int8, q, quant=(s, 0)))(*_symmetric_int8(w)))
        for k, g in enumerate(gates):
            if c.cifg and g == "input":
                continue
            inputs[1 + k] = weight(f"{g}_input_weights", wx[g])
            inputs[5 + k] = weight(f"{g}_recurrent_weights", wh[g])
            inputs[12 + k] = Tensor(f"{g}_bias", [C], np.float32, bias[g])
            if c.layer_norm:
                inputs[20 + k] = Tensor(f"{g}_layer_norm", [C], np.float32, ln[g])
        if c.peephole:
            for k, g in ((9, "input"), (10, "forget"), (11, "output")):
                if not (c.cifg and g == "input"):
                    inputs[k] = weight(f"{g}_peephole", peep[g])
        if c.outputs is not None:
            inputs[16] = weight("projection_weights", wp)
            if c.projection_bias:
                inputs[17] = Tensor("projection_bias", [O], np.float32, bp)
        inputs[18] = Tensor("output_state", [B, O], np.float32, kind="variable")
        inputs[19] = Tensor("cell_state", [B, C], np.float32, kind="variable")
        out = Tensor("output", list(x.shape[:2]) + [O], np.float32, kind="output")
        version = 1 if c.kind == "float32" else (3 if c.asymmetric else 2)
        xq = x
    options = S.UnidirectionalSequenceLSTMOptionsT()
    options.fusedActivationFunction = c.activation
    options.cellClip = c.cell_clip
    options.projClip = c.proj_clip
    options.timeMajor = c.time_major
    options.asymmetricQuantizeInputs = c.kind == "hybrid" and c.asymmetric
    return build_model("UNIDIRECTIONAL_SEQUENCE_LSTM", version, inputs, out, options, intermediates), [xq]


def lstm_cases() -> list[LSTMCase]:
    cs = []
    for kind in ("float32", "hybrid"):
        k = kind
        cs += [
            LSTMCase(f"lstm_{k}_plain"),
            LSTMCase(f"lstm_{k}_twenty_inputs", twenty_inputs=True),
            LSTMCase(f"lstm_{k}_time_major", time_major=True, batches=3),
            LSTMCase(f"lstm_{k}_cifg", cifg=True),
            LSTMCase(f"lstm_{k}_peephole", peephole=True),
            LSTMCase(f"lstm_{k}_cifg_peephole", cifg=True, peephole=True),
            LSTMCase(f"lstm_{k}_layer_norm", layer_norm=True),
            LSTMCase(f"lstm_{k}_layer_norm_cifg_peephole", layer_norm=True, cifg=True, peephole=True),
            LSTMCase(f"lstm_{k}_projection", outputs=4, proj_clip=0.3),
            LSTMCase(f"lstm_{k}_projection_no_bias_time_major", outputs=9, projection_bias=False, time_major=True, batches=2),
            LSTMCase(f"lstm_{k}_cell_clip", cell_clip=0.4),
            LSTMCase(f"lstm_{k}_everything", outputs=5, peephole=True, layer_norm=True, cell_clip=0.8, proj_clip=0.6,
                     batches=3, steps=4, features=11, cells=13),
            LSTMCase(f"lstm_{k}_relu", activation=1),
            LSTMCase(f"lstm_{k}_relu6", activation=3),
            LSTMCase(f"lstm_{k}_relu_n1_to_1", activation=2),
            LSTMCase(f"lstm_{k}_wide", batches=1, steps=3, features=37, cells=19),
        ]
    cs += [
        LSTMCase("lstm_hybrid_symmetric", asymmetric=False),
        LSTMCase("lstm_hybrid_symmetric_projection_peephole", asymmetric=False, outputs=4, peephole=True),
        LSTMCase("lstm_int8_plain", kind="int8"),
        LSTMCase("lstm_int8_time_major", kind="int8", time_major=True, batches=3),
        LSTMCase("lstm_int8_cell_scale_2e-15", kind="int8", cell_scale=2.0 ** -15, hidden_q=(1 / 128, 0)),
        LSTMCase("lstm_int8_cell_clip", kind="int8", cell_clip=0.5, input_q=(1 / 90, -20)),
        LSTMCase("lstm_int8_long", kind="int8", batches=1, steps=100, features=24, cells=32, hidden_q=(1 / 127, 1)),
    ]
    return cs


# Cases whose output after a second invoke (same input, the state carried
# over) is stored too: ``<name>.invoke2.output0.npy``, listed under
# ``second_invoke_outputs`` (RecurrentTests checks state persistence and reset).
SECOND_INVOKE = {"lstm_float32_plain", "lstm_float32_time_major", "lstm_hybrid_plain", "lstm_int8_plain", "lstm_int8_time_major"}


def second_invoke(model: bytes, inputs, kind: str) -> np.ndarray:
    """The output of the second of two invokes of one interpreter."""
    if kind == "int8":
        from tflite_micro.python.tflite_micro import runtime

        interp = runtime.Interpreter.from_bytes(bytes(model), arena_size=8 << 20)
        for _ in range(2):
            interp.set_input(inputs[0], 0)
            interp.invoke()
        return np.array(interp.get_output(0))
    interp = fl._litert_interpreter(model, "builtin")
    d, o = interp.get_input_details()[0], interp.get_output_details()[0]
    for _ in range(2):
        interp.set_tensor(d["index"], inputs[0])
        interp.invoke()
    return np.array(interp.get_tensor(o["index"]))


def make_lstm(c: LSTMCase) -> None:
    model, inputs = lstm_model(c)
    if c.kind == "int8":
        outs = fl.run_micro(model, inputs)
        reference = "tflite-micro"
        ok, litert = zoo._run_isolated(model, inputs, "reference")
        if ok:
            diff = int(np.max(np.abs(litert[0].astype(int) - outs[0].astype(int))))
            print(f"   LiteRT reference kernels vs Micro: max {diff} LSB")
        else:
            print(f"   LiteRT reference kernels: {litert}")
    else:
        outs = fl.run_litert(model, inputs, kernels="builtin")
        reference = "litert-builtin"
    if not np.all(np.isfinite(outs[0].astype(np.float64))) or np.ptp(outs[0].astype(np.float64)) == 0:
        raise AssertionError(f"{c.name}: degenerate outputs")
    entry = fl.save_fixture(OUT, c.name, "UNIDIRECTIONAL_SEQUENCE_LSTM", model, inputs, outs, reference=reference)
    if c.name in SECOND_INVOKE:
        again = second_invoke(model, inputs, c.kind)
        if np.array_equal(again, outs[0]):
            raise AssertionError(f"{c.name}: the second invoke repeats the first (no state carried over)")
        fn = f"{c.name}.invoke2.output0.npy"
        fl.save_npy(OUT / fn, again)
        entry["second_invoke_outputs"] = [fn]
    if c.kind == "hybrid":
        # LiteRT's builtin hybrid arithmetic is reproduced exactly; allow float
        # rounding of the dot products only.
        entry["tolerance"] = 1e-4
    fl.upsert_manifest_entry(OUT, entry)


@dataclass
class RNNCase:
    name: str
    batches: int = 2
    steps: int = 6
    features: int = 5
    units: int = 9
    time_major: bool = False
    activation: int = 4                  # ActivationFunctionType: TANH
    hybrid: bool = False
    asymmetric: bool = True


def rnn_model(c: RNNCase) -> tuple[bytes, list[np.ndarray]]:
    rng = np.random.default_rng(fl.name_seed(BASE_SEED, c.name))
    B, T, I, U = c.batches, c.steps, c.features, c.units
    w = rng.normal(0, 1 / np.sqrt(I), (U, I)).astype(np.float32)
    r = rng.normal(0, 0.9 / np.sqrt(U), (U, U)).astype(np.float32)
    b = rng.normal(0, 0.3, U).astype(np.float32)
    x = rng.uniform(-1, 1, (T, B, I) if c.time_major else (B, T, I)).astype(np.float32)
    if c.hybrid:
        (wq, ws), (rq, rs) = _symmetric_int8(w), _symmetric_int8(r)
        weights = [Tensor("input_weights", [U, I], np.int8, wq, quant=(ws, 0)), Tensor("recurrent_weights", [U, U], np.int8, rq, quant=(rs, 0))]
    else:
        weights = [Tensor("input_weights", [U, I], np.float32, w), Tensor("recurrent_weights", [U, U], np.float32, r)]
    inputs = [Tensor("input", list(x.shape), np.float32, x, "input"), *weights, Tensor("bias", [U], np.float32, b),
              Tensor("hidden_state", [B, U], np.float32, kind="variable")]
    options = S.SequenceRNNOptionsT()
    options.timeMajor = c.time_major
    options.fusedActivationFunction = c.activation
    options.asymmetricQuantizeInputs = c.hybrid and c.asymmetric
    out = Tensor("output", list(x.shape[:2]) + [U], np.float32, kind="output")
    version = 1 if not c.hybrid else (3 if c.asymmetric else 2)
    return build_model("UNIDIRECTIONAL_SEQUENCE_RNN", version, inputs, out, options), [x]


def rnn_cases() -> list[RNNCase]:
    return [
        RNNCase("rnn_float32_tanh"),
        RNNCase("rnn_float32_relu", activation=1),
        RNNCase("rnn_float32_relu6_time_major", activation=3, time_major=True, batches=3),
        RNNCase("rnn_float32_relu_n1_to_1", activation=2),
        RNNCase("rnn_float32_no_activation", activation=0, steps=3),
        RNNCase("rnn_float32_wide", batches=1, features=21, units=17),
        RNNCase("rnn_hybrid_tanh", hybrid=True),
        RNNCase("rnn_hybrid_symmetric_relu", hybrid=True, asymmetric=False, activation=1),
        RNNCase("rnn_hybrid_time_major", hybrid=True, time_major=True, batches=3),
    ]


def make_rnn(c: RNNCase) -> None:
    model, inputs = rnn_model(c)
    outs = fl.run_litert(model, inputs, kernels="builtin")
    if not np.all(np.isfinite(outs[0])) or np.ptp(outs[0]) == 0:
        raise AssertionError(f"{c.name}: degenerate outputs")
    entry = fl.save_fixture(OUT, c.name, "UNIDIRECTIONAL_SEQUENCE_RNN", model, inputs, outs)
    if c.hybrid:
        entry["tolerance"] = 1e-4
    if c.name == "rnn_float32_tanh":
        fn = f"{c.name}.invoke2.output0.npy"
        fl.save_npy(OUT / fn, second_invoke(model, inputs, "float32"))
        entry["second_invoke_outputs"] = [fn]
    fl.upsert_manifest_entry(OUT, entry)


def reverse_cases() -> list:
    Case, In = layout.Case, layout.In
    f32, i8 = layout.f32, layout.i8
    axis = lambda *a: In(np.asarray(a, np.int32), True)  # noqa: E731
    q = (0.05, 3)
    return [
        Case("reverse_v2_sequence_axis1", "REVERSE_V2", [In(f32(2, 7, 5)), axis(1)], layout.opts("ReverseV2Options"), version=3),
        Case("reverse_v2_negative_axis", "REVERSE_V2", [In(f32(3, 4, 6)), axis(-1)], layout.opts("ReverseV2Options"), version=3),
        Case("reverse_v2_two_axes", "REVERSE_V2", [In(f32(2, 3, 4, 5)), axis(2, 1)], layout.opts("ReverseV2Options"), version=3),
        Case("reverse_v2_int8_axis0", "REVERSE_V2", [In(i8(5, 3), quant=q), axis(0)], layout.opts("ReverseV2Options"),
             out_types=[np.dtype("int8")], out_quant=q, version=3),
        Case("reverse_v2_int16", "REVERSE_V2", [In(layout.RNG.integers(-30000, 30000, (4, 6)).astype(np.int16), quant=(0.01, 0)), axis(1)],
             layout.opts("ReverseV2Options"), out_types=[np.dtype("int16")], out_quant=(0.01, 0), version=3),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="")
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    lstm = lstm_cases()
    reverse = reverse_cases()
    if args.list:
        for c in lstm + reverse + rnn_cases():
            print(c.name)
        return 0
    for c in lstm:
        if args.only and args.only not in c.name:
            continue
        print(c.name, flush=True)
        make_lstm(c)
    for c in reverse:
        if args.only and args.only not in c.name:
            continue
        print(c.name, flush=True)
        layout.make_valid(c, OUT)
    for c in rnn_cases():
        if args.only and args.only not in c.name:
            continue
        print(c.name, flush=True)
        make_rnn(c)
    print("size:", fl.dir_size(OUT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
