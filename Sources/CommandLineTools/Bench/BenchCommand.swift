// bench: latency benchmark for TFLiteEngine, modelled on TFLite's benchmark_model.
//
//   bench [MODEL…] [--backend NAME|all] [--threads N[,N…]] [--runs N] [--min-time S]
//         [--warmup N] [--profile [--warm]] [--json FILE] [--csv FILE] [--svg FILE] [--compare FILE]
//   bench [MODEL…] --compare-threads [--threads N]   (cpu × 1 vs parallel × N, CompareThreads.swift)
//   bench decode IMAGE… [--runs N] [--min-time S] [--json FILE]   (image decoding, DecodeBenchmark.swift)
//
// For each model × backend × thread count: init time (load + allocateTensors),
// first invoke, warm-up, then at least --runs invokes AND at least --min-time
// seconds; prints median, p90, min, max, mean, std, arena bytes and peak RSS.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine
import InputFormats
import Dispatch

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: Backends

/// A backend the benchmark can select: its name and how to configure an interpreter for it.
struct BenchBackend: Sendable {
    let name: String
    let options: @Sendable (_ threads: Int) -> Interpreter.Options
}

/// Every backend `--backend` accepts: the names in `BackendRegistry`
/// (`cpu`, `parallel`, and any an application registers before parsing);
/// `--backend all` runs them in registration order.
nonisolated let availableBackends: [BenchBackend] = BackendRegistry.names.map { name in
    BenchBackend(name: name) { threads in
        Interpreter.Options(threadCount: threads, backend: BackendRegistry.backend(named: name) ?? .cpu)
    }
}

// MARK: Arguments

struct Arguments {
    var models: [String] = []
    var backends: [BenchBackend] = []
    var threads: [Int] = [1]
    var runs = 50
    var minTime = 1.0
    var warmup = 5
    var profile = false
    /// `--warm` (implies `--profile`): a second profile in which every
    /// operator runs twice in a row, the second run timed apart.
    var warm = false
    /// `--predicted` (implies `--profile`): each node's latency as the
    /// device profile's kernel calibration predicts it, beside the measured one.
    var predicted = false
    /// `--compare-threads`: cpu × 1 against parallel × N per model, one table.
    var compareThreads = false
    /// `--interleave`: the models invoked in turn, one table of their medians and ratios.
    var interleave = false
    var json: String?
    var csv: String?
    var svg: String?
    var compare: String?
    /// Input 0 from a .npy file instead of random values.
    var input: String?
    /// Output 0 is compared with this .npy file after the first invoke.
    var expect: String?
}

/// The usage text of `bench` (`bench --help`).
func benchUsage() -> String {
    let names = availableBackends.map(\.name).joined(separator: ", ")
    return """
    usage: bench [MODEL…] [--backend NAME|all] [--threads N[,N…]] [--runs N] [--min-time S]
                 [--warmup N] [--profile [--predicted] [--warm]] [--json FILE] [--csv FILE] [--svg FILE] [--compare FILE]
           bench [MODEL…] --compare-threads [--threads N] [--runs N] [--min-time S]
           bench MODEL MODEL… --interleave [--backend NAME] [--threads N] [--runs N] [--min-time S]
           bench decode IMAGE… [--runs N] [--min-time S] [--json FILE]
      MODEL          .tflite files (default: every .tflite in weights/)
      --backend      a registered backend (\(names)), or all (default: cpu)
      --threads      Interpreter.Options.threadCount values (default 1)
      --runs         minimum timed invokes (default 50)
      --min-time     minimum seconds of timed invokes (default 1)
      --warmup       warm-up invokes after the first (default 5)
      --profile      per-operator timing tables
      --predicted    with --profile: each node's and each kernel class's latency as the
                     device profile (cached by `infer --auto`, else measured now) predicts it
      --warm         with --profile: also each node's fastest run repeated at once, its code
                     and bytes just used (a second profile; the first keeps the plain timings)
      --compare-threads  cpu with 1 thread against parallel with N (the largest of --threads,
                     default 2) on each model in the same run: speed-up, bit-identical outputs,
                     and the speed-up predicted from per-part CPU time (unsplit nodes, imbalance)
      --interleave   the models in turns (one untimed invoke, three timed), so a host whose
                     speed drifts slows them alike: each model's median and its ratio to the first's
      --json/--csv   write results; --svg a bar chart of median latency
      --compare      JSON from tools/compare_litert.py: print ours ÷ LiteRT
      --input X.npy  feed input 0 from X.npy (default: random values)
      --expect Y.npy compare output 0 of the first invoke with Y.npy (max abs / rel error;
                     int8/uint8: largest difference in stored units, elements that differ)
    exit status: 0 success, 1 a model or file failed, 2 usage error
    """
}

/// The thread counts of `--threads N[,N…]`: every element an integer in 1...1024.
func parseThreadList(_ text: String) throws -> [Int] {
    let items = text.split(separator: ",", omittingEmptySubsequences: false)
    var list: [Int] = []
    for item in items {
        guard let n = Int(item), (1...1024).contains(n) else {
            throw CLIError.usage("--threads expects N[,N…] with every N an integer in 1...1024, got '\(item)' in '\(text)'")
        }
        list.append(n)
    }
    return list
}

