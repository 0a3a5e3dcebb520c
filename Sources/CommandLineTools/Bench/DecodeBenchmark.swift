// bench decode: image decoding speed of InputFormats (one thread), for
// comparison with Pillow on the same files (tools/bench_image_decode.py).
//
//   bench decode FILE… [--runs N] [--min-time S] [--json FILE]
//
// Each file is read into memory once; then DecodedImage(data:) is timed at
// least --runs times and at least --min-time seconds, after one warm-up.
// Prints median wall and thread-CPU time per decode, the minimum CPU time, and
// megapixels per second by median CPU time (CPU time is robust when the machine
// is shared; the minimum even more so).
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import InputFormats
import TFLiteEngine

struct DecodeReport: Codable {
    var machine: Machine
    var build: String
    var results: [DecodeResult]
}

struct DecodeResult: Codable {
    var file: String
    var format: String
    var width: Int
    var height: Int
    var channels: Int
    var megapixels: Double
    var median_ms: Double
    var cpu_median_ms: Double
    /// The fastest run's thread CPU time: least disturbed by other processes on a shared machine.
    var cpu_min_ms: Double
    var megapixels_per_second: Double
    var runs: Int
}

func runDecodeBenchmark(_ arguments: ArraySlice<String>) -> Int32 {
    var files: [String] = []
    var runs = 10
    var minTime = 2.0
    var jsonPath: String?
    var it = arguments.makeIterator()
    func usage(_ problem: String? = nil) -> Int32 {
        guard let problem else {
            print("usage: bench decode FILE… [--runs N] [--min-time S] [--json FILE]")
            return 0
        }
        printBenchError("decode: \(problem) (usage: bench decode FILE… [--runs N] [--min-time S] [--json FILE])")
        return 2
    }
    while let a = it.next() {
        switch a {
        case "--runs": guard let v = it.next().flatMap({ Int($0) }), v >= 1 else { return usage("--runs expects an integer ≥ 1") }; runs = v
        case "--min-time": guard let v = it.next().flatMap({ Double($0) }), v.isFinite, v >= 0 else { return usage("--min-time expects seconds ≥ 0") }; minTime = v
        case "--json": guard let v = it.next() else { return usage("--json needs a value") }; jsonPath = v
        case "-h", "--help": return usage()
        default:
            if a.hasPrefix("-") { return usage("unknown option '\(a)'") }
            files.append(a)
        }
    }
    if files.isEmpty { return usage("no FILE given") }
    print("bench decode: InputFormats, \(TFLiteEngineBuild.flavour) build, one thread; runs ≥ \(runs), min time \(minTime) s")
    var results: [DecodeResult] = []
    var failed = false
    for path in files {
        do {
            let data = try FileAccess.read(path, what: "image")
            let first = try DecodedImage(data: data)  // warm-up, and the size
            var wall: [Double] = [], cpu: [Double] = []
            let clock = ContinuousClock()
            let start = clock.now
            func elapsedMilliseconds(_ since: ContinuousClock.Instant) -> Double {
                let (s, a) = (clock.now - since).components
                return Double(s) * 1000 + Double(a) / 1e15
            }
            while wall.count < runs || elapsedMilliseconds(start) < minTime * 1000 {
                let c = threadCPUTime()
                let t = clock.now
                let image = try DecodedImage(data: data)
                wall.append(elapsedMilliseconds(t))
                cpu.append(ms(threadCPUTime() - c))
                guard image.pixels.count == first.pixels.count else {  // benchmark sanity, not input validation
                    throw CLIError.runtime("decoding gave \(image.pixels.count) pixel values, the first decode \(first.pixels.count)")
                }
            }
            let median = { (v: [Double]) -> Double in let s = v.sorted(); return s[s.count / 2] }
            let mp = Double(first.width * first.height) / 1e6
            let format = ImageFormat(detecting: data).map(\.rawValue) ?? "?"
            let r = DecodeResult(file: path, format: format, width: first.width, height: first.height, channels: first.channels,
                                 megapixels: mp, median_ms: median(wall), cpu_median_ms: median(cpu), cpu_min_ms: cpu.min() ?? 0,
                                 megapixels_per_second: mp / (median(cpu) / 1000), runs: wall.count)
            results.append(r)
            let f = { (x: Double, decimals: Int) in DecimalText.fixed(x, decimals: decimals) }
            print("\(path)  \(format) \(r.width)x\(r.height)x\(r.channels)  median \(f(r.median_ms, 2)) ms (CPU \(f(r.cpu_median_ms, 2)) ms, min \(f(r.cpu_min_ms, 2)) ms)  \(f(r.megapixels_per_second, 1)) MP/s  (\(r.runs) runs)")
        } catch let error as CLIError {
            printBenchError(error.message)
            failed = true
        } catch {
            printBenchError("image '\(path)': \(error)")
            failed = true
        }
    }
    if let jsonPath {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let report = DecodeReport(machine: machineInfo(), build: TFLiteEngineBuild.flavour, results: results)
            try FileAccess.write(try encoder.encode(report), to: jsonPath, what: "--json file")
            print("wrote \(jsonPath)")
        } catch let error as CLIError {
            printBenchError(error.message)
            failed = true
        } catch {
            printBenchError("\(error)")
            failed = true
        }
    }
    return failed ? 1 : 0
}
