#!/usr/bin/env bash
# Build and run a libFuzzer target over the library with AddressSanitizer.
#   tools/fuzz.sh model 600      # fuzz model loading/prepare/invoke for 600 s
#   tools/fuzz.sh formats 300    # fuzz the .npy, PGM and IDX/gzip decoders
#   tools/fuzz.sh metadata 600   # fuzz the TFLite metadata parser and the associated-file zip reader
#   tools/fuzz.sh png 600        # fuzz one image decoder: png, jpeg or netpbm
#                                # (one harness and binary, Fuzz/FuzzImage.swift, in .build-fuzz/image/)
# The corpus is seeded from the committed fixtures; new inputs and any crash
# (crash-<sha1>) land in .build-fuzz/<target>/. Turn every crash into a
# regression fixture (Tests/TFLiteEngineTests/Fixtures/crafted,
# Tests/TFLiteEngineTests/Fixtures/metadata/crafted,
# Tests/InputFormatsTests/Fixtures/formats, or for images the crafted files of
# tools/make_image_fixtures.py). FUZZ_NICE=1 runs the fuzzer under nice.
# The binary is rebuilt only when a library source or the harness is newer
# than it (FUZZ_REBUILD=1 forces it); FUZZ_BUILD_ONLY=1 builds and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-model}
binary=$target
seconds=${2:-60}
case "$target" in
  model) harness=Fuzz/FuzzModel.swift; modules="TFLiteEngine"
    seeds=$(find Tests/TFLiteEngineTests/Fixtures -name '*.tflite' -size -64k) ;;
  formats) harness=Fuzz/FuzzFormats.swift; modules="TFLiteEngine InputFormats"
    seeds=$(find Tests images -name '*.npy' -size -16k -o -name '*.pgm' -o -name '*.gz' -size -16k -o -name '*.idx*' -size -16k) ;;
  metadata) harness=Fuzz/FuzzMetadata.swift; modules="TFLiteEngine"
    seeds=$(find Tests/TFLiteEngineTests/Fixtures/metadata -name '*.tflite' -size -80k) ;;
  png) harness=Fuzz/FuzzImage.swift; binary=image; modules="TFLiteEngine InputFormats"
    seeds=$(find Tests/InputFormatsTests/Fixtures/images -name '*.png' -size -16k) ;;
  jpeg) harness=Fuzz/FuzzImage.swift; binary=image; modules="TFLiteEngine InputFormats"
    seeds=$(find Tests/InputFormatsTests/Fixtures/images -name '*.jpg' -size -16k) ;;
  netpbm) harness=Fuzz/FuzzImage.swift; binary=image; modules="TFLiteEngine InputFormats"
    seeds=$(find Tests/InputFormatsTests/Fixtures/images Tests/InputFormatsTests/Fixtures/formats images -name '*.p[gpb]m' -size -16k) ;;
  *) echo "usage: tools/fuzz.sh model|formats|metadata|png|jpeg|netpbm [seconds]" >&2; exit 2 ;;
esac
out=.build-fuzz/$target
mkdir -p "$out/corpus"
for f in $seeds; do cp "$f" "$out/corpus/seed-$(basename "$f")"; done
build=.build-fuzz/$binary
executable=$PWD/$build/fuzz-$binary
# libFuzzer wants one executable: the library targets are compiled as one
# module, so their imports of each other are dropped from a copy.
stale=yes
if [ "${FUZZ_REBUILD:-0}" != 1 ] && [ -x "$executable" ] && \
   [ -z "$(find $(for m in $modules; do echo "Sources/$m"; done) "$harness" tools/fuzz.sh -newer "$executable" -print -quit)" ]; then
  stale=no
fi
if [ $stale = yes ]; then
  rm -rf "$build/src" && mkdir -p "$build/src"
  for m in $modules; do
    find "Sources/$m" -name '*.swift' ! -name EngineAliases.swift | while read -r f; do
      sed -e '/^import TFLiteEngine$/d' -e '/^import InputFormats$/d' "$f" > "$build/src/$m-$(basename "$f")"
    done
  done
  # From the build folder: the driver may leave module files in its working directory.
  root=$PWD
  (cd "$build" && swiftc -O -wmo -g -sanitize=fuzzer,address -parse-as-library -module-name Fuzz$binary -package-name TFLiteEngine \
    src/*.swift "$root/$harness" -o "$executable")
fi
if [ "${FUZZ_BUILD_ONLY:-0}" = 1 ]; then echo "built $executable"; exit 0; fi
cd "$out"
nice_cmd=""
if [ "${FUZZ_NICE:-0}" = 1 ]; then nice_cmd="nice -n 19"; fi
SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 FUZZ_IMAGE_FORMAT=$target $nice_cmd "$executable" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 corpus/ 2>&1 | tee "run-$(date +%s).log" | tail -25
