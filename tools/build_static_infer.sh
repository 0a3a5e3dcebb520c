#!/usr/bin/env bash
# Builds the self-contained `infer`: the Swift runtime, FoundationEssentials
# and the engine linked in statically (`--static-swift-stdlib`), stripped; it
# needs only the C libraries on the target machine (libc, libm, libstdc++,
# libgcc_s), no Swift toolchain.
#
# Then checks it: its size against MAX_MB (default 20, decimal megabytes), that
# `ldd` lists no Swift, Foundation or ICU library, and that it classifies the
# README's digit (weights/mnist_small_cnn.tflite, images/digit_7.pgm) inside
# an otherwise empty root file system holding only the binary, the C
# libraries `ldd` names, the model and the image (`unshare --root`, as a
# container would; where namespaces cannot be made, a run with an empty
# environment from a scratch directory, and it says so). The target machine
# needs those C libraries and a mounted /proc, nothing else.
#
# Usage: tools/build_static_infer.sh [OUTPUT_DIR]     (default .build/static-infer)
#   SKIP_BUILD=1   reuse the last static release build
#   MAX_MB=N       size limit of the stripped binary (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-.build/static-infer}
max_mb=${MAX_MB:-20}
model=weights/mnist_small_cnn.tflite
image=images/digit_7.pgm
expected_digit=7

if [ -z "${SKIP_BUILD:-}" ]; then
    nice -n 5 swift build -c release --static-swift-stdlib --product infer
fi
bin_dir=$(swift build -c release --static-swift-stdlib --show-bin-path)
mkdir -p "$out"
cp "$bin_dir/infer" "$out/infer"
strip "$out/infer"
bytes=$(stat -c %s "$out/infer")
echo "stripped static infer: $out/infer, $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }') MB; limit $max_mb MB)"

echo "shared libraries it loads (ldd):"
libraries=$(ldd "$out/infer")
echo "$libraries" | sed 's/^/  /'
if echo "$libraries" | grep -Eiq 'swift|foundation|icu|dispatch|not found'; then
    echo "error: the static infer still needs a Swift, Foundation or ICU library (or one is missing)" >&2
    exit 1
fi

# An empty root file system: the binary, the C libraries at the paths ldd
# gives (the dynamic loader included), the model, the image and an empty
# /proc, on which a private proc file system is mounted for the run (without
# it the Swift runtime does not find the arguments: it reads /proc/self/maps). Nothing
# of the Swift toolchain, no shell, no /usr.
root=$(mktemp -d "${TMPDIR:-/tmp}/static-infer-root.XXXXXX")
trap 'rm -rf "$root"' EXIT
for library in $(echo "$libraries" | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
done
mkdir -p "$root/proc"
cp "$out/infer" "$model" "$image" "$root/"
echo "root file system of the run:"
(cd "$root" && find . -type f | sort | sed 's/^\./  /')
run=(/infer "/$(basename "$model")" "/$(basename "$image")" --json)
namespaces=(--mount --fork --pid --mount-proc --root="$root")
unshare=$(command -v unshare || true)

if [ -n "$unshare" ] && output=$(env -i "$unshare" --map-root-user "${namespaces[@]}" "${run[@]}" 2>&1); then
    how="new user, mount and PID namespaces rooted in that file system"
elif [ -n "$unshare" ] && [ "$(id -u)" = 0 ] && output=$(env -i "$unshare" "${namespaces[@]}" "${run[@]}" 2>&1); then
    how="new mount and PID namespaces rooted in that file system"
else
    echo "note: cannot make namespaces here (${output:-no unshare}); running with an empty environment from the scratch directory instead" >&2
    how="empty environment, PATH=/nonexistent, from $root"
    output=$(cd "$root" && env -i PATH=/nonexistent ./infer "$(basename "$model")" "$(basename "$image")" --json 2>&1)
fi
echo "run ($how):"
echo "$output" | sed 's/^/  /'
if ! echo "$output" | grep -q "\"top_k\":\[{\"index\":$expected_digit,"; then
    echo "error: the static infer did not classify $image as $expected_digit" >&2
    exit 1
fi
if [ "$bytes" -gt $((max_mb * 1000000)) ]; then
    echo "error: the stripped static infer is larger than $max_mb MB" >&2
    exit 1
fi
echo "ok: self-contained infer classifies $image as $expected_digit without the Swift toolchain"
