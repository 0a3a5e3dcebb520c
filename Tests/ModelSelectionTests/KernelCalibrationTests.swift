import XCTest
import Foundation
import TFLiteEngine
@testable import ModelSelection

/// The calibrated cost model: probes, the fit, workloads read from prepared
/// graphs, and predictions, with scripted measurements (no timing is asserted).
final class KernelCalibrationTests: XCTestCase {
    typealias F = SelectionFixtures

    // MARK: Probes

    func testEveryProbePreparesIntoTheClassItMeasures() throws {
        for probe in KernelCalibration.standardProbeList {
            let workload = try ModelWorkload.inspect(Model(data: probe.modelData))
            let expected: KernelClass?
            var nodes = 1
            switch probe {
            case let .conv(e, _, _, _, k, s):
                expected = .of(k == 1 && s == 1 ? .convPointwise : .convGeneral, int8: e == .int8)
            case let .depthwise(e, _, _, k, _): expected = .of(k <= 3 ? .depthwise3x3 : .depthwise5x5, int8: e == .int8)
            case let .fullyConnected(e, _, _): expected = .of(.fullyConnected, int8: e == .int8)
            case let .add(e, _, _): expected = .of(.elementwise, int8: e == .int8)
            case let .maxPool(e, _, _): expected = .of(.pooling, int8: e == .int8)
            case let .chain(n): expected = .elementwise; nodes = n
            case let .convMaxPool(e, _, _, _, _):
                // The int8 pair is fused: the convolution keeps its sums for the pool.
                XCTAssertEqual(workload.nodes.map(\.kernelClass), [.of(.convGeneral, int8: e == .int8), .of(.pooling, int8: e == .int8)])
                XCTAssertEqual(workload.nodes.map(\.sumsKeptForPool), [e == .int8, false], "\(probe)")
                expected = .of(.convGeneral, int8: e == .int8); nodes = 2
            case let .sequence(e):
                // 1x1 expansion, depthwise 3x3, 1x1 projection, ADD, max pool, 3x3 convolution.
                let classes: [KernelClass] = [.convPointwise, .depthwise3x3, .convPointwise, .elementwise, .pooling, .convGeneral]
                XCTAssertEqual(workload.nodes.map(\.kernelClass), classes.map { .of($0, int8: e == .int8) }, "\(probe)")
                expected = .of(.convPointwise, int8: e == .int8); nodes = 6
            }
            XCTAssertEqual(workload.nodes.count, nodes, "\(probe)")
            XCTAssertEqual(workload.nodes.first?.kernelClass, expected, "\(probe)")
            XCTAssertGreaterThan(workload.nodes.first?.work ?? 0, 0, "\(probe)")
        }
        // Every kernel class is measured, in float32 and int8.
        let measured = Set(try KernelCalibration.standardProbeList.compactMap {
            try ModelWorkload.inspect(Model(data: $0.modelData)).nodes.first?.kernelClass
        })
        XCTAssertEqual(measured, Set(KernelClass.allCases))
    }

    func testProbeModelsRunAndGiveFiniteOutputs() throws {
        for probe in [CalibrationGraph.Probe.conv(.int8, size: 8, channels: 16, outputs: 8, kernel: 3, stride: 2),
                      .depthwise(.float32, size: 8, channels: 16, kernel: 5, stride: 1), .fullyConnected(.int8, inputs: 64, outputs: 16)] {
            let interpreter = try Interpreter(modelData: probe.modelData)
            try interpreter.allocateTensors()
            try interpreter.invoke()
            let output = try interpreter.output(at: 0)
            XCTAssertGreaterThan(output.data.count, 0, "\(probe)")
        }
    }

    // MARK: Fit

