/// Folds an element-wise activation into the convolution that produces
/// its input: in int8/uint8 one that is a table of its input's byte —
/// HARD_SWISH, LOGISTIC, TANH, a requantizing RELU (`QuantizedLookup`), a
/// swish MUL fused by `SwishFusion` — into `GEMMConvolutionQuantized`
/// (CONV_2D, FULLY_CONNECTED) or `DepthwiseConv2DInt8Vectorized`; in float32
/// a HARD_SWISH (its kernel's own loop, `ElementwiseKernel.mapsInPlace`)
/// into `GEMMConvolutionFloat` or `DepthwiseConv2DFloatVectorized`.
/// The convolution applies the activation to each tile's outputs in place
/// soon after storing them, and the activation's node does nothing, its
/// output sharing the convolution's output memory (`Kernel.inPlaceInput`).
/// MobileNetV3's hard swishes and EfficientNet's swishes then cost no pass
/// over memory of their own, and on several threads no node of their own
/// to wait for: each core transforms the outputs it has just written.
///
/// Exact by construction: the table is the activation kernel's own (its
/// result for every stored input value), the float32 loop is the kernel's
/// own loop (its vector and scalar forms give the same bits), applied to
/// the values the convolution stored.
///
/// (Float32 swishes and LOGISTICs are not fused: bound by their
/// exponential and division, they were no faster inside the convolution on
/// one thread or two; see `docs/performance.md`.)
///
/// Decided when the plan is made, after `SwishFusion` and
/// `ConvolutionPoolFusion` (a convolution keeping its sums for a pool is
/// not fused), only when every node runs on the engine's own backend: the
/// convolution's output must be read by the activation only (nodes skipped
/// by other fusions do not read; not a graph output, not a variable), have
/// the activation's output's byte count, and the activation must run after
/// it. Re-planning clears earlier decisions.
enum StoredActivationFusion {
    /// Tests only: false makes plans without the fusion (the unfused
    /// kernels are the fused ones' reference).
    nonisolated(unsafe) static var isEnabled = true

    /// What a convolution applies to its outputs.
    private enum Activation {
        case table([UInt8])
        case float(FloatActivationLoop)

