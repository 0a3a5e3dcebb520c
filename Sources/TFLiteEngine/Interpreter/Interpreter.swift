#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Runs a TFLite model.
///
/// Usage mirrors `TensorFlowLiteSwift`:
/// ```swift
/// let interpreter = try Interpreter(modelPath: "model.tflite")
/// try interpreter.allocateTensors()
/// try interpreter.copy(inputData, toInputAt: 0)
/// try interpreter.invoke()
/// let scores = try interpreter.output(at: 0).toArray(of: Float.self)
/// ```
///
/// The model is validated when the interpreter is created (all unsupported
/// operators are reported at once); `allocateTensors()` prepares every
/// operator (shape and type checks, constant folding) and plans one arena for
/// all intermediate tensors. `invoke()` neither allocates nor throws for
/// reasons the model could cause.
///
/// An interpreter is not thread-safe: use it from one thread at a time (or
/// create one interpreter per thread from a shared `Model`).
public final class Interpreter {
    /// The model this interpreter runs; shared, immutable.
    public let model: Model
    public let options: Options

    private var graph: PreparedGraph?
    private var arena: AlignedBuffer?
    private var addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>?
    private var memoryPlan: PreparedGraph.MemoryPlan?
    /// Steps whose kernels validate run-time data (checked after each invoke).
    private var checkedSteps: [PreparedGraph.Step] = []
    private let backend: ExecutionBackend
    /// A zero-filled block every zero-sized or unused tensor points to.
    private let dummy = AlignedBuffer(byteCount: 64)

    /// Interpreter settings.
    public struct Options: Equatable, Hashable, Sendable {
        /// Threads for backends that use several; nil means one.
        public var threadCount: Int?
        /// Largest arena `allocateTensors()` may create, in bytes; also the
        /// limit for constant data created at prepare (folded or densified).
        public var maximumArenaBytes: Int

        public init(threadCount: Int? = nil, maximumArenaBytes: Int = 4 << 30) {
            self.threadCount = threadCount
            self.maximumArenaBytes = maximumArenaBytes
        }
    }

    /// Loads (memory-maps) and validates the model at `modelPath`.
    public convenience init(modelPath: String, options: Options = Options()) throws {
        try self.init(model: Model(path: modelPath), options: options)
    }

    /// Validates a model held in memory (copied once).
    public convenience init(modelData: Data, options: Options = Options()) throws {
        try self.init(model: Model(data: modelData), options: options)
    }

    /// Creates an interpreter for an already loaded model. Many interpreters
    /// can share one model.
    public init(model: Model, options: Options = Options()) throws {
        let unsupported = OperatorRegistry.unsupportedOperators(in: model.def)
        guard unsupported.isEmpty else { throw InterpreterError.unsupportedOperators(unsupported) }
        self.model = model
        self.options = options
        self.backend = CPUBackend()
    }

    deinit { addresses?.deallocate() }

    /// Number of model inputs.
    public var inputTensorCount: Int { model.mainSubgraph.inputs.count }
    /// Number of model outputs.
    public var outputTensorCount: Int { model.mainSubgraph.outputs.count }
    /// Bytes of the tensor arena (0 before `allocateTensors()`).
    public var arenaByteCount: Int { memoryPlan?.totalBytes ?? 0 }
    /// Number of operators that run at invoke (after constant folding).
    public var executedOperatorCount: Int { graph?.steps.count ?? 0 }