    /// Measurements of a device whose classes follow known laws exactly.
    private func scriptedMeasurements() -> [ProbeMeasurement] {
        var m = [ProbeMeasurement(probe: "chain 1", kernelClass: nil, nodes: 1, work: 0, outputs: 0, nanoseconds: 300,
                                  spread: 0.1, prepareNanoseconds: 21_000, parameters: 0),
                 ProbeMeasurement(probe: "chain 16", kernelClass: nil, nodes: 16, work: 0, outputs: 0, nanoseconds: 1800,
                                  spread: 0.1, prepareNanoseconds: 36_000, parameters: 0)]
        // invoke = 200 ns, node = 100 ns; conv 1x1: 500 + 0.02·work + 0.3·outputs; element-wise: 50 + 0.2·work.
        for (work, outputs) in [(4096, 256), (262_144, 16_384), (221_184, 1536), (1_048_576, 4096)] {
            m.append(ProbeMeasurement(probe: "conv", kernelClass: .convPointwise, nodes: 1, work: work, outputs: outputs,
                                      nanoseconds: 200 + 500 + 0.02 * Double(work) + 0.3 * Double(outputs), spread: 0.05,
                                      prepareNanoseconds: 20_000 + 1000 + 3 * Double(work / 16), parameters: work / 16))
        }
        for work in [32, 4096, 16_384] {
            m.append(ProbeMeasurement(probe: "add", kernelClass: .elementwise, nodes: 1, work: work, outputs: work,
                                      nanoseconds: 200 + 50 + 0.2 * Double(work), spread: 0.3, prepareNanoseconds: 21_000,
                                      parameters: 0))
        }
        return m
    }

    func testTheFitRecoversTheDevicesLaws() throws {
        let c = KernelCalibration.fit(scriptedMeasurements(), rounds: 5)
        XCTAssertEqual(c.invokeOverheadNanoseconds, 200, accuracy: 1e-6)
        XCTAssertEqual(c.nodeOverheadNanoseconds, 100, accuracy: 1e-6)
        let conv = try XCTUnwrap(c.cost(of: .convPointwise))
        XCTAssertEqual(conv.fixedNanoseconds, 500, accuracy: 1e-3)
        XCTAssertEqual(conv.nanosecondsPerWork, 0.02, accuracy: 1e-9)
        XCTAssertEqual(conv.nanosecondsPerOutput, 0.3, accuracy: 1e-6)
        let add = try XCTUnwrap(c.cost(of: .elementwise))
        XCTAssertEqual(add.nanosecondsPerWork + add.nanosecondsPerOutput, 0.2, accuracy: 1e-6)   // work = outputs: one term
        XCTAssertEqual(add.fixedNanoseconds, 50, accuracy: 1e-3)
        XCTAssertEqual(c.startup.fixedNanoseconds, 20_000, accuracy: 1)
        XCTAssertEqual(c.startup.nanosecondsPerNode, 1000, accuracy: 1)
        XCTAssertEqual(c.startup.nanosecondsPerParameter, 3, accuracy: 1e-6)
        XCTAssertTrue(c.isValid)
        XCTAssertEqual(c.medianSpread, 0.1, accuracy: 1e-9)
        // Unmeasured classes fall back to a measured one of the same kind (depthwise 5×5 → 3×3), or the node overhead.
        XCTAssertEqual(c.nanoseconds(NodeWork(op: "DEPTHWISE_CONV_2D", kernelClass: .depthwise5x5, work: 10, outputs: 1)), 100)
        XCTAssertEqual(c.nanoseconds(NodeWork(op: "MAX_POOL_2D", kernelClass: .pooling, work: 1000, outputs: 250)), 50 + 200, accuracy: 1e-3)
    }

    func testNonNegativeFitDropsTermsThatWouldBeNegative() {
        // y = 2x exactly, plus one point that pulls the intercept below zero.
        let rows: [[Double]] = [[1, 10], [1, 20], [1, 40], [1, 80]]
        let targets: [Double] = [18, 40, 80, 160]
        let c = KernelCalibration.nonNegativeFit(rows, targets, required: 1)
        XCTAssertEqual(c[0], 0)
        XCTAssertEqual(c[1], 2, accuracy: 0.1)
        XCTAssertNil(KernelCalibration.leastSquares([[1, 1], [2, 2]], [1, 2]))   // singular
    }

