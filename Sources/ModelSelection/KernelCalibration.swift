import TFLiteEngine
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How long this engine's own kernels take on this device, measured by
/// running them: the part of `DeviceProfile` that predicts latency.
///
/// `measure` builds small single-operator models in memory
/// (`CalibrationGraph`: 1×1 and 3×3 convolutions, 3×3 and 5×5 depthwise,
/// fully connected, element-wise ADD, max pooling, each in float32 and int8,
/// at a few sizes like those of real models), prepares them with the engine
/// and times their invokes in several short rounds (interleaved, so a burst
/// of load hits every probe a little rather than one probe a lot), in the
/// thread's CPU time (time spent waiting for a core does not count); a
/// probe's time is the median of the rounds' median invokes, its spread the
/// range of the round medians relative to their median. (The median round,
/// not the smallest: one disturbed round does not move it either, and on a
/// host whose speed swings by a third from minute to minute the smallest
/// round is the luckiest moment, which the median latency a model is
/// measured and used at never reaches: with it the portable flavour's
/// predictions were 13–30% under the measured medians.) A
/// chain of one-element ADDs gives the fixed cost of an invoke and of a node.
///
/// Each kernel class is then fitted (`ClassCost`) as
///
///     time(node) = fixed + work × perWork + outputs × perOutput + secondary × perSecondary
///
/// (work: multiply-accumulates, or element operations for element-wise
/// and pooling nodes; secondary: see `NodeWork.secondary`), with
/// non-negative terms, minimising the relative error over the class's probes. A model's predicted latency is the invoke
/// overhead plus the sum over the nodes its prepared graph runs
/// (`ModelWorkload`), the kernels' part times the in-model factor of their
/// element type (`InModelFactor`: a sequence of different kernels, timed as
/// one model, over the sum of its nodes' fitted costs — in a model a node
/// runs right after other kernels, not warm from repeating itself — shrunk
/// halfway to 1, see ``inModelFactor(of:)``); nodes
/// without arithmetic (RESHAPE) cost the node overhead. Loading a model (`predictStartup`) is fitted on the probes'
/// load-and-prepare times: fixed + per weight + per node.
public struct KernelCalibration: Codable, Hashable, Sendable {
    /// Bumped when the probes or the fit change (part of `DeviceProfile.buildKey`).
    public static let formatVersion = 7

    /// Timed rounds per probe.
    public var rounds: Int
    /// Fixed cost of one `invoke()` (the interpreter's own work), nanoseconds.
    public var invokeOverheadNanoseconds: Double
    /// Fixed cost of one node that does (almost) nothing, nanoseconds.
    public var nodeOverheadNanoseconds: Double
    /// One fit per kernel class.
    public var classes: [ClassCost]
    /// Loading and preparing a model.
    public var startup: StartupCost
    /// What was measured.
    public var probes: [ProbeMeasurement]
    /// How much longer kernels take inside a model than repeated alone, per element type.
    public var inModelFactors: [InModelFactor]
    /// What an int8 convolution that keeps its Int32 sums for the max pool
    /// reading them (`NodeWork.sumsKeptForPool`) costs per output element in
    /// place of its class's per-output term (which is mostly the
    /// requantization it skips), measured on convolution + max-pool pairs of
    /// reductions K = 9, 144 and 576: the part of each pair's time that its
    /// two nodes' fits without that term leave unexplained, per convolution
    /// output. A node takes the value of the pair whose K is nearest its own
    /// (in ratio): at K = 9 the multiply-adds cost more per MAC than the
    /// class's fit, dominated by longer reductions, says (about 0.3 ns an
    /// output on the build machine), at K ≥ 144 the pairs leave almost
    /// nothing unexplained.
    public var keptSumSamples: [KeptSumSample] = []

    /// The cost per kept sum (see ``keptSumSamples``) of a convolution with
    /// reduction length `reduction` (multiply-accumulates per output); 0
    /// without samples.
    public func nanosecondsPerKeptSum(reduction: Double) -> Double {
        let k = max(reduction, 1)
        func ratio(_ s: KeptSumSample) -> Double { let r = max(s.reduction, 1); return max(r / k, k / r) }
        return keptSumSamples.min { ratio($0) < ratio($1) }?.nanosecondsPerKeptSum ?? 0
    }