    /// Prepares every operator and allocates the arena. Call once before `invoke()`.
    public func allocateTensors() throws {
        let graph = try PreparedGraph(model: model, maximumConstantBytes: options.maximumArenaBytes)
        try graph.prepare()
        let plan = try graph.planMemory(workers: backend.workerCount)
        guard plan.totalBytes <= options.maximumArenaBytes else {
            throw InterpreterError.allocationTooLarge(what: "the tensor arena", bytes: plan.totalBytes, limit: options.maximumArenaBytes)
        }
        let arena = AlignedBuffer(byteCount: plan.totalBytes)
        let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: max(graph.tensors.count, 1))
        for t in graph.tensors.indices {
            if let offset = plan.tensorOffsets[t] {
                addresses[t] = arena.pointer + offset
            } else if let constant = graph.tensors[t].constant {
                addresses[t] = UnsafeMutableRawPointer(mutating: constant)
            } else {
                addresses[t] = dummy.pointer
            }
        }
        for (s, step) in graph.steps.enumerated() {
            let scratch = plan.scratchOffsets[s].map { arena.pointer + $0 } ?? dummy.pointer
            step.kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch))
        }
        self.addresses?.deallocate()
        self.graph = graph
        self.arena = arena
        self.addresses = addresses
        self.memoryPlan = plan
        self.checkedSteps = graph.steps.filter { $0.kernel is RunTimeCheckedKernel }
    }

    /// Runs the model on the current inputs.
    public func invoke() throws {
        guard let graph else { throw InterpreterError.allocateTensorsRequired }
        backend.run(graph.steps)
        // Kernels that read data-dependent indices record invalid data
        // instead of throwing mid-run; report the first such node.
        for step in checkedSteps {
            if let kernel = step.kernel as? RunTimeCheckedKernel, let reason = kernel.runFailure {
                throw InterpreterError.invalidOperator(node: step.node.index, op: step.node.name, reason: reason)
            }
        }
    }

    /// The input tensor at `index` (a copy of its current bytes).
    public func input(at index: Int) throws -> Tensor {
        try tensor(graphIndex: try tensorIndex(input: index))
    }

    /// The output tensor at `index` (a copy of its current bytes).
    public func output(at index: Int) throws -> Tensor {
        let outputs = model.mainSubgraph.outputs
        guard index >= 0, index < outputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: outputs.count - 1)
        }
        return try tensor(graphIndex: outputs[index])
    }

    /// Copies `data` into the input at `index`; its size must match exactly.
    @discardableResult
    public func copy(_ data: Data, toInputAt index: Int) throws -> Tensor {
        let t = try tensorIndex(input: index)
        guard let graph, let addresses else { throw InterpreterError.allocateTensorsRequired }
        let required = graph.tensors[t].byteCount
        guard data.count == required else {
            throw InterpreterError.invalidTensorDataCount(provided: data.count, required: required)
        }
        data.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress, required > 0 { addresses[t].copyMemory(from: source, byteCount: required) }
        }
        return try tensor(graphIndex: t)
    }

    /// Gives direct access to the input at `index`'s bytes (no copy).
    public func withUnsafeMutableInputBytes<R>(at index: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> R) throws -> R {
        let t = try tensorIndex(input: index)
        guard let graph, let addresses else { throw InterpreterError.allocateTensorsRequired }
        return try body(UnsafeMutableRawBufferPointer(start: addresses[t], count: graph.tensors[t].byteCount))
    }

    /// Gives direct access to the output at `index`'s bytes (no copy).
    public func withUnsafeOutputBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let outputs = model.mainSubgraph.outputs
        guard index >= 0, index < outputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: outputs.count - 1)
        }
        guard let graph, let addresses else { throw InterpreterError.allocateTensorsRequired }
        let t = outputs[index]
        return try body(UnsafeRawBufferPointer(start: addresses[t], count: graph.tensors[t].byteCount))
    }

    private func tensorIndex(input index: Int) throws -> Int {
        let inputs = model.mainSubgraph.inputs
        guard index >= 0, index < inputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: inputs.count - 1)
        }
        return inputs[index]
    }

    private func tensor(graphIndex t: Int) throws -> Tensor {
        if let graph, let addresses {
            let slot = graph.tensors[t]
            return Tensor(
                name: slot.name, dataType: slot.type, shape: Tensor.Shape(slot.shape),
                data: Data(bytes: addresses[t], count: slot.byteCount),
                quantizationParameters: QuantizationParameters(slot.quantization))
        }
        // Before allocation: describe the tensor as declared, with no data.
        let def = model.mainSubgraph.tensors[t]
        return Tensor(
            name: def.name, dataType: def.type, shape: Tensor.Shape(def.shape), data: Data(),
            quantizationParameters: QuantizationParameters(def.quantization))
    }

    // MARK: Profiling

    /// Timing of one operator across the invokes made while profiling was on.
    public struct OperatorProfile: Sendable {
        /// Position of the operator in the model's subgraph.
        public let nodeIndex: Int
        /// Builtin name (`CONV_2D`) or custom code.
        public let operatorName: String
        /// Number of invokes timed.
        public let invocations: Int
        /// Total wall time over those invokes, in nanoseconds.
        public let totalNanoseconds: UInt64
        /// Fastest single invoke of this operator, in nanoseconds.
        public let minimumNanoseconds: UInt64
        /// Approximate multiply-adds (or element operations) per invoke.
        public let cost: Int
    }

    /// Times every operator of each `invoke()` while true (default false;
    /// when false the run loop pays one branch per invoke). Supported by the
    /// default `cpu` backend; changing it resets the profile.
    public var isProfilingEnabled: Bool {
        get { (backend as? CPUBackend)?.profiler != nil }
        set {
            guard let cpu = backend as? CPUBackend else { return }
            cpu.profiler = newValue ? StepProfiler() : nil
        }
    }

    /// Per-operator timings in execution order (empty unless profiling is on
    /// and `invoke()` ran).
    public var operatorProfile: [OperatorProfile] {
        guard let graph, let profiler = (backend as? CPUBackend)?.profiler,
              profiler.nanoseconds.count == graph.steps.count else { return [] }
        return graph.steps.enumerated().map { i, step in
            OperatorProfile(
                nodeIndex: step.node.index, operatorName: step.node.name, invocations: profiler.invocations[i],
                totalNanoseconds: profiler.nanoseconds[i], minimumNanoseconds: profiler.minimumNanoseconds[i],
                cost: step.kernel.cost)
        }
    }

    // MARK: Introspection used by tests and tools

    /// Arena requests and their placement (for overlap checks).
    var arenaPlanForTesting: (requests: [ArenaPlanner.Request], plan: ArenaPlanner.Plan)? {
        memoryPlan.map { ($0.requests, $0.plan) }
    }
    var preparedGraph: PreparedGraph? { graph }
}