    func testPredictionSumsTheNodesByClassPlusOverheads() {
        let calibration = F.calibration()
        let workload = ModelWorkload(nodes: [
            NodeWork(op: "CONV_2D", kernelClass: .convGeneral, work: 10_000, outputs: 100),
            NodeWork(op: "RESHAPE", kernelClass: nil, work: 0, outputs: 100),
            NodeWork(op: "FULLY_CONNECTED", kernelClass: .fullyConnectedInt8, work: 1000, outputs: 10),
        ], parameters: 5000, arenaBytes: 0)
        let e = calibration.predict(workload)
        XCTAssertTrue(e.isCalibrated)
        // invoke 2000 + reshape 500 + conv (1000 + 1000 + 100) + fc (1000 + 100 + 10).
        XCTAssertEqual(e.total, .nanoseconds(2000 + 500 + 2100 + 1110))
        XCTAssertEqual(e.byClass[.convGeneral], .nanoseconds(2100))
        XCTAssertEqual(e.overhead, .nanoseconds(2500))
        XCTAssertEqual(calibration.predictStartup(workload), .nanoseconds(100_000 + 10_000 + 3000))
        // A device twice as slow predicts twice the time.
        XCTAssertEqual(calibration.scaled(by: 2).predict(workload).total, .nanoseconds(2 * (2000 + 500 + 2100 + 1110)))
        // The in-model factors scale the kernels of their element type (by their square root), not the overheads.
        var inModel = calibration
        inModel.inModelFactors = [InModelFactor(element: "float32", measuredNanoseconds: 1200, predictedNanoseconds: 1000),
                                  InModelFactor(element: "int8", measuredNanoseconds: 50_000, predictedNanoseconds: 1000)]
        XCTAssertEqual(inModel.inModelFactors.map(\.factor), [1.2, 2], "bounded to 2")
        XCTAssertEqual(inModel.inModelFactor(of: .convGeneral), 1.2.squareRoot(), accuracy: 1e-12)
        let expected: Double = 2000 + 500 + 2100 * 1.2.squareRoot() + 1110 * 2.0.squareRoot()
        XCTAssertEqual(Benchmarks.seconds(inModel.predict(workload).total) * 1e9, expected, accuracy: 1)
        XCTAssertEqual(InModelFactor(element: "int8", measuredNanoseconds: 0, predictedNanoseconds: 1000).factor, 1)
        XCTAssertEqual(InModelFactor(element: "int8", measuredNanoseconds: 10, predictedNanoseconds: .nan).factor, 1)
        // A convolution whose sums a max pool takes pays the kept-sum cost of the pair with the nearest K, not its per-output term.
        var fused = calibration
        fused.keptSumSamples = [KeptSumSample(probe: "K 9", reduction: 9, measuredNanoseconds: 0, fittedNanoseconds: 0, nanosecondsPerKeptSum: 3),
                                KeptSumSample(probe: "K 144", reduction: 144, measuredNanoseconds: 0, fittedNanoseconds: 0, nanosecondsPerKeptSum: 0.5)]
        var keeps = NodeWork(op: "CONV_2D", kernelClass: .convGeneral, work: 10_000, outputs: 100, sumsKeptForPool: true)
        XCTAssertEqual(fused.nanoseconds(keeps), 1000 + 1000 + 100 * 0.5)      // K = 100: 144 / 100 is nearer than 100 / 9
        keeps.work = 1_000                                                       // K = 10: the K = 9 pair
        XCTAssertEqual(fused.nanoseconds(keeps), 1000 + 100 + 100 * 3)
        keeps.work = 20_000                                                      // K = 200: the K = 144 pair
        XCTAssertEqual(fused.nanoseconds(keeps), 1000 + 2000 + 100 * 0.5)
        XCTAssertEqual(fused.scaled(by: 2).nanoseconds(keeps), 2 * (1000 + 2000 + 100 * 0.5))
        // Non-finite numbers from a damaged cache never crash a prediction.
        var broken = calibration
        broken.classes[0].nanosecondsPerWork = .nan
        XCTAssertFalse(broken.isValid)
        _ = broken.predict(ModelWorkload(nodes: [NodeWork(op: "CONV_2D", kernelClass: broken.classes[0].kernelClass, work: .max, outputs: .max)],
                                         parameters: .max, arenaBytes: 0))
    }

