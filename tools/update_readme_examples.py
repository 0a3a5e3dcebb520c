#!/usr/bin/env python3
"""Replace the sample outputs in README.md (or other Markdown files) with real runs.

Each example is a marked block whose code fence starts with the command:

    <!-- example:NAME:begin -->
    ```
    $ swift run -c release infer weights/mnist_small_cnn.tflite images/digit_7.pgm --top-k 3
    (output, replaced)
    ```
    <!-- example:NAME:end -->

The command after `$ swift run [-c CONFIG]` is run with the already built
executable (`.build/<config>/<tool>`, config from the command, default debug;
`--bin-dir` overrides) in the repository root, and the block is rewritten
with its standard output and standard error (merged, in that order), exactly
as printed. The build-flavour note is silenced (TFLITEENGINE_NO_FLAVOUR_NOTE).

    swift build -c release --product infer
    python3 tools/update_readme_examples.py [--bin-dir DIR] [--check] [FILE ...]

--check reports blocks whose text would change (timings always do; use it to
see that every block still runs) and exits 1 if a command fails.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BLOCK = re.compile(
    r"(?P<head><!-- example:(?P<name>[A-Za-z0-9_.-]+):begin -->\n```[a-z]*\n)"
    r"(?P<body>.*?)"
    r"(?P<tail>```\n<!-- example:(?P=name):end -->)",
    re.S,
)
COMMAND = re.compile(r"^\$ swift run(?: -c (?P<config>\w+))? (?P<tool>[\w-]+)(?P<args>.*)$")


def run_example(name: str, command_line: str, bin_dir: str | None) -> str:
    match = COMMAND.match(command_line)
    if not match:
        raise SystemExit(f"example '{name}': the first line must be '$ swift run [-c CONFIG] TOOL ARGS', got: {command_line}")
    config = match.group("config") or "debug"
    tool = match.group("tool")
    executable = Path(bin_dir or REPO / ".build" / config) / tool
    if not executable.exists():
        raise SystemExit(f"example '{name}': {executable} is not built (swift build -c {config} --product {tool})")
    env = dict(os.environ, TFLITEENGINE_NO_FLAVOUR_NOTE="1")
    result = subprocess.run([str(executable)] + shlex.split(match.group("args")), cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    return result.stdout + result.stderr


def update(path: Path, bin_dir: str | None, check: bool) -> int:
    text = path.read_text()
    changed = 0

    def replace(m: re.Match) -> str:
        nonlocal changed
        lines = m.group("body").splitlines()
        if not lines:
            raise SystemExit(f"{path}: example '{m.group('name')}' has no command line")
        output = run_example(m.group("name"), lines[0], bin_dir)
        body = lines[0] + "\n" + output + ("" if output.endswith("\n") or not output else "\n")
        if body != m.group("body"):
            changed += 1
            print(f"{path.relative_to(REPO)}: example '{m.group('name')}' {'differs' if check else 'updated'}")
        return m.group("head") + body + m.group("tail")

    new = BLOCK.sub(replace, text)
    if not check and new != text:
        path.write_text(new)
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", default=["README.md"], help="Markdown files, relative to the repository (default README.md)")
    parser.add_argument("--bin-dir", help="directory of the built tools (default .build/<config of the command>)")
    parser.add_argument("--check", action="store_true", help="only report blocks that would change")
    args = parser.parse_args()
    total = sum(update(REPO / f, args.bin_dir, args.check) for f in args.files)
    print(f"{total} example(s) {'would change' if args.check else 'updated'}")


if __name__ == "__main__":
    main()
