// `bench --interleave`: the models take turns of a few invokes, so a host
// whose speed changes from one minute to the next (a virtual machine's
// neighbours) slows them alike, and their ratios stay meaningful where
// separate runs of each model would differ by more than the ratio itself.
import TFLiteEngine

/// One model's invokes in an interleaved run.
struct InterleavedTiming {
    var model: String
    var cpuMedianMs: Double
    var wallMedianMs: Double
    var runs: Int
}

/// Loads every model (with `backend` and `threads`), warms each up, then
/// gives them turns until every one has `args.runs` timed invokes and
/// `args.minTime` seconds have passed; thread CPU time and wall time per invoke.
/// A turn is one untimed invoke (it brings the model's weights and arena
/// back into the caches the other models used, as a model served on its own
/// has them) and `timedPerTurn` timed ones.
func interleavedTimings(_ paths: [String], backend: BenchBackend, threads: Int, args: Arguments,
                        timedPerTurn: Int = 3) throws -> [InterleavedTiming] {
    var interpreters: [Interpreter] = []
    for path in paths {
        let interpreter = try Interpreter(model: try Model(path: path), options: backend.options(threads))
        try interpreter.allocateTensors()
        try fillInputs(interpreter)
        for _ in 0...args.warmup { try interpreter.invoke() }
        interpreters.append(interpreter)
    }
    var cpu = [[Double]](repeating: [], count: paths.count), wall = cpu
    let start = now()
    repeat {
        for (i, interpreter) in interpreters.enumerated() {
            try interpreter.invoke()
            for _ in 0..<timedPerTurn {
                let c = threadCPUTime(), s = now()
                try interpreter.invoke()
                wall[i].append(ms(now() - s))
                cpu[i].append(ms(threadCPUTime() - c))
            }
        }
    } while cpu[0].count < args.runs || Double(now() - start) / 1e9 < args.minTime
    return paths.indices.map {
        InterleavedTiming(model: modelName(paths[$0]), cpuMedianMs: Statistics(cpu[$0]).median,
                          wallMedianMs: Statistics(wall[$0]).median, runs: cpu[$0].count)
    }
}

/// `bench MODEL… --interleave`: one table, each model's medians and their ratio to the first model's.
func interleaveMain(_ args: Arguments) -> Int32 {
    guard let backend = args.backends.first, let threads = args.threads.first else { return 2 }
    print("bench --interleave: TFLiteEngine, \(TFLiteEngineBuild.flavour) build on \(cpuName()); \(backend.name) × \(threads); the models in turns (one untimed invoke, three timed); runs ≥ \(args.runs) each, min time \(args.minTime) s, warm-up \(args.warmup)")
    printBuildFlavourNote()
    let timings: [InterleavedTiming]
    do { timings = try interleavedTimings(args.models, backend: backend, threads: threads, args: args) } catch {
        printBenchError("--interleave: \(error)")
        return 1
    }
    guard let first = timings.first else { return 1 }
    var rows = [["model", "CPU median ms", "÷ first", "wall median ms", "÷ first", "runs"]]
    for t in timings {
        rows.append([t.model, f(t.cpuMedianMs), first.cpuMedianMs > 0 ? f(t.cpuMedianMs / first.cpuMedianMs) : "-",
                     f(t.wallMedianMs), first.wallMedianMs > 0 ? f(t.wallMedianMs / first.wallMedianMs) : "-", "\(t.runs)"])
    }
    printTable(rows, rightAligned: [1, 2, 3, 4, 5])
    return 0
}