    func testCostModelUsesTheCalibrationOnlyWithAWorkload() {
        var profile = F.profile()
        let plain = F.candidate("plain", megaMACs: 1, accuracy: 0.99)
        let withWork = F.workloadCandidate("work", nodes: 3, macs: 100_000, accuracy: 0.99)
        XCTAssertFalse(CostModel().estimate(withWork, profile: profile, threads: 1).isCalibrated)
        profile.calibration = F.calibration()
        XCTAssertFalse(CostModel().estimate(plain, profile: profile, threads: 1).isCalibrated)
        let e = CostModel().estimate(withWork, profile: profile, threads: 1)
        XCTAssertTrue(e.isCalibrated)
        // 2000 + 3 × (1000 + 10_000 + 1000).
        XCTAssertEqual(e.total, .nanoseconds(2000 + 3 * 12_000))
        XCTAssertNotNil(CostModel().predictStartup(withWork, profile: profile))
        XCTAssertNil(CostModel().predictStartup(plain, profile: profile))
    }

    // MARK: Workloads of real models

    func testWorkloadOfTheSmallCNNFollowsItsPreparedGraph() throws {
        let catalog = try ModelCatalog.load(path: F.weights.path).withWorkloads()
        let small = try XCTUnwrap(catalog.candidates.first { $0.name == "mnist_small_cnn" })
        let w = try XCTUnwrap(small.workload)
        XCTAssertEqual(w.nodes.map(\.kernelClass), [.convGeneral, .pooling, .convGeneral, .pooling, nil, .fullyConnected, .fullyConnected,
                                                    .elementwise])
        XCTAssertEqual(w.nodes.filter { $0.kernelClass?.countsMACs ?? false }.reduce(0) { $0 + $1.work }, small.macs.conv)
        XCTAssertEqual(w.nodes[1].work, 13 * 13 * 16 * 4)   // 2×2 max pool: output elements × window
        XCTAssertEqual(w.nodes[5].weights, 64 * 800)
        XCTAssertEqual(w.nodes[5].outputChannels, 64)
        XCTAssertEqual(w.nodes[0].taps, 9)
        XCTAssertEqual(w.arenaBytes, small.arenaBytes)
        let int8 = try XCTUnwrap(catalog.candidates.first { $0.name == "mnist_small_cnn_int8" }?.workload)
        XCTAssertEqual(int8.nodes.first?.kernelClass, .convGeneralInt8)
        // The engine fuses each int8 convolution with its max pool: the convolutions keep their sums.
        XCTAssertEqual(int8.nodes.map(\.sumsKeptForPool), [true, false, true, false, false, false, false, false])
        XCTAssertFalse(w.nodes.contains(where: \.sumsKeptForPool), "float models are not fused")
        // MobileNetV2: 1×1 convolutions are pointwise, depthwise 3×3 its own class, residual ADDs element-wise.
        let mobile = try XCTUnwrap(catalog.candidates.first { $0.name == "mnist_mobilenet_v2_32_float32" }?.workload)
        XCTAssertEqual(mobile.nodes.count, 29)
        XCTAssertTrue(mobile.nodes.contains { $0.kernelClass == .convPointwise })
        XCTAssertTrue(mobile.nodes.contains { $0.kernelClass == .depthwise3x3 })
        XCTAssertEqual(mobile.nodes.filter { $0.op == "ADD" }.count, 4)
        // float16: the weights are dequantized once at prepare (folded), and the convolutions still pack them.
        let half = try XCTUnwrap(catalog.candidates.first { $0.name == "mnist_vgg_32_float16" }?.workload)
        let full = try XCTUnwrap(catalog.candidates.first { $0.name == "mnist_vgg_32_float32" }?.workload)
        XCTAssertGreaterThan(half.foldedBytes, 4 * 500_000)
        XCTAssertEqual(full.foldedBytes, 0)
        XCTAssertEqual(half.nodes.map(\.weights), full.nodes.map(\.weights))
    }

