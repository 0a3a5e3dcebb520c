import TFLiteEngine
import InputFormats
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A labelled set of 28×28 digits read from MNIST IDX files (`infer eval`).
public struct DigitTestSet: Sendable, Equatable {
    /// 784 floats in [0, 1] per image (IDX bytes / 255), white ink on black.
    public let images: [[Float]]
    /// The label of each image (0…255 as stored; digits are 0…9).
    public let labels: [Int]

    /// A test set from images and their labels (same count).
    public init(images: [[Float]], labels: [Int]) {
        self.images = images
        self.labels = labels
    }

    /// Reads an images file (`[N, 28, 28]`) and a labels file (`[N]`), plain
    /// or gzip, keeping the first `limit` pairs if given. Counts must match.
    public init(imagesPath: String, labelsPath: String, limit: Int? = nil) throws {
        let images: IDXFile, labels: IDXFile
        func describe(_ e: IDXError, _ what: String, _ path: String) -> DigitTestSetError {
            DigitTestSetError(reason: e.reason.hasPrefix("cannot read") ? e.reason : "\(what) '\(path)': \(e.reason)")
        }
        do { images = try IDXFile(contentsOfFile: imagesPath) } catch let e as IDXError { throw describe(e, "images", imagesPath) }
        do { labels = try IDXFile(contentsOfFile: labelsPath) } catch let e as IDXError { throw describe(e, "labels", labelsPath) }
        guard images.dimensions.count == 3, images.dimensions[1] == 28, images.dimensions[2] == 28 else {
            throw DigitTestSetError(reason: "images '\(imagesPath)' have dimensions \(images.dimensions); expected [N, 28, 28]")
        }
        guard labels.dimensions.count == 1 else {
            throw DigitTestSetError(reason: "labels '\(labelsPath)' have dimensions \(labels.dimensions); expected [N]")
        }
        guard images.count == labels.count else {
            throw DigitTestSetError(reason: "'\(imagesPath)' has \(images.count) images but '\(labelsPath)' has \(labels.count) labels")
        }
        let n = min(images.count, max(0, limit ?? images.count))
        var pixels: [[Float]] = []
        pixels.reserveCapacity(n)
        for i in 0..<n { pixels.append(images.item(i).map { Float($0) / 255 }) }
        self.images = pixels
        self.labels = (0..<n).map { Int(labels.data[$0]) }
    }
}

/// A test set that cannot be read or does not fit together.
public struct DigitTestSetError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What is wrong, naming the file.
    public let reason: String
    /// An error with this reason.
    public init(reason: String) { self.reason = reason }
    /// The reason.
    public var description: String { reason }
}

/// Accuracy, confusion matrix and per-class error rate and latency of a
/// digit classifier on a labelled set (the result of `DigitModels.evaluate(_:on:)`).
public struct DigitEvaluationSummary: Sendable, Equatable {
    /// Per-class numbers.
    public struct ClassStatistics: Sendable, Equatable {
        /// The digit (label) these numbers are for.
        public let digit: Int
        /// Test images with this label.
        public let count: Int
        /// Of those, how many were misclassified.
        public let errors: Int
        /// Mean time per image of this class, ms.
        public let meanLatencyMilliseconds: Double
        /// errors ÷ count (0 for a class without images).
        public var errorRate: Double { count == 0 ? 0 : Double(errors) / Double(count) }
    }

    /// The true label of each image.
    public let labels: [Int]
    /// The predicted label of each image, same order.
    public let predictions: [Int]
    /// Time per image in ms (input conversion + invoke), same order.
    public let latenciesMilliseconds: [Double]

