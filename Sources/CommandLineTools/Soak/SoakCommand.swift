// Soak test: many invokes, and many interpreters created and dropped, with
// resident memory sampled from /proc/self/status. Memory must stay flat after
// warm-up (growth under --max-growth-mb, default 2 MB).
//
//   swift run -c release soak                       # defaults below
//   swift run -c release soak --model M.tflite --invokes N [--model … --invokes …] [--interpreters N]
//
// Defaults: 100,000 invokes of weights/mnist_small_cnn.tflite and 1,000 of
// MobileNetV2 (.models/mobilenet_v2_100_224.tflite if present, else the 0.35
// fixture), then 1,000 interpreters created, run once and dropped.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine

func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        let kb = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
        return kb * 1024
    }
    return 0
}

func mb(_ bytes: Int) -> String { DecimalText.fixed(Double(bytes) / 1e6, decimals: 2) + " MB" }

/// The `soak` command: memory must stay flat over many invokes and interpreters.
public enum SoakCommand {
    /// Runs `soak` with `arguments` (without the program name), writing to
    /// the process's standard output and error; returns the exit code
    /// (0 memory stayed flat, 1 it grew or a model failed, 2 usage error).
    public static func run(arguments: [String]) -> Int32 {
        CommandOutput.standard.run { soakMain(arguments) }
    }

    /// Runs `soak` with `arguments`, appending what it prints to `output`
    /// and its errors to `errors`; returns the exit code.
    public static func run(arguments: [String], output: inout some TextOutputStream, errors: inout some TextOutputStream) -> Int32 {
        CommandOutput.run({ soakMain(arguments) }, output: &output, errors: &errors)
    }
}

func soakMain(_ commandArguments: [String]) -> Int32 {
    var jobs: [(String, Int)] = []
    var interpreterChurn = 1000
    var maxGrowth = 2.0
    var arguments = commandArguments
    var pendingModel: String?
    do {
        while !arguments.isEmpty {
            let a = arguments.removeFirst()
            func value() throws -> String {
                guard !arguments.isEmpty else { throw CLIError.usage("\(a) needs a value") }
                return arguments.removeFirst()
            }
            switch a {
            case "--model": pendingModel = try value()
            case "--invokes":
                let text = try value()
                guard let m = pendingModel else { throw CLIError.usage("--invokes N must follow --model PATH") }
                guard let n = Int(text), n > 0 else { throw CLIError.usage("--invokes expects an integer ≥ 1, got '\(text)'") }
                jobs.append((m, n)); pendingModel = nil
            case "--interpreters":
                let text = try value()
                guard let n = Int(text), n >= 1 else { throw CLIError.usage("--interpreters expects an integer ≥ 1, got '\(text)'") }
                interpreterChurn = n
            case "--max-growth-mb":
                let text = try value()
                guard let mb = Double(text), mb.isFinite, mb >= 0 else { throw CLIError.usage("--max-growth-mb expects a number ≥ 0, got '\(text)'") }
                maxGrowth = mb
            case "-h", "--help":
                print("usage: soak [--model PATH --invokes N]... [--interpreters N] [--max-growth-mb MB]")
                print("exit status: 0 memory stayed flat, 1 it grew or a model failed, 2 usage error")
                return 0
            default: throw CLIError.usage("unknown option '\(a)'")
            }
        }
        if let pendingModel { throw CLIError.usage("--model \(pendingModel) needs --invokes N after it") }
    } catch let error as CLIError {
        printToStandardError("soak: error: \(error.message) (see soak --help)\n")
        return error.exitCode
    } catch {
        return 2
    }
    if jobs.isEmpty {
        let big = FileManager.default.fileExists(atPath: ".models/mobilenet_v2_100_224.tflite")
            ? ".models/mobilenet_v2_100_224.tflite" : "Tests/TFLiteEngineTests/Fixtures/models/mobilenet_v2_035_96.tflite"
        jobs = [("weights/mnist_small_cnn.tflite", 100_000), (big, 1_000)]
    }

    var failed = false
    func check(_ what: String, start: Int, end: Int) {
        let growth = Double(end - start) / 1e6
        let ok = growth <= maxGrowth
        failed = failed || !ok
        print("  \(ok ? "flat" : "GREW"): \(what): resident \(mb(start)) after warm-up → \(mb(end)) (\(DecimalText.fixed(growth, decimals: 2, alwaysSigned: true)) MB)")
    }

    do {
        for (path, invokes) in jobs {
            let interpreter = try Interpreter(modelPath: path)
            try interpreter.allocateTensors()
            for i in 0..<interpreter.inputTensorCount {
                try interpreter.withUnsafeMutableInputBytes(at: i) { buffer in
                    for j in 0..<buffer.count { buffer[j] = UInt8(truncatingIfNeeded: j &* 13) }
                }
            }
            let warmUp = max(invokes / 100, 10)
            for _ in 0..<warmUp { try interpreter.invoke() }
            let start = residentBytes()
            var peak = start
            let clock = Date()
            for i in 0..<invokes {
                try interpreter.invoke()
                if i % max(invokes / 20, 1) == 0 { peak = max(peak, residentBytes()) }
            }
            let seconds = Date().timeIntervalSince(clock)
            let end = residentBytes()
            print("\(path): \(invokes) invokes in \(DecimalText.fixed(seconds, decimals: 1)) s (\(DecimalText.fixed(seconds * 1000 / Double(invokes), decimals: 3)) ms each), peak \(mb(max(peak, end)))")
            check("\(invokes) invokes", start: start, end: end)
        }
        let path = jobs[0].0
        let model = try Model(path: path)
        func churn(_ n: Int) throws {
            for _ in 0..<n {
                let interpreter = try Interpreter(model: model)
                try interpreter.allocateTensors()
                try interpreter.invoke()
            }
        }
        try churn(50)
        let start = residentBytes()
        try churn(interpreterChurn)
        check("\(interpreterChurn) interpreters created, run and dropped (one shared Model)", start: start, end: residentBytes())
        for _ in 0..<20 { _ = try Interpreter(modelPath: path) }
        let loadStart = residentBytes()
        for _ in 0..<(interpreterChurn / 5) { let i = try Interpreter(modelPath: path); try i.allocateTensors() }
        check("\(interpreterChurn / 5) models loaded (mmap) and dropped", start: loadStart, end: residentBytes())
    } catch {
        printToStandardError("soak: error: " + "\(error)".split(whereSeparator: \.isNewline).joined(separator: " ") + "\n")
        return 1
    }
    return failed ? 1 : 0
}