    /// A calibration from its parts (tests, cached profiles); ``measure(budget:rounds:)`` measures one.
    public init(rounds: Int, invokeOverheadNanoseconds: Double, nodeOverheadNanoseconds: Double,
                classes: [ClassCost], startup: StartupCost, probes: [ProbeMeasurement], inModelFactors: [InModelFactor] = []) {
        self.inModelFactors = inModelFactors
        self.rounds = rounds
        self.invokeOverheadNanoseconds = invokeOverheadNanoseconds
        self.nodeOverheadNanoseconds = nodeOverheadNanoseconds
        self.classes = classes
        self.startup = startup
        self.probes = probes
    }

    /// The fit of `kernelClass`, if it was measured.
    public func cost(of kernelClass: KernelClass) -> ClassCost? {
        classes.first { $0.kernelClass == kernelClass }
    }

    /// Median relative spread of the probes' round medians (how repeatable the measurement was).
    public var medianSpread: Double {
        median(probes.map(\.spread)) ?? 0
    }

    /// Predicted nanoseconds of one node.
    public func nanoseconds(_ node: NodeWork) -> Double {
        guard let kernelClass = node.kernelClass else { return nodeOverheadNanoseconds }
        guard let cost = cost(of: kernelClass) ?? fallbackCost(for: kernelClass) else { return nodeOverheadNanoseconds }
        // A convolution whose sums a max pool takes pays per kept sum instead of its class's per-output term.
        let kept = node.sumsKeptForPool
        let keptSums = kept ? nanosecondsPerKeptSum(reduction: Double(node.work) / Double(max(node.outputs, 1))) * Double(node.outputs) : 0
        return max(cost.nanoseconds(work: node.work, outputs: kept ? 0 : node.outputs, secondary: node.secondary) + keptSums,
                   nodeOverheadNanoseconds)
    }

    /// A measured class that stands in for an unmeasured one (same kind, other element type).
    private func fallbackCost(for kernelClass: KernelClass) -> ClassCost? {
        let order: [KernelClass]
        switch kernelClass {
        case .depthwise5x5: order = [.depthwise3x3]
        case .depthwise5x5Int8: order = [.depthwise3x3Int8]
        case .convPointwise: order = [.convGeneral]
        case .convPointwiseInt8: order = [.convGeneralInt8]
        case .pooling: order = [.elementwise]
        case .poolingInt8: order = [.elementwiseInt8]
        default: order = []
        }
        return order.lazy.compactMap { self.cost(of: $0) }.first
    }

    /// The factor applied to `kernelClass`'s nodes: the square root of the
    /// in-model factor measured for its element type (1 when not measured).
    /// One six-node sequence is one sample of how nodes behave in a model, and
    /// it carries the fit's error for its own shapes: applied in full, a
    /// float32 factor of 1.2–1.3 put the fourteen fixture and digit models'
    /// float predictions 4–31% over their measured times; halfway (in log
    /// terms) to 1, −9% to +12%, while the int8 factor (0.99 in the same
    /// runs, 1.07 when it was introduced) changes the int8 predictions by
    /// under 3%.
    public func inModelFactor(of kernelClass: KernelClass) -> Double {
        let element = (kernelClass.isInt8 ? CalibrationGraph.Element.int8 : .float32).rawValue
        guard let factor = inModelFactors.first(where: { $0.element == element })?.factor, factor.isFinite, factor > 0 else { return 1 }
        return factor.squareRoot()
    }

    /// Predicted latency of one invoke of `workload`, with its parts: each
    /// node's cost (``nanoseconds(_:)``, its kernel alone) times the in-model
    /// factor of its class.
    public func predict(_ workload: ModelWorkload) -> LatencyEstimate {
        var byClass: [KernelClass: Double] = [:]
        var overhead = invokeOverheadNanoseconds
        for node in workload.nodes {
            let ns = nanoseconds(node)
            if let c = node.kernelClass { byClass[c, default: 0] += ns * inModelFactor(of: c) } else { overhead += ns }
        }
        let total = byClass.values.reduce(overhead, +)
        return LatencyEstimate(total: duration(nanoseconds: total), byClass: byClass.mapValues { duration(nanoseconds: $0) },
                               overhead: duration(nanoseconds: overhead), isCalibrated: true)
    }