    /// A summary of one evaluation run; the three arrays are in image order.
    public init(labels: [Int], predictions: [Int], latenciesMilliseconds: [Double]) {
        self.labels = labels
        self.predictions = predictions
        self.latenciesMilliseconds = latenciesMilliseconds
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Images whose prediction equals the label (a missing prediction counts as wrong).
    public var correct: Int { zip(labels, predictions).filter { $0 == $1 }.count }
    /// correct ÷ count (0 without images).
    public var accuracy: Double { count == 0 ? 0 : Double(correct) / Double(count) }

    /// confusion[label][predicted] for labels and predictions in 0…9.
    public var confusion: [[Int]] {
        var m = [[Int]](repeating: [Int](repeating: 0, count: 10), count: 10)
        for (l, p) in zip(labels, predictions) where (0..<10).contains(l) && (0..<10).contains(p) { m[l][p] += 1 }
        return m
    }

    /// The median time per image, ms (0 for an empty set).
    public var medianLatencyMilliseconds: Double { Self.median(latenciesMilliseconds) }

    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return 0 }
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// Statistics of the digits 0…9 that occur in the labels.
    public var classes: [ClassStatistics] {
        var counts = [Int](repeating: 0, count: 10), errors = counts
        var time = [Double](repeating: 0, count: 10)
        for i in labels.indices where (0..<10).contains(labels[i]) {
            let l = labels[i]
            counts[l] += 1
            if i >= predictions.count || predictions[i] != l { errors[l] += 1 }  // missing prediction = wrong
            if i < latenciesMilliseconds.count { time[l] += latenciesMilliseconds[i] }
        }
        return (0..<10).filter { counts[$0] > 0 }.map {
            ClassStatistics(digit: $0, count: counts[$0], errors: errors[$0], meanLatencyMilliseconds: time[$0] / Double(counts[$0]))
        }
    }

    /// Classes by error rate, worst first (ties: more errors, then lower digit).
    public func worstClasses(_ limit: Int = 3) -> [ClassStatistics] {
        Array(classes.sorted {
            $0.errorRate != $1.errorRate ? $0.errorRate > $1.errorRate : $0.errors != $1.errors ? $0.errors > $1.errors : $0.digit < $1.digit
        }.prefix(limit))
    }

    /// Classes by mean latency, slowest first.
    public func slowestClasses(_ limit: Int = 3) -> [ClassStatistics] {
        Array(classes.sorted {
            $0.meanLatencyMilliseconds != $1.meanLatencyMilliseconds ? $0.meanLatencyMilliseconds > $1.meanLatencyMilliseconds : $0.digit < $1.digit
        }.prefix(limit))
    }

    /// The human-readable report of `infer eval`.
    public func report(model: String) -> String {
        var lines = ["model:    \(model)"]
        lines.append("accuracy: \(Self.percentText(accuracy)) (\(correct)/\(count) correct)")
        lines.append("latency:  median \(Self.ms(medianLatencyMilliseconds)) ms per image")
        lines.append("")
        lines.append("confusion matrix (rows: true label, columns: predicted)")
        let m = confusion
        let width = max(3, String(m.flatMap { $0 }.max() ?? 0).count + 1)
        func cell(_ s: String) -> String { String(repeating: " ", count: max(0, width - s.count)) + s }
        lines.append("     " + (0..<10).map { cell("\($0)") }.joined())
        for l in 0..<10 {
            lines.append("  \(l) |" + (0..<10).map { cell(m[l][$0] == 0 && l != $0 ? "." : "\(m[l][$0])") }.joined())
        }
        lines.append("")
        lines.append("worst classes (error rate):")
        for c in worstClasses() {
            lines.append("  \(c.digit): \(Self.percentText(c.errorRate)) wrong (\(c.errors)/\(c.count))")
        }
        lines.append("slowest classes (mean latency):")
        for c in slowestClasses() {
            lines.append("  \(c.digit): \(Self.ms(c.meanLatencyMilliseconds)) ms")
        }
        return lines.joined(separator: "\n")
    }

    static func percentText(_ x: Double) -> String { fixed(x * 100, digits: 2) + "%" }
    static func ms(_ x: Double) -> String { fixed(x, digits: 3) }

