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
/// Execution is chosen with `Options.backend`: `.cpu` (one thread),
/// `.parallel` (`threadCount` threads split the output tiles of heavy
/// operators; results are bit-identical to `.cpu`), or `.delegate(d)`
/// (partitions of nodes the delegate supports run on it, the rest on the
/// CPU); `Interpreter.Backend(name:)` finds one registered by name in
/// `BackendRegistry`. `executionPlanDescription` shows the resulting plan.
///
/// Thread safety: one interpreter must not be used from two threads at
/// once. `invoke()` and `allocateTensors()` detect overlapping calls and
/// throw `InterpreterError.concurrentUse` instead of racing (the check is
/// a try-lock, so it costs nanoseconds); other accessors are not checked.
/// To run a model on several threads, create one interpreter per thread
/// from a shared `Model`: a `Model` and its shared constant data (weights,
/// folded tensors) are immutable after loading and safe to share.
public final class Interpreter {
    /// The model this interpreter runs; shared, immutable.
    public let model: Model
    /// The settings this interpreter was created with.
    public let options: Options

    /// The subgraph this interpreter runs: 0 (the main subgraph), or a
    /// signature's subgraph for a `SignatureRunner`.
    let subgraphIndex: Int
    /// Its declaration in the model.
    var entrySubgraph: SubGraphDef { model.def.subgraphs[subgraphIndex] }
    /// Input shapes set by `resizeInput(at:to:)` (nil: the declared shapes),
    /// applied by the next `allocateTensors()`.
    var requestedInputShapes: [[Int]]?

    var graph: PreparedGraph?
    /// What runs at invoke and the memory it is bound to (set by `allocateTensors()`).
    var plan: ExecutionPlan?
    /// Steps whose kernels validate run-time data (checked after each invoke).
    private var checkedSteps: [PreparedGraph.Step] = []
    /// The backend chosen by the options.
    private let plainBackend: ExecutionBackend
    /// Runs the non-delegated steps: `plainBackend`, or a `ProfilingBackend`
    /// around it while profiling.
    private var backend: ExecutionBackend
    /// Detects use from two threads at once.
    let useLock = Lock()

    /// Interpreter settings.
    ///
    /// Where nodes run follows what TensorFlowLiteSwift users expect: with
    /// no backend named, `threadCount` > 1 gives `.parallel` (bit-identical
    /// to `.cpu`), and a delegate in `delegates` gives `.delegate`. A backend
    /// named explicitly (`backend: .cpu`) is used as given.
    ///
    /// Options stay `Equatable`, `Hashable` and `Sendable`: delegates are
    /// compared by identity (the same instance), as `Backend.delegate` is.
    public struct Options: Equatable, Hashable, Sendable {
        /// Threads for backends that use several; nil means one. More than
        /// one selects `.parallel` unless a backend is named explicitly.
        public var threadCount: Int?
        /// Largest arena `allocateTensors()` may create, in bytes (with the
        /// arenas of subgraphs that WHILE and IF call, together); also the
        /// limit for constant data created at prepare (folded or densified).
        public var maximumArenaBytes: Int
        /// Where nodes run: the backend named explicitly, else `.delegate`
        /// of the first of `delegates`, else `.parallel` when `threadCount`
        /// > 1, else `.cpu`. Setting it names a backend explicitly.
        public var backend: Backend {
            get {
                if let explicitBackend { return explicitBackend }
                if let first = delegateReferences.first { return .delegate(first.delegate) }
                return (threadCount ?? 1) > 1 ? .parallel : .cpu
            }
            set { explicitBackend = newValue }
        }
        /// The backend named explicitly (in `init` or by setting `backend`),
        /// or nil when it is chosen from `threadCount` and `delegates`.
        public var explicitBackend: Backend?
        /// Delegates, as TensorFlowLiteSwift's `Interpreter(modelPath:options:delegates:)`
        /// takes them: partitions of the nodes the delegate supports run on it,
        /// the rest on the CPU (over `threadCount` threads). One delegate is
        /// supported; more, or a delegate together with an explicit backend,
        /// make the interpreter's init throw `InterpreterError.backendError`.
        public var delegates: [any Delegate] {
            get { delegateReferences.map(\.delegate) }
            set { delegateReferences = newValue.map(DelegateReference.init) }
        }
        /// `delegates`, compared and hashed by identity.
        private var delegateReferences: [DelegateReference] = []
        /// Parallel backend tuning, for measurements only: run tiles with
        /// `DispatchQueue.concurrentPerform` instead of the spinning pool.
        @_spi(Benchmarking) public var parallelUsesDispatch = false
        /// Parallel backend tuning, for measurements only: the cost below
        /// which kernels run serially (nil: the default).
        @_spi(Benchmarking) public var parallelMinimumCost: Int?