    /// Predicted time to load and prepare `workload`'s model (not counting its first invoke).
    public func predictStartup(_ workload: ModelWorkload) -> Duration {
        let ns = startup.fixedNanoseconds + startup.nanosecondsPerParameter * Double(workload.parameters)
            + startup.nanosecondsPerNode * Double(workload.nodes.count)
        return duration(nanoseconds: ns)
    }

    /// The calibration of a device `factor` times slower at everything (every time scaled).
    public func scaled(by factor: Double) -> KernelCalibration {
        var copy = self
        copy.invokeOverheadNanoseconds *= factor
        copy.nodeOverheadNanoseconds *= factor
        copy.keptSumSamples = keptSumSamples.map { sample in
            var scaled = sample
            scaled.measuredNanoseconds *= factor
            scaled.fittedNanoseconds *= factor
            scaled.nanosecondsPerKeptSum *= factor
            return scaled
        }
        copy.classes = classes.map { c in
            ClassCost(kernelClass: c.kernelClass, fixedNanoseconds: c.fixedNanoseconds * factor,
                      nanosecondsPerWork: c.nanosecondsPerWork * factor, nanosecondsPerOutput: c.nanosecondsPerOutput * factor,
                      nanosecondsPerSecondary: c.nanosecondsPerSecondary * factor)
        }
        copy.startup = StartupCost(fixedNanoseconds: startup.fixedNanoseconds * factor,
                                   nanosecondsPerParameter: startup.nanosecondsPerParameter * factor,
                                   nanosecondsPerNode: startup.nanosecondsPerNode * factor)
        return copy
    }

    /// Whether every number is finite and non-negative (a cached calibration that is not is measured again).
    public var isValid: Bool {
        var numbers = [invokeOverheadNanoseconds, nodeOverheadNanoseconds, startup.fixedNanoseconds,
                       startup.nanosecondsPerParameter, startup.nanosecondsPerNode]
        numbers += keptSumSamples.map(\.nanosecondsPerKeptSum)
        for c in classes { numbers += [c.fixedNanoseconds, c.nanosecondsPerWork, c.nanosecondsPerOutput, c.nanosecondsPerSecondary] }
        return !classes.isEmpty && rounds > 0 && numbers.allSatisfy { $0.isFinite && $0 >= 0 }
    }

    // MARK: Measuring

    /// The probes `measure` times by default: each class at four to six
    /// sizes spanning those of small vision models (4–32 px, 1–256 channels,
    /// few and many output channels), in float32 and int8, and the overhead chains.
    public static var standardProbes: [String] { standardProbeList.map(\.description) }

