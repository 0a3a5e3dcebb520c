#!/usr/bin/env python3
"""Fills in `arena_bytes` of every entry of weights/models.json that is still
null with the Swift engine's arena size (`infer --inspect MODEL --json`,
totals.arena_bytes = Interpreter.arenaByteCount after allocateTensors, 1 thread).

    swift build -c release && python3 tools/set_arena_bytes.py [--force]
"""
import argparse
import json
import os
import subprocess

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--infer", default=os.path.join(ROOT, ".build", "release", "infer"))
    ap.add_argument("--catalog", default=os.path.join(ROOT, "weights", "models.json"))
    ap.add_argument("--force", action="store_true", help="recompute entries that already have a value")
    args = ap.parse_args()
    with open(args.catalog) as f:
        catalog = json.load(f)
    directory = os.path.dirname(args.catalog)
    for entry in catalog["models"]:
        if entry.get("arena_bytes") is not None and not args.force:
            continue
        out = subprocess.run([args.infer, "--inspect", os.path.join(directory, entry["file"]), "--json"],
                             check=True, capture_output=True, text=True).stdout
        entry["arena_bytes"] = json.loads(out)["totals"]["arena_bytes"]
        print(f"{entry['name']}: arena_bytes {entry['arena_bytes']}")
    catalog["note"] = catalog["note"].replace(
        "arena_bytes is null until the Swift engine computes it (ModelCatalog.withArenaSizes).",
        "arena_bytes: the Swift engine's arena after allocateTensors, 1 thread (tools/set_arena_bytes.py; "
        "ModelCatalog.withArenaSizes fills in any that are null).")
    with open(args.catalog, "w") as f:
        json.dump(catalog, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
