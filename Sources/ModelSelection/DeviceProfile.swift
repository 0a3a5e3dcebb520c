import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(Darwin) && canImport(os)
import os  // os_proc_available_memory
#endif

/// What this device can do, measured in bounded time, for choosing a model.
///
/// Two parts:
/// - **Kernel calibration** (`calibration`, see `KernelCalibration`): the
///   engine's own kernels timed on small single-operator models, by kernel
///   class; this is what predicts a model's latency (`CostModel`).
/// - **AI score** and its five micro-benchmarks (float32 and int8
///   multiply-accumulate throughput on a 48×48×48 matrix product, one thread
///   and all cores; streaming-copy bandwidth of 16 MiB), plus the core count
///   and the memory available to the process (Linux: `MemAvailable` of
///   `/proc/meminfo`; Apple: `os_proc_available_memory()` where it exists,
///   else physical memory). The score summarises the device in one number
///   (e.g. for the `threshold` baseline policy); it predicts nothing itself.
///
/// Every sub-test runs in `rounds` short rounds (interleaved) and is timed
/// in the threads' CPU time (a core held by another process does not lower
/// the score: it describes the device, not the moment); each rate is the
/// median over the rounds of the best rate within a round, and
/// `aiScoreSpread` is the range of the per-round scores relative to their
/// median.
///
/// **AI score** (in the spirit of AI Benchmark): each sub-test is normalised
/// as `reference time ÷ measured time` (equivalently `measured rate ÷
/// reference rate`) and the score is `1000 × geometric mean` of the five
/// ratios. The reference device (`ReferenceDevice.rates`) is the 2-core x86-64
/// build machine of this project, release build, single-core numbers for the
/// single-threaded tests and its 2-core numbers for the multi-threaded ones,
/// so that machine scores about 1000; a device twice as fast at everything
/// scores 2000. Debug builds score far lower (the benchmarks are Swift code
/// compiled with the engine's settings, which is intended: the score reflects
/// this engine's speed in this build). See `docs/selection.md`.
///
/// The profile is `Codable` (cache it with `save(to:)`,
/// `loadOrMeasure(cachePath:maxAgeDays:)`), stamped with the time it was
/// measured and the `buildKey` of the engine that measured it (engine
/// version, build flavour, optimisation, calibration format and the identity
/// of the executable): a cached profile from another build is measured again.
public struct DeviceProfile: Codable, Equatable, Sendable {
    /// Version of the engine that measured this profile; a cached profile from
    /// another version is measured again.
    public var engineVersion: String
    /// When the profile was measured.
    public var measuredAt: Date
    /// Active processor cores.
    public var coreCount: Int
    /// Memory available to this process, in bytes (nil if unknown).
    public var availableMemoryBytes: Int?
    /// float32 throughput, GFLOP/s (1 multiply-accumulate = 2 FLOP), one thread.
    public var float32GFLOPSSingleThread: Double
    /// float32 throughput, GFLOP/s, all cores.
    public var float32GFLOPSMultiThread: Double
    /// int8 throughput, GOP/s (1 multiply-accumulate = 2 OP), one thread.
    public var int8GOPSSingleThread: Double
    /// int8 throughput, GOP/s, all cores.
    public var int8GOPSMultiThread: Double
    /// Streaming copy bandwidth, GB/s (bytes read + bytes written).
    public var memoryBandwidthGBps: Double
    /// The AI score (see the type's documentation); 1000 = the reference device.
    public var aiScore: Double
    /// (largest − smallest per-round score) ÷ median score; nil if unknown.
    public var aiScoreSpread: Double?
    /// The build that measured this profile (see `DeviceProfile.currentBuildKey`).
    public var buildKey: String
    /// The engine's kernels timed on this device (nil: not measured, then
    /// `CostModel` falls back to the coarse MAC-based estimate).
    public var calibration: KernelCalibration?