    static let standardProbeList: [CalibrationGraph.Probe] = {
        var probes: [CalibrationGraph.Probe] = [
            .chain(count: 1), .chain(count: 16), .sequence(.float32), .sequence(.int8),
            // The int8 convolution + max-pool fusion (VGG-style blocks, the digit models).
            .convMaxPool(.int8, size: 28, channels: 1, outputs: 16, kernel: 3),
            .convMaxPool(.int8, size: 16, channels: 16, outputs: 32, kernel: 3),
            .convMaxPool(.int8, size: 8, channels: 64, outputs: 64, kernel: 3),
        ]
        for e in [CalibrationGraph.Element.float32, .int8] {
            probes += [
                .conv(e, size: 4, channels: 16, outputs: 16, kernel: 1, stride: 1),
                .conv(e, size: 32, channels: 16, outputs: 16, kernel: 1, stride: 1),
                .conv(e, size: 16, channels: 16, outputs: 64, kernel: 1, stride: 1),
                .conv(e, size: 8, channels: 96, outputs: 24, kernel: 1, stride: 1),
                .conv(e, size: 16, channels: 32, outputs: 8, kernel: 1, stride: 1),
                .conv(e, size: 4, channels: 64, outputs: 256, kernel: 1, stride: 1),
                .conv(e, size: 4, channels: 8, outputs: 8, kernel: 3, stride: 1),
                .conv(e, size: 28, channels: 1, outputs: 32, kernel: 3, stride: 1),
                .conv(e, size: 32, channels: 3, outputs: 16, kernel: 3, stride: 2),
                .conv(e, size: 16, channels: 32, outputs: 32, kernel: 3, stride: 1),
                .conv(e, size: 16, channels: 16, outputs: 8, kernel: 3, stride: 2),
                .conv(e, size: 8, channels: 64, outputs: 64, kernel: 3, stride: 1),
                .depthwise(e, size: 4, channels: 32, kernel: 3, stride: 1),
                .depthwise(e, size: 32, channels: 16, kernel: 3, stride: 1),
                .depthwise(e, size: 16, channels: 64, kernel: 3, stride: 2),
                .depthwise(e, size: 16, channels: 96, kernel: 3, stride: 1),
                .depthwise(e, size: 32, channels: 8, kernel: 3, stride: 1),
                .depthwise(e, size: 4, channels: 256, kernel: 3, stride: 1),
                .depthwise(e, size: 4, channels: 32, kernel: 5, stride: 1),
                .depthwise(e, size: 16, channels: 32, kernel: 5, stride: 1),
                .depthwise(e, size: 8, channels: 96, kernel: 5, stride: 1),
                .depthwise(e, size: 8, channels: 64, kernel: 5, stride: 2),
                .depthwise(e, size: 16, channels: 8, kernel: 5, stride: 1),
                .fullyConnected(e, inputs: 1600, outputs: 128),
                .fullyConnected(e, inputs: 1024, outputs: 64),
                .fullyConnected(e, inputs: 256, outputs: 10),
                .fullyConnected(e, inputs: 64, outputs: 16),
                .add(e, size: 32, channels: 16),
                .add(e, size: 8, channels: 64),
                .add(e, size: 4, channels: 128),
                .add(e, size: 2, channels: 16),
                .maxPool(e, size: 26, channels: 32),
                .maxPool(e, size: 16, channels: 64),
                .maxPool(e, size: 8, channels: 32),
                .maxPool(e, size: 4, channels: 16),
            ]
        }
        return probes
    }()

    /// Measures the standard probes in about `budget` (at least three invokes
    /// per probe and round), `rounds` rounds.
    public static func measure(budget: Duration = .milliseconds(500), rounds: Int = 5) -> KernelCalibration {
        measure(standardProbeList, budget: budget, rounds: rounds)
    }

    /// A prepared probe and what the cost model sees of it.
    private struct Prepared {
        let probe: CalibrationGraph.Probe
        let interpreter: Interpreter
        let workload: ModelWorkload
        let prepareNanoseconds: Double
    }

