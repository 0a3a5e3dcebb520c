#!/usr/bin/env bash
# Build the DocC documentation of the three libraries with the toolchain's own
# tools (no SwiftPM plugin, no package dependency):
#
#   1. swift build of the library targets (debug);
#   2. swift-symbolgraph-extract per module (public and open symbols only);
#   3. a count of public symbols without a doc comment of their own;
#   4. docc convert of Sources/<Target>/<Target>.docc per library, with that
#      module's symbol graphs, into .build/docs/<Target>.doccarchive.
#
# Prints docc's warnings and the undocumented-symbol count. Exits non-zero when
# docc reports any warning (or error), or, with --strict, when a public symbol
# is undocumented.
#
# Usage: tools/build_docs.sh [--skip-build] [--strict] [--count-only] [TARGET ...]
#   --skip-build   use the modules of the last `swift build` as they are
#   --strict       also fail when a public symbol lacks a doc comment
#   --count-only   extract symbol graphs and count; do not run docc
#   TARGET         TFLiteEngine, InputFormats, ModelSelection (default: all three)
#
# Preview an archive: docc preview Sources/TFLiteEngine/TFLiteEngine.docc \
#   --additional-symbol-graph-dir .build/docs/symbol-graphs/TFLiteEngine
# Counting needs python3 (as the other tools/ scripts do).
set -euo pipefail

cd "$(dirname "$0")/.."

skip_build=0
strict=0
count_only=0
targets=()
for argument in "$@"; do
    case "$argument" in
        --skip-build) skip_build=1 ;;
        --strict) strict=1 ;;
        --count-only) count_only=1 ;;
        -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        TFLiteEngine|InputFormats|ModelSelection) targets+=("$argument") ;;
        *) echo "build_docs.sh: error: unknown argument '$argument' (expected --skip-build, --strict, --count-only or a library target)" >&2; exit 2 ;;
    esac