    /// A profile from known numbers (tests, simulated devices); `aiScore` nil computes it from the rates. ``measure(budget:rounds:calibrate:scoreBudget:)`` measures a real one.
    public init(engineVersion: String = TFLiteEngineInfo.version, measuredAt: Date = Date(), coreCount: Int,
                availableMemoryBytes: Int?, float32GFLOPSSingleThread: Double, float32GFLOPSMultiThread: Double,
                int8GOPSSingleThread: Double, int8GOPSMultiThread: Double, memoryBandwidthGBps: Double,
                aiScore: Double? = nil, aiScoreSpread: Double? = nil, buildKey: String = DeviceProfile.currentBuildKey,
                calibration: KernelCalibration? = nil) {
        self.engineVersion = engineVersion
        self.aiScoreSpread = aiScoreSpread
        self.buildKey = buildKey
        self.calibration = calibration
        self.measuredAt = measuredAt
        self.coreCount = coreCount
        self.availableMemoryBytes = availableMemoryBytes
        self.float32GFLOPSSingleThread = float32GFLOPSSingleThread
        self.float32GFLOPSMultiThread = float32GFLOPSMultiThread
        self.int8GOPSSingleThread = int8GOPSSingleThread
        self.int8GOPSMultiThread = int8GOPSMultiThread
        self.memoryBandwidthGBps = memoryBandwidthGBps
        self.aiScore = aiScore ?? DeviceProfile.aiScore(
            float32Single: float32GFLOPSSingleThread, float32Multi: float32GFLOPSMultiThread,
            int8Single: int8GOPSSingleThread, int8Multi: int8GOPSMultiThread, bandwidth: memoryBandwidthGBps)
    }

    /// The reference device's rates: the project's 2-core x86-64 build machine
    /// (AMD EPYC, 2 vCPUs, 32 MiB L3), release build, November 2026; rounded
    /// typical values of `measure(budget: .milliseconds(300))` (the machine was
    /// shared, so its multi-threaded numbers are below 2× single).
    public enum ReferenceDevice {
        /// float32 GFLOP/s on one thread.
        public static let float32GFLOPSSingleThread = 50.0
        /// float32 GFLOP/s on all cores.
        public static let float32GFLOPSMultiThread = 90.0
        /// int8 GOP/s on one thread.
        public static let int8GOPSSingleThread = 16.5
        /// int8 GOP/s on all cores.
        public static let int8GOPSMultiThread = 30.0
        /// Copy bandwidth in GB/s.
        public static let memoryBandwidthGBps = 40.0
    }

    /// `1000 × geometric mean(measured ÷ reference)` over the five sub-tests.
    /// A non-positive or non-finite rate counts as a ratio of 1e-6.
    public static func aiScore(float32Single: Double, float32Multi: Double, int8Single: Double,
                               int8Multi: Double, bandwidth: Double) -> Double {
        typealias R = ReferenceDevice
        let ratios = [float32Single / R.float32GFLOPSSingleThread, float32Multi / R.float32GFLOPSMultiThread,
                      int8Single / R.int8GOPSSingleThread, int8Multi / R.int8GOPSMultiThread,
                      bandwidth / R.memoryBandwidthGBps]
        let logSum = ratios.reduce(0.0) { $0 + log(($1.isFinite && $1 > 0) ? $1 : 1e-6) }
        return 1000 * exp(logSum / Double(ratios.count))
    }

    /// Throughput (operations per second) for one kind of work on `threads` threads.
    func opsPerSecond(int8: Bool, threads: Int) -> Double {
        let single = (int8 ? int8GOPSSingleThread : float32GFLOPSSingleThread) * 1e9
        let multi = (int8 ? int8GOPSMultiThread : float32GFLOPSMultiThread) * 1e9
        let t = max(1, threads)
        if t == 1 || coreCount <= 1 { return max(single, 1) }
        // Linear interpolation between one thread and all cores.
        let fraction = Double(min(t, coreCount) - 1) / Double(coreCount - 1)
        return max(single + (max(multi, single) - single) * fraction, 1)
    }

    // MARK: Measuring