    /// A large int8 ADD, SUB, MUL or SQUARED_DIFFERENCE keeps a 64 KiB table
    /// of every input pair in the integer flavours; a MUL the swish fusion
    /// turned into a 256-entry lookup keeps none (EfficientNet-B0 int8),
    /// nor one whose lookup the convolution before it applies as it stores
    /// (`storedByProducer`: no work of its own).
    func testPairTablesAreCountedExceptForSwishMultiplies() throws {
        let large = TFLiteEngineBuild.int8PairTableMinimumElements
        let add = NodeWork(op: "ADD", kernelClass: .elementwiseInt8, work: large, outputs: large)
        let swish = NodeWork(op: "MUL", kernelClass: .elementwiseInt8, work: large, outputs: large, readsByteTable: true)
        let small = NodeWork(op: "MUL", kernelClass: .elementwiseInt8, work: large - 1, outputs: large - 1)
        XCTAssertEqual(CostModel.kernelBytes(add), TFLiteEngineBuild.integerMultiplyAdd ? TFLiteEngineBuild.int8PairTableBytes : 0)
        XCTAssertEqual(CostModel.kernelBytes(swish), 0)
        XCTAssertEqual(CostModel.kernelBytes(small), 0)
        let path = F.repoRoot.appendingPathComponent("Tests/TFLiteEngineTests/Fixtures/zoo/efficientnetb0_int8.tflite").path
        let workload = try ModelWorkload.inspect(modelPath: path)
        let fused = workload.nodes.filter(\.readsByteTable)
        let stored = workload.nodes.filter { $0.op == "MUL" && $0.kernelClass == nil && $0.work == 0 }
        XCTAssertGreaterThan(fused.count + stored.count, 0, "no swish MUL of EfficientNet-B0 int8 was fused")
        XCTAssertTrue((fused + stored).allSatisfy { $0.op == "MUL" && CostModel.kernelBytes($0) == 0 })
    }

    /// A MUL then ADD by per-channel constants (DenseNet's batch
    /// normalisations) that the engine fused counts the fused node's tables
    /// (a row of 256 per channel; above 64 channels blocks of 256 × 256
    /// outside the VNNI flavour)
    /// and no work for the skipped node.
    func testFusedChainsCountTheirTables() throws {
        XCTAssertEqual(TFLiteEngineBuild.quantizedChainTableBytes(period: 1), 256)
        XCTAssertEqual(TFLiteEngineBuild.quantizedChainTableBytes(period: 64), 64 * 256)
        // Above 64 channels: rows by channel where there is a byte lookup
        // (the VNNI flavour, `vpermi2b`), else 256 × 256 blocks.
        XCTAssertEqual(TFLiteEngineBuild.quantizedChainTableBytes(period: 300),
                       TFLiteEngineBuild.flavour == "avx512-vnni" ? 300 * 256 : 2 * 65536)
        let chained = NodeWork(op: "ADD", kernelClass: .elementwiseInt8, work: 1 << 20, outputs: 1 << 20, readsByteTable: true,
                               tableBytes: 4096)
        XCTAssertEqual(CostModel.kernelBytes(chained), 4096)
        let path = F.repoRoot.appendingPathComponent("Tests/TFLiteEngineTests/Fixtures/zoo/densenet121_int8.tflite").path
        let workload = try ModelWorkload.inspect(modelPath: path)
        let fused = workload.nodes.filter { $0.tableBytes > 0 }
        // (The fixture's reduced widths and sizes: fused in the integer flavours, where the tables'
        // build costs what two pair tables would; in the others only where it costs no more than a run.)
        if TFLiteEngineBuild.integerMultiplyAdd { XCTAssertGreaterThan(fused.count, 0, "no chain of DenseNet-121 int8 was fused") }
        XCTAssertTrue(fused.allSatisfy { $0.op == "ADD" && $0.readsByteTable && CostModel.kernelBytes($0) == $0.tableBytes })
        let skipped = workload.nodes.filter { $0.op == "MUL" && $0.kernelClass == nil && $0.work == 0 }
        XCTAssertEqual(skipped.count, fused.count, "skipped MULs")
    }