    /// `x` with exactly `digits` decimals (no Foundation formatting needed).
    static func fixed(_ x: Double, digits: Int) -> String {
        guard x.isFinite else { return "\(x)" }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let n = (abs(x) * scale).rounded()
        guard n < 1e17 else { return "\(x)" }
        let whole = Int(n / scale), frac = Int(n) - whole * Int(scale)
        let fracText = String(frac)
        let sign = x < 0 && n > 0 ? "-" : ""
        return sign + String(whole) + (digits > 0 ? "." + String(repeating: "0", count: digits - fracText.count) + fracText : "")
    }
}

extension DigitModels {
    /// Classifies every image of `set` with `model`, timing each one (input
    /// conversion + invoke, `ContinuousClock`). `progress(done, total)` is
    /// called after each image.
    public static func evaluate(_ model: some DigitClassifierModel, on set: DigitTestSet,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> DigitEvaluationSummary {
        let clock = ContinuousClock()
        var predictions: [Int] = [], latencies: [Double] = []
        predictions.reserveCapacity(set.images.count)
        latencies.reserveCapacity(set.images.count)
        for (i, image) in set.images.enumerated() {
            let start = clock.now
            let p = try model.probabilities(mnistImage: image)
            let elapsed = clock.now - start
            predictions.append(Prediction.bestIndex(of: p))
            let (s, a) = elapsed.components
            latencies.append(Double(s) * 1000 + Double(a) / 1e15)
            progress(i + 1, set.images.count)
        }
        return DigitEvaluationSummary(labels: set.labels, predictions: predictions, latenciesMilliseconds: latencies)
    }
}

/// Parses the budgets of `infer --auto`: durations (`5ms`, `0.5ms`, `2s`,
/// `800us`) and sizes (`50MB`, `512KB`, `1.5GB`, `64MiB`).
///
/// Sizes: `B`, and decimal SI prefixes `KB` = 1000, `MB` = 10^6, `GB` = 10^9
/// bytes, or binary ones `KiB` = 1024, `MiB` = 2^20, `GiB` = 2^30 (case of the
/// prefix letter ignored). Durations: `ns`, `us` (or `µs`), `ms`, `s`. A unit
/// is required; the number must be finite and positive.
public enum BudgetParsing {
    /// The duration `text` denotes, or nil if it is not one.
    public static func duration(_ text: String) -> Duration? {
        guard let (value, unit) = split(text) else { return nil }
        let nanosecondsPerUnit: Double
        switch unit {
        case "ns": nanosecondsPerUnit = 1
        case "us", "µs", "μs": nanosecondsPerUnit = 1e3
        case "ms": nanosecondsPerUnit = 1e6
        case "s": nanosecondsPerUnit = 1e9
        default: return nil
        }
        let ns = value * nanosecondsPerUnit
        guard ns >= 1, ns <= 86_400e9 else { return nil }  // 1 ns … 1 day
        return .nanoseconds(Int64(ns.rounded()))
    }

    /// The byte count `text` denotes, or nil if it is not one.
    public static func bytes(_ text: String) -> Int? {
        guard let (value, unit) = split(text) else { return nil }
        let factor: Double
        switch unit.lowercased() {
        case "b": factor = 1
        case "kb": factor = 1e3
        case "mb": factor = 1e6
        case "gb": factor = 1e9
        case "kib": factor = 1024
        case "mib": factor = 1_048_576
        case "gib": factor = 1_073_741_824
        default: return nil
        }
        let b = (value * factor).rounded()
        guard b >= 1, b <= 1e15 else { return nil }
        return Int(b)
    }

    /// Number and unit, e.g. "0.5ms" → (0.5, "ms"); whitespace between them allowed.
    static func split(_ text: String) -> (Double, String)? {
        let t = text.filter { $0 != " " }
        guard let unitStart = t.firstIndex(where: { !($0.isASCII && ($0.isNumber || $0 == ".")) }) else { return nil }
        let number = String(t[..<unitStart])
        let unit = String(t[unitStart...])
        guard !number.isEmpty, !unit.isEmpty, let value = Double(number), value.isFinite, value > 0 else { return nil }
        return (value, unit)
    }
}
