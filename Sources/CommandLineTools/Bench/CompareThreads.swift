// bench --compare-threads: the one-thread `cpu` backend against the
// N-thread `parallel` backend on each model, in the same run (alternating
// blocks of invokes), with a bit-identity check of every output and the
// split profile that explains the speed-up without idle cores
// (ParallelSplitProfile).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine
import InputFormats

/// One model of `--compare-threads`.
struct ThreadComparison {
    var model: String
    var megaMACs: Double
    var threads: Int
    /// Median wall ms per invoke: cpu × 1, parallel × N (alternating blocks).
    var oneThreadMs: Double, manyThreadsMs: Double
    /// Median thread CPU ms of the one-thread invoke.
    var oneThreadCPUMs: Double
    var bitIdentical: Bool
    var split: ParallelSplitProfile
    /// Cache-line round trips (ns) between two threads, measured between
    /// the timed blocks about every `roundTripInterval` (`coreRoundTripNanoseconds`).
    var roundTrips: [Double] = []
}

/// Nanoseconds between the round-trip measurements of `compareThreads`.
let roundTripInterval: UInt64 = 100_000_000

/// Invokes per interpreter in each turn of `compareThreads` (the first untimed).
let comparisonBlock = 4

/// The thread count `--compare-threads` compares with: the largest of
/// `--threads` above 1, else 2.
func comparisonThreadCount(_ threads: [Int]) -> Int {
    let many = threads.filter { $0 > 1 }
    return many.max() ?? 2
}

/// Runs `cpu` × 1 and `parallel` × `threads` on `path` (see the file comment).
func compareThreads(path: String, threads: Int, args: Arguments) throws -> ThreadComparison {
    let model = try Model(path: path)
    let one = try Interpreter(model: model, options: .init(threadCount: 1, backend: .cpu))
    let many = try Interpreter(model: model, options: .init(threadCount: threads, backend: .parallel))
    try one.allocateTensors()
    try many.allocateTensors()
    for interpreter in [one, many] {
        try fillInputs(interpreter)
        if let input = args.input { try interpreter.copy(try NumPyArray(contentsOfFile: input).data, toInputAt: 0) }
        try interpreter.invoke()
    }
    var identical = one.outputTensorCount == many.outputTensorCount
    for i in 0..<min(one.outputTensorCount, many.outputTensorCount) where try one.output(at: i).data != many.output(at: i).data {
        identical = false
    }
    for _ in 0..<args.warmup {
        try one.invoke()
        try many.invoke()
    }
    // Blocks of `comparisonBlock` invokes of each interpreter in turn, the
    // first of each block not timed: it meets caches holding the other
    // interpreter's arena and, after a one-thread block, parallel helpers
    // that have gone to sleep. (Strictly alternating single invokes timed
    // both in that state: MobileNetV2 float32's one-thread median was 8.6 ms
    // there and 7.8 ms alone, its two-thread speed-up 1.05–1.49× against
    // 1.72–1.79× in separate runs; Zen 4, 2 vCPUs.) The blocks are short,
    // so host drift still reaches both sides alike.
    var oneSamples: [Double] = [], manySamples: [Double] = [], cpuSamples: [Double] = []
    var roundTrips: [Double] = []
    let start = now()
    var lastRoundTrip: UInt64 = 0
    while oneSamples.count < args.runs || Double(now() - start) / 1e9 < args.minTime {
        try one.invoke()
        for _ in 1..<comparisonBlock {
            let c = threadCPUTime(), s = now()
            try one.invoke()
            let e = now()
            cpuSamples.append(ms(threadCPUTime() - c))
            oneSamples.append(ms(e - s))
        }
        // How far apart the cores are now (a host may move its vCPUs):
        // after the one-thread block, when the pool's helpers have stopped
        // spinning (one spinning beside the measuring thread made a first
        // reading of 2.7 µs where the others read 80 ns).
        if lastRoundTrip == 0 || now() - lastRoundTrip >= roundTripInterval, let trip = coreRoundTripNanoseconds() {
            roundTrips.append(trip)
            lastRoundTrip = now()
        }
        try many.invoke()
        for _ in 1..<comparisonBlock {
            let s2 = now()
            try many.invoke()
            manySamples.append(ms(now() - s2))
        }
    }
    let split = try one.parallelSplitProfile(workers: threads, rounds: 3)
    return ThreadComparison(
        model: modelName(path), megaMACs: Double(ModelSummary(model: model).macs) / 1e6, threads: threads,
        oneThreadMs: Statistics(oneSamples).median, manyThreadsMs: Statistics(manySamples).median,
        oneThreadCPUMs: Statistics(cpuSamples).median, bitIdentical: identical, split: split, roundTrips: roundTrips)
}