done
if [ ${#targets[@]} -eq 0 ]; then
    targets=(TFLiteEngine InputFormats ModelSelection)
fi

# The toolchain's tools: next to `swift` (Linux, swift.org toolchains), else xcrun (Xcode).
find_tool() {
    local name="$1" swift_path bin
    swift_path="$(command -v swift)" || { echo "build_docs.sh: error: swift is not on PATH" >&2; exit 1; }
    bin="$(dirname "$(readlink -f "$swift_path" 2>/dev/null || echo "$swift_path")")"
    if [ -x "$bin/$name" ]; then
        echo "$bin/$name"
    elif command -v xcrun >/dev/null 2>&1 && xcrun --find "$name" >/dev/null 2>&1; then
        xcrun --find "$name"
    else
        echo "build_docs.sh: error: $name not found next to $swift_path (nor through xcrun)" >&2
        exit 1
    fi
}
symbolgraph_extract="$(find_tool swift-symbolgraph-extract)"
docc="$(find_tool docc)"

if [ "$skip_build" -eq 0 ]; then
    # ModelSelection depends on the other two libraries, so this builds all three.
    for target in "${targets[@]}"; do
        swift build --target "$target"
    done
fi

bin_path="$(swift build --show-bin-path)"
modules_dir="$bin_path/Modules"
[ -d "$modules_dir" ] || modules_dir="$bin_path"
triple="$(swift -print-target-info | sed -n 's/^ *"triple": "\(.*\)",*$/\1/p' | head -n 1)"
sdk_arguments=()
if command -v xcrun >/dev/null 2>&1; then
    sdk_arguments=(-sdk "$(xcrun --show-sdk-path)")
fi

docs_dir=".build/docs"
graphs_root="$docs_dir/symbol-graphs"
mkdir -p "$graphs_root"

for target in "${targets[@]}"; do
    rm -rf "${graphs_root:?}/$target"
    mkdir -p "$graphs_root/$target"
    "$symbolgraph_extract" \
        -module-name "$target" \
        -target "$triple" \
        "${sdk_arguments[@]}" \
        -I "$modules_dir" \
        -minimum-access-level public \
        -skip-synthesized-members \
        -emit-extension-block-symbols \
        -output-dir "$graphs_root/$target"
done

# Public symbols without a doc comment of their own. A symbol that only inherits
# the comment of a protocol requirement from another module (description, init(from:)…)
# counts as undocumented; so does every public symbol of an extension.
undocumented_report="$docs_dir/undocumented.txt"
python3 - "$graphs_root" "$undocumented_report" "${targets[@]}" <<'PY'
import json, pathlib, sys
root, report, targets = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3:]
lines, total, missing_total = [], 0, 0
for target in targets:
    count, implicit, missing = 0, 0, []
    for graph in sorted((root / target).glob("*.symbols.json")):
        data = json.loads(graph.read_text())
        for symbol in data.get("symbols", []):
            if symbol.get("accessLevel") not in ("public", "open"):
                continue
            if symbol["kind"]["identifier"] == "swift.extension":
                continue  # an extension block has no comment of its own in Swift
            if "location" not in symbol:
                implicit += 1  # compiler-made (an enum's init(rawValue:)): no source to comment
                continue
            count += 1
            comment = symbol.get("docComment")
            own = comment is not None and comment.get("module", target) == target and any(
                line.get("text", "").strip() for line in comment.get("lines", []))
            if not own:
                location = symbol["location"]
                uri = location.get("uri", "")
                where = uri.split("/Sources/", 1)[-1] if "/Sources/" in uri else uri
                line = location.get("position", {}).get("line", -1) + 1
                missing.append(f"{target}: {'.'.join(symbol['pathComponents'])} ({symbol['kind']['displayName']}) Sources/{where}:{line}")
    print(f"{target}: {count} public symbols, {len(missing)} without a doc comment"
          f" (not counted: {implicit} made by the compiler, with no source to comment)")
    lines += missing
    total += count
    missing_total += len(missing)
report.write_text("".join(l + "\n" for l in lines))
print(f"undocumented public symbols: {missing_total} of {total}" + (f" (listed in {report})" if missing_total else ""))
PY
undocumented="$(wc -l < "$undocumented_report" | tr -d ' ')"

if [ "$count_only" -eq 1 ]; then
    [ "$strict" -eq 1 ] && [ "$undocumented" -ne 0 ] && exit 1
    exit 0
fi

warnings_total=0
for target in "${targets[@]}"; do
    catalogue="Sources/$target/$target.docc"
    archive="$docs_dir/$target.doccarchive"
    log="$docs_dir/$target.docc.log"
    if [ ! -d "$catalogue" ]; then
        echo "build_docs.sh: error: no catalogue $catalogue" >&2
        exit 1
    fi
    rm -rf "$archive"
    status=0
    "$docc" convert "$catalogue" \
        --additional-symbol-graph-dir "$graphs_root/$target" \
        --output-path "$archive" \
        --fallback-display-name "$target" \
        --fallback-bundle-identifier "org.tfliteengine.$target" \
        --transform-for-static-hosting \
        --hosting-base-path "$target" \
        --diagnostic-level warning > "$log" 2>&1 || status=$?
    # docc's diagnostics start with `warning:` or `error:` (or `FILE:LINE:COL: warning:`).
    warnings="$(grep -cE '^(warning|error): |: (warning|error): ' "$log" || true)"
    grep -E '^(warning|error): |: (warning|error): ' -A 4 "$log" || true
    if [ "$status" -ne 0 ]; then
        echo "build_docs.sh: docc convert failed for $target (exit $status); log: $log" >&2
        tail -n 20 "$log" >&2
        warnings=$((warnings + 1))
    fi
    echo "$target: $archive, $warnings docc warnings"
    warnings_total=$((warnings_total + warnings))
done

echo "docc warnings: $warnings_total; undocumented public symbols: $undocumented"
if [ "$warnings_total" -ne 0 ]; then
    exit 1
fi
if [ "$strict" -eq 1 ] && [ "$undocumented" -ne 0 ]; then
    exit 1
fi