        /// Largest estimated arithmetic of one invoke (multiply-adds and
        /// element operations, summed over operators, as estimated at prepare).
        /// The default, 2^40 (about 1.1·10^12, tens of seconds of work), is
        /// far above real models (MobileNetV2: 3·10^8) and stops small files
        /// that describe absurd work, such as a pooling window of millions of rows.
        /// Loop iterations also count against it at run time: each WHILE
        /// iteration adds the estimated arithmetic of its condition and body.
        public var maximumOperationsPerInvoke: Int
        /// The default of ``maximumOperationsPerInvoke``: 2^40.
        public static let defaultMaximumOperations = 1 << 40

        /// Most WHILE iterations one invoke may run, summed over every loop
        /// (nested loops included). A loop that would run more stops, and
        /// `invoke()` throws `InterpreterError.invalidOperator` naming the
        /// WHILE node: a condition that never becomes false cannot hang. The
        /// default, 2^20 (1,048,576), is far above real models (a Keras
        /// LSTM runs one iteration per time step) and, with trivial loop
        /// bodies, about a second of work.
        public var maximumLoopIterations: Int
        /// The default of ``maximumLoopIterations``: 2^20.
        public static let defaultMaximumLoopIterations = 1 << 20
        /// Whether float arithmetic during `invoke()` treats subnormal
        /// values (magnitudes below 1.2·10⁻³⁸) as zero and gives zero instead
        /// of them, as XNNPACK does around every operator (default true).
        /// On x86-64 Linux it sets the MXCSR flush-to-zero and
        /// denormals-are-zero bits on the invoking thread for the invoke
        /// (restoring them after, so the caller's own arithmetic is not
        /// changed) and on the `parallel` backend's threads; elsewhere it
        /// has no effect. Intel cores take a microcode assist on every
        /// instruction that meets a subnormal: EfficientNet-B2 float32 on an
        /// all-zero image, whose later activations decay into subnormals,
        /// ran ten times slower without it. Outputs differ only where a
        /// subnormal would have reached them. A delegate's partitions run
        /// inside the invoke, so with the same setting on the invoking thread.
        public var flushesSubnormals = true

        /// Settings; `backend` nil (the default) chooses it from `threadCount`
        /// and `delegates` (see `backend`).
        public init(threadCount: Int? = nil, maximumArenaBytes: Int = 4 << 30, backend: Backend? = nil,
                    delegates: [any Delegate] = [],
                    maximumOperationsPerInvoke: Int = Options.defaultMaximumOperations,
                    maximumLoopIterations: Int = Options.defaultMaximumLoopIterations) {
            self.threadCount = threadCount
            self.maximumArenaBytes = maximumArenaBytes
            self.explicitBackend = backend
            self.delegateReferences = delegates.map(DelegateReference.init)
            self.maximumOperationsPerInvoke = maximumOperationsPerInvoke
            self.maximumLoopIterations = maximumLoopIterations
        }
    }

    /// Loads (memory-maps) and validates the model at `modelPath`.
    public convenience init(modelPath: String, options: Options = Options()) throws {
        try self.init(model: Model(path: modelPath), options: options)
    }

    /// Loads the model at `modelPath` with `delegates`, the shape of
    /// TensorFlowLiteSwift's initializer (the same as
    /// `options.delegates = delegates`).
    public convenience init(modelPath: String, options: Options = Options(), delegates: [any Delegate]) throws {
        var options = options
        options.delegates = options.delegates + delegates
        try self.init(model: Model(path: modelPath), options: options)
    }

    /// Validates a model held in memory (copied once).
    public convenience init(modelData: Data, options: Options = Options()) throws {
        try self.init(model: Model(data: modelData), options: options)
    }

    /// Creates an interpreter for an already loaded model. Many interpreters
    /// can share one model.
    public convenience init(model: Model, options: Options = Options()) throws {
        try self.init(model: model, options: options, subgraphIndex: 0)
    }