    func testMemoryPredictionCountsPackedPanelsTablesAndFoldedWeights() {
        let lanes = TFLiteEngineBuild.floatLanes
        // A 1×1 float conv with N = 10 > lanes? Panels of nr columns, zero past N, one bias row.
        let n = 10, k = 16
        let nr = n > lanes ? 2 * lanes : lanes
        let panels = (n + nr - 1) / nr
        let pointwise = NodeWork(op: "CONV_2D", kernelClass: .convPointwise, work: 64 * n * k, outputs: 64 * n, weights: n * k,
                                 outputChannels: n, taps: 1)
        XCTAssertEqual(CostModel.kernelBytes(pointwise), panels * nr * (k + 1) * 4)
        // A 3×3 conv adds an offset table: 8 bytes per tap per output pixel, rounded up to micro-tiles of 6 rows.
        let general = NodeWork(op: "CONV_2D", kernelClass: .convGeneral, work: 0, outputs: 64 * n, weights: n * k * 9,
                               outputChannels: n, taps: 9)
        XCTAssertEqual(CostModel.kernelBytes(general), panels * nr * (9 * k + 1) * 4 + 66 * 9 * 8)
        // int8 fully connected reads its weights in place, except in the builds with integer
        // multiply-add, which pack them like a 1×1 convolution (16 columns, K in pairs).
        let fc = NodeWork(op: "FULLY_CONNECTED", kernelClass: .fullyConnectedInt8, work: 1000, outputs: 10, weights: 1000,
                          outputChannels: 10, taps: 1)
        if TFLiteEngineBuild.integerMultiplyAdd {
            XCTAssertGreaterThanOrEqual(CostModel.kernelBytes(fc), 16 * 100)
        } else {
            XCTAssertLessThan(CostModel.kernelBytes(fc), 1000)
        }
        // The file counts only for weights read in place at invoke (the engine drops its pages after
        // prepare): the float 3×3 conv's are packed, the depthwise filter's are read in place.
        var packed = general
        packed.fileWeightBytes = n * k * 9 * 4
        var depthwise = NodeWork(op: "DEPTHWISE_CONV_2D", kernelClass: .depthwise3x3, work: 64 * n * 9, outputs: 64 * n, weights: n * 9,
                                 outputChannels: n, taps: 9)
        depthwise.fileWeightBytes = n * 9 * 4
        XCTAssertEqual(CostModel.releasedFileBytes(packed), packed.fileWeightBytes)
        XCTAssertEqual(CostModel.releasedFileBytes(depthwise), 0)
        var c = F.candidate("m", megaMACs: 1, accuracy: 0.9)
        c.workload = ModelWorkload(nodes: [pointwise, packed, depthwise], parameters: 0, arenaBytes: 5000, foldedBytes: 7000,
                                   keptSumBytes: 300)
        c.arenaBytes = nil
        let kernels = [pointwise, packed, depthwise].reduce(0) { $0 + CostModel.kernelBytes($1) + CostModel.nodeBytes($1) }
        XCTAssertEqual(CostModel().predictMemory(c), depthwise.fileWeightBytes + 5000 + 7000 + 300 + kernels)
        // A catalog's arena measured in another build flavour: the arena this build plans counts.
        c.arenaBytes = 1234
        XCTAssertEqual(CostModel().predictMemory(c), depthwise.fileWeightBytes + 5000 + 7000 + 300 + kernels)
        XCTAssertEqual(CostModel().predictedArenaBytes(c), 5000)
    }

    func testTheStandardCalibrationMeasuresSomething() {
        // Real kernels, tiny budget: only that it produces a usable fit (no timing assertions).
        let c = KernelCalibration.measure([.chain(count: 1), .chain(count: 16), .conv(.float32, size: 4, channels: 8, outputs: 8, kernel: 1, stride: 1),
                                           .conv(.float32, size: 8, channels: 8, outputs: 8, kernel: 1, stride: 1), .sequence(.float32)],
                                          budget: .milliseconds(5), rounds: 2)
        XCTAssertEqual(c.probes.count, 4, "the sequence is not a probe of the fit")
        XCTAssertEqual(c.inModelFactors.map(\.element), ["float32"])
        XCTAssertTrue(c.inModelFactors.allSatisfy { $0.measuredNanoseconds > 0 && $0.predictedNanoseconds > 0 }, "\(c.inModelFactors)")
        XCTAssertTrue(c.isValid, "\(c)")
        XCTAssertNotNil(c.cost(of: .convPointwise))
        XCTAssertTrue(c.probes.allSatisfy { $0.nanoseconds > 0 })
    }
}
