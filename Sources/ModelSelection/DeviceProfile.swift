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
/// `measure(budget:)` runs five short micro-benchmarks, each for about a fifth
/// of the budget (the best of several repetitions is kept):
/// - float32 multiply-accumulate throughput on a 48×48×48 matrix product (the
///   shape of a convolution's inner loop), single-threaded and on every core
///   (`DispatchQueue.concurrentPerform`, one private product per core);
/// - int8×int8→int32 throughput on the same shape, single- and multi-threaded;
/// - memory bandwidth of a streaming copy of 16 MiB (bytes read + written).
///
/// Plus the core count and the memory available to the process (Linux:
/// `MemAvailable` of `/proc/meminfo`; Apple: `os_proc_available_memory()`
/// where it exists, else physical memory).
///
/// **AI score** (in the spirit of AI Benchmark): each sub-test is normalised
/// as `reference time ÷ measured time` (equivalently `measured rate ÷
/// reference rate`) and the score is `1000 × geometric mean` of the five
/// ratios. The reference device (`ReferenceDevice.rates`) is the 2-core x86-64
/// build machine of this project, release build, single-core numbers for the
/// single-threaded tests and its 2-core numbers for the multi-threaded ones,
/// so that machine scores about 1000; a device twice as fast at everything
/// scores 2000. Debug builds score far lower (the benchmarks are Swift code
/// compiled with the engine's settings, which is intended: the score predicts
/// this engine's speed). See `docs/selection.md`.
///
/// The profile is `Codable` (cache it with `save(to:)`,
/// `loadOrMeasure(cachePath:maxAgeDays:)`), stamped with the time it was
/// measured and the engine version that measured it.
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

    public init(engineVersion: String = TFLiteEngineInfo.version, measuredAt: Date = Date(), coreCount: Int,
                availableMemoryBytes: Int?, float32GFLOPSSingleThread: Double, float32GFLOPSMultiThread: Double,
                int8GOPSSingleThread: Double, int8GOPSMultiThread: Double, memoryBandwidthGBps: Double,
                aiScore: Double? = nil) {
        self.engineVersion = engineVersion
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
        public static let float32GFLOPSSingleThread = 50.0
        public static let float32GFLOPSMultiThread = 90.0
        public static let int8GOPSSingleThread = 16.5
        public static let int8GOPSMultiThread = 30.0
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

    /// Measures this device in about `budget` (at least a few milliseconds per sub-test).
    public static func measure(budget: Duration = .milliseconds(300)) -> DeviceProfile {
        let slice = max(budget / 5, .milliseconds(2))
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let n = Benchmarks.matrixSize
        let macsPerProduct = Double(n * n * n)
        let f32Single = Benchmarks.rate(slice: slice) { Benchmarks.float32Product(repetitions: $0) } * macsPerProduct * 2
        let f32Multi = Benchmarks.rate(slice: slice) { reps in
            DispatchQueue.concurrentPerform(iterations: cores) { _ in Benchmarks.float32Product(repetitions: reps) }
        } * macsPerProduct * 2 * Double(cores)
        let i8Single = Benchmarks.rate(slice: slice) { Benchmarks.int8Product(repetitions: $0) } * macsPerProduct * 2
        let i8Multi = Benchmarks.rate(slice: slice) { reps in
            DispatchQueue.concurrentPerform(iterations: cores) { _ in Benchmarks.int8Product(repetitions: reps) }
        } * macsPerProduct * 2 * Double(cores)
        let bandwidth = Benchmarks.copyBandwidth(slice: slice)
        return DeviceProfile(coreCount: cores, availableMemoryBytes: availableMemory(),
                             float32GFLOPSSingleThread: f32Single / 1e9, float32GFLOPSMultiThread: f32Multi / 1e9,
                             int8GOPSSingleThread: i8Single / 1e9, int8GOPSMultiThread: i8Multi / 1e9,
                             memoryBandwidthGBps: bandwidth / 1e9)
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
        guard let text = readSmallFile(path: path) else { return nil }
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

    /// Reads a small (possibly size-0 /proc) file with stdio.
    private static func readSmallFile(path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4096, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
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

    /// Whether the profile is younger than `maxAgeDays` at `now` and was
    /// measured by this engine version.
    public func isFresh(maxAgeDays: Double, now: Date = Date()) -> Bool {
        let age = now.timeIntervalSince(measuredAt)
        return engineVersion == TFLiteEngineInfo.version && age >= 0 && age < maxAgeDays * 86_400
    }

    /// The cached profile at `cachePath` if it is fresh (see `isFresh`); otherwise
    /// measures (`measure` is injectable for tests) and tries to write the cache
    /// (a cache that cannot be written is not an error).
    public static func loadOrMeasure(cachePath: String, maxAgeDays: Double = 7, now: Date = Date(),
                                     budget: Duration = .milliseconds(300),
                                     measure: (Duration) -> DeviceProfile = { DeviceProfile.measure(budget: $0) }) -> DeviceProfile {
        if let cached = try? load(from: cachePath), cached.isFresh(maxAgeDays: maxAgeDays, now: now) {
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

    /// Runs `body(repetitions)` with growing repetition counts until `slice` is
    /// used and returns the best repetitions per second seen.
    static func rate(slice: Duration, _ body: (Int) -> Void) -> Double {
        let clock = ContinuousClock()
        let deadline = clock.now + slice
        var reps = 1
        var best = 0.0
        repeat {
            let start = clock.now
            body(reps)
            let elapsed = seconds(clock.now - start)
            if elapsed > 0 { best = max(best, Double(reps) / elapsed) }
            // Grow the batch while one batch is short, but keep it well inside the slice.
            if elapsed * 2 < min(0.002, seconds(slice) / 8) { reps = min(reps * 2, 1 << 20) }
        } while clock.now < deadline
        return best
    }

    static func seconds(_ d: Duration) -> Double {
        let c = d.components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// `repetitions` products C += A·B of n×n float32 matrices (row-major, i-k-j order).
    static func float32Product(repetitions: Int) {
        let n = matrixSize
        let a = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let b = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: n * n)
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
        let a = UnsafeMutablePointer<Int8>.allocate(capacity: n * n)
        let b = UnsafeMutablePointer<Int8>.allocate(capacity: n * n)
        let c = UnsafeMutablePointer<Int32>.allocate(capacity: n * n)
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

    /// Best streaming-copy bandwidth (bytes read + written per second) within `slice`.
    static func copyBandwidth(slice: Duration) -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        let bytes = 16 << 20
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { source.deallocate(); destination.deallocate() }
        source.initializeMemory(as: UInt8.self, repeating: 1, count: bytes)
        destination.initializeMemory(as: UInt8.self, repeating: 0, count: bytes)
        // Setting up the buffers counts against the slice.
        let remaining = max(slice - (clock.now - start), .milliseconds(1))
        let perCopy = rate(slice: remaining) { reps in
            // Alternate the direction so no copy is redundant (the optimizer may drop repeated identical copies).
            for r in 0..<reps {
                if r & 1 == 0 {
                    destination.copyMemory(from: source, byteCount: bytes)
                } else {
                    source.copyMemory(from: destination, byteCount: bytes)
                }
            }
        }
        blackHole(destination.load(fromByteOffset: 4096, as: UInt8.self))
        return perCopy * Double(2 * bytes)
    }

    @inline(never)
    static func blackHole<T>(_ value: T) { withExtendedLifetime(value) {} }
}