/// Parses `bench`'s arguments; nil for `--help`. A bad command line throws `CLIError.usage`.
func parseArguments(_ arguments: [String]) throws -> Arguments? {
    var a = Arguments()
    var backendNames: [String] = []
    var it = arguments.makeIterator()
    func value(_ flag: String) throws -> String {
        guard let v = it.next() else { throw CLIError.usage("\(flag) needs a value") }
        return v
    }
    func integer(_ flag: String, atLeast minimum: Int) throws -> Int {
        let v = try value(flag)
        guard let n = Int(v), n >= minimum else { throw CLIError.usage("\(flag) expects an integer ≥ \(minimum), got '\(v)'") }
        return n
    }
    while let arg = it.next() {
        switch arg {
        case "--backend": backendNames.append(try value(arg))
        case "--threads": a.threads = try parseThreadList(try value(arg))
        case "--runs": a.runs = try integer(arg, atLeast: 1)
        case "--min-time":
            let v = try value(arg)
            guard let seconds = Double(v), seconds.isFinite, seconds >= 0 else {
                throw CLIError.usage("--min-time expects seconds ≥ 0, got '\(v)'")
            }
            a.minTime = seconds
        case "--warmup": a.warmup = try integer(arg, atLeast: 0)
        case "--profile": a.profile = true
        case "--predicted": a.profile = true; a.predicted = true
        case "--warm": a.profile = true; a.warm = true
        case "--compare-threads": a.compareThreads = true
        case "--interleave": a.interleave = true
        case "--json": a.json = try value(arg)
        case "--csv": a.csv = try value(arg)
        case "--svg": a.svg = try value(arg)
        case "--compare": a.compare = try value(arg)
        case "--input": a.input = try value(arg)
        case "--expect": a.expect = try value(arg)
        case "-h", "--help": return nil
        default:
            if arg.hasPrefix("-") && arg != "-" { throw CLIError.usage("unknown option '\(arg)'") }
            a.models.append(arg)
        }
    }
    if backendNames.isEmpty || backendNames.contains("all") {
        a.backends = backendNames.isEmpty ? [availableBackends[0]] : availableBackends
    } else {
        for n in backendNames {
            guard let b = availableBackends.first(where: { $0.name == n }) else {
                throw CLIError.usage("--backend expects one of \(availableBackends.map(\.name).joined(separator: ", ")) or all, got '\(n)'")
            }
            a.backends.append(b)
        }
    }
    if a.models.isEmpty {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: "weights")) ?? []
        a.models = files.filter { $0.hasSuffix(".tflite") }.sorted().map { "weights/" + $0 }
        if a.models.isEmpty { throw CLIError.usage("no MODEL given and no .tflite in weights/") }
    }
    return a
}

/// Reads a report written by `bench --json` or `tools/compare_litert.py --json`.
func readReport(_ path: String, what: String) throws -> Report {
    let data = try FileAccess.read(path, what: what)
    do {
        return try JSONDecoder().decode(Report.self, from: data)
    } catch let error as DecodingError {
        throw CLIError.runtime("\(what) '\(path)' is not a JSON report of bench --json or tools/compare_litert.py --json: \(describe(error))")
    } catch {
        throw CLIError.runtime("\(what) '\(path)' is not a JSON report of bench --json or tools/compare_litert.py --json")
    }
}

