/// A prepared operator: options parsed, shapes checked, ready to run.
///
/// Lifecycle: an op's `prepare` function (see `OperatorRegistry`) validates
/// the node and returns a kernel; after the arena is planned the interpreter
/// calls `bind` once with every tensor's address; `run` is then called on
/// each invoke. `run` never throws and never allocates: every check happens
/// in prepare.
///
/// Work is split into `tileCount` independent tiles of output (rows, channel
/// blocks, …). A backend may run tiles on several threads at once; each
/// tile computes the same values however tiles are grouped, so results are
/// bit-identical for any thread count. Floating-point reductions are never
/// split (an integer one may be: its Int32 parts add up exactly).
protocol Kernel: AnyObject {
    /// Scratch bytes each concurrently running worker needs. Default 0.
    /// Worker `w`'s area starts `w × scratchStride` bytes into the node's.
    var scratchBytesPerWorker: Int { get }
    /// Number of independent output tiles. Default 1.
    var tileCount: Int { get }
    /// Approximate arithmetic work of the whole op (multiply-adds or element
    /// operations), used to decide whether splitting pays. Default 0.
    var cost: Int { get }
    /// Resolves tensor addresses; called once after planning.
    func bind(_ memory: TensorMemory)
    /// Computes tiles `tiles` using scratch area `worker`.
    func run(tiles: Range<Int>, worker: Int)
    /// `run(tiles:worker:)`, where `continuing` says that this worker's
    /// last call was of the same run of this node (the worker pool's later
    /// claims of one job): what that call left in the worker's scratch
    /// area is still there. The default ignores it; a kernel that fills
    /// rows into its scratch at each call (the int8 depthwise rings) keeps
    /// them. Every other caller passes false, or calls `run(tiles:worker:)`.
    func run(tiles: Range<Int>, worker: Int, continuing: Bool)
    /// This kernel as a `RunTimeCheckedKernel`, or nil (the default). A
    /// requirement rather than `kernel as? RunTimeCheckedKernel`: a cast to a
    /// protocol makes the Swift runtime look up the conformance, and the
    /// first lookup of a process walks every conformance record of the
    /// binary (see `Support/RuntimeLookupFree.swift`).
    var runTimeChecked: RunTimeCheckedKernel? { get }
    /// When a run does not read or write one of its node's tensors but
    /// another buffer in its place: that tensor and the buffer's bytes (a
    /// convolution fused with the max pool after it writes Int32 sums
    /// instead of its output, which the pool reads instead of its input).
    /// nil (the default) otherwise. For the profile's bytes moved.
    var substitutedTraffic: (tensor: Int, bytes: Int)? { get }
    /// Tensors a run reads besides its node's inputs, set by a plan's
    /// fusion (`ConstantOperandChainFusion`: the skipped node's input): the
    /// arena keeps them through this step. Empty (the default) otherwise.
    var fusedReads: [Int] { get }
    /// The input tensor whose memory output 0 shares, set by a plan's
    /// fusion (`StoredActivationFusion`: the producer of that input stores
    /// this node's result there, and runs of this node do nothing). nil
    /// (the default) otherwise.
    var inPlaceInput: Int? { get }
    /// The arithmetic (as `cost` counts it) of this node that the one node
    /// reading its output computes, set by a plan's fusion where runs of
    /// this node do nothing (`ConstantOperandChainFusion`'s first
    /// operation, `SwishFusion`'s LOGISTIC, `ExpansionDepthwiseFusion`'s
    /// pointwise convolution). nil (the default) otherwise. For the
    /// profile, which counts it at the node that does it
    /// (`Interpreter.OperatorProfile.cost`); `cost` itself, which decides
    /// how the `parallel` backend splits a node, does not move.
    var computedByReader: Int? { get }
    /// `run(tiles:worker:continuing:)` on `object`, a `Self` that its holder
    /// keeps alive (`UnretainedKernel`). Default: that call, with no
    /// reference counting.
    static func run(unretained object: Unmanaged<AnyObject>, tiles: Range<Int>, worker: Int, continuing: Bool)
    /// `tileCount` of `object` (as `run(unretained:tiles:worker:continuing:)`).
    static func tileCount(unretained object: Unmanaged<AnyObject>) -> Int
    /// `cost` of `object` (as `run(unretained:tiles:worker:continuing:)`).
    static func cost(unretained object: Unmanaged<AnyObject>) -> Int
}