    /// Measures this device in about `budget` (plus `scoreBudget` when given):
    /// the AI score's micro-benchmarks in `scoreBudget` (default: three eighths
    /// of `budget`, all of it when `calibrate` is false), the rest for the
    /// kernel calibration (skipped when `calibrate` is false) in `rounds` rounds.
    ///
    /// The micro-benchmarks run in rounds of about 25 ms (at least `rounds`);
    /// each rate is the best of its rounds. On a virtual machine whose host
    /// runs other guests on the same cores, the same test reads up to 1.4×
    /// slower for a second or two at a time (measured on the reference
    /// device: 58 or 80 GFLOP/s float32 from one run to the next, in the
    /// thread's CPU time); the best round over a longer budget describes the
    /// device rather than its neighbours (`infer --score` measures for 3 s).
    public static func measure(budget: Duration = .milliseconds(800), rounds: Int = 5, calibrate: Bool = true,
                               scoreBudget: Duration? = nil) -> DeviceProfile {
        let rounds = max(1, rounds)
        let microBudget = max(scoreBudget ?? (calibrate ? budget * 3 / 8 : budget), .milliseconds(1))
        let microRounds = max(rounds, Int(microBudget / .milliseconds(25)))
        let slice = max(microBudget / (5 * microRounds), .microseconds(500))
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let n = Benchmarks.matrixSize
        let macsPerProduct = Double(n * n * n)
        var rates = [[Double]](repeating: [], count: 5)
        let bandwidth = Benchmarks.CopyBuffers()
        for _ in 0..<microRounds {
            rates[0].append(Benchmarks.rate(slice: slice) { reps in
                Benchmarks.cpuSeconds { Benchmarks.float32Product(repetitions: reps) }
            } * macsPerProduct * 2)
            rates[1].append(Benchmarks.rate(slice: slice) { reps in
                Benchmarks.parallelCPUSeconds(cores: cores) { Benchmarks.float32Product(repetitions: reps) }
            } * macsPerProduct * 2 * Double(cores))
            rates[2].append(Benchmarks.rate(slice: slice) { reps in
                Benchmarks.cpuSeconds { Benchmarks.int8Product(repetitions: reps) }
            } * macsPerProduct * 2)
            rates[3].append(Benchmarks.rate(slice: slice) { reps in
                Benchmarks.parallelCPUSeconds(cores: cores) { Benchmarks.int8Product(repetitions: reps) }
            } * macsPerProduct * 2 * Double(cores))
            rates[4].append(bandwidth.bandwidth(slice: slice))
        }
        let best = rates.map { ($0.max() ?? 0) / 1e9 }
        let roundScores = (0..<microRounds).map { r in
            aiScore(float32Single: rates[0][r] / 1e9, float32Multi: rates[1][r] / 1e9, int8Single: rates[2][r] / 1e9,
                    int8Multi: rates[3][r] / 1e9, bandwidth: rates[4][r] / 1e9)
        }
        let score = aiScore(float32Single: best[0], float32Multi: best[1], int8Single: best[2],
                            int8Multi: best[3], bandwidth: best[4])
        let spread = score > 0 ? ((roundScores.max() ?? score) - (roundScores.min() ?? score)) / score : nil
        let calibration = calibrate ? KernelCalibration.measure(budget: budget - microBudget, rounds: rounds) : nil
        return DeviceProfile(coreCount: cores, availableMemoryBytes: availableMemory(),
                             float32GFLOPSSingleThread: best[0], float32GFLOPSMultiThread: best[1],
                             int8GOPSSingleThread: best[2], int8GOPSMultiThread: best[3],
                             memoryBandwidthGBps: best[4], aiScore: score, aiScoreSpread: spread,
                             calibration: calibration)
    }

    /// Identifies the build whose kernels a profile describes: the engine
    /// version, the build flavour (`TFLiteEngineBuild.flavour`), debug or
    /// release, the calibration format, and the size and modification time
    /// of the running executable (so a rebuilt engine is calibrated again even
    /// when nobody bumped the version).
    public static let currentBuildKey: String = {
        #if DEBUG
        let optimisation = "debug"
        #else
        let optimisation = "release"
        #endif
        var key = "engine \(TFLiteEngineInfo.version), \(TFLiteEngineBuild.flavour), \(optimisation), calibration v\(KernelCalibration.formatVersion)"
        if let identity = executableIdentity() { key += ", executable \(identity)" }
        return key
    }()

    /// Size and modification time of the running executable, if the platform says.
    static func executableIdentity() -> String? {
        #if os(Linux)
        let path = "/proc/self/exe"
        #else
        guard let path = CommandLine.arguments.first else { return nil }
        #endif
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        let modified = Int(info.st_mtimespec.tv_sec)
        #else
        let modified = Int(info.st_mtim.tv_sec)
        #endif
        return "\(info.st_size) bytes, modified \(modified)"
    }

