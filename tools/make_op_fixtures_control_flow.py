#!/usr/bin/env python3
"""Generate fixtures for the control-flow operators WHILE and IF.

Writes ``Tests/TFLiteEngineTests/Fixtures/ops/control_flow/`` (one test case
per op in ``OperatorFixtureTests``; float outputs within 1e-4, integer and
bool outputs exact). Each model is a ``tf.function`` with ``tf.while_loop`` /
``tf.cond`` converted by TensorFlow's converter (``fixturelib.convert_concrete``),
checked to hold the intended op in its main subgraph and to call other
subgraphs; expected outputs come from LiteRT's builtin kernels.

Cases: a loop run a given number of times (and zero times), a loop body with
constant and shape-only subexpressions patched in (folded at prepare), nested loops, a
loop writing a TensorArray (the converter lowers TensorListSetItem to SLICEs
with a run-time begin and size feeding a CONCATENATION), a loop whose body
holds an IF, IF on each branch with two outputs, and IF on a condition
computed in the graph.

Usage:
    python3 tools/make_op_fixtures_control_flow.py           # everything (~1 min)
    python3 tools/make_op_fixtures_control_flow.py --clean   # wipe ops/control_flow first
    python3 tools/make_op_fixtures_control_flow.py --only while --list

Output is deterministic (per-fixture seeds) for a full run; tf.cond branch
subgraph names carry a counter of the functions traced before, so an --only run
may name them differently.
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402

fl.quiet_tf()

OUT = fl.FIXTURES_ROOT / "ops" / "control_flow"
SEED = 2718


def _tf():
    import tensorflow as tf

    return tf


@dataclass
class Case:
    name: str
    op: str                                     # WHILE or IF: must be in the main subgraph
    fn: Callable                                # the tf.function body
    specs: Callable[[], list]                   # tf.TensorSpec list (built lazily)
    inputs: Callable[[np.random.Generator], list[np.ndarray]]
    patch: Callable[[bytes], bytes] | None = None   # edits the converted model


def spec(shape, dtype, name):
    tf = _tf()
    return tf.TensorSpec(shape, getattr(tf, dtype), name=name)


# ------------------------------------------------------------------ functions

def loop_tanh(x, n):
    """acc ← 0.5·acc + tanh(acc), n times (n from an input)."""
    tf = _tf()

    def cond(i, acc):
        return i < n

    def body(i, acc):
        return i + 1, acc * 0.5 + tf.tanh(acc)

    _, acc = tf.while_loop(cond, body, [tf.constant(0), x])
    return acc


def loop_nested(x, n):
    """An inner loop of i iterations inside an outer loop of n."""
    tf = _tf()

    def outer_body(i, acc):
        def inner_body(j, a):
            return j + 1, a * 0.9 + tf.sin(a + tf.cast(j, tf.float32))

        _, acc = tf.while_loop(lambda j, a: j < i, inner_body, [tf.constant(0), acc])
        return i + 1, acc

    i, acc = tf.while_loop(lambda i, acc: i < n, outer_body, [tf.constant(0), x])
    return acc, i


def loop_tensor_array(x):
    """Writes tanh(x·(t + 1)) into a 6-entry TensorArray and stacks it."""
    tf = _tf()
    ta = tf.TensorArray(tf.float32, size=6, element_shape=x.shape)

    def body(t, ta, acc):
        acc = tf.tanh(x * tf.cast(t + 1, tf.float32)) + 0.25 * acc
        return t + 1, ta.write(t, acc), acc

    _, ta, acc = tf.while_loop(lambda t, ta, acc: t < 6, body, [tf.constant(0), ta, tf.zeros_like(x)])
    return ta.stack(), acc


def loop_with_if(x, n):
    """A loop whose body branches on the counter's parity."""
    tf = _tf()

    def body(i, acc):
        acc = tf.cond(i % 2 == 0, lambda: acc * 1.5 - 0.25, lambda: tf.nn.relu(acc) + tf.cos(acc))
        return i + 1, acc

    _, acc = tf.while_loop(lambda i, acc: i < n, body, [tf.constant(0), x])
    return acc


def branch_two_outputs(x, flag):
    tf = _tf()
    return tf.cond(flag, lambda: (x * 2.0 + 1.0, tf.reduce_sum(x, axis=1)),
                   lambda: (tf.nn.relu(x) - 3.0, tf.reduce_max(x, axis=1)))


def branch_computed_condition(x):
    tf = _tf()
    return tf.cond(tf.reduce_sum(x) > 0.0, lambda: tf.exp(x * 0.5), lambda: tf.abs(x) * -1.0)


