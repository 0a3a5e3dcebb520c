#!/usr/bin/env python3
"""Check `infer --inspect --json` against tflite-support on published models.

Downloads the mediapipe==0.10.14 wheel (pip download --no-deps, into a
git-ignored folder), unpacks its .tflite files, and for each one that carries
TFLITE_METADATA compares what our engine reads with tflite-support's
MetadataDisplayer (run in the .venv-support environment, see
tools/make_metadata_fixtures.py for how to create it):

- the metadata, as MetadataDisplayer.get_metadata_json() (scalars equal to the
  schema default may be absent on either side; floats to the 6 significant digits MetadataDisplayer prints);
- the packed associated files: names in archive order, and each file's size
  and CRC-32, extracted without error.

Models without metadata must be reported as such by both. Prints one line per
model and exits non-zero if any differs.

Usage: python3 tools/check_mediapipe_metadata.py [--infer .build/debug/infer]
           [--dir .models/mediapipe] [--venv .venv-support]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

DISPLAYER = r"""
import json, sys, zlib
from tensorflow_lite_support.metadata.python import metadata as md
result = {}
for path in sys.argv[1:]:
    try:
        d = md.MetadataDisplayer.with_model_file(path)
    except ValueError as e:
        result[path] = {"metadata": None, "error": str(e)}
        continue
    files = []
    for name in d.get_packed_associated_file_list():
        data = d.get_associated_file_buffer(name)
        files.append({"name": name, "bytes": len(data), "crc32": zlib.crc32(data)})
    result[path] = {"metadata": json.loads(d.get_metadata_json()), "files": files}
print(json.dumps(result))
"""

DEFAULTS = {"UNKNOWN", "IDENTITY", "RATIO"}


def is_default(v) -> bool:
    return v is None or v == [] or v in DEFAULTS or (isinstance(v, (int, float)) and not isinstance(v, bool) and v == 0)


def compare(actual, expected, path: str, out: list[str]) -> None:
    if isinstance(actual, dict) and isinstance(expected, dict):
        for key in sorted(set(actual) | set(expected)):
            if (key not in actual and is_default(expected.get(key))) or (key not in expected and is_default(actual.get(key))):
                continue
            compare(actual.get(key), expected.get(key), f"{path}.{key}", out)
    elif isinstance(actual, list) and isinstance(expected, list):
        if len(actual) != len(expected):
            out.append(f"{path}: {len(actual)} elements, expected {len(expected)}")
            return
        for i, (a, e) in enumerate(zip(actual, expected)):
            compare(a, e, f"{path}[{i}]", out)
    elif isinstance(actual, (int, float)) and isinstance(expected, (int, float)):
        # MetadataDisplayer prints floats with 6 significant digits.
        if abs(actual - expected) > 5e-6 * max(abs(expected), 1e-30):
            out.append(f"{path}: {actual}, expected {expected}")
    elif actual != expected:
        out.append(f"{path}: {actual!r}, expected {expected!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--infer", default=str(REPO / ".build" / "debug" / "infer"), help="the infer executable")
    parser.add_argument("--dir", default=str(REPO / ".models" / "mediapipe"), help="download and unpack folder (git-ignored)")
    parser.add_argument("--venv", default=str(REPO / ".venv-support"), help="tflite-support environment")
    args = parser.parse_args()

    folder = Path(args.dir)
    wheels = sorted(folder.glob("mediapipe-0.10.14-*.whl"))
    if not wheels:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "mediapipe==0.10.14", "-d", str(folder)], check=True)
        wheels = sorted(folder.glob("mediapipe-0.10.14-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel:
        names = [n for n in wheel.namelist() if n.endswith(".tflite")]
        wheel.extractall(folder / "unpacked", names)
    models = sorted(str(folder / "unpacked" / n) for n in names)

    expected = json.loads(subprocess.run([str(Path(args.venv) / "bin" / "python"), "-c", DISPLAYER, *models],
                                         check=True, capture_output=True, text=True).stdout)
    failed = 0
    with_metadata = 0
    for path in models:
        name = Path(path).name
        run = subprocess.run([args.infer, "--inspect", "--json", path], capture_output=True, text=True)
        if run.returncode != 0:
            print(f"FAIL {name}: infer --inspect exited {run.returncode}: {run.stderr.strip()}")
            failed += 1
            continue
        ours = json.loads(run.stdout)
        want = expected[path]
        problems: list[str] = []
        if ours.get("metadata_error") or ours.get("associated_files_error"):
            problems.append(f"error: {ours.get('metadata_error') or ours.get('associated_files_error')}")
        if want["metadata"] is None:
            if ours.get("metadata") is not None:
                problems.append("metadata found where tflite-support finds none")
        else:
            with_metadata += 1
            compare(ours.get("metadata"), want["metadata"], "metadata", problems)
            files = [{"name": f["name"], "bytes": f["bytes"], "crc32": f["crc32"]} for f in ours.get("associated_files", [])]
            if files != want["files"]:
                problems.append(f"associated files {files}, expected {want['files']}")
            problems += [f"{f['name']}: {f['error']}" for f in ours.get("associated_files", []) if f.get("error")]
        if problems:
            failed += 1
            print(f"FAIL {name}: " + "; ".join(problems[:5]))
        else:
            described = f"metadata '{want['metadata'].get('name')}', files {[f['name'] for f in want['files']]}" if want["metadata"] else "no metadata"
            print(f"ok   {name}: {described}")
    print(f"{len(models) - failed} passed, {failed} failed ({with_metadata} models with metadata)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