    /// Memory available to this process in bytes, if the platform says.
    public static func availableMemory() -> Int? {
        #if canImport(Darwin)
        #if os(iOS) || os(tvOS) || os(watchOS) || os(visionOS)
        if #available(iOS 13.0, tvOS 13.0, watchOS 6.0, *) {
            let available = os_proc_available_memory()
            if available > 0 { return Int(available) }
        }
        #endif
        return Int(clamping: ProcessInfo.processInfo.physicalMemory)
        #else
        return readMemAvailable(path: "/proc/meminfo")
        #endif
    }

    /// Parses `MemAvailable:  <n> kB` from a meminfo-format file.
    static func readMemAvailable(path: String) -> Int? {
        guard let text = SystemMemoryPressure.readFile(path) else { return nil }
        return parseMemAvailable(text)
    }

    static func parseMemAvailable(_ text: String) -> Int? {
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kb = Int(fields[1]) else { return nil }
            let (bytes, overflow) = kb.multipliedReportingOverflow(by: 1024)
            return overflow ? nil : bytes
        }
        return nil
    }

    // MARK: Caching

    /// Writes the profile as JSON.
    public func save(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a profile written by `save(to:)`.
    public static func load(from path: String) throws -> DeviceProfile {
        try decode(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func decode(_ data: Data) throws -> DeviceProfile {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(DeviceProfile.self, from: data)
    }

    /// Whether the profile is younger than `maxAgeDays` at `now`, was
    /// measured by this build (`buildKey`, which includes the engine version
    /// and the build flavour) and holds a valid kernel calibration.
    public func isFresh(maxAgeDays: Double, now: Date = Date(), buildKey: String = DeviceProfile.currentBuildKey) -> Bool {
        let age = now.timeIntervalSince(measuredAt)
        return engineVersion == TFLiteEngineInfo.version && self.buildKey == buildKey && (calibration?.isValid ?? false)
            && age >= 0 && age < maxAgeDays * 86_400
    }

    /// The cached profile at `cachePath` if it is fresh (see `isFresh`); otherwise
    /// measures (`measure` is injectable for tests) and tries to write the cache
    /// (a cache that cannot be written is not an error).
    public static func loadOrMeasure(cachePath: String, maxAgeDays: Double = 7, now: Date = Date(),
                                     budget: Duration = .milliseconds(800), buildKey: String = DeviceProfile.currentBuildKey,
                                     measure: (Duration) -> DeviceProfile = { DeviceProfile.measure(budget: $0) }) -> DeviceProfile {
        if let cached = try? load(from: cachePath), cached.isFresh(maxAgeDays: maxAgeDays, now: now, buildKey: buildKey) {
            return cached
        }
        let profile = measure(budget)
        try? profile.save(to: cachePath)
        return profile
    }
}

/// Engine identity recorded in cached profiles.
public enum TFLiteEngineInfo {
    /// The engine version (bump when kernels change enough to invalidate cached profiles).
    public static let version = "0.1.0"
}

/// The micro-benchmarks behind `DeviceProfile.measure`.
enum Benchmarks {
    static let matrixSize = 48

    /// Runs `body(repetitions)`, which returns the seconds it took (in the
    /// thread's CPU time: a core taken by another process does not count, so
    /// the score describes the device, not the moment), with growing
    /// repetition counts until `slice` of wall time is used, and returns the
    /// best repetitions per second seen.
    static func rate(slice: Duration, _ body: (Int) -> Double) -> Double {
        let clock = ContinuousClock()
        let deadline = clock.now + slice
        var reps = 1
        var best = 0.0
        repeat {
            let elapsed = body(reps)
            if elapsed > 0 { best = max(best, Double(reps) / elapsed) }
            // Grow the batch while one batch is short, but keep it well inside the slice.
            if elapsed * 2 < min(0.002, seconds(slice) / 8) { reps = min(reps * 2, 1 << 20) }
        } while clock.now < deadline
        return best
    }

    /// Seconds of the calling thread's CPU time that `body` takes.
    static func cpuSeconds(_ body: () -> Void) -> Double {
        let start = ProcessResources.threadCPUNanoseconds()
        body()
        return Double(ProcessResources.threadCPUNanoseconds() &- start) * 1e-9
    }

    /// Runs `body` once on each of `cores` threads at once and returns the
    /// longest of their CPU times.
    static func parallelCPUSeconds(cores: Int, _ body: @escaping @Sendable () -> Void) -> Double {
        /// One slot per thread; each thread writes only its own.
        final class Slots: @unchecked Sendable {
            let values: UnsafeMutableBufferPointer<Double>
            init(_ n: Int) { values = .allocate(capacity: n); values.initialize(repeating: 0) }
            deinit { values.deallocate() }
        }
        let slots = Slots(max(cores, 1))
        DispatchQueue.concurrentPerform(iterations: max(cores, 1)) { i in slots.values[i] = cpuSeconds(body) }
        return slots.values.max() ?? 0
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// `count` elements on a cache-line boundary. (With the allocator's
    /// 16-byte alignment, half of the 32-byte rows straddle two cache lines or
    /// not depending on where the heap happens to be: the float32 test read
    /// 54 or 77 GFLOP/s from one run to the next on the same machine.)
    static func alignedBuffer<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<T>.stride, alignment: 64)
            .bindMemory(to: T.self, capacity: count)
    }

    /// `repetitions` products C += A·B of n×n float32 matrices (row-major, i-k-j order).
    static func float32Product(repetitions: Int) {
        let n = matrixSize
        let a = alignedBuffer(Float.self, count: n * n)
        let b = alignedBuffer(Float.self, count: n * n)
        let c = alignedBuffer(Float.self, count: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(n * n) {
            a[i] = Float(i % 7) * 0.01
            b[i] = Float(i % 5) * 0.01
            c[i] = 0
        }
        for _ in 0..<repetitions {
            for i in 0..<n {
                let ci = c + i &* n
                for k in 0..<n {
                    let aik = a[i &* n &+ k]
                    let bk = b + k &* n
                    var j = 0
                    while j &+ 8 <= n {
                        let cv = UnsafeRawPointer(ci + j).loadUnaligned(as: SIMD8<Float>.self)
                        let bv = UnsafeRawPointer(bk + j).loadUnaligned(as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(ci + j).storeBytes(of: bv * aik + cv, as: SIMD8<Float>.self)
                        j &+= 8
                    }
                }
            }
        }
        blackHole(c[n + 1])
    }

    /// `repetitions` products C += A·B of n×n int8 matrices with int32 accumulators.
    static func int8Product(repetitions: Int) {
        let n = matrixSize
        let a = alignedBuffer(Int8.self, count: n * n)
        let b = alignedBuffer(Int8.self, count: n * n)
        let c = alignedBuffer(Int32.self, count: n * n)
        defer { a.deallocate(); b.deallocate(); c.deallocate() }
        for i in 0..<(n * n) {
            a[i] = Int8(truncatingIfNeeded: i % 13 - 6)
            b[i] = Int8(truncatingIfNeeded: i % 11 - 5)
            c[i] = 0
        }
        for _ in 0..<repetitions {
            for i in 0..<n {
                let ci = c + i &* n
                for k in 0..<n {
                    let aik = Int32(a[i &* n &+ k])
                    let bk = b + k &* n
                    var j = 0
                    while j &+ 8 <= n {
                        let cv = UnsafeRawPointer(ci + j).loadUnaligned(as: SIMD8<Int32>.self)
                        let bv = SIMD8<Int32>(truncatingIfNeeded: UnsafeRawPointer(bk + j).loadUnaligned(as: SIMD8<Int8>.self))
                        UnsafeMutableRawPointer(ci + j).storeBytes(of: bv &* aik &+ cv, as: SIMD8<Int32>.self)
                        j &+= 8
                    }
                }
            }
        }
        blackHole(c[n + 1])
    }

    /// Two 16 MiB buffers for the streaming-copy test, set up once for all rounds.
    final class CopyBuffers {
        let bytes = 16 << 20
        let source: UnsafeMutableRawPointer
        let destination: UnsafeMutableRawPointer

        init() {
            source = .allocate(byteCount: bytes, alignment: 64)
            destination = .allocate(byteCount: bytes, alignment: 64)
            source.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
            destination.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        }

        deinit {
            source.deallocate()
            destination.deallocate()
        }

        /// Best copy bandwidth (bytes read + written per second) within `slice`.
        func bandwidth(slice: Duration) -> Double {
            let perCopy = rate(slice: slice) { reps in
                cpuSeconds {
                    // Alternate the direction so no copy is redundant (the optimizer may drop repeated identical copies).
                    for r in 0..<reps {
                        if r & 1 == 0 {
                            self.destination.copyMemory(from: self.source, byteCount: self.bytes)
                        } else {
                            self.source.copyMemory(from: self.destination, byteCount: self.bytes)
                        }
                    }
                }
            }
            blackHole(destination.load(fromByteOffset: 4096, as: UInt8.self))
            return perCopy * Double(2 * bytes)
        }
    }

    @inline(never)
    static func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
}