def add_folded_work_to_body(model_bytes: bytes) -> bytes:
    """In ``loop_tanh``'s body, makes the constant 0.5 a MAXIMUM of itself
    (all-constant: folded at prepare) and passes the new accumulator through
    RESHAPE(acc, SHAPE(acc_in)) (shape-only: folded too), so the fixture checks
    folding inside a called subgraph. The converter folds both away itself."""
    import ai_edge_litert.schema_py_generated as S

    m = fl.parse_model(model_bytes)
    (loop,) = [op for op in m.subgraphs[0].operators if op.builtinOptionsType == S.BuiltinOptions.WhileOptions]
    body = m.subgraphs[loop.builtinOptions.bodySubgraphIndex]

    def opcode(name):
        code = getattr(S.BuiltinOperator, name)
        for i, c in enumerate(m.operatorCodes):
            if max(c.builtinCode, c.deprecatedBuiltinCode) == code:
                return i
        c = S.OperatorCodeT()
        c.builtinCode, c.deprecatedBuiltinCode, c.version = code, min(code, 127), 1
        m.operatorCodes.append(c)
        return len(m.operatorCodes) - 1

    def tensor(name, tensor_type, shape):
        t = S.TensorT()
        t.name, t.type, t.shape = name, tensor_type, shape
        b = S.BufferT()
        m.buffers.append(b)
        t.buffer = len(m.buffers) - 1
        body.tensors.append(t)
        return len(body.tensors) - 1

    def operator(name, inputs, outputs):
        op = S.OperatorT()
        op.opcodeIndex, op.inputs, op.outputs = opcode(name), inputs, outputs
        return op

    (mul,) = [op for op in body.operators if m.operatorCodes[op.opcodeIndex].builtinCode == S.BuiltinOperator.MUL]
    half = next(t for t in mul.inputs if m.buffers[body.tensors[t].buffer].data is not None)
    same_half = tensor(b"half_as_maximum", S.TensorType.FLOAT32, list(body.tensors[half].shape))
    mul.inputs = [same_half if t == half else t for t in mul.inputs]
    accumulator_in = body.inputs[1]
    accumulator_out = body.outputs[1]
    shape = tensor(b"accumulator_shape", S.TensorType.INT32, [len(body.tensors[accumulator_in].shape)])
    reshaped = tensor(b"accumulator_reshaped", S.TensorType.FLOAT32, list(body.tensors[accumulator_in].shape))
    shape_op = operator("SHAPE", [accumulator_in], [shape])
    shape_op.builtinOptionsType = S.BuiltinOptions.ShapeOptions
    shape_op.builtinOptions = S.ShapeOptionsT()
    shape_op.builtinOptions.outType = S.TensorType.INT32
    body.operators = ([operator("MAXIMUM", [half, half], [same_half])] + body.operators
                      + [shape_op, operator("RESHAPE", [accumulator_out, shape], [reshaped])])
    body.outputs = [reshaped if t == accumulator_out else t for t in body.outputs]
    return fl.pack_model(m)


# ---------------------------------------------------------------------- cases

def normal(shape):
    return lambda rng: (rng.standard_normal(shape)).astype(np.float32)


def cases() -> list[Case]:
    x23 = [spec([2, 3], "float32", "x")]
    n = [spec([], "int32", "n")]
    flag = [spec([], "bool", "flag")]
    return [
        Case("while_loop_5_iterations", "WHILE", loop_tanh, lambda: x23 + n,
             lambda rng: [normal([2, 3])(rng), np.array(5, np.int32)]),
        Case("while_loop_0_iterations", "WHILE", loop_tanh, lambda: x23 + n,
             lambda rng: [normal([2, 3])(rng), np.array(0, np.int32)]),
        Case("while_body_folds_constants", "WHILE", loop_tanh, lambda: x23 + n,
             lambda rng: [normal([2, 3])(rng), np.array(3, np.int32)], patch=add_folded_work_to_body),
        Case("while_nested_loops", "WHILE", loop_nested, lambda: x23 + n,
             lambda rng: [normal([2, 3])(rng), np.array(4, np.int32)]),
        Case("while_tensor_array", "WHILE", loop_tensor_array, lambda: x23,
             lambda rng: [normal([2, 3])(rng)]),
        Case("while_body_with_if", "WHILE", loop_with_if, lambda: x23 + n,
             lambda rng: [normal([2, 3])(rng), np.array(5, np.int32)]),
        Case("if_then_branch", "IF", branch_two_outputs, lambda: x23 + flag,
             lambda rng: [normal([2, 3])(rng), np.array(True)]),
        Case("if_else_branch", "IF", branch_two_outputs, lambda: x23 + flag,
             lambda rng: [normal([2, 3])(rng), np.array(False)]),
        Case("if_computed_condition", "IF", branch_computed_condition, lambda: [spec([4], "float32", "x")],
             lambda rng: [normal([4])(rng)]),
    ]


def build(case: Case) -> tuple[bytes, list[np.ndarray], list[np.ndarray]]:
    model = fl.convert_concrete(case.fn, case.specs())
    if case.patch is not None:
        model = case.patch(model)
    ops = fl.op_histogram(model)
    if case.op not in ops:
        raise SystemExit(f"{case.name}: the converter emitted {ops}, no {case.op}")
    if len(fl.parse_model(model).subgraphs) < 2:
        raise SystemExit(f"{case.name}: no subgraphs besides the main one")
    rng = np.random.default_rng(fl.name_seed(SEED, case.name))
    inputs = case.inputs(rng)
    outputs = fl.run_litert(model, inputs, kernels="builtin")
    return model, inputs, outputs


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", default=[])
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args(argv)
    selected = [c for c in cases() if not args.only or any(o in c.name for o in args.only)]
    if args.list:
        for c in selected:
            print(f"{c.op:8s} {c.name}")
        return 0
    if args.clean:
        fl.clean_fixture_dir(OUT)
    t0 = time.time()
    for case in selected:
        model, inputs, outputs = build(case)
        fl.save_fixture(OUT, case.name, case.op, model, inputs, outputs, reference="litert-builtin")
        print(f"{case.op:8s} {case.name:32s} {len(model):6d} B, outputs {[o.shape for o in outputs]}", flush=True)
    print(f"wrote {len(selected)} cases ({fl.dir_size(OUT) / 1024:.0f} KiB) in {time.time() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
