#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine
import InputFormats
import ModelSelection

/// Options of `infer eval MODEL --images IDX --labels IDX`.
let evalOptions: [OptionSpec] = [
    OptionSpec(name: "help", short: "h", help: "show this help and exit"),
    OptionSpec(name: "images", valueName: "IDX", help: "MNIST-style images, [N, 28, 28] unsigned bytes (plain or .gz)"),
    OptionSpec(name: "labels", valueName: "IDX", help: "their labels 0-9, [N] unsigned bytes (plain or .gz)"),
    OptionSpec(name: "limit", valueName: "N", help: "evaluate only the first N images"),
    OptionSpec(name: "save-predictions", valueName: "FILE", help: "write the predicted label of every image, one per line"),
    OptionSpec(name: "threads", valueName: "N", help: "threads for the backend (default 1)"),
    OptionSpec(name: "json", help: "print the result as JSON"),
]

/// What `infer eval` should do.
struct EvalRequest {
    var model: String
    var images: String
    var labels: String
    var limit: Int?
    var savePredictions: String?
    var threads = 1
    var json = false

    static func parse(_ arguments: [String]) throws -> Command {
        let args = try ArgumentParser.parse(arguments, specs: evalOptions)
        if args.has("help") { return .help }
        guard let model = args.positionals.first else { throw CLIError.usage("eval: missing MODEL") }
        guard args.positionals.count == 1 else { throw CLIError.usage("eval: unexpected argument '\(args.positionals[1])'") }
        guard let images = args.string("images") else { throw CLIError.usage("eval: missing --images IDX") }
        guard let labels = args.string("labels") else { throw CLIError.usage("eval: missing --labels IDX") }
        var request = EvalRequest(model: model, images: images, labels: labels)
        request.limit = try args.int("limit", in: 1...Int(Int32.max))
        request.savePredictions = args.string("save-predictions")
        request.threads = try args.int("threads", in: 1...1024) ?? 1
        request.json = args.has("json")
        return .eval(request)
    }
}

enum Eval {
    static func run(_ request: EvalRequest) throws {
        let set: DigitTestSet
        do {
            set = try DigitTestSet(imagesPath: request.images, labelsPath: request.labels, limit: request.limit)
        } catch let e as DigitTestSetError {
            throw CLIError.runtime(e.reason)
        }
        let model: InterpreterDigitModel
        do {
            model = try DigitModels.load(modelPath: request.model, threads: request.threads)
        } catch let DigitModelError.unsupportedTensor(_, reason) {
            throw CLIError.runtime("model '\(request.model)' is not a digit classifier: \(reason)")
        }
        let bar = ProgressBar(enabled: CommandOutput.current.isStandard && isatty(2) != 0)
        let summary = try DigitModels.evaluate(model, on: set) { done, total in bar.update(done, total) }
        bar.finish()
        if let path = request.savePredictions {
            let text = summary.predictions.map(String.init).joined(separator: "\n") + "\n"
            try FileAccess.write(text, to: path, what: "predictions")
        }
        if request.json {
            print(json(summary, model: request.model).rendered)
        } else {
            print(summary.report(model: request.model))
            if let path = request.savePredictions { print("predictions written to \(path)") }
        }
    }

    static func json(_ s: DigitEvaluationSummary, model: String) -> JSON {
        func classJSON(_ c: DigitEvaluationSummary.ClassStatistics) -> JSON {
            .object([("digit", .int(c.digit)), ("count", .int(c.count)), ("errors", .int(c.errors)),
                     ("error_rate", .number(c.errorRate)), ("mean_latency_ms", .number(c.meanLatencyMilliseconds))])
        }
        return .object([
            ("model", .string(model)),
            ("images", .int(s.count)),
            ("correct", .int(s.correct)),
            ("accuracy", .number(s.accuracy)),
            ("median_latency_ms", .number(s.medianLatencyMilliseconds)),
            ("confusion", .array(s.confusion.map { .array($0.map { .int($0) }) })),
            ("classes", .array(s.classes.map(classJSON))),
            ("worst_classes", .array(s.worstClasses(10).map { .int($0.digit) })),
            ("slowest_classes", .array(s.slowestClasses(10).map { .int($0.digit) })),
        ])
    }
}

/// A one-line progress bar on stderr, redrawn at most ~10 times per second;
/// does nothing when disabled (stderr not a terminal).
final class ProgressBar {
    private let enabled: Bool
    private let clock = ContinuousClock()
    private var last: ContinuousClock.Instant?
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let now = clock.now
        if let last, now - last < .milliseconds(100), done < total { return }
        last = now
        let width = 30
        let filled = done * width / total
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            + "] \(done)/\(total)"
        writeStderr(line)
        drawn = true
    }

    /// Clears the bar's line.
    func finish() {
        guard enabled, drawn else { return }
        writeStderr("\r" + String(repeating: " ", count: 60) + "\r")
    }

    private func writeStderr(_ s: String) {
        printToStandardError(s)
    }
}