    static func measure(_ probes: [CalibrationGraph.Probe], budget: Duration, rounds: Int) -> KernelCalibration {
        let clock = ContinuousClock()
        let rounds = max(1, rounds)
        var prepared: [Prepared] = []
        for probe in probes {
            let data = probe.modelData
            let start = ProcessResources.threadCPUNanoseconds()
            guard let model = try? Model(data: data),
                  let interpreter = try? Interpreter(model: model),
                  (try? interpreter.allocateTensors()) != nil else { continue }
            let prepareTime = Double(ProcessResources.threadCPUNanoseconds() &- start)
            guard let workload = try? ModelWorkload.inspect(model) else { continue }
            fillInputs(interpreter)
            // Two warm-up invokes: first touch of the arena and of the packed weights.
            guard (try? interpreter.invoke()) != nil, (try? interpreter.invoke()) != nil else { continue }
            prepared.append(Prepared(probe: probe, interpreter: interpreter, workload: workload, prepareNanoseconds: prepareTime))
        }
        let slice = Benchmarks.seconds(budget) / Double(max(1, prepared.count * rounds))
        var roundMedians = [[Double]](repeating: [], count: prepared.count)
        for _ in 0..<rounds {
            for (i, p) in prepared.enumerated() {
                roundMedians[i].append(timeRound(p.interpreter, slice: slice, clock: clock))
            }
        }
        var sequences: [(element: String, workload: ModelWorkload, nanoseconds: Double)] = []
        var pairs: [(probe: String, workload: ModelWorkload, nanoseconds: Double)] = []
        let measurements: [ProbeMeasurement] = prepared.enumerated().compactMap { i, p in
            // The median round (see the type's comment).
            let m = median(roundMedians[i]) ?? 0
            let spread = m > 0 ? ((roundMedians[i].max() ?? m) - (roundMedians[i].min() ?? m)) / m : 0
            if case let .sequence(element) = p.probe {
                sequences.append((element.rawValue, p.workload, m))
                return nil
            }
            if case .convMaxPool = p.probe {
                pairs.append((p.probe.description, p.workload, m))
                return nil
            }
            let isChain: Bool
            if case .chain = p.probe { isChain = true } else { isChain = false }
            let node = p.workload.nodes.first
            return ProbeMeasurement(
                probe: p.probe.description, kernelClass: isChain ? nil : node?.kernelClass,
                nodes: p.workload.nodes.count, work: isChain ? 0 : node?.work ?? 0, outputs: isChain ? 0 : node?.outputs ?? 0,
                secondary: isChain ? 0 : node?.secondary ?? 0,
                nanoseconds: m, spread: spread, prepareNanoseconds: p.prepareNanoseconds,
                parameters: p.workload.parameters)
        }
        var calibration = fit(measurements, rounds: rounds)
        // Per kept sum: what the pair's two fitted nodes (the convolution without its per-output term) leave unexplained.
        calibration.keptSumSamples = pairs.compactMap { pair -> KeptSumSample? in
            guard let conv = pair.workload.nodes.first(where: \.sumsKeptForPool), conv.outputs > 0 else { return nil }
            let fitted = Benchmarks.seconds(calibration.predict(pair.workload).total) * 1e9
            return KeptSumSample(probe: pair.probe, reduction: Double(conv.work) / Double(conv.outputs),
                                 measuredNanoseconds: pair.nanoseconds, fittedNanoseconds: fitted,
                                 nanosecondsPerKeptSum: max(0, pair.nanoseconds - fitted) / Double(conv.outputs))
        }
        calibration.inModelFactors = sequences.map { s in
            InModelFactor(element: s.element, measuredNanoseconds: s.nanoseconds,
                          predictedNanoseconds: Benchmarks.seconds(calibration.predict(s.workload).total) * 1e9)
        }
        return calibration
    }

    /// One round of a probe: the median, over batches of invokes, of the
    /// thread's CPU time per invoke (nanoseconds), for about `slice` seconds of
    /// wall time (at least 3 batches). CPU time, not wall time: a moment when
    /// other processes hold the cores must not end up in a profile that is
    /// cached for days (the selector's confirmation and the runner measure
    /// wall time, which is where contention belongs). A batch is about 20 µs
    /// of work; the CPU clock's own cost (`ProcessResources.threadCPUClockCost`,
    /// a system call: 1–2 µs on a KVM guest) is subtracted from each batch.
    private static func timeRound(_ interpreter: Interpreter, slice: Double, clock: ContinuousClock) -> Double {
        let deadline = clock.now + .nanoseconds(Int64(slice * 1e9))
        let cost = Double(ProcessResources.threadCPUClockCost)
        let first = ProcessResources.threadCPUNanoseconds()
        guard (try? interpreter.invoke()) != nil else { return 0 }
        let one = max(Double(ProcessResources.threadCPUNanoseconds() &- first) - cost, 1)
        let batch = max(1, min(4096, Int(20_000 / one)))
        var perInvoke: [Double] = []
        perInvoke.reserveCapacity(64)
        repeat {
            let start = ProcessResources.threadCPUNanoseconds()
            for _ in 0..<batch { _ = try? interpreter.invoke() }
            perInvoke.append(max(Double(ProcessResources.threadCPUNanoseconds() &- start) - cost, 0) / Double(batch))
        } while perInvoke.count < 3 || (clock.now < deadline && perInvoke.count < 10_000)
        return median(perInvoke) ?? 0
    }

    /// Fills every input with small deterministic values (the probes' weights are random-like too).
    private static func fillInputs(_ interpreter: Interpreter) {
        for i in 0..<interpreter.inputTensorCount {
            _ = try? interpreter.withUnsafeMutableInputBytes(at: i) { bytes in
                guard let type = try? interpreter.input(at: i).dataType else { return }
                if type == .float32 {
                    let floats = bytes.bindMemory(to: Float.self)
                    for j in floats.indices { floats[j] = Float(j % 17) / 16 - 0.5 }
                } else {
                    for j in bytes.indices { bytes[j] = UInt8(truncatingIfNeeded: j &* 37) }
                }
            }
        }
    }

