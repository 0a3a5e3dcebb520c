// peak-rss: the smallest program a user would write to run a model — load it,
// allocateTensors(), invoke — printing the process's resident memory after
// each step. It imports only TFLiteEngine (and the C library, to read
// /proc/self/status), so its numbers are the engine's plus the Swift runtime's:
// the measurement of issue 14's memory criterion (docs/performance.md).
//
//     peak-rss MODEL.tflite [INVOKES]
//     PEAK_RSS_PAUSE=20 peak-rss MODEL.tflite   (pauses 20 s after each step, to read /proc/PID/smaps)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import TFLiteEngine

@main
enum PeakRSSMain {
    /// A `kB` field of /proc/self/status (`VmRSS:`, `VmHWM:`) in KiB; nil
    /// where there is no /proc (then the peak comes from getrusage).
    ///
    /// Parsed as bytes, not as `String`s and `Character`s: Unicode-aware
    /// string code and its property tables are pages of the executable that
    /// a program running a model need not touch, and they would count in
    /// every number this tool prints (~0.4 MiB with the static runtime).
    static func statusKiB(_ field: StaticString) -> Int? {
        #if os(Linux)
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        let name = UnsafeBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount)
        while fgets(&line, Int32(line.count), file) != nil {
            var matches = true
            for i in 0..<name.count where UInt8(bitPattern: line[i]) != name[i] { matches = false; break }
            guard matches else { continue }
            var value = 0, digits = 0
            for c in line[name.count...] {
                let byte = UInt8(bitPattern: c)
                if byte == 0 { break }
                if byte >= 48 && byte <= 57 { value = value &* 10 &+ Int(byte &- 48); digits += 1 }
            }
            return digits > 0 ? value : nil
        }
        #endif
        return nil
    }

    /// Peak resident memory in KiB: VmHWM on Linux, getrusage elsewhere.
    static func peakKiB() -> Int? {
        #if os(Linux)
        return statusKiB("VmHWM:")
        #else
        var usage = rusage()
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return nil }
        return Int(usage.ru_maxrss) / 1024  // bytes on Darwin
        #endif
    }

    static func mib(_ kib: Int?) -> String {
        guard let kib else { return "?" }
        let tenths = (kib * 10 + 512) / 1024
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// Bytes as MiB with two decimals.
    static func mib(bytes: Int) -> String {
        let hundredths = (bytes * 100 + 524_288) / 1_048_576
        return "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
    }

    /// Seconds to pause after each step (environment `PEAK_RSS_PAUSE`), so
    /// that /proc/PID/smaps can be read from outside at that point.
    static let pauseSeconds = getenv("PEAK_RSS_PAUSE").flatMap { UInt32(String(cString: $0)) } ?? 0

    static func report(_ step: String) {
        print("\(step): RSS \(mib(statusKiB("VmRSS:"))) MiB, peak \(mib(peakKiB())) MiB")
        if pauseSeconds > 0 {
            print("  (pid \(getpid()), pausing \(pauseSeconds) s)")
            fflush(nil)
            sleep(pauseSeconds)
        }
    }

    static func main() {
        let arguments = CommandLine.arguments
        guard arguments.count == 2 || arguments.count == 3, arguments.count == 2 || Int(arguments[2]) != nil else {
            print("usage: peak-rss MODEL.tflite [INVOKES]  (loads the model, allocateTensors(), invokes INVOKES times (default 1), printing resident memory after each step)")
            exit(2)
        }
        let invokes = arguments.count == 3 ? max(0, Int(arguments[2]) ?? 1) : 1
        report("before load")
        let rssBeforeLoad = statusKiB("VmRSS:")
        do {
            let model = try Model(path: arguments[1])
            report("after load")
            let interpreter = try Interpreter(model: model)
            try interpreter.allocateTensors()
            report("after allocateTensors")
            for _ in 0..<invokes { try interpreter.invoke() }
            report("after \(invokes) invoke\(invokes == 1 ? "" : "s")")
            // Issue 14's bound: file size + arena + 10 MB (10^7 bytes).
            let budget = model.fileSize + interpreter.arenaByteCount + 10_000_000
            let peak = (peakKiB() ?? 0) * 1024
            print("file \(mib(bytes: model.fileSize)) MiB, arena \(mib(bytes: interpreter.arenaByteCount)) MiB; file + arena + 10 MB = \(mib(bytes: budget)) MiB; peak \(mib(bytes: peak)) MiB: \(peak <= budget ? "within" : "over") by \(mib(bytes: abs(budget - peak))) MiB")
            if let rssBeforeLoad { print("the model's part (peak - RSS before load): \(mib(bytes: peak - rssBeforeLoad * 1024)) MiB") }
        } catch {
            print("error: \(error)")
            exit(1)
        }
    }
}