        var table: [UInt8]? { if case let .table(t) = self { t } else { nil } }
        var loop: FloatActivationLoop? { if case let .float(l) = self { l } else { nil } }
    }

    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps, tensors = graph.tensors
        for step in steps {
            if let consumer = Consumer(step.kernel) {
                consumer.setComputedByProducer(nil)
            } else {
                _ = give(nil, to: step.kernel)
            }
        }
        guard enabled, isEnabled else { return }
        let readers = graph.readerCounts(countingFusedReads: true, isSkipped: isSkipped)
        // The convolution producing each tensor that one node alone reads.
        var producer = [(any Kernel)?](repeating: nil, count: tensors.count)
        for step in steps {
            let node = step.node
            guard let consumer = Consumer(step.kernel) else {
                if node.outputs.count == 1, canStoreActivation(step.kernel) {
                    let t = node.outputs[0]
                    if t >= 0, t < tensors.count, readers[t] == 1, !tensors[t].isVariable, !tensors[t].isConstant {
                        producer[t] = step.kernel
                    }
                }
                continue
            }
            guard let (input, activation) = consumer.inputAndActivation(node), input >= 0, input < tensors.count,
                  let convolution = producer[input], node.outputs.count == 1
            else { continue }
            let output = node.outputs[0]
            guard output >= 0, output < tensors.count, output != input, !tensors[output].isVariable, !tensors[output].isConstant,
                  tensors[output].byteCount == tensors[input].byteCount, give(activation, to: convolution)
            else { continue }
            consumer.setComputedByProducer(input)
            producer[input] = nil
        }
    }

    /// Whether `kernel` is a convolution that can apply an activation as it stores.
    private static func canStoreActivation(_ kernel: any Kernel) -> Bool {
        if let conv = kernel as? GEMMConvolutionQuantized { return conv.pooledAccumulators == nil }
        return kernel is DepthwiseConv2DInt8Vectorized || kernel is GEMMConvolutionFloat || kernel is DepthwiseConv2DFloatVectorized
    }

    /// Sets (or with nil clears) the activation `kernel` applies as it
    /// stores; false where `kernel` cannot apply it (not such a
    /// convolution, or not of the activation's element type).
    private static func give(_ activation: Activation?, to kernel: any Kernel) -> Bool {
        let table = activation?.table, loop = activation?.loop
        if let conv = kernel as? GEMMConvolutionQuantized {
            guard activation == nil || (table != nil && conv.pooledAccumulators == nil) else { return false }
            conv.outputTable = table.map(ByteTable.init)
        } else if let conv = kernel as? DepthwiseConv2DInt8Vectorized {
            guard activation == nil || table != nil else { return false }
            conv.outputTable = table.map(ByteTable.init)
        } else if let conv = kernel as? GEMMConvolutionFloat {
            guard activation == nil || loop != nil else { return false }
            conv.outputActivation = loop
        } else if let conv = kernel as? DepthwiseConv2DFloatVectorized {
            guard activation == nil || loop != nil else { return false }
            conv.outputActivation = loop
        } else {
            return false
        }
        return true
    }

    /// Whether another fusion made `kernel`'s runs do nothing (its inputs
    /// are not read). (Float32 kernels, which read no quantized tensor, are not asked.)
    private static func isSkipped(_ kernel: any Kernel) -> Bool {
        switch ObjectIdentifier(type(of: kernel)) {
        case KernelType.signed: return unsafeDowncast(kernel, to: ElementwiseKernel<Int8, Int8>.self).isSkipped
        case KernelType.unsigned: return unsafeDowncast(kernel, to: ElementwiseKernel<UInt8, UInt8>.self).isSkipped
        case KernelType.binary: return unsafeDowncast(kernel, to: QuantizedBinaryKernel.self).isSkipped
        default: return false
        }
    }

    /// The kernel classes read here, compared by identity: a cast of every
    /// step's kernel to the generic classes is a runtime lookup each
    /// (`SwishFusion`: about 1% of an int8 MobileNetV2's start-up).
    private enum KernelType {
        static let signed = ObjectIdentifier(ElementwiseKernel<Int8, Int8>.self)
        static let unsigned = ObjectIdentifier(ElementwiseKernel<UInt8, UInt8>.self)
        static let binary = ObjectIdentifier(QuantizedBinaryKernel.self)
        static let float = ObjectIdentifier(ElementwiseKernel<Float, Float>.self)
    }

    /// An activation kernel that a convolution can apply as it stores.
    private enum Consumer {
        case signed(ElementwiseKernel<Int8, Int8>)
        case unsigned(ElementwiseKernel<UInt8, UInt8>)
        case swish(QuantizedBinaryKernel)
        case float(ElementwiseKernel<Float, Float>)

        init?(_ kernel: any Kernel) {
            switch ObjectIdentifier(type(of: kernel)) {
            case KernelType.signed: self = .signed(unsafeDowncast(kernel, to: ElementwiseKernel<Int8, Int8>.self))
            case KernelType.unsigned: self = .unsigned(unsafeDowncast(kernel, to: ElementwiseKernel<UInt8, UInt8>.self))
            case KernelType.binary: self = .swish(unsafeDowncast(kernel, to: QuantizedBinaryKernel.self))
            case KernelType.float: self = .float(unsafeDowncast(kernel, to: ElementwiseKernel<Float, Float>.self))
            default: return nil
            }
        }

        /// The tensor the activation reads and the activation, where the
        /// kernel is one (and no other fusion skipped it).
        func inputAndActivation(_ node: Node) -> (Int, Activation)? {
            switch self {
            case let .signed(k):
                guard !k.isSkipped, let table = k.byteTable, node.inputs.count == 1 else { return nil }
                return (node.inputs[0], .table(table))
            case let .unsigned(k):
                guard !k.isSkipped, let table = k.byteTable, node.inputs.count == 1 else { return nil }
                return (node.inputs[0], .table(table))
            case let .swish(k):
                guard !k.isSkipped, k.chain == nil, let table = k.swishTable, let operand = k.swishOperand,
                      node.inputs.count == 2, operand == 0 || operand == 1
                else { return nil }
                return (node.inputs[operand], .table(table.map { UInt8(bitPattern: $0) }))
            case let .float(k):
                // Only HARD_SWISH: the swish and LOGISTIC, bound by their
                // exponential, were no faster inside the convolution (see
                // `docs/performance.md`).
                guard node.op == .hardSwish, !k.isSkipped, k.mapsInPlace, node.inputs.count == 1 else { return nil }
                return (node.inputs[0], .float(k.loop))
            }
        }

        func setComputedByProducer(_ input: Int?) {
            switch self {
            case let .signed(k): k.computedByProducer = input
            case let .unsigned(k): k.computedByProducer = input
            case let .swish(k): k.computedByProducer = input
            case let .float(k): k.computedByProducer = input
            }
        }
    }
}
