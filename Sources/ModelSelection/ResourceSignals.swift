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

/// Memory pressure from the operating system, without the app's help.
///
/// - **Linux**: the kernel's pressure-stall information for memory
///   (`/proc/pressure/memory`, PSI) where present: `.critical` when tasks
///   were fully stalled on memory (`full avg10`) at least `fullCritical`
///   percent of the last 10 s, `.warning` when some task was stalled
///   (`some avg10`) at least `someWarning` percent. Independently, the
///   available memory (`MemAvailable` of `/proc/meminfo`, or the cgroup v2
///   limit minus usage when that is smaller) below `criticalBelowBytes` is
///   `.critical`, below `warningBelowBytes` `.warning`. The worse of the two counts.
/// - **Apple platforms**: a `DispatchSource.makeMemoryPressureSource`
///   (warning and critical events) sets the level; it returns to `.normal`
///   on the source's normal event.
/// - Elsewhere: `.normal`.
///
/// Reading `/proc` costs a few microseconds, so a reading is reused for
/// `refreshInterval` (requests in between see the same level).
public final class SystemMemoryPressure: MemoryPressureSource, @unchecked Sendable {
    /// Thresholds (see the type's documentation).
    public struct Thresholds: Sendable, Equatable {
        /// PSI `some avg10` (percent) at or above which the level is `.warning`.
        public var someWarning: Double
        /// PSI `full avg10` (percent) at or above which the level is `.critical`.
        public var fullCritical: Double
        /// Available memory below which the level is `.warning`.
        public var warningBelowBytes: Int
        /// Available memory below which the level is `.critical`.
        public var criticalBelowBytes: Int
        /// Defaults: PSI some ≥ 10% → warning, full ≥ 5% → critical;
        /// available memory under 256 MiB → warning, under 64 MiB → critical.
        public init(someWarning: Double = 10, fullCritical: Double = 5,
                    warningBelowBytes: Int = 256 << 20, criticalBelowBytes: Int = 64 << 20) {
            self.someWarning = someWarning
            self.fullCritical = fullCritical
            self.warningBelowBytes = warningBelowBytes
            self.criticalBelowBytes = criticalBelowBytes
        }
    }

    /// The levels' thresholds.
    public let thresholds: Thresholds
    /// How long one reading is reused.
    public let refreshInterval: Duration
    private let lock = DispatchQueue(label: "SystemMemoryPressure.state")
    private var cached: (level: MemoryPressure, at: ContinuousClock.Instant)?
    private let clock = ContinuousClock()
    #if canImport(Darwin)
    private var source: DispatchSourceMemoryPressure?
    private var dispatchLevel: MemoryPressure = .normal
    #endif

    /// A source with these thresholds, read at most once per `refreshInterval`.
    public init(thresholds: Thresholds = Thresholds(), refreshInterval: Duration = .milliseconds(100)) {
        self.thresholds = thresholds
        self.refreshInterval = refreshInterval
        #if canImport(Darwin)
        let source = DispatchSource.makeMemoryPressureSource(eventMask: [.normal, .warning, .critical],
                                                             queue: DispatchQueue(label: "SystemMemoryPressure"))
        source.setEventHandler { [weak self] in
            guard let self else { return }
            let event = source.data
            let level: MemoryPressure = event.contains(.critical) ? .critical : event.contains(.warning) ? .warning : .normal
            self.lock.sync {
                self.dispatchLevel = level
                self.cached = nil
            }
        }
        source.resume()
        self.source = source
        #endif
    }

    deinit {
        #if canImport(Darwin)
        source?.cancel()
        #endif
    }

    /// The current level: the cached reading if younger than ``refreshInterval``, else a new one.
    public func currentPressure() -> MemoryPressure {
        lock.sync {
            let now = clock.now
            if let cached, now - cached.at < refreshInterval { return cached.level }
            let level = readLevel()
            cached = (level, now)
            return level
        }
    }

    /// What the pressure is now and why (for logs), read without the cache.
    public func reading() -> (level: MemoryPressure, reason: String) {
        #if canImport(Darwin)
        return lock.sync { (dispatchLevel, "dispatch memory-pressure source") }
        #elseif os(Linux)
        let psi = SystemMemoryPressure.readFile("/proc/pressure/memory").flatMap(SystemMemoryPressure.parsePressureStall)
        let available = SystemMemoryPressure.availableBytes()
        let level = SystemMemoryPressure.level(psi: psi, availableBytes: available, thresholds: thresholds)
        var parts: [String] = []
        if let psi { parts.append("PSI memory some \(psi.some)% full \(psi.full)%") }
        if let available { parts.append("available \(megabytes(available))") }
        return (level, parts.joined(separator: ", "))
        #else
        return (.normal, "no pressure signal on this platform")
        #endif
    }

