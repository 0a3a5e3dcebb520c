#!/usr/bin/env python3
"""The operator list of every fixture model, read by the flatbuffers schema's
own Python reader (not the engine's), for ModelSummaryTests.

Writes Tests/TFLiteEngineTests/Fixtures/summary/expected_operators.json:
{"<path under Fixtures/, without .tflite>": ["CONV_2D", ...]} for subgraph 0
of every model outside zoo/ that the schema reader can parse (builtin names as
in the schema; custom operators by their custom code). Models it cannot parse
(crafted malformed files) are left out; the test requires those to be models
made to fail.

Usage:
    python3 tools/make_summary_expectations.py [--fixtures DIR]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fixturelib as fl  # noqa: E402


def operators(model_bytes: bytes) -> list[str] | None:
    try:
        model = fl.parse_model(model_bytes)
        names = fl.builtin_op_names()
        sg = model.subgraphs[0]
        result = []
        for op in sg.operators or []:
            code = model.operatorCodes[op.opcodeIndex]
            builtin = max(code.builtinCode, code.deprecatedBuiltinCode)
            if builtin == 32 and code.customCode is not None:  # CUSTOM
                result.append(code.customCode.decode() if isinstance(code.customCode, bytes) else str(code.customCode))
            else:
                result.append(names.get(builtin, f"BUILTIN_{builtin}"))
        return result
    except Exception:  # malformed on purpose
        return None


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fixtures", type=Path, default=fl.FIXTURES_ROOT)
    args = parser.parse_args(argv)
    result = {}
    for path in sorted(args.fixtures.rglob("*.tflite")):
        rel = path.relative_to(args.fixtures).with_suffix("")
        if rel.parts[0] == "zoo":
            continue
        ops = operators(path.read_bytes())
        if ops is not None:
            result[str(rel)] = ops
    out = args.fixtures / "summary" / "expected_operators.json"
    out.write_text(json.dumps(result, indent=0, sort_keys=True) + "\n")
    print(f"{len(result)} models written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