/// A `DecodingError` in one line: what is wrong and at which key path.
func describe(_ error: DecodingError) -> String {
    func path(_ context: DecodingError.Context, _ key: CodingKey? = nil) -> String {
        let keys = context.codingPath + (key.map { [$0] } ?? [])
        guard !keys.isEmpty else { return "the top level" }
        return keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error {
    case let .keyNotFound(key, context): return "missing key '\(path(context, key))'"
    case let .typeMismatch(type, context): return "'\(path(context))' is not \(type)"
    case let .valueNotFound(type, context): return "'\(path(context))' is null, expected \(type)"
    case let .dataCorrupted(context): return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at '\(path(context))'"
    @unknown default: return "not the expected JSON"
    }
}

/// Prints `bench: error: MESSAGE` (one line) on standard error.
func printBenchError(_ message: String) {
    printToStandardError("bench: error: " + message.split(whereSeparator: \.isNewline).joined(separator: " ") + "\n")
}

// MARK: Measurement

struct Result: Codable {
    var model: String
    var model_path: String
    var backend: String
    var threads: Int
    var median_ms: Double
    var p90_ms: Double
    var min_ms: Double
    var max_ms: Double
    var mean_ms: Double
    var std_ms: Double
    var init_ms: Double
    var first_invoke_ms: Double
    var arena_bytes: Int?
    var peak_rss_bytes: Int?
    var runs: Int
    /// Median and minimum thread CPU time per invoke (robust when other
    /// processes compete for the cores; equal to wall time on an idle machine).
    var cpu_median_ms: Double?
    var cpu_min_ms: Double?
    /// Per-operator timings with `--profile` (nil without).
    var profile: [ProfileRow]?
    /// Thread CPU time of `init_ms` (LiteRT's JSON has it too, from
    /// tools/compare_litert.py).
    var init_cpu_ms: Double?
    /// Start-up phases (ours only).
    var startup: Startup?
    /// Resident memory around start-up (ours only; Linux).
    var memory: MemoryUse?
}

/// Resident memory of the `bench` process around one model's start-up, in
/// bytes (Linux: /proc/self/status; nil elsewhere): `before_load_bytes` is
/// the process before the `Model` exists (code, libraries, earlier models'
/// freed memory), then after `Model` init, after `allocateTensors()` (and
/// the peak up to then), and the peak after the timed invokes.
/// `file_bytes` and `arena_bytes` are the model's file and arena, for the
/// budget `file + arena + 10 MB`.
struct MemoryUse: Codable {
    var before_load_bytes: Int?
    var after_load_bytes: Int?
    var after_allocate_bytes: Int?
    var peak_after_allocate_bytes: Int?
    var peak_after_invokes_bytes: Int?
    var file_bytes: Int
    var arena_bytes: Int?
}

/// Start-up of one interpreter, phase by phase, in wall and thread CPU
/// milliseconds: `load` (Model: map and validate the file), `create`
/// (Interpreter init), `prepare` and `plan` (the two halves of
/// allocateTensors(): operator prepare with weight packing; arena plan,
/// allocation and binding), `first_invoke`; and a second interpreter
/// created from the same Model (create + allocateTensors(), weights
/// already packed).
struct Startup: Codable {
    var load_ms: Double, load_cpu_ms: Double
    var create_ms: Double, create_cpu_ms: Double
    var prepare_ms: Double, prepare_cpu_ms: Double
    var plan_ms: Double, plan_cpu_ms: Double
    var first_invoke_ms: Double, first_invoke_cpu_ms: Double
    var second_init_ms: Double, second_init_cpu_ms: Double
}

/// One operator of a `--profile` run in the JSON report.
struct ProfileRow: Codable {
    var node: Int
    var op: String
    var avg_ms: Double
    var min_ms: Double
    /// With `--warm`: the fastest run repeated right after the first (nil
    /// for a node that is not repeated, or without `--warm`).
    var warm_min_ms: Double?
    /// Multiply-adds (or element operations) per run, as the kernel estimates them.
    var cost: Int
    /// Bytes of the operator's input and output tensors.
    var bytes: Int
}

struct Machine: Codable {
    var cpu: String
    var logical_cpus: Int
    var os: String
    var hostname: String
    var date: String
}

struct Build: Codable {
    var tool: String
    var flavour: String
    var float_lanes: Int?
}

struct Report: Codable {
    var machine: Machine
    var build: Build
    var results: [Result]
}

func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// CPU time of the calling thread, in nanoseconds.
func threadCPUTime() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
func ms(_ ns: UInt64) -> Double { Double(ns) / 1e6 }

/// Resets the kernel's peak-RSS mark (Linux; best effort).
func resetPeakRSS() {
    #if os(Linux)
    if let f = fopen("/proc/self/clear_refs", "w") { fputs("5", f); fclose(f) }
    #endif
}

/// A `kB` field of /proc/self/status (`VmRSS:`, `VmHWM:`) in bytes (Linux).
func processStatusBytes(_ field: String) -> Int? {
    #if os(Linux)
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix(field) {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        if parts.count >= 2, let kb = Int(parts[1]) { return kb * 1024 }
    }
    #endif
    return nil
}

/// Resident set size now in bytes (VmRSS; Linux only, nil elsewhere).
func currentRSS() -> Int? { processStatusBytes("VmRSS:") }

/// Peak resident set size in bytes: VmHWM on Linux, getrusage elsewhere.
func peakRSS() -> Int? {
    #if os(Linux)
    return processStatusBytes("VmHWM:")
    #else
    var usage = rusage()
    guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
    return Int(usage.ru_maxrss)  // bytes on Darwin
    #endif
}

/// Fills every input with deterministic pseudo-random values (floats in [-1, 1], random bytes otherwise).
func fillInputs(_ interpreter: Interpreter) throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> UInt64 {
        state ^= state << 13; state ^= state >> 7; state ^= state << 17
        return state
    }
    for i in 0..<interpreter.inputTensorCount {
        let type = try interpreter.input(at: i).dataType
        try interpreter.withUnsafeMutableInputBytes(at: i) { bytes in
            if type == .float32 {
                let floats = bytes.bindMemory(to: Float.self)
                for j in floats.indices { floats[j] = Float(next() >> 40) / Float(1 << 24) * 2 - 1 }
            } else {
                for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: next()) }
            }
        }
    }
}

struct Statistics {
    var median = 0.0, p90 = 0.0, min = 0.0, max = 0.0, mean = 0.0, std = 0.0
    init(_ samples: [Double]) {
        guard !samples.isEmpty else { return }
        let s = samples.sorted()
        let n = s.count
        median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
        p90 = s[Swift.min(n - 1, Int((0.9 * Double(n)).rounded(.up)) - 1)]
        min = s[0]
        max = s[n - 1]
        mean = s.reduce(0, +) / Double(n)
        std = (s.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)).squareRoot()
    }
}

func modelName(_ path: String) -> String {
    let base = path.split(separator: "/").last.map(String.init) ?? path
    return base.hasSuffix(".tflite") ? String(base.dropLast(7)) : base
}

