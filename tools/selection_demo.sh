#!/usr/bin/env bash
# Watch the adaptive runner (`infer --auto DIR --serve N`) move to a smaller
# model when the device gets busy or short of memory, and back up afterwards.
#
#   tools/selection_demo.sh contention [INFER]   CPU-bound processes, two per core, for 6 s
#   tools/selection_demo.sh memory [INFER]       another process takes 2 GiB for 4 s
#
# INFER defaults to .build/release/infer (build it with `swift build -c release`).
# TRACE (default: a temporary file) receives infer's per-request trace
# (`--trace`); after the run the script reads it and prints how many requests
# the runner took to move down after the load started (counted from the first
# request served after it started, and from the first request the load made
# miss the budget, with how many requests missed the budget before the move),
# how often it moved while the load lasted, and how long it
# took to move back up after the load stopped.
# BUDGET (default 0.4ms) is the latency budget; pick one the chosen model meets
# with a little headroom on this machine (see `infer selection-report`); for
# the memory run, one with room to spare (e.g. 1ms), so that only memory moves it.
#
# ARRIVE (contention run) makes requests arrive as a stream, one every
# ARRIVE (`--arrive-every`, e.g. 1ms: a camera's frames; latency counts from
# a frame's arrival, so a thread that wakes late because a busy loop holds
# its core sees it); by default they are served back to back.
# The server runs until the script sends it SIGTERM, 4 s after the load ends
# (it then prints its summary and writes the trace).
#
# contention: two busy loops per core (HOGS, default 2 x nproc), so every
# core has two or three runnable threads and the server has a core about half
# of the time or less. (With one loop per core the scheduler puts the two
# loops on one core and leaves the server alone on the other: measured on a
# 2-core Linux 6.18 guest, the server kept 98% of a core and met its budget
# for 99% of its requests, so there was nothing to move down for.) memory: the critical threshold of the system memory-pressure
# source is set 1 GiB below the memory available when the demo starts, and a
# second process allocates and touches 2 GiB, so the available memory really
# drops below it (the machine needs a little over 2 GiB free).
set -euo pipefail
mode=${1:-contention}
infer=${2:-.build/release/infer}
budget=${BUDGET:-0.4ms}
images="images/digit_7.pgm images/digit_3.pgm images/digit_0.pgm"
trace=${TRACE:-$(mktemp)}
mark() { echo "--- [$(date +%H:%M:%S.%2N)] $*"; }

# summarize START STOP: the trace read against the load's start and stop (Unix times).
summarize() {
    local budget_ms
    case "$budget" in
        *ms) budget_ms=${budget%ms} ;;
        *us) budget_ms=$(awk -v v="${budget%us}" 'BEGIN { print v / 1000 }') ;;
        *s) budget_ms=$(awk -v v="${budget%s}" 'BEGIN { print v * 1000 }') ;;
        *) budget_ms=$budget ;;
    esac
    awk -F, -v start="$1" -v stop="$2" -v budget="$budget_ms" '
        NR == 1 { next }
        {
            r = $1; t = $2; lat = $3; m = $4
            if (t <= start) { before = m; next }
            if (first == "") { first = r; firstModel = before; prev = before }
            if (slowed == "" && lat > budget) slowed = r
            if (down == "" && lat > budget && t <= stop) missedBefore++
            if (m != prev && prev != "" && t <= stop) {
                moves++
                if (down == "") { down = r - 1; downTo = m }
            }
            if (t > stop && afterStop == "") { afterStop = r; stopTime = t }
            if (t > stop && back == "" && m == firstModel && prev != firstModel) { back = r - 1; backTime = t }
            prev = m
        }
        END {
            if (first == "") { print "summary: no request was served after the load started"; exit }
            printf "summary: before the load: %s; load started before request %d", firstModel, first
            if (slowed != "") printf ", first request over budget because of it: %d", slowed
            print ""
            if (down == "") print "summary: the runner did not move while the load lasted"
            else {
                printf "summary: moved down to %s at request %d: %d requests after the load started", downTo, down, down - first + 1
                if (slowed != "" && slowed <= down) printf ", %d after the first request it slowed", down - slowed + 1
                printf " (%d requests over budget before the move)", missedBefore
                printf "; %d move(s) while the load lasted\n", moves
            }
            if (afterStop == "") print "summary: no request after the load stopped"
            else if (back == "") printf "summary: not back on %s after the load stopped (request %d on)\n", firstModel, afterStop
            else printf "summary: back on %s at request %d: %d requests (%.2f s) after the load stopped\n", firstModel, back, back - afterStop + 1, backTime - stopTime
        }' "$trace"
}

case "$mode" in
contention)
    # shellcheck disable=SC2086
    arrive=${ARRIVE:-0}
    if [ "$arrive" = 0 ]; then stream=(--report-every 4000)
    else stream=(--arrive-every "$arrive" --report-every 1000); fi
    "$infer" --auto weights/ --serve 100000000 "${stream[@]}" $images --latency-budget "$budget" --trace "$trace" &
    server=$!
    sleep 5
    count=${HOGS:-$(( 2 * $(nproc) ))}
    mark "starting $count CPU-bound processes"
    start=$(date +%s.%N)
    hogs=()
    for _ in $(seq "$count"); do sh -c 'while :; do :; done' & hogs+=($!); done
    sleep 6
    mark "stopping them"
    kill "${hogs[@]}"
    stop=$(date +%s.%N)
    sleep 4
    kill -TERM "$server"
    wait "$server"
    summarize "$start" "$stop"
    ;;
memory)
    available_kib=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
    threshold="$(( available_kib / 1024 - 1024 ))MiB"
    mark "available memory $(( available_kib / 1024 )) MiB; critical below $threshold"
    # shellcheck disable=SC2086
    "$infer" --auto weights/ --serve 100000000 $images --latency-budget "$budget" --report-every 4000 --interval 0.1ms \
        --memory-critical-below "$threshold" --memory-warning-below "$threshold" --trace "$trace" &
    server=$!
    sleep 4
    mark "another process allocates and touches 2 GiB for 4 s"
    start=$(date +%s.%N)
    python3 -c 'import mmap, time; m = mmap.mmap(-1, 2 << 30); m.write(b"\x01" * (2 << 30)); time.sleep(4)' &
    hog=$!
    wait "$hog"
    mark "it has exited"
    stop=$(date +%s.%N)
    sleep 3
    kill -TERM "$server"
    wait "$server"
    summarize "$start" "$stop"
    ;;
*)
    echo "usage: $0 contention|memory [INFER]" >&2
    exit 2
    ;;
esac