/// "median (lowest–highest)" of round trips in ns, or "-".
func roundTripSummary(_ trips: [Double]) -> String {
    guard !trips.isEmpty else { return "-" }
    let s = Statistics(trips)
    return "\(f(s.median, 0)) (\(f(s.min, 0))–\(f(s.max, 0)))"
}

/// Prints the comparison table, then each model's nodes that cost the most
/// against a perfect split (unsplit time, or the busiest worker's excess).
func printThreadComparison(_ rows: [ThreadComparison], worstNodes: Int = 8) {
    guard let threads = rows.first?.threads else { return }
    print("\n=== cpu × 1 vs parallel × \(threads), same run (alternating blocks of \(comparisonBlock) invokes, the first untimed); predicted from per-part thread CPU time ===")
    var table = [["model", "MMACs", "1-thread ms", "\(threads)-thread ms", "speed-up", "bit-identical",
                  "1-thread CPU ms", "predicted", "unsplit %", "imbalance %", "fork-join %", "split nodes", "fork-join µs",
                  "predicted 4/worker", "16/worker", "per tile", "core round trip ns"]]
    for r in rows {
        let s = r.split
        let serial = Double(max(s.serialNanoseconds, 1))
        let forkJoin = Double(s.forkJoinNanoseconds) * Double(s.splitNodeCount)
        table.append([
            r.model, f(r.megaMACs, 0), f(r.oneThreadMs), f(r.manyThreadsMs),
            r.manyThreadsMs > 0 ? f(r.oneThreadMs / r.manyThreadsMs, 2) + "×" : "-",
            r.bitIdentical ? "yes" : "NO",
            f(r.oneThreadCPUMs), f(s.predictedSpeedup, 2) + "×",
            f(100 * Double(s.unsplitNanoseconds) / serial, 1), f(100 * Double(s.imbalanceNanoseconds) / serial, 1),
            f(100 * forkJoin / serial, 1), "\(s.splitNodeCount)/\(s.nodes.count)",
            "\(f(Double(s.forkJoinNanoseconds) / 1e3, 2)) (median \(f(Double(s.forkJoinMedianNanoseconds) / 1e3, 2)))"]
            + [4, 16, 0].map { f(serial / Double(max(s.predictedNanoseconds(partsPerWorker: $0), 1)), 2) + "×" }
            + [roundTripSummary(r.roundTrips)])
    }
    printTable(table, rightAligned: Set(1..<table[0].count))
    print("""
    speed-up: 1-thread ms ÷ \(threads)-thread ms (wall; meaningful only on idle cores). predicted: the same from \
    thread CPU time per part (see ParallelSplitProfile). unsplit, imbalance, fork-join: shares of the one-thread \
    time lost to nodes that run on one worker, to the busiest worker's excess, and to the measured per-node fork-join. \
    predicted 4/worker, 16/worker, per tile: the same if split nodes were cut into that many parts (each extra part \
    costing the measured claim time, \(rows.first.map { f(Double($0.split.partClaimNanoseconds) / 1e3, 2) } ?? "-") µs of CPU). \
    core round trip: a cache line's round trip between two threads, measured about every \(roundTripInterval / 1_000_000) ms \
    between the timed blocks: median (lowest–highest). Where it moves, the host moved the threads' cores, and the \
    speed-up moves with it.
    """)
    guard worstNodes > 0 else { return }
    for r in rows {
        let s = r.split
        let balancedShare = UInt64(max(s.workers, 1))
        let losses = s.nodes.map { node -> (ParallelSplitProfile.Node, UInt64) in
            let ideal = node.serialNanoseconds / balancedShare
            return (node, node.predictedNanoseconds > ideal ? node.predictedNanoseconds - ideal : 0)
        }
        let worst = losses.sorted { $0.1 > $1.1 }.prefix(worstNodes).filter { $0.1 > 0 }
        guard !worst.isEmpty else { continue }
        print("\n  \(r.model): nodes losing most against a perfect \(s.workers)-way split")
        var nodeRows = [["node", "op", "cost", "tiles", "parts", "1-thread µs", "predicted µs", "lost µs", "imbalance"]]
        for (node, loss) in worst {
            nodeRows.append([
                "\(node.nodeIndex)", node.operatorName, "\(node.cost)", "\(node.tileCount)", "\(node.partCount)",
                f(Double(node.serialNanoseconds) / 1e3, 1), f(Double(node.predictedNanoseconds) / 1e3, 1),
                f(Double(loss) / 1e3, 1), node.imbalance.map { f($0, 2) } ?? "unsplit"])
        }
        printTable(nodeRows, rightAligned: Set(2..<nodeRows[0].count))
    }
}