    /// An interpreter of subgraph `subgraphIndex` (in range): its inputs and
    /// outputs are the interpreter's (a signature runner's interpreter).
    init(model: Model, options: Options, subgraphIndex: Int) throws {
        let unsupported = OperatorRegistry.unsupportedOperators(in: model.def)
        guard unsupported.isEmpty else { throw InterpreterError.unsupportedOperators(unsupported) }
        try options.validateDelegates()
        self.model = model
        self.options = options
        self.subgraphIndex = subgraphIndex
        self.plainBackend = options.makeExecutionBackend()
        self.backend = plainBackend
    }

    /// Number of model inputs.
    public var inputTensorCount: Int { entrySubgraph.inputs.count }
    /// Number of model outputs.
    public var outputTensorCount: Int { entrySubgraph.outputs.count }
    /// Bytes of the tensor arenas (0 before `allocateTensors()`): the main
    /// subgraph's and those of the subgraphs control-flow nodes call.
    public var arenaByteCount: Int {
        guard let plan, let graph else { return 0 }
        return plan.memory.plan.totalBytes + graph.subgraphs.arenaBytes
    }
    /// Number of operators that run at invoke (after constant folding).
    public var executedOperatorCount: Int { graph?.steps.count ?? 0 }

    /// Prepares every operator and allocates the arena. Call once before `invoke()`.
    ///
    /// With a delegate backend this also partitions the plan and prepares
    /// each delegated partition; if the delegate's `prepare` throws, every
    /// node runs on the CPU instead and `delegationReport` says why.
    ///
    /// As in TFLite, the input tensors' values are undefined until you
    /// write them (the arena is not cleared); variable tensors start at
    /// zero (see `resetVariableTensors()`).
    public func allocateTensors() throws {
        guard useLock.tryLock() else { throw InterpreterError.concurrentUse }
        defer { useLock.unlock() }
        let start = PhaseClock.now()
        let graph = try PreparedGraph(model: model, subgraphIndex: subgraphIndex, inputShapes: requestedInputShapes,
                                      maximumConstantBytes: options.maximumArenaBytes,
                                      maximumOperations: options.maximumOperationsPerInvoke,
                                      maximumLoopIterations: options.maximumLoopIterations)
        try graph.prepare()
        // Prepare read the constants it folds or packs; what invoke reads
        // comes back from the file on its own.
        model.releaseFilePages()
        let prepared = PhaseClock.now()
        // Called subgraphs' arenas (allocated at prepare) count against the same limit.
        let (remaining, overflow) = options.maximumArenaBytes.subtractingReportingOverflow(graph.subgraphs.arenaBytes)
        let remainingArenaBytes = overflow ? 0 : max(remaining, 0)
        let plan = try ExecutionPlanner(graph: graph, backend: backend, maximumArenaBytes: remainingArenaBytes)
            .plan(for: options.backend)
        self.graph = graph
        self.plan = plan
        self.checkedSteps = graph.steps.filter { $0.kernel.runTimeChecked != nil }
        resetVariables()
        let planned = PhaseClock.now()
        lastAllocationTimes = AllocationTimes(prepare: prepared.since(start), plan: planned.since(prepared))
    }

    /// Where the last successful `allocateTensors()` spent its time
    /// (prepare, plan), or nil before the first.
    public private(set) var lastAllocationTimes: AllocationTimes?

    /// Resets every variable tensor (the state an LSTM keeps between
    /// invokes) to zero, int8 ones to their zero point, as TFLite's
    /// `ResetVariableTensors` does. `allocateTensors()` does it too; between
    /// invokes the state persists, so call this before an unrelated sequence.
    public func resetVariableTensors() throws {
        guard useLock.tryLock() else { throw InterpreterError.concurrentUse }
        defer { useLock.unlock() }
        guard graph != nil, plan != nil else { throw InterpreterError.allocateTensorsRequired }
        resetVariables()
    }

    private func resetVariables() {
        guard let graph, let memory = plan?.memory else { return }
        let addresses = memory.addresses
        for slot in graph.tensors where slot.isVariable && memory.plan.tensorOffsets[slot.index] != nil {
            let value = UInt8(truncatingIfNeeded: slot.type == .int8 ? slot.zeroPoint : 0)
            addresses[slot.index].initializeMemory(as: UInt8.self, repeating: value, count: slot.byteCount)
        }
    }

    /// Why delegation was abandoned (the delegate's `prepare` threw), or nil
    /// when the requested plan is in use. Set by `allocateTensors()`.
    public var delegationReport: String? { plan?.delegationReport }

    /// The backend that actually runs the nodes no delegate takes: `"cpu"`
    /// or `"parallel"` (`.parallel` with one thread runs as `"cpu"`).
    public var activeBackendName: String { plainBackend.name }

