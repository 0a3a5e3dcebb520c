#!/usr/bin/env python3
"""Dump the TFLite schema (as shipped in ai-edge-litert's generated Python) as a
compact table: enum values and, per table, each field's vtable slot and reader.

Development aid for the Swift FlatBuffers reader; the Swift sources cite the
slots this prints.  Usage: python3 tools/dump_schema.py > schema.txt
"""
import inspect, re
import ai_edge_litert.schema_py_generated as s

field_re = re.compile(r"Offset\((\d+)\)")
get_re = re.compile(r"self\._tab\.(Get|Vector|Indirect|String|Union)\w*\(([^)]*)\)")

for name, cls in sorted(vars(s).items()):
    if not inspect.isclass(cls) or name.endswith("T"):
        continue
    members = {k: v for k, v in vars(cls).items() if not k.startswith("_")}
    if all(isinstance(v, int) for v in members.values()) and members:
        print(f"enum {name}: " + ", ".join(f"{k}={v}" for k, v in sorted(members.items(), key=lambda kv: kv[1])))
        continue
    fields = []
    for k, v in members.items():
        if not callable(v) or k.endswith(("AsNumpy", "Length", "IsNone")) or k in ("Init",) or k.startswith("GetRootAs"):
            continue
        try:
            src = inspect.getsource(v)
        except OSError:
            continue
        m = field_re.search(src)
        if not m:
            continue
        g = get_re.search(src.split("Offset(", 1)[1])
        kind = g.group(0) if g else "?"
        kind = kind.replace("self._tab.", "").replace("flatbuffers.number_types.", "")
        fields.append((int(m.group(1)), k, kind))
    if fields:
        print(f"table {name}: " + "; ".join(f"{o}:{k}[{kind}]" for o, k, kind in sorted(fields)))