extension Kernel {
    var runTimeChecked: RunTimeCheckedKernel? { nil }
    var substitutedTraffic: (tensor: Int, bytes: Int)? { nil }
    var fusedReads: [Int] { [] }
    var inPlaceInput: Int? { nil }
    var computedByReader: Int? { nil }
    var scratchBytesPerWorker: Int { 0 }
    var tileCount: Int { 1 }
    var cost: Int { 0 }
    /// Distance between two workers' scratch areas: `scratchBytesPerWorker`
    /// rounded up to `workerScratchAlignment`.
    var scratchStride: Int { workerScratchStride(scratchBytesPerWorker) }
    /// Runs the whole op on the calling thread.
    func runAll() { run(tiles: 0..<tileCount, worker: 0) }
    func run(tiles: Range<Int>, worker: Int, continuing: Bool) { run(tiles: tiles, worker: worker) }
    static func run(unretained object: Unmanaged<AnyObject>, tiles: Range<Int>, worker: Int, continuing: Bool) {
        object._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Self.self).run(tiles: tiles, worker: worker, continuing: continuing) }
    }
    static func tileCount(unretained object: Unmanaged<AnyObject>) -> Int {
        object._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Self.self).tileCount }
    }
    static func cost(unretained object: Unmanaged<AnyObject>) -> Int {
        object._withUnsafeGuaranteedRef { unsafeDowncast($0, to: Self.self).cost }
    }
}

/// A kernel passed and called without reference counting, for a holder
/// that keeps the kernel alive meanwhile (a `PreparedGraph.Step`, whose
/// `kernel` it is): the `parallel` backend's steps and worker pool.
///
/// A kernel's reference count is in the first bytes of the object, beside
/// its first stored properties. Retained and released by each worker at
/// each job, that cache line moved between the cores at every node, and
/// its readers waited for it: `swift_retain` and `swift_release` were 1.9%
/// of NASNet-Mobile int8's samples on two threads, nearly all of them the
/// job's kernel passed to and read by the workers; 0.24% unretained, and
/// two threads 4.76 → 4.69 ms (median of twelve alternating rounds' mins,
/// Zen 4).
struct UnretainedKernel {
    let type: any Kernel.Type
    let object: Unmanaged<AnyObject>

    /// `kernel`, which the caller keeps alive for as long as this is used.
    init(_ kernel: Kernel) {
        type = Swift.type(of: kernel)
        object = Unmanaged.passUnretained(kernel as AnyObject)
    }

    var tileCount: Int { type.tileCount(unretained: object) }
    var cost: Int { type.cost(unretained: object) }
    func run(tiles: Range<Int>, worker: Int) { run(tiles: tiles, worker: worker, continuing: false) }
    func run(tiles: Range<Int>, worker: Int, continuing: Bool) {
        type.run(unretained: object, tiles: tiles, worker: worker, continuing: continuing)
    }
}

/// A kernel whose operands are input 0 and output 0, read and written as
/// `Input` and `Output` elements: its `bind` is the one below.
protocol UnaryOperandKernel: Kernel {
    associatedtype Input
    associatedtype Output
    var inputIndex: Int { get }
    var outputIndex: Int { get }
    var input: UnsafePointer<Input>! { get set }
    var output: UnsafeMutablePointer<Output>! { get set }
}