    // MARK: Fitting

    /// Fits the overheads, each class and the start-up cost to `measurements`
    /// (pure arithmetic, tested with scripted measurements).
    static func fit(_ measurements: [ProbeMeasurement], rounds: Int) -> KernelCalibration {
        // Overheads from the chains: t(n) = invoke + n × node.
        let chains = measurements.filter { $0.kernelClass == nil && $0.nodes > 0 }.sorted { $0.nodes < $1.nodes }
        var node = 0.0, invoke = 0.0
        if let short = chains.first, let long = chains.last, long.nodes > short.nodes {
            node = max(0, (long.nanoseconds - short.nanoseconds) / Double(long.nodes - short.nodes))
            invoke = max(0, short.nanoseconds - node * Double(short.nodes))
        } else if let only = chains.first {
            invoke = only.nanoseconds / 2
            node = only.nanoseconds / 2 / Double(max(1, only.nodes))
        }
        var classes: [ClassCost] = []
        for kernelClass in KernelClass.allCases {
            let samples = measurements.filter { $0.kernelClass == kernelClass && $0.nanoseconds > 0 }
            guard !samples.isEmpty else { continue }
            let rows = samples.map { [1, Double($0.work), Double($0.outputs), $0.secondary] }
            let targets = samples.map { max($0.nanoseconds - invoke, 1) }
            let c = nonNegativeFit(rows, targets, required: 1)
            classes.append(ClassCost(kernelClass: kernelClass, fixedNanoseconds: c[0], nanosecondsPerWork: c[1],
                                     nanosecondsPerOutput: c[2], nanosecondsPerSecondary: c[3]))
        }
        let loads = measurements.filter { $0.prepareNanoseconds > 0 }
        let s = loads.isEmpty ? [0, 0, 0]
            : nonNegativeFit(loads.map { [1, Double($0.parameters), Double($0.nodes)] }, loads.map(\.prepareNanoseconds), required: 0)
        return KernelCalibration(rounds: rounds, invokeOverheadNanoseconds: invoke, nodeOverheadNanoseconds: node,
                                 classes: classes, startup: StartupCost(fixedNanoseconds: s[0], nanosecondsPerParameter: s[1],
                                                                        nanosecondsPerNode: s[2]),
                                 probes: measurements)
    }

    /// Least squares with non-negative coefficients, minimising the relative
    /// error (each row weighted by 1 / target): every subset of the columns
    /// that contains column `required` is solved, and the best one whose
    /// coefficients are all non-negative is kept (four columns: at most
    /// eight subsets; columns that are all zero are left out). Returns one
    /// coefficient per column (0 for unused ones).
    static func nonNegativeFit(_ rows: [[Double]], _ targets: [Double], required: Int) -> [Double] {
        let columns = rows.first?.count ?? 0
        guard columns > 0, rows.count == targets.count else { return [] }
        var best: (error: Double, coefficients: [Double])?
        let present = (0..<columns).filter { c in rows.contains { $0[c] != 0 } }
        for mask in 1..<(1 << columns) where mask & (1 << required) != 0 {
            let used = (0..<columns).filter { mask & (1 << $0) != 0 }
            guard used.allSatisfy({ present.contains($0) }) else { continue }
            guard used.count <= rows.count else { continue }
            let weighted = zip(rows, targets).map { row, t in (used.map { row[$0] / t }, 1.0) }
            guard let solution = leastSquares(weighted.map(\.0), weighted.map(\.1)), solution.allSatisfy({ $0 >= 0 }) else { continue }
            var coefficients = [Double](repeating: 0, count: columns)
            for (k, column) in used.enumerated() { coefficients[column] = solution[k] }
            let error = zip(rows, targets).reduce(0.0) { sum, pair in
                let predicted = zip(pair.0, coefficients).reduce(0) { $0 + $1.0 * $1.1 }
                let r = (predicted - pair.1) / pair.1
                return sum + r * r
            }
            if best == nil || error < best!.error - 1e-12 { best = (error, coefficients) }
        }
        if let best { return best.coefficients }
        // Nothing non-negative: the required column alone, through the origin
        // (minimises Σ (x·c / t − 1)²).
        var coefficients = [Double](repeating: 0, count: columns)
        let scaled = zip(rows, targets).map { $0[required] / $1 }
        let den = scaled.reduce(0) { $0 + $1 * $1 }
        coefficients[required] = den > 0 ? max(0, scaled.reduce(0, +) / den) : 0
        return coefficients
    }

