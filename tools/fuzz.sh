#!/usr/bin/env bash
# Build and run a libFuzzer target over the library with AddressSanitizer.
#   tools/fuzz.sh model 600      # fuzz model loading/prepare/invoke for 600 s
#   tools/fuzz.sh formats 300    # fuzz the .npy, PGM and IDX/gzip decoders
#   tools/fuzz.sh metadata 600   # fuzz the TFLite metadata parser and the associated-file zip reader
# The corpus is seeded from the committed fixtures; new inputs and any crash
# (crash-<sha1>) land in .build-fuzz/<target>/. Turn every crash into a
# regression fixture (Tests/TFLiteEngineTests/Fixtures/crafted,
# Tests/TFLiteEngineTests/Fixtures/metadata/crafted or
# Tests/InputFormatsTests/Fixtures/formats).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-model}
seconds=${2:-60}
case "$target" in
  model) harness=Fuzz/FuzzModel.swift; modules="TFLiteEngine"
    seeds=$(find Tests/TFLiteEngineTests/Fixtures -name '*.tflite' -size -64k) ;;
  formats) harness=Fuzz/FuzzFormats.swift; modules="TFLiteEngine InputFormats"
    seeds=$(find Tests images -name '*.npy' -size -16k -o -name '*.pgm' -o -name '*.gz' -size -16k -o -name '*.idx*' -size -16k) ;;
  metadata) harness=Fuzz/FuzzMetadata.swift; modules="TFLiteEngine"
    seeds=$(find Tests/TFLiteEngineTests/Fixtures/metadata -name '*.tflite' -size -80k) ;;
  *) echo "usage: tools/fuzz.sh model|formats|metadata [seconds]" >&2; exit 2 ;;
esac
out=.build-fuzz/$target
mkdir -p "$out/corpus"
for f in $seeds; do cp "$f" "$out/corpus/seed-$(basename "$f")"; done
# libFuzzer wants one executable: the library targets are compiled as one
# module, so their imports of each other are dropped from a copy.
rm -rf "$out/src" && mkdir -p "$out/src"
for m in $modules; do
  find "Sources/$m" -name '*.swift' ! -name EngineAliases.swift | while read -r f; do
    sed -e '/^import TFLiteEngine$/d' -e '/^import InputFormats$/d' "$f" > "$out/src/$m-$(basename "$f")"
  done
done
swiftc -O -g -sanitize=fuzzer,address -parse-as-library -module-name Fuzz$target -package-name TFLiteEngine \
  "$out"/src/*.swift "$harness" -o "$out/fuzz-$target"
cd "$out"
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 ./fuzz-$target -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus/ 2>&1 | tee "run-$(date +%s).log" | tail -25