func benchmark(path: String, backend: BenchBackend, threads: Int, args: Arguments) throws -> Result {
    resetPeakRSS()
    let rssBeforeLoad = currentRSS()
    let t0 = now(), c0 = threadCPUTime()
    let model = try Model(path: path)
    let t1 = now(), c1 = threadCPUTime()
    let rssAfterLoad = currentRSS()
    let t1b = now(), c1b = threadCPUTime()
    let interpreter = try Interpreter(model: model, options: backend.options(threads))
    let t2 = now(), c2 = threadCPUTime()
    try interpreter.allocateTensors()
    let t2b = now(), c2b = threadCPUTime()
    // (Reading /proc between the phases is not counted in the start-up times.)
    let initNs = (t1 - t0) + (t2b - t1b), initCPU = (c1 - c0) + (c2b - c1b)
    let rssAfterAllocate = currentRSS(), peakAfterAllocate = peakRSS()
    let phases = interpreter.lastAllocationTimes
    try fillInputs(interpreter)
    if let path = args.input { try interpreter.copy(try NumPyArray(contentsOfFile: path).data, toInputAt: 0) }
    let t3 = now(), c3 = threadCPUTime()
    try interpreter.invoke()
    let firstNs = now() - t3, firstCPU = threadCPUTime() - c3
    if let path = args.expect { try checkOutput(interpreter, expected: NumPyArray(contentsOfFile: path)) }
    for _ in 0..<args.warmup { try interpreter.invoke() }
    var samples: [Double] = [], cpuSamples: [Double] = []
    samples.reserveCapacity(args.runs)
    let start = now()
    while samples.count < args.runs || Double(now() - start) / 1e9 < args.minTime {
        let c = threadCPUTime()
        let s = now()
        try interpreter.invoke()
        let e = now()
        samples.append(ms(e - s))
        cpuSamples.append(ms(threadCPUTime() - c))
    }
    let stats = Statistics(samples), cpuStats = Statistics(cpuSamples)
    let peak = peakRSS()
    // A second interpreter of the same Model (packed weights cached on it):
    // creation and `allocateTensors()`, as for the first; its release
    // afterwards is not counted (it was, inside the timed scope).
    let t4 = now(), c4 = threadCPUTime()
    var second: Interpreter? = try Interpreter(model: model, options: backend.options(threads))
    try second?.allocateTensors()
    let secondNs = now() - t4, secondCPU = threadCPUTime() - c4
    second = nil
    let startup = Startup(
        load_ms: ms(t1 - t0), load_cpu_ms: ms(c1 - c0), create_ms: ms(t2 - t1b), create_cpu_ms: ms(c2 - c1b),
        prepare_ms: (phases?.prepare.wallSeconds ?? 0) * 1e3, prepare_cpu_ms: (phases?.prepare.cpuSeconds ?? 0) * 1e3,
        plan_ms: (phases?.plan.wallSeconds ?? 0) * 1e3, plan_cpu_ms: (phases?.plan.cpuSeconds ?? 0) * 1e3,
        first_invoke_ms: ms(firstNs), first_invoke_cpu_ms: ms(firstCPU),
        second_init_ms: ms(secondNs), second_init_cpu_ms: ms(secondCPU))
    let result = Result(
        model: modelName(path), model_path: path, backend: backend.name, threads: interpreter.activeThreadCount,
        median_ms: stats.median, p90_ms: stats.p90, min_ms: stats.min, max_ms: stats.max,
        mean_ms: stats.mean, std_ms: stats.std, init_ms: ms(initNs), first_invoke_ms: ms(firstNs),
        arena_bytes: interpreter.arenaByteCount, peak_rss_bytes: peak, runs: samples.count,
        cpu_median_ms: cpuStats.median, cpu_min_ms: cpuStats.min, init_cpu_ms: ms(initCPU), startup: startup,
        memory: MemoryUse(before_load_bytes: rssBeforeLoad, after_load_bytes: rssAfterLoad, after_allocate_bytes: rssAfterAllocate,
                          peak_after_allocate_bytes: peakAfterAllocate, peak_after_invokes_bytes: peak,
                          file_bytes: model.fileSize, arena_bytes: interpreter.arenaByteCount))
    if args.profile {
        interpreter.isProfilingEnabled = true
        let profileStart = now()
        var count = 0
        while count < args.runs || Double(now() - profileStart) / 1e9 < args.minTime {
            try interpreter.invoke()
            count += 1
        }
        let ops = interpreter.operatorProfile
        var warm: [UInt64?] = []
        if args.warm {
            interpreter.isProfilingWarmRepeatEnabled = true
            for _ in 0..<count { try interpreter.invoke() }
            warm = interpreter.operatorProfile.map(\.warmMinimumNanoseconds)
        }
        printProfile(ops, warm: warm, title: "\(result.model) / \(backend.name) / \(threads) thread(s)")
        if args.predicted { printPredictedProfile(ops, model: model, title: "\(result.model) / \(backend.name) / \(threads) thread(s)") }
        interpreter.isProfilingEnabled = false
        var profiled = result
        profiled.profile = ops.enumerated().map { i, o in
            ProfileRow(node: o.nodeIndex, op: o.operatorName, avg_ms: Double(o.totalNanoseconds) / Double(max(o.invocations, 1)) / 1e6,
                       min_ms: Double(o.minimumNanoseconds) / 1e6, warm_min_ms: (i < warm.count ? warm[i] : nil).map { Double($0) / 1e6 },
                       cost: o.cost, bytes: o.bytesMoved)
        }
        return profiled
    }
    return result
}

/// Prints the largest absolute and relative difference between output 0 and
/// `expected` (float32), or the largest difference in stored units and the
/// number of elements that differ (int8, uint8).
func checkOutput(_ interpreter: Interpreter, expected: NumPyArray) throws {
    let out = try interpreter.output(at: 0)
    if out.dataType == expected.type, out.dataType == .int8 || out.dataType == .uint8, out.data.count == expected.data.count {
        let signed = out.dataType == .int8
        func value(_ byte: UInt8) -> Int { signed ? Int(Int8(bitPattern: byte)) : Int(byte) }
        var maxAbs = 0, differing = 0
        for (a, b) in zip(out.data, expected.data) where a != b {
            maxAbs = max(maxAbs, abs(value(a) - value(b)))
            differing += 1
        }
        print("  check: max |ours − expected| = \(maxAbs) (stored \(out.dataType) units), \(differing) of \(out.data.count) elements differ")
        return
    }
    guard out.dataType == .float32, expected.type == .float32, out.data.count == expected.data.count else {
        print("  check: output is \(out.dataType) with \(out.data.count) bytes, expected \(expected.type) with \(expected.data.count) bytes")
        return
    }
    let ours = out.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    let theirs = expected.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    var maxAbs: Float = 0, scale: Float = 0
    for i in ours.indices { maxAbs = max(maxAbs, abs(ours[i] - theirs[i])); scale = max(scale, abs(theirs[i])) }
    print("  check: max |ours − expected| = \(maxAbs), relative to max |expected| = \(scale > 0 ? maxAbs / scale : maxAbs)")
}