    private func readLevel() -> MemoryPressure {
        #if canImport(Darwin)
        return dispatchLevel
        #elseif os(Linux)
        let psi = SystemMemoryPressure.readFile("/proc/pressure/memory").flatMap(SystemMemoryPressure.parsePressureStall)
        return SystemMemoryPressure.level(psi: psi, availableBytes: SystemMemoryPressure.availableBytes(), thresholds: thresholds)
        #else
        return .normal
        #endif
    }

    /// The level for a PSI reading and the available memory (pure; tested).
    static func level(psi: (some: Double, full: Double)?, availableBytes: Int?, thresholds t: Thresholds) -> MemoryPressure {
        var level = MemoryPressure.normal
        if let psi {
            if psi.full >= t.fullCritical { level = .critical } else if psi.some >= t.someWarning { level = .warning }
        }
        if let available = availableBytes {
            if available < t.criticalBelowBytes { level = .critical } else if available < t.warningBelowBytes { level = max(level, .warning) }
        }
        return level
    }

    /// Parses `/proc/pressure/memory`: the `avg10` of its `some` and `full` lines (percent).
    static func parsePressureStall(_ text: String) -> (some: Double, full: Double)? {
        var some: Double?, full: Double?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard let kind = fields.first else { continue }
            let avg10 = fields.first { $0.hasPrefix("avg10=") }.flatMap { Double($0.dropFirst(6)) }
            guard let value = avg10, value.isFinite, value >= 0 else { continue }
            if kind == "some" { some = value } else if kind == "full" { full = value }
        }
        guard let some else { return nil }
        return (some, full ?? 0)
    }

    /// Available memory: `MemAvailable`, or the cgroup v2 limit minus usage if smaller.
    static func availableBytes() -> Int? {
        let meminfo = readFile("/proc/meminfo").flatMap(DeviceProfile.parseMemAvailable)
        func number(_ path: String) -> Int? {
            readFile(path).flatMap { $0.split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) } }
        }
        let limit = number("/sys/fs/cgroup/memory.max"), usage = number("/sys/fs/cgroup/memory.current")   // "max": no limit
        if let limit, let usage, limit > usage {
            return min(meminfo ?? Int.max, limit - usage)
        }
        return meminfo
    }

    /// Reads a small (possibly size-0 /proc) file with stdio, at most 64 KiB.
    static func readFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 16 {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 4096, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Measurements of this process and machine used by the reports.
public enum ProcessResources {
    /// Resident set size of this process in bytes (Linux: `/proc/self/statm`), nil elsewhere.
    public static func residentBytes() -> Int? {
        #if os(Linux)
        guard let text = SystemMemoryPressure.readFile("/proc/self/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: max(pageSize, 1))
        return overflow ? nil : bytes
        #else
        return nil
        #endif
    }

    /// The memory a model holds once loaded, prepared and run `invokes`
    /// times, measured in this process (call it in a fresh process: `infer
    /// selection-report` runs one per model): the growth of the process's
    /// resident anonymous memory (packed weights, arena, tables, the
    /// interpreter's own structures) plus the resident pages of the model
    /// file's mapping. Code pages of the engine are not the model's: every
    /// calibration probe is loaded and run first (and kept loaded, so the
    /// model's allocations cannot reuse their memory), and freed memory is
    /// returned to the system (`malloc_trim`) before the first reading.
    /// Linux only (nil elsewhere).
    public static func modelMemory(modelPath: String, invokes: Int = 3) throws -> Int? {
        #if os(Linux)
        var warm: [Interpreter] = []
        for probe in KernelCalibration.standardProbeList {
            guard let interpreter = try? Interpreter(modelData: probe.modelData), (try? interpreter.allocateTensors()) != nil,
                  (try? interpreter.invoke()) != nil else { continue }
            warm.append(interpreter)
        }
        releaseFreeMemory()
        guard let before = statusField("RssAnon") else { return nil }
        let interpreter = try Interpreter(modelPath: modelPath)
        try interpreter.allocateTensors()
        for _ in 0..<max(1, invokes) { try interpreter.invoke() }
        guard let after = statusField("RssAnon") else { return nil }
        let file = mappedResidentBytes(of: modelPath) ?? 0
        return withExtendedLifetime((interpreter, warm)) { after - before + file }
        #else
        return nil
        #endif
    }

    /// A `kB` field of `/proc/self/status` in bytes.
    static func statusField(_ name: String) -> Int? {
        guard let text = SystemMemoryPressure.readFile("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let kb = Int(fields[1]) else { return nil }
            let (bytes, overflow) = kb.multipliedReportingOverflow(by: 1024)
            return overflow ? nil : bytes
        }
        return nil
    }

    /// Resident bytes of this process's mappings of `path` (`/proc/self/smaps`).
    static func mappedResidentBytes(of path: String) -> Int? {
        guard let resolved = realpath(path, nil) else { return nil }
        let target = String(cString: resolved)
        free(resolved)
        guard let smaps = readWholeFile("/proc/self/smaps") else { return nil }
        var inTarget = false
        var total = 0
        for line in smaps.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), !first.hasSuffix(":") {
                inTarget = fields.count >= 6 && fields[5...].joined(separator: " ") == target
            } else if inTarget, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total += kb * 1024
            }
        }
        return total
    }

    /// Returns freed heap memory to the system (glibc's `malloc_trim`, looked up at run time).
    static func releaseFreeMemory() {
        #if os(Linux)
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "malloc_trim") else { return }
        typealias Trim = @convention(c) (Int) -> Int32
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
        #endif
    }

    /// Reads a /proc file of any size (smaps can be long), at most 16 MiB.
    static func readWholeFile(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while bytes.count < 16 << 20 {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, file) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// CPU time of the calling thread in nanoseconds (`CLOCK_THREAD_CPUTIME_ID`):
    /// it does not advance while the thread waits for a core.
    public static func threadCPUNanoseconds() -> UInt64 {
        var t = timespec()
        guard clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) == 0 else { return 0 }
        return UInt64(max(t.tv_sec, 0)) &* 1_000_000_000 &+ UInt64(max(t.tv_nsec, 0))
    }

    /// What one ``threadCPUNanoseconds()`` costs in the thread's own CPU time
    /// (nanoseconds; the median of back-to-back pairs, measured once): the
    /// CPU time between two reads around a piece of work includes about one
    /// read. A system call (or a trap out of a virtual machine) on some
    /// hosts: about 1–2 µs on a KVM guest, as much as a tenth of a small
    /// model's invoke, so per-invoke CPU times subtract it.
    public static let threadCPUClockCost: UInt64 = {
        var pairs: [UInt64] = []
        pairs.reserveCapacity(101)
        for _ in 0..<101 {
            let a = threadCPUNanoseconds()
            let b = threadCPUNanoseconds()
            pairs.append(b &- a)
        }
        pairs.sort()
        return pairs[pairs.count / 2]
    }()

    /// The thread's CPU time (nanoseconds) over `body` and the wall time
    /// around it, each less what the CPU clock's two reads add (one read to
    /// the CPU time, two to the wall time); CPU time nil when the clock
    /// cannot be read. The wall time spans the reads on purpose: a read is a
    /// system call, and with lazy preemption (Linux 6.13 and later) a thread
    /// that must give up its core does so on the way out of one, so the
    /// waits of a thread sharing a core fall right there.
    public static func measureCPUAndWall(_ body: () throws -> Void) rethrows -> (cpu: UInt64?, wall: Duration) {
        let cost = threadCPUClockCost
        let clock = ContinuousClock()
        let start = clock.now
        let cpuStart = threadCPUNanoseconds()
        try body()
        let cpuEnd = threadCPUNanoseconds()
        var wall = clock.now - start
        wall = max(wall - .nanoseconds(Int64(clamping: 2 &* cost)), .zero)
        guard cpuStart != 0 else { return (nil, wall) }
        let spent = cpuEnd &- cpuStart
        return (spent > cost ? spent &- cost : 0, wall)
    }

    /// The 1-minute load average (`getloadavg`), nil if unknown.
    public static func loadAverage() -> Double? {
        var loads = [Double](repeating: 0, count: 3)
        let n = loads.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            return getloadavg(base, 3)
        }
        return n >= 1 ? loads[0] : nil
    }

    /// Runs the executable at `path` with `arguments` (`posix_spawn`, no
    /// shell), its standard error discarded, and returns what it wrote to
    /// standard output if it exited with status 0; nil if it could not be
    /// started, failed, or wrote more than `maxOutputBytes`. Without
    /// Foundation's `Process`, which is not in FoundationEssentials.
    public static func standardOutput(ofExecutable path: String, arguments: [String],
                                      maxOutputBytes: Int = 1 << 20) -> String? {
        var fds: [Int32] = [-1, -1]
        guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress) }) == 0 else { return nil }
        let readEnd = fds[0], writeEnd = fds[1]
        #if canImport(Darwin)
        var actions: posix_spawn_file_actions_t = nil
        #else
        var actions = posix_spawn_file_actions_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addclose(&actions, readEnd)
        posix_spawn_file_actions_addclose(&actions, writeEnd)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        var pid = pid_t()
        #if canImport(Darwin)
        let environment = _NSGetEnviron().pointee
        #else
        let environment = environ
        #endif
        let spawned = posix_spawn(&pid, path, &actions, nil, argv, environment)
        close(writeEnd)
        defer { close(readEnd) }
        guard spawned == 0 else { return nil }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var tooLong = false
        while true {
            let n = chunk.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            if output.count + n > maxOutputBytes { tooLong = true; break }
            output.append(contentsOf: chunk[0..<n])
        }
        if tooLong { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // Exited normally (low 7 bits 0) with code 0.
        guard !tooLong, status & 0x7f == 0, (status >> 8) & 0xff == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// The path of the running executable (Linux: `/proc/self/exe` resolved),
    /// nil elsewhere.
    public static func currentExecutablePath() -> String? {
        #if os(Linux)
        guard let resolved = realpath("/proc/self/exe", nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
        #else
        return nil
        #endif
    }
}
