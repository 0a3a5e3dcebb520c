#!/usr/bin/env bash
# Run the whole test suite under AddressSanitizer, then ThreadSanitizer
# (the parallel backend and many interpreters sharing one model).
#   tools/sanitize.sh            # both
#   tools/sanitize.sh address    # one of them
# XCTest itself leaks, so LeakSanitizer is off; SWIFT_BACKTRACE=enable=no keeps
# Swift's crash handler from masking sanitizer reports.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWIFT_BACKTRACE=enable=no
for sanitizer in ${1:-address thread}; do
  echo "== swift test --sanitize=$sanitizer"
  log=".build-$sanitizer/sanitize.log"  # beside the sanitizer's own build, inside the repository
  mkdir -p ".build-$sanitizer"
  ASAN_OPTIONS=detect_leaks=0 TSAN_OPTIONS=halt_on_error=1 \
    swift test --sanitize="$sanitizer" --scratch-path ".build-$sanitizer" 2>&1 | tee "$log" | grep -E "Executed|error|WARNING: ThreadSanitizer|ERROR: AddressSanitizer" | tail -5
  if grep -qE "WARNING: ThreadSanitizer|ERROR: AddressSanitizer" "$log"; then
    echo "sanitizer $sanitizer reported problems: see $log" >&2
    exit 1
  fi
done
