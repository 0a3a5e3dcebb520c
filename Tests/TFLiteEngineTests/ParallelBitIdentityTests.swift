// The parallel backend against the one-thread cpu backend on whole models:
// every zoo fixture (architectures cut small, and the layer models) and the
// digit models in weights/, with every multi-tile kernel forced through the
// worker pool (split threshold 0) at 2 and 3 threads, and with the default
// threshold at 2 threads. Outputs must be bit-identical: kernels split only
// output tiles, never a floating-point reduction.
//
//     swift test --filter ParallelBitIdentityTests           (a set of zoo fixtures + digits)
//     TFLITE_ZOO=mobilenetv2_int8 swift test --filter ParallelBitIdentityTests
//     TFLITE_ZOO=all swift test --filter ParallelBitIdentityTests

import Foundation
import Testing
@_spi(Benchmarking) @testable import TFLiteEngine

enum ParallelIdentityCatalog {
    /// Zoo fixtures covering every kind of kernel split (GEMM convolutions
    /// and fully connected, depthwise, grouped, pooling, MEAN, element-wise,
    /// concatenation, recurrent), float32 and int8; a debug build runs each in
    /// about 15 s on a busy machine, so not all of the zoo by default.
    static let defaultZoo = [
        "mobilenetv2_float32", "mobilenetv2_int8", "mobilenetv3small_float32", "mobilenetv3small_int8",
        "efficientnetb0_float32", "efficientnetb0_int8", "densenet121_float32", "densenet121_int8",
        "resnet50_int8", "inceptionv3_float32", "nasnetmobile_int8", "regnetx002_float32", "regnety002_int8",
        "convnexttiny_float32", "layer_lstm_float32", "layer_conv1d_int8",
    ]

    /// The default zoo fixtures and the digit models; with `TFLITE_ZOO`
    /// (comma-separated names, or `all`) those zoo fixtures instead.
    static let models: [String] = {
        let selected = ProcessInfo.processInfo.environment["TFLITE_ZOO"]
        if let selected, selected != "all" { return ZooCatalog.entries.map { "zoo/" + $0.name + ".tflite" } }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: ZooCatalog.directory.path)) ?? [])
            .filter { $0.hasSuffix(".tflite") }.map { String($0.dropLast(7)) }.sorted()
        let zoo = selected == "all" ? files : defaultZoo.filter { Set(files).contains($0) }
        let digits = ((try? FileManager.default.contentsOfDirectory(atPath: weights.path)) ?? [])
            .filter { $0.hasSuffix(".tflite") }.sorted().map { "weights/" + $0 }
        return zoo.map { "zoo/" + $0 + ".tflite" } + digits
    }()

    /// The repository's weights/ folder (the digit models).
    static let weights = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("weights")

    static func url(_ name: String) -> URL {
        name.hasPrefix("weights/") ? weights.appendingPathComponent(String(name.dropFirst(8))) : Fixtures.root.appendingPathComponent(name)
    }

    /// Every output's bytes after two invokes on seeded inputs.
    static func outputs(_ model: Model, _ options: Interpreter.Options) throws -> [Data] {
        let interpreter = try Interpreter(model: model, options: options)
        try interpreter.allocateTensors()
        try DelegateTests.fillInputs(interpreter, seed: 11)
        try interpreter.invoke()
        try interpreter.invoke()
        return try (0..<interpreter.outputTensorCount).map { try interpreter.output(at: $0).data }
    }
}

@Suite("Parallel backend bit-identical to cpu on whole models")
struct ParallelBitIdentityTests {
    @Test("parallel × 2 and × 3, every kernel split, equals cpu × 1", arguments: ParallelIdentityCatalog.models)
    func bitIdentical(_ name: String) throws {
        let model = try Model(path: ParallelIdentityCatalog.url(name).path)
        let reference: [Data]
        do {
            reference = try ParallelIdentityCatalog.outputs(model, .init(threadCount: 1, backend: .cpu))
        } catch {
            // Models the engine cannot run yet fail the same way on every backend (ZooModelTests reports them).
            let stem = String(name.split(separator: "/").last ?? "").replacingOccurrences(of: ".tflite", with: "")
            #expect(ZooCatalog.notYetSupported[stem] != nil, "\(name) fails on cpu: \(error)")
            return
        }
        var variants: [(String, Interpreter.Options)] = []
        for threads in [2, 3] {
            var forced = Interpreter.Options(threadCount: threads, backend: .parallel)
            forced.parallelMinimumCost = 0
            variants.append(("parallel × \(threads), every kernel split", forced))
        }
        variants.append(("parallel × 2, default split threshold", .init(threadCount: 2, backend: .parallel)))
        for (label, options) in variants {
            let actual = try ParallelIdentityCatalog.outputs(model, options)
            #expect(actual == reference, "\(name) on \(label)")
        }
    }

    @Test("the split profile covers every node and predicts within the work")
    func splitProfile() throws {
        let url = ParallelIdentityCatalog.url("weights/mnist_small_cnn.tflite")
        let interpreter = try Interpreter(modelPath: url.path, options: .init(threadCount: 1, backend: .cpu))
        try interpreter.allocateTensors()
        let profile = try interpreter.parallelSplitProfile(workers: 2, rounds: 1)
        #expect(profile.nodes.count == interpreter.executedOperatorCount)
        for node in profile.nodes {
            #expect(node.partCount == node.partNanoseconds.count)
            #expect(node.predictedNanoseconds <= node.serialNanoseconds)
            #expect(node.isSplit ? node.predictedNanoseconds * 2 >= node.serialNanoseconds : node.predictedNanoseconds == node.serialNanoseconds)
        }
        #expect(profile.unsplitNanoseconds <= profile.serialNanoseconds)
        #expect(profile.predictedSpeedup > 0 && profile.predictedSpeedup <= 2)
    }

    @Test("parts go to the first free worker, half of its own share's rest at a time, then one from the back of another's, as the pool claims them")
    func makespan() {
        #expect(ParallelSplitProfile.makespan([], workers: 2) == 0)
        #expect(ParallelSplitProfile.makespan([5], workers: 2) == 5)
        #expect(ParallelSplitProfile.makespan([2, 1, 1, 1, 1, 1, 1, 1], workers: 2) == 5)
        #expect(ParallelSplitProfile.makespan([4, 4, 4, 4], workers: 2) == 8)
        #expect(ParallelSplitProfile.makespan([8, 1], workers: 2) == 8)
        // Shares [0, 2) and [2, 3): worker 0 takes part 0 and worker 1 part 2;
        // part 1 goes to worker 0 in the first case, and from the back of
        // worker 0's share to worker 1 in the second.
        #expect(ParallelSplitProfile.makespan([1, 1, 4], workers: 2) == 4)
        #expect(ParallelSplitProfile.makespan([4, 1, 1], workers: 2) == 4)
        // Each runs its own share first: worker 1's last part is its own, however long.
        #expect(ParallelSplitProfile.makespan([1, 1, 1, 1, 1, 1, 1, 5], workers: 2) == 8)
        // Worker 0 takes parts 0 and 1 at once (6); worker 1 its four, then parts 3 and 2.
        #expect(ParallelSplitProfile.makespan([5, 1, 1, 1, 1, 1, 1, 1], workers: 2) == 6)
        #expect(ParallelSplitProfile.makespan([3, 3, 3], workers: 3) == 3)
        #expect(ParallelSplitProfile.makespan([3, 3, 3], workers: 1) == 9)
    }
}