// MARK: Output

func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
    let n = s.count
    if n >= width { return s }
    let fill = String(repeating: " ", count: width - n)
    return right ? fill + s : s + fill
}

func f(_ x: Double, _ digits: Int = 3) -> String { DecimalText.fixed(x, decimals: digits) }

func printTable(_ rows: [[String]], rightAligned: Set<Int>) {
    guard let header = rows.first else { return }
    var widths = header.map(\.count)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    for (k, r) in rows.enumerated() {
        print(r.enumerated().map { pad($1, widths[$0], right: rightAligned.contains($0)) }.joined(separator: "  "))
        if k == 0 { print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")) }
    }
}

/// The profile's tables; `warm` (by position, when not empty) adds each
/// node's fastest repeated run (`--warm`) to the run-order table.
func printProfile(_ ops: [Interpreter.OperatorProfile], warm: [UInt64?] = [], title: String) {
    guard !ops.isEmpty else { print("(no profile: delegated partitions are not timed)"); return }
    let total = ops.reduce(0.0) { $0 + Double($1.totalNanoseconds) }
    func avgMs(_ o: Interpreter.OperatorProfile) -> Double { Double(o.totalNanoseconds) / Double(max(o.invocations, 1)) / 1e6 }
    func gflops(_ o: Interpreter.OperatorProfile) -> String {
        let t = avgMs(o)
        return t > 0 && o.cost > 0 ? f(2 * Double(o.cost) / (t * 1e6), 1) : "-"
    }
    func table(_ name: String, _ list: [Interpreter.OperatorProfile]) {
        print("\n=== \(name): \(title) ===")
        let warmColumn = name == "Run order" && warm.count == list.count
        var rows = [["node", "op", "avg ms", "min ms", "%", "cdf %", "GFLOP/s", "GFLOP/s@min", "MB", "GB/s@min", "times called"]
            + (warmColumn ? ["warm min ms", "GFLOP/s@warm"] : [])]
        var cumulative = 0.0
        for (position, o) in list.enumerated() {
            let pct = total > 0 ? 100 * Double(o.totalNanoseconds) / total : 0
            cumulative += pct
            let minMs = Double(o.minimumNanoseconds) / 1e6
            rows.append(["\(o.nodeIndex)", o.operatorName, f(avgMs(o)), f(minMs), f(pct, 2), f(cumulative, 2), gflops(o),
                         minMs > 0 && o.cost > 0 ? f(2 * Double(o.cost) / (minMs * 1e6), 1) : "-",
                         f(Double(o.bytesMoved) / 1e6, 3), minMs > 0 ? f(Double(o.bytesMoved) / (minMs * 1e6), 1) : "-",
                         "\(o.invocations)"])
            if warmColumn {
                let warmMs = warm[position].map { Double($0) / 1e6 }
                rows[rows.count - 1] += [warmMs.map { f($0) } ?? "-",
                                         warmMs.map { $0 > 0 && o.cost > 0 ? f(2 * Double(o.cost) / ($0 * 1e6), 1) : "-" } ?? "-"]
            }
        }
        printTable(rows, rightAligned: [0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    }
    table("Run order", ops)
    table("Top by time", Array(ops.sorted { $0.totalNanoseconds > $1.totalNanoseconds }.prefix(15)))
    print("\n=== Summary by operator type: \(title) ===")
    var byType: [String: (count: Int, ns: Double, calls: Int, cost: Double)] = [:]
    for o in ops {
        var e = byType[o.operatorName] ?? (0, 0, 0, 0)
        e.count += 1; e.ns += Double(o.totalNanoseconds); e.calls += o.invocations; e.cost += Double(o.cost) * Double(o.invocations)
        byType[o.operatorName] = e
    }
    let invokes = Double(max(ops.first?.invocations ?? 1, 1))
    var rows = [["op", "nodes", "avg ms", "%", "cdf %", "GFLOP/s", "times called"]]
    var cumulative = 0.0
    for (name, e) in byType.sorted(by: { $0.value.ns > $1.value.ns }) {
        let pct = total > 0 ? 100 * e.ns / total : 0
        cumulative += pct
        rows.append([name, "\(e.count)", f(e.ns / invokes / 1e6), f(pct, 2), f(cumulative, 2),
                     e.ns > 0 && e.cost > 0 ? f(2 * e.cost / e.ns, 1) : "-", "\(e.calls)"])
    }
    rows.append(["total", "\(ops.count)", f(total / invokes / 1e6), "100.00", "", "", ""])
    printTable(rows, rightAligned: [1, 2, 3, 4, 5, 6])
}

/// This machine's CPU for report headers (`BuildFlavourAdvice.cpuDescription`:
/// model name, family, model, stepping).
func cpuName() -> String {
    BuildFlavourAdvice.cpuDescription() ?? "an unidentified CPU"
}

func machineInfo() -> Machine {
    let process = ProcessInfo.processInfo
    return Machine(cpu: BuildFlavourAdvice.cpuDescription() ?? "unknown", logical_cpus: process.activeProcessorCount, os: process.operatingSystemVersionString,
                   hostname: process.hostName, date: Date().formatted(.iso8601))
}

func writeCSV(_ results: [Result], to path: String) throws {
    var s = "model,backend,threads,median_ms,p90_ms,min_ms,max_ms,mean_ms,std_ms,init_ms,first_invoke_ms,arena_bytes,peak_rss_bytes,runs,cpu_median_ms,flavour\n"
    for r in results {
        s += "\(r.model),\(r.backend),\(r.threads),\(f(r.median_ms, 4)),\(f(r.p90_ms, 4)),\(f(r.min_ms, 4)),\(f(r.max_ms, 4)),"
        s += "\(f(r.mean_ms, 4)),\(f(r.std_ms, 4)),\(f(r.init_ms, 4)),\(f(r.first_invoke_ms, 4)),"
        s += "\(r.arena_bytes.map(String.init) ?? ""),\(r.peak_rss_bytes.map(String.init) ?? ""),\(r.runs),"
        s += "\(r.cpu_median_ms.map { f($0, 4) } ?? ""),\(TFLiteEngineBuild.flavour)\n"
    }
    try FileAccess.write(s, to: path, what: "--csv file")
}

func xmlEscape(_ s: String) -> String {
    s.replacing("&", with: "&amp;").replacing("<", with: "&lt;")
        .replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
}

/// The ticks of a linear axis from 0 covering `maximum`: a round step (1, 2
/// or 5 × 10^k) giving at most 8 intervals, the last tick at or above `maximum`.
/// 0–3.5 ms gives 0, 0.5, 1, …, 3.5.
func linearAxisTicks(maximum: Double) -> (ticks: [Double], step: Double) {
    let top = maximum.isFinite && maximum > 0 ? maximum : 1
    let magnitude = pow(10, floor(log10(top / 8)))
    let step = [1.0, 2.0, 5.0, 10.0].map { $0 * magnitude }.first { top / $0 <= 8 } ?? 10 * magnitude
    let intervals = Int((top / step * (1 - 1e-12)).rounded(.up))
    // Multiples of the step (not a running sum), so 0.1 × 3 stays 0.3.
    return ((0...max(intervals, 1)).map { Double($0) * step }, step)
}

/// A tick value with as many decimals as the step needs: 1.5 with a 0.5 step,
/// 0.25 with 0.05, 2 with 1 (never "2" for 1.5 or "0.30000000000000004").
func axisTickLabel(_ tick: Double, step: Double) -> String {
    let decimals = step >= 1 ? 0 : Int((-log10(step)).rounded(.up))
    var text = f(tick, decimals)
    if text.contains(".") {
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
    }
    return text == "-0" ? "0" : text
}

/// A horizontal bar chart of median latency: one group per model, one bar per
/// backend (and thread count), with an x axis in milliseconds — logarithmic
/// (decades) when the values span more than 30×, so a 10 µs model and a
/// 60 ms model stay readable on one chart.
func writeSVG(_ results: [Result], to path: String) throws {
    let models = results.map(\.model).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let series = results.map { "\($0.backend) ×\($0.threads)" }.reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    let palette = ["#4472c4", "#ed7d31", "#70ad47", "#a5a5a5", "#ffc000", "#5b9bd5", "#264478", "#9e480e"]
    let barHeight = 18.0, barGap = 4.0, groupGap = 18.0
    // Bold 13 px sans-serif labels average under 8.5 px per character.
    let longestLabel = Double(models.map(\.count).max() ?? 0)
    let labelWidth = max(230.0, longestLabel * 8.5 + 20), chartWidth = 560.0, top = 50.0, legendHeight = 24.0 * Double((series.count + 2) / 3)
    let maxValue = max(results.map(\.median_ms).max() ?? 1, 1e-3)
    let minValue = max(results.map(\.median_ms).min() ?? 1, 1e-4)
    let logarithmic = maxValue / minValue > 30
    var ticks: [Double] = []
    let x: (Double) -> Double
    if logarithmic {
        let lowDecade = floor(log10(minValue)), highDecade = ceil(log10(maxValue))
        ticks = stride(from: lowDecade, through: highDecade, by: 1).map { pow(10, $0) }
        x = { v in labelWidth + (log10(max(v, pow(10, lowDecade))) - lowDecade) / max(highDecade - lowDecade, 1) * chartWidth }
    } else {
        let axis = linearAxisTicks(maximum: maxValue)
        ticks = axis.ticks
        let axisMax = axis.ticks.last ?? maxValue
        x = { v in labelWidth + v / axisMax * chartWidth }
    }
    func label(_ v: Double) -> String {
        v < 0.1 ? "\(f(v * 1000, v < 0.01 ? 2 : 1)) µs" : v < 10 ? "\(f(v, 2)) ms" : "\(f(v, 1)) ms"
    }
    var body = ""
    var y = top
    for model in models {
        let bars = results.filter { $0.model == model }
        let groupHeight = Double(bars.count) * (barHeight + barGap) - barGap
        body += "<text x=\"\(labelWidth - 10)\" y=\"\(y + groupHeight / 2 + 5)\" text-anchor=\"end\" font-weight=\"bold\">\(xmlEscape(model))</text>\n"
        for r in bars {
            let color = palette[(series.firstIndex(of: "\(r.backend) ×\(r.threads)") ?? 0) % palette.count]
            let w = max(x(r.median_ms) - labelWidth, 1)
            body += "<rect x=\"\(labelWidth)\" y=\"\(y)\" width=\"\(f(w, 1))\" height=\"\(barHeight)\" fill=\"\(color)\"/>\n"
            body += "<text x=\"\(f(labelWidth + w + 4, 1))\" y=\"\(y + barHeight - 5)\" font-size=\"11\">\(label(r.median_ms)) (\(xmlEscape(r.backend)))</text>\n"
            y += barHeight + barGap
        }
        y += groupGap
    }
    let axisY = y - groupGap + 6
    var axis = "<line x1=\"\(labelWidth)\" y1=\"\(top - 6)\" x2=\"\(labelWidth)\" y2=\"\(axisY)\" stroke=\"#333\"/>\n"
    axis += "<line x1=\"\(labelWidth)\" y1=\"\(axisY)\" x2=\"\(labelWidth + chartWidth)\" y2=\"\(axisY)\" stroke=\"#333\"/>\n"
    for tick in ticks {
        let tx = f(x(tick), 1)
        axis += "<line x1=\"\(tx)\" y1=\"\(top - 6)\" x2=\"\(tx)\" y2=\"\(axisY)\" stroke=\"#ddd\"/>\n"
        let text = logarithmic ? (tick < 1 ? DecimalText.significant(tick) : f(tick, 0)) : axisTickLabel(tick, step: ticks.count > 1 ? ticks[1] : 1)
        axis += "<text x=\"\(tx)\" y=\"\(axisY + 16)\" text-anchor=\"middle\" font-size=\"11\">\(text)</text>\n"
    }
    axis += "<text x=\"\(labelWidth + chartWidth / 2)\" y=\"\(axisY + 34)\" text-anchor=\"middle\">median latency per invoke (ms\(logarithmic ? ", logarithmic scale" : ""); lower is better)</text>\n"
    var legend = ""
    for (i, s) in series.enumerated() {
        let lx = 20.0 + Double(i % 3) * 270, ly = axisY + 50 + Double(i / 3) * 24
        legend += "<rect x=\"\(lx)\" y=\"\(ly)\" width=\"14\" height=\"14\" fill=\"\(palette[i % palette.count])\"/>"
        legend += "<text x=\"\(lx + 20)\" y=\"\(ly + 12)\" font-size=\"12\">\(xmlEscape(s)) thread(s)</text>\n"
    }
    let height = axisY + 60 + legendHeight
    let width = labelWidth + chartWidth + 150
    let svg = """
    <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="13">
    <rect width="100%" height="100%" fill="white"/>
    <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16" font-weight="bold">TFLiteEngine benchmark (\(xmlEscape(TFLiteEngineBuild.flavour)) build)</text>
    \(axis)\(body)\(legend)</svg>

    """
    try FileAccess.write(svg, to: path, what: "--svg file")
}

func printComparison(_ ours: [Result], _ theirs: [Result]) {
    print("\n=== Ours ÷ LiteRT (median latency; < 1 means TFLiteEngine is faster) ===")
    let references = theirs.map(\.backend).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
    var rows = [["model", "backend", "threads", "ours ms"] + references.flatMap { ["\($0) ms", "÷ \($0)"] }]
    var cpuRows = [["model", "backend", "threads", "ours CPU ms"] + references.flatMap { ["\($0) CPU ms", "÷ \($0)"] }]
    for r in ours {
        var row = [r.model, r.backend, "\(r.threads)", f(r.median_ms)]
        var cpuRow = [r.model, r.backend, "\(r.threads)", r.cpu_median_ms.map { f($0) } ?? "-"]
        for ref in references {
            if let t = theirs.first(where: { $0.model == r.model && $0.backend == ref && $0.threads == r.threads }) {
                row += [f(t.median_ms), f(r.median_ms / t.median_ms, 2)]
                if let a = r.cpu_median_ms, let b = t.cpu_median_ms, b > 0 { cpuRow += [f(b), f(a / b, 2)] } else { cpuRow += ["-", "-"] }
            } else {
                row += ["-", "-"]
                cpuRow += ["-", "-"]
            }
        }
        rows.append(row)
        cpuRows.append(cpuRow)
    }
    printTable(rows, rightAligned: Set(2..<rows[0].count))
    print("\n(the same by median thread CPU time per invoke)")
    printTable(cpuRows, rightAligned: Set(2..<cpuRows[0].count))
}

// MARK: Main

/// The `bench` command: latency of models (or of image decoding with `bench decode`).
public enum BenchCommand {
    /// Runs `bench` with `arguments` (without the program name), writing to
    /// the process's standard output and error; returns the exit code
    /// (0 success, 1 a model or file failed, 2 usage error).
    public static func run(arguments: [String]) -> Int32 {
        CommandOutput.standard.run { benchMain(arguments) }
    }

    /// Runs `bench` with `arguments`, appending what it prints to `output`
    /// and its errors to `errors`; returns the exit code.
    public static func run(arguments: [String], output: inout some TextOutputStream, errors: inout some TextOutputStream) -> Int32 {
        CommandOutput.run({ benchMain(arguments) }, output: &output, errors: &errors)
    }
}

/// One line of start-up phases: wall ms (thread CPU ms).
func startupLine(_ s: Startup) -> String {
    func p(_ wall: Double, _ cpu: Double) -> String { "\(f(wall)) (\(f(cpu)))" }
    return "start-up ms (CPU ms): load \(p(s.load_ms, s.load_cpu_ms)), create \(p(s.create_ms, s.create_cpu_ms)), "
        + "prepare+pack \(p(s.prepare_ms, s.prepare_cpu_ms)), plan+bind \(p(s.plan_ms, s.plan_cpu_ms)), "
        + "first invoke \(p(s.first_invoke_ms, s.first_invoke_cpu_ms)); "
        + "second interpreter of the same Model \(p(s.second_init_ms, s.second_init_cpu_ms))"
}

/// One line of resident memory around start-up (MiB), with the budget
/// file + arena + 10 MB and what the model added to the process; nil where
/// the system does not report it.
func memoryLine(_ m: MemoryUse) -> String? {
    guard let before = m.before_load_bytes, let load = m.after_load_bytes, let allocated = m.after_allocate_bytes else { return nil }
    func mib(_ bytes: Int) -> String { f(Double(bytes) / 1_048_576, 2) }
    let budget = m.file_bytes + (m.arena_bytes ?? 0) + 10_000_000
    var line = "RSS MiB: before load \(mib(before)), after load \(mib(load)), after allocateTensors \(mib(allocated))"
    if let peak = m.peak_after_allocate_bytes { line += " (peak \(mib(peak)))" }
    if let peak = m.peak_after_invokes_bytes {
        line += ", peak after invokes \(mib(peak)) (the model's part \(mib(peak - before)))"
    }
    line += "; file \(mib(m.file_bytes)) + arena \(mib(m.arena_bytes ?? 0)) + 10 MB = \(mib(budget))"
    return line
}

func benchMain(_ arguments: [String]) -> Int32 {
    if arguments.first == "decode" { return runDecodeBenchmark(arguments.dropFirst()) }
    let args: Arguments
    var reference: [Result] = []
    do {
        guard let parsed = try parseArguments(arguments) else {
            print(benchUsage())
            return 0
        }
        args = parsed
        // A bad --compare file fails before the measurements, not after.
        if let path = args.compare { reference = try readReport(path, what: "--compare file").results }
    } catch let error as CLIError {
        printBenchError(error.message + (error.exitCode == 2 ? " (see bench --help)" : ""))
        return error.exitCode
    } catch {
        printBenchError("\(error)")
        return 1
    }
    if args.compareThreads { return compareThreadsMain(args) }
    if args.interleave { return interleaveMain(args) }
    print("bench: TFLiteEngine, \(TFLiteEngineBuild.flavour) build (\(TFLiteEngineBuild.floatLanes) float lanes, int8 on \(TFLiteEngineBuild.integerMultiplyAdd ? "integer" : "float") multiply-add) on \(cpuName()); runs ≥ \(args.runs), min time \(args.minTime) s, warm-up \(args.warmup)")
    printBuildFlavourNote()
    var results: [Result] = []
    var failed = false
    for path in args.models {
        for backend in args.backends {
            for threads in args.threads {
                do {
                    let r = try benchmark(path: path, backend: backend, threads: threads, args: args)
                    results.append(r)
                    print("  \(r.model) / \(r.backend) / \(r.threads) thread(s): median \(f(r.median_ms)) ms over \(r.runs) runs"
                          + (r.threads != threads ? " (--threads \(threads) asked; \(r.threads) ran)" : ""))
                    if let s = r.startup { print("    " + startupLine(s)) }
                    if let m = r.memory, let line = memoryLine(m) { print("    " + line) }
                } catch {
                    printBenchError("\(path) [\(backend.name), \(threads) thread(s)]: \(error)")
                    failed = true
                }
            }
        }
    }

    print("")
    var rows = [["model", "backend", "threads", "median ms", "p90 ms", "min ms", "max ms", "mean ms", "std ms", "CPU median ms", "init ms", "first ms", "arena KiB", "peak RSS MiB", "runs"]]
    for r in results {
        rows.append([r.model, r.backend, "\(r.threads)", f(r.median_ms), f(r.p90_ms), f(r.min_ms), f(r.max_ms), f(r.mean_ms), f(r.std_ms),
                     r.cpu_median_ms.map { f($0) } ?? "-", f(r.init_ms, 1), f(r.first_invoke_ms), r.arena_bytes.map { "\($0 / 1024)" } ?? "-",
                     r.peak_rss_bytes.map { f(Double($0) / 1_048_576, 1) } ?? "-", "\(r.runs)"])
    }
    printTable(rows, rightAligned: Set(2..<15))

    do {
        let report = Report(machine: machineInfo(), build: Build(tool: "bench", flavour: TFLiteEngineBuild.flavour, float_lanes: TFLiteEngineBuild.floatLanes), results: results)
        if let path = args.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try FileAccess.write(try encoder.encode(report), to: path, what: "--json file")
            print("wrote \(path)")
        }
        if let path = args.csv { try writeCSV(results, to: path); print("wrote \(path)") }
        if args.compare != nil { printComparison(results, reference) }
        if let path = args.svg { try writeSVG(results + reference, to: path); print("wrote \(path)") }
    } catch let error as CLIError {
        printBenchError(error.message)
        failed = true
    } catch {
        printBenchError("\(error)")
        failed = true
    }
    return failed ? 1 : 0
}

/// `bench --compare-threads`: one table over the models (CompareThreads.swift).
func compareThreadsMain(_ args: Arguments) -> Int32 {
    let threads = comparisonThreadCount(args.threads)
    print("bench --compare-threads: TFLiteEngine, \(TFLiteEngineBuild.flavour) build on \(cpuName()); cpu × 1 vs parallel × \(threads); runs ≥ \(args.runs), min time \(args.minTime) s, warm-up \(args.warmup)")
    var rows: [ThreadComparison] = []
    var failed = false
    for path in args.models {
        do {
            let r = try compareThreads(path: path, threads: threads, args: args)
            rows.append(r)
            print("  \(r.model): \(f(r.oneThreadMs)) ms → \(f(r.manyThreadsMs)) ms, predicted \(f(r.split.predictedSpeedup, 2))×, "
                  + "core round trip \(roundTripSummary(r.roundTrips)) ns" + (r.bitIdentical ? "" : " (outputs differ)"))
            if !r.bitIdentical { failed = true }
        } catch {
            printBenchError("\(path) [--compare-threads \(threads)]: \(error)")
            failed = true
        }
    }
    printThreadComparison(rows)
    return failed ? 1 : 0
}