    /// Solves the normal equations of `a x ≈ b` (Gaussian elimination with
    /// partial pivoting); nil when singular.
    static func leastSquares(_ a: [[Double]], _ b: [Double]) -> [Double]? {
        let n = a.first?.count ?? 0
        guard n > 0 else { return nil }
        var m = [[Double]](repeating: [Double](repeating: 0, count: n + 1), count: n)
        for (row, target) in zip(a, b) {
            for i in 0..<n {
                for j in 0..<n { m[i][j] += row[i] * row[j] }
                m[i][n] += row[i] * target
            }
        }
        for col in 0..<n {
            guard let pivot = (col..<n).max(by: { abs(m[$0][col]) < abs(m[$1][col]) }), abs(m[pivot][col]) > 1e-300 else { return nil }
            m.swapAt(col, pivot)
            for r in 0..<n where r != col {
                let f = m[r][col] / m[col][col]
                if f != 0 { for c in col...n { m[r][c] -= f * m[col][c] } }
            }
        }
        let x = (0..<n).map { m[$0][n] / m[$0][$0] }
        return x.allSatisfy(\.isFinite) ? x : nil
    }
}

/// The fitted time of one kernel class, nanoseconds:
/// `fixed + work × perWork + outputs × perOutput + secondary × perSecondary`
/// (see `NodeWork` for the terms).
public struct ClassCost: Codable, Hashable, Sendable {
    /// The kernel class fitted.
    public var kernelClass: KernelClass
    /// Time of a node of this class regardless of size.
    public var fixedNanoseconds: Double
    /// Time per unit of work (multiply-accumulate or element operation).
    public var nanosecondsPerWork: Double
    /// Time per output element.
    public var nanosecondsPerOutput: Double
    /// Time per unit of the class's secondary term (see `NodeWork.secondary`).
    public var nanosecondsPerSecondary: Double

    /// A fit with these coefficients.
    public init(kernelClass: KernelClass, fixedNanoseconds: Double, nanosecondsPerWork: Double, nanosecondsPerOutput: Double,
                nanosecondsPerSecondary: Double = 0) {
        self.kernelClass = kernelClass
        self.fixedNanoseconds = fixedNanoseconds
        self.nanosecondsPerWork = nanosecondsPerWork
        self.nanosecondsPerOutput = nanosecondsPerOutput
        self.nanosecondsPerSecondary = nanosecondsPerSecondary
    }

    /// The predicted time of one node of this class, nanoseconds.
    public func nanoseconds(work: Int, outputs: Int, secondary: Double = 0) -> Double {
        fixedNanoseconds + nanosecondsPerWork * Double(work) + nanosecondsPerOutput * Double(outputs) + nanosecondsPerSecondary * secondary
    }
}

/// The fitted time to load and prepare a model: `fixed + parameters × perParameter + nodes × perNode`.
public struct StartupCost: Codable, Hashable, Sendable {
    /// Time to load and prepare any model.
    public var fixedNanoseconds: Double
    /// Time per constant element (weights packed at load).
    public var nanosecondsPerParameter: Double
    /// Time per node prepared.
    public var nanosecondsPerNode: Double

    /// A fit with these coefficients.
    public init(fixedNanoseconds: Double, nanosecondsPerParameter: Double, nanosecondsPerNode: Double) {
        self.fixedNanoseconds = fixedNanoseconds
        self.nanosecondsPerParameter = nanosecondsPerParameter
        self.nanosecondsPerNode = nanosecondsPerNode
    }
}

/// One calibration probe as measured.
public struct ProbeMeasurement: Codable, Hashable, Sendable {
    /// What the probe is, e.g. `CONV_2D float32 16x16x16->64 1x1/1`.
    public var probe: String
    /// Its node's kernel class (nil for the overhead chains).
    public var kernelClass: KernelClass?
    /// Nodes the probe runs.
    public var nodes: Int
    /// The node's work, output elements and secondary term (see `NodeWork`).
    public var work: Int
    /// The node's output elements.
    public var outputs: Int
    /// The node's secondary term (see `NodeWork.secondary`).
    public var secondary: Double
    /// One invoke, nanoseconds of CPU time: the median of the round medians.
    public var nanoseconds: Double
    /// (largest − smallest round median) ÷ their median.
    public var spread: Double
    /// Loading and preparing the probe, nanoseconds (one measurement).
    public var prepareNanoseconds: Double
    /// Constant elements of the probe.
    public var parameters: Int