    /// Threads that actually run those nodes (1 for `"cpu"`): the backend's
    /// workers, whatever `Options.threadCount` asked for.
    public var activeThreadCount: Int { plainBackend.workerCount }

    /// The plan `allocateTensors()` built: segments, partition boundaries,
    /// which backend runs each node (nil before `allocateTensors()`).
    public var executionPlanDescription: ExecutionPlanDescription? { plan?.description }

    /// Runs the model on the current inputs.
    ///
    /// Throws `InterpreterError.concurrentUse` if another thread is inside
    /// `invoke()` or `allocateTensors()` of this interpreter.
    public func invoke() throws {
        guard useLock.tryLock() else { throw InterpreterError.concurrentUse }
        defer { useLock.unlock() }
        guard let graph, let plan else { throw InterpreterError.allocateTensorsRequired }
        graph.subgraphs.loopBudget.reset()
        let environment = options.flushesSubnormals ? SubnormalFlush.begin() : nil
        defer { SubnormalFlush.end(environment) }
        for segment in plan.segments {
            switch segment {
            case let .steps(range): backend.run(graph.steps[range])
            case let .delegated(runner): runner.run()
            }
        }
        // Kernels that read data-dependent indices record invalid data
        // instead of throwing mid-run; report the first such node.
        for step in checkedSteps {
            if let kernel = step.kernel.runTimeChecked, let reason = kernel.runFailure {
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
        let outputs = entrySubgraph.outputs
        guard index >= 0, index < outputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: outputs.count - 1)
        }
        return try tensor(graphIndex: outputs[index])
    }

    /// Copies `data` into the input at `index`; its size must match exactly.
    @discardableResult
    public func copy(_ data: Data, toInputAt index: Int) throws -> Tensor {
        let t = try tensorIndex(input: index)
        guard let graph, let addresses = plan?.memory.addresses else { throw InterpreterError.allocateTensorsRequired }
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
        guard let graph, let addresses = plan?.memory.addresses else { throw InterpreterError.allocateTensorsRequired }
        return try body(UnsafeMutableRawBufferPointer(start: addresses[t], count: graph.tensors[t].byteCount))
    }