extension UnaryOperandKernel {
    func bind(_ memory: TensorMemory) {
        input = UnsafePointer(memory.pointer(inputIndex, as: Input.self))
        output = memory.pointer(outputIndex, as: Output.self)
    }
}

/// One input and one output of a byte-moving kernel (layout operators), as
/// raw addresses once bound.
struct ByteOperands {
    let inputIndex: Int, outputIndex: Int
    private(set) var input: UnsafeRawPointer?
    private(set) var output: UnsafeMutableRawPointer?

    init(_ ctx: PrepareContext, input: Int = 0, output: Int = 0) {
        inputIndex = ctx.node.inputs[input]
        outputIndex = ctx.node.outputs[output]
    }

    mutating func bind(_ memory: TensorMemory) {
        input = UnsafeRawPointer(memory.raw(inputIndex))
        output = memory.raw(outputIndex)
    }
}

/// Alignment of the workers' scratch areas within a node's. Two cache
/// lines: at 436 bytes a worker, one int8 depthwise convolution's workers
/// wrote tap pointers and accumulators into one line (and its neighbour,
/// which the second-level cache fetches in pairs), so on two threads
/// NASNet-Mobile int8's 11-channel 7×7 layers took 44–47 µs instead of
/// 38–39 (one thread: 75–77; Zen 4).
let workerScratchAlignment = 128

/// `bytes` rounded up to `workerScratchAlignment` (0 for none; `Int.max`,
/// which no arena fits, on overflow).
@inline(__always)
func workerScratchStride(_ bytes: Int) -> Int {
    guard bytes > 0 else { return 0 }
    let (padded, overflow) = bytes.addingReportingOverflow(workerScratchAlignment &- 1)
    return overflow ? Int.max : padded & ~(workerScratchAlignment &- 1)
}

/// Tensor addresses for `Kernel.bind`: every tensor the node uses has a
/// valid, suitably aligned address (zero-byte tensors get a dummy address).
struct TensorMemory {
    let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>
    let tensorCount: Int
    /// Start of this node's scratch area: worker `w`'s `scratchBytesPerWorker`
    /// bytes from `w × scratchStride` on.
    let scratch: UnsafeMutableRawPointer

    @inline(__always) func raw(_ tensor: Int) -> UnsafeMutableRawPointer { addresses[tensor] }
    @inline(__always) func pointer<T>(_ tensor: Int, as type: T.Type = T.self) -> UnsafeMutablePointer<T> {
        addresses[tensor].assumingMemoryBound(to: T.self)
    }
    @inline(__always) func scratch<T>(worker: Int, stride: Int, as type: T.Type = T.self) -> UnsafeMutablePointer<T> {
        (scratch + worker &* stride).assumingMemoryBound(to: T.self)
    }
}

/// The tensors of an operator that reads an input, a filter (or weights) and
/// an optional bias, and writes one output: convolutions and fully connected
/// layers, in every element type.
struct FilteredOperands {
    let input: Int, filter: Int, bias: Int?, output: Int

    init(_ ctx: PrepareContext) {
        input = ctx.node.inputs[0]
        filter = ctx.node.inputs[1]
        bias = ctx.hasInput(2) ? ctx.node.inputs[2] : nil
        output = ctx.node.outputs[0]
    }
}

extension FilteredOperands {
    /// The operands' addresses as the element types a kernel reads and
    /// writes: the usual `bind` of a filtered operator.
    func pointers<I, F, B, O>(_ memory: TensorMemory, _: I.Type, _: F.Type, _: B.Type, _: O.Type)
        -> (input: UnsafePointer<I>, filter: UnsafePointer<F>, bias: UnsafePointer<B>?, output: UnsafeMutablePointer<O>) {
        (UnsafePointer(memory.pointer(input, as: I.self)), UnsafePointer(memory.pointer(filter, as: F.self)),
         bias.map { UnsafePointer(memory.pointer($0, as: B.self)) }, memory.pointer(output, as: O.self))
    }
}
