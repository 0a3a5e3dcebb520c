#!/usr/bin/env bash
# Watch the adaptive runner (`infer --auto DIR --serve N`) move to a smaller
# model when the device gets busy or short of memory, and back up afterwards.
#
#   tools/selection_demo.sh contention [INFER]   CPU-bound processes, one per core, for 6 s
#   tools/selection_demo.sh memory [INFER]       another process takes 2 GiB for 4 s
#
# INFER defaults to .build/release/infer (build it with `swift build -c release`).
# BUDGET (default 0.4ms) is the latency budget; pick one the chosen model meets
# with a little headroom on this machine (see `infer selection-report`); for
# the memory run, one with room to spare (e.g. 1ms), so that only memory moves it.
#
# contention: one busy loop per core (nproc), so the server has its core at
# most half of the time. memory: the critical threshold of the system memory-pressure
# source is set 1 GiB below the memory available when the demo starts, and a
# second process allocates and touches 2 GiB, so the available memory really
# drops below it (the machine needs a little over 2 GiB free).
set -euo pipefail
mode=${1:-contention}
infer=${2:-.build/release/infer}
budget=${BUDGET:-0.4ms}
images="images/digit_7.pgm images/digit_3.pgm images/digit_0.pgm"
mark() { echo "--- [$(date +%H:%M:%S.%2N)] $*"; }

case "$mode" in
contention)
    # shellcheck disable=SC2086
    "$infer" --auto weights/ --serve 60000 $images --latency-budget "$budget" --report-every 4000 &
    server=$!
    sleep 5
    mark "starting $(nproc) CPU-bound processes"
    hogs=()
    for _ in $(seq "$(nproc)"); do sh -c 'while :; do :; done' & hogs+=($!); done
    sleep 6
    mark "stopping them"
    kill "${hogs[@]}"
    wait "$server"
    ;;
memory)
    available_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    threshold="$(( available_kib / 1024 - 1024 ))MiB"
    mark "available memory $(( available_kib / 1024 )) MiB; critical below $threshold"
    # shellcheck disable=SC2086
    "$infer" --auto weights/ --serve 60000 $images --latency-budget "$budget" --report-every 4000 --interval 0.1ms \
        --memory-critical-below "$threshold" --memory-warning-below "$threshold" &
    server=$!
    sleep 4
    mark "another process allocates and touches 2 GiB for 4 s"
    python3 -c 'import mmap, time; m = mmap.mmap(-1, 2 << 30); m.write(b"\x01" * (2 << 30)); time.sleep(4)' &
    hog=$!
    wait "$hog"
    mark "it has exited"
    wait "$server"
    ;;
*)
    echo "usage: $0 contention|memory [INFER]" >&2
    exit 2
    ;;
esac