    /// Gives direct access to the output at `index`'s bytes (no copy).
    public func withUnsafeOutputBytes<R>(at index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let outputs = entrySubgraph.outputs
        guard index >= 0, index < outputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: outputs.count - 1)
        }
        guard let graph, let addresses = plan?.memory.addresses else { throw InterpreterError.allocateTensorsRequired }
        let t = outputs[index]
        return try body(UnsafeRawBufferPointer(start: addresses[t], count: graph.tensors[t].byteCount))
    }

    func tensorIndex(input index: Int) throws -> Int {
        let inputs = entrySubgraph.inputs
        guard index >= 0, index < inputs.count else {
            throw InterpreterError.invalidTensorIndex(index: index, maxIndex: inputs.count - 1)
        }
        return inputs[index]
    }

    func tensor(graphIndex t: Int) throws -> Tensor {
        if let graph, let addresses = plan?.memory.addresses {
            let slot = graph.tensors[t]
            return Tensor(
                name: slot.name, dataType: slot.type, shape: Tensor.Shape(slot.shape),
                data: Data(bytes: addresses[t], count: slot.byteCount),
                quantizationParameters: QuantizationParameters(slot.quantization))
        }
        // Before allocation: describe the tensor as declared, with no data.
        let def = entrySubgraph.tensors[t]
        var shape = def.shape
        if let requestedInputShapes, let i = entrySubgraph.inputs.firstIndex(of: t), i < requestedInputShapes.count {
            shape = requestedInputShapes[i]
        }
        return Tensor(
            name: def.name, dataType: def.type, shape: Tensor.Shape(shape), data: Data(),
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
        /// Approximate multiply-adds (or element operations) per invoke of
        /// what this operator's run computes: with the plan's fusions, also
        /// the work of the operators it computes in their place (the
        /// pointwise convolution a depthwise one expands, the first of two
        /// chained operations by constants, a fused swish's LOGISTIC, an
        /// activation a convolution applies as it stores), which count 0.
        public let cost: Int
        /// Bytes of the operator's input tensors (weights included, as they
        /// are stored in the model) and output tensors: the least memory
        /// traffic of one run, to tell memory-bound operators from slow ones.
        /// A convolution fused with the max pool after it counts the Int32
        /// sums it writes instead of its output, and the pool the sums it
        /// reads instead of its input.
        public let bytesMoved: Int
        /// Fastest run of the operator repeated right after its first run,
        /// with its code and data just used (``isProfilingWarmRepeatEnabled``);
        /// nil when it was not repeated. Against ``minimumNanoseconds`` it
        /// tells a kernel that is slow from one that waits for its bytes.
        public let warmMinimumNanoseconds: UInt64?
    }

    /// Times every operator of each `invoke()` while true (default false).
    /// Turning it on wraps the backend (`cpu` or `parallel`, and the CPU
    /// segments of a delegate plan) in a timer; turning it off removes the
    /// wrapper, so an interpreter that does not profile pays nothing.
    /// Setting it resets the profile.
    public var isProfilingEnabled: Bool {
        get { backend is ProfilingBackend }
        set { backend = newValue ? ProfilingBackend(wrapping: plainBackend) : plainBackend }
    }

    /// While profiling, whether each operator runs a second time right after
    /// its first run, timed apart (``OperatorProfile/warmMinimumNanoseconds``;
    /// default false). Outputs do not change: operators whose output shares
    /// their input's memory, that touch variables or resources, run subgraphs
    /// or draw random numbers, and custom operators, run once. The operator
    /// after a repeated one finds warmer caches than it otherwise would, so
    /// take the ordinary timings from invokes without repeats. Setting it
    /// turns profiling on and resets the profile.
    public var isProfilingWarmRepeatEnabled: Bool {
        get { (backend as? ProfilingBackend)?.profiler.repeatsWarm ?? false }
        set {
            let profiling = ProfilingBackend(wrapping: plainBackend)
            profiling.profiler.repeatsWarm = newValue
            backend = profiling
        }
    }

    /// Per-operator timings in execution order (empty unless profiling is on
    /// and `invoke()` ran).
    public var operatorProfile: [OperatorProfile] {
        guard let graph, let profiler = (backend as? ProfilingBackend)?.profiler,
              profiler.nanoseconds.count == graph.steps.count else { return [] }
        let costs = Self.costsWhereComputed(graph)
        return graph.steps.enumerated().map { i, step in
            let tensors = (step.node.inputs + step.node.outputs).filter { $0 >= 0 && $0 < graph.tensors.count }
            var bytes = tensors.reduce(0) { $0 + graph.tensors[$1].byteCount }
            if let substitute = step.kernel.substitutedTraffic, tensors.contains(substitute.tensor) {
                bytes += substitute.bytes - graph.tensors[substitute.tensor].byteCount
            }
            return OperatorProfile(
                nodeIndex: step.node.index, operatorName: step.node.name, invocations: profiler.invocations[i],
                totalNanoseconds: profiler.nanoseconds[i], minimumNanoseconds: profiler.minimumNanoseconds[i],
                cost: costs[i], bytesMoved: bytes,
                warmMinimumNanoseconds: profiler.warmMinimumNanoseconds[i] == .max ? nil : profiler.warmMinimumNanoseconds[i])
        }
    }

    /// Each step's `Kernel.cost`, with the arithmetic of a node whose runs
    /// do nothing (a plan's fusion: `Kernel.computedByReader`,
    /// `Kernel.inPlaceInput`) counted at the node that computes it, the one
    /// reading its output or producing its input, and 0 at its own.
    static func costsWhereComputed(_ graph: PreparedGraph) -> [Int] {
        let steps = graph.steps
        var costs = steps.map(\.kernel.cost)
        var producer: [Int: Int] = [:], reader: [Int: Int] = [:]
        for (i, step) in steps.enumerated() {
            for t in step.node.outputs { producer[t] = i }
            for t in step.node.inputs where reader[t] == nil { reader[t] = i }
        }
        for (i, step) in steps.enumerated() {
            if let moved = step.kernel.computedByReader, let output = step.node.outputs.first, let j = reader[output], j != i {
                costs[j] &+= moved
                costs[i] = 0
            } else if let input = step.kernel.inPlaceInput, let j = producer[input], j != i {
                costs[j] &+= costs[i]
                costs[i] = 0
            }
        }
        return costs
    }

    // MARK: Introspection used by tests and tools

    /// Arena requests and their placement (for overlap checks).
    var arenaPlanForTesting: (requests: [ArenaPlanner.Request], plan: ArenaPlanner.Plan)? {
        plan.map { ($0.memory.plan.requests, $0.memory.plan.plan) }
    }
    var preparedGraph: PreparedGraph? { graph }
}