    /// A measurement with these values.
    public init(probe: String, kernelClass: KernelClass?, nodes: Int, work: Int, outputs: Int, secondary: Double = 0, nanoseconds: Double,
                spread: Double, prepareNanoseconds: Double, parameters: Int) {
        self.secondary = secondary
        self.probe = probe
        self.kernelClass = kernelClass
        self.nodes = nodes
        self.work = work
        self.outputs = outputs
        self.nanoseconds = nanoseconds
        self.spread = spread
        self.prepareNanoseconds = prepareNanoseconds
        self.parameters = parameters
    }
}

/// One convolution + max-pool pair of the calibration (see `KernelCalibration.keptSumSamples`).
public struct KeptSumSample: Codable, Hashable, Sendable {
    /// The probe, e.g. `CONV_2D int8 28x28x1->16 3x3/1, MAX_POOL_2D 2x2/2`.
    public var probe: String
    /// The convolution's multiply-accumulates per output (K).
    public var reduction: Double
    /// Its measured time and its two nodes' fitted time without the kept sums, nanoseconds.
    public var measuredNanoseconds: Double, fittedNanoseconds: Double
    /// The difference per convolution output (0 when the fit is the larger).
    public var nanosecondsPerKeptSum: Double
}

/// A sequence of different kernels timed as one model against the sum of
/// its nodes' fitted costs (`CalibrationGraph.sequence`): in a model each
/// node runs right after other kernels (other code, other data in the
/// caches), where a single-operator probe repeats one kernel warm.
public struct InModelFactor: Codable, Hashable, Sendable {
    /// `float32` or `int8`: the classes it applies to.
    public var element: String
    /// The sequence's invoke, nanoseconds of CPU time (smallest round median, as for every probe).
    public var measuredNanoseconds: Double
    /// The invoke overhead plus its nodes' fitted costs, nanoseconds.
    public var predictedNanoseconds: Double

    /// A factor from the two times.
    public init(element: String, measuredNanoseconds: Double, predictedNanoseconds: Double) {
        self.element = element
        self.measuredNanoseconds = measuredNanoseconds
        self.predictedNanoseconds = predictedNanoseconds
    }

    /// Measured over predicted, bounded to 0.8–2 (a disturbed measurement
    /// must not make every prediction wild); 1 when either is missing.
    public var factor: Double {
        guard measuredNanoseconds > 0, predictedNanoseconds > 0, measuredNanoseconds.isFinite, predictedNanoseconds.isFinite else { return 1 }
        return min(max(measuredNanoseconds / predictedNanoseconds, 0.8), 2)
    }
}

/// A predicted latency and where it comes from.
public struct LatencyEstimate: Sendable, Equatable {
    /// The prediction for one invoke.
    public var total: Duration
    /// The part of each kernel class.
    public var byClass: [KernelClass: Duration]
    /// Invoke and per-node overhead of nodes without arithmetic.
    public var overhead: Duration
    /// True when it comes from the kernel calibration and the model's
    /// prepared graph; false for the coarse estimate from catalog MACs.
    public var isCalibrated: Bool

    /// An estimate with these parts.
    public init(total: Duration, byClass: [KernelClass: Duration] = [:], overhead: Duration = .zero, isCalibrated: Bool) {
        self.total = total
        self.byClass = byClass
        self.overhead = overhead
        self.isCalibrated = isCalibrated
    }
}

/// A duration from nanoseconds; 0 for negative or non-finite values, at most 10^15 ns.
func duration(nanoseconds: Double) -> Duration {
    guard nanoseconds.isFinite, nanoseconds > 0 else { return .zero }
    return .nanoseconds(Int64(min(nanoseconds, 1e15)))
}

/// The median of `values` (the mean of the middle two for an even count), nil if empty.
func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    let mid = s.count / 2
    return s.count % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
