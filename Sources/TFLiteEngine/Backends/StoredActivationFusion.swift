/// Folds an int8/uint8 activation that is a table of its input's byte —
/// HARD_SWISH, LOGISTIC, TANH, a requantizing RELU (`QuantizedLookup`), a
/// swish MUL fused by `SwishFusion` — into the convolution that produces
/// its input (`GEMMConvolutionQuantized`: CONV_2D, FULLY_CONNECTED;
/// `DepthwiseConv2DInt8Vectorized`): the convolution looks each tile's
/// outputs up in the activation's table soon after storing them, and the
/// activation's node does nothing, its output sharing the convolution's
/// output memory (`Kernel.inPlaceInput`). MobileNetV3's hard swishes and
/// EfficientNet's swishes then cost no pass over memory of their own, and
/// on several threads no node of their own to wait for: each core looks up
/// the outputs it has just written.
///
/// Exact by construction: the table is the activation kernel's own (its
/// result for every stored input value), applied to the bytes the
/// convolution stored.
///
/// (Not in float32: the same in place with the activation's own loop was
/// no faster on one thread or two; see `docs/performance.md`.)
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
        var readers = [Int](repeating: 0, count: tensors.count)
        for step in steps {
            if !isSkipped(step.kernel) {
                for t in step.node.inputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
            }
            for t in step.kernel.fusedReads where t >= 0 && t < readers.count { readers[t] &+= 1 }
        }
        for t in graph.outputs where t >= 0 && t < readers.count { readers[t] &+= 1 }
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
            guard let (input, table) = consumer.inputAndTable(node), input >= 0, input < tensors.count,
                  let convolution = producer[input], node.outputs.count == 1
            else { continue }
            let output = node.outputs[0]
            guard output >= 0, output < tensors.count, output != input, !tensors[output].isVariable, !tensors[output].isConstant,
                  tensors[output].byteCount == tensors[input].byteCount, give(table, to: convolution)
            else { continue }
            consumer.setComputedByProducer(input)
            producer[input] = nil
        }
    }

    /// Whether `kernel` is a convolution that can apply a table as it stores.
    private static func canStoreActivation(_ kernel: any Kernel) -> Bool {
        if let conv = kernel as? GEMMConvolutionQuantized { return conv.pooledAccumulators == nil }
        return kernel is DepthwiseConv2DInt8Vectorized
    }

    /// Sets (or with nil clears) the table `kernel` applies as it stores;
    /// false where `kernel` cannot apply one.
    private static func give(_ table: [UInt8]?, to kernel: any Kernel) -> Bool {
        if let conv = kernel as? GEMMConvolutionQuantized {
            guard table == nil || conv.pooledAccumulators == nil else { return false }
            conv.outputTable = table.map(ByteTable.init)
        } else if let conv = kernel as? DepthwiseConv2DInt8Vectorized {
            conv.outputTable = table.map(ByteTable.init)
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
    }

    /// An activation kernel that is a table of its input's byte.
    private enum Consumer {
        case signed(ElementwiseKernel<Int8, Int8>)
        case unsigned(ElementwiseKernel<UInt8, UInt8>)
        case swish(QuantizedBinaryKernel)

        init?(_ kernel: any Kernel) {
            switch ObjectIdentifier(type(of: kernel)) {
            case KernelType.signed: self = .signed(unsafeDowncast(kernel, to: ElementwiseKernel<Int8, Int8>.self))
            case KernelType.unsigned: self = .unsigned(unsafeDowncast(kernel, to: ElementwiseKernel<UInt8, UInt8>.self))
            case KernelType.binary: self = .swish(unsafeDowncast(kernel, to: QuantizedBinaryKernel.self))
            default: return nil
            }
        }

        /// The tensor the table reads and the table, where the kernel runs
        /// one (and no other fusion skipped it).
        func inputAndTable(_ node: Node) -> (Int, [UInt8])? {
            switch self {
            case let .signed(k):
                guard !k.isSkipped, let table = k.byteTable, node.inputs.count == 1 else { return nil }
                return (node.inputs[0], table)
            case let .unsigned(k):
                guard !k.isSkipped, let table = k.byteTable, node.inputs.count == 1 else { return nil }
                return (node.inputs[0], table)
            case let .swish(k):
                guard !k.isSkipped, k.chain == nil, let table = k.swishTable, let operand = k.swishOperand,
                      node.inputs.count == 2, operand == 0 || operand == 1
                else { return nil }
                return (node.inputs[operand], table.map { UInt8(bitPattern: $0) })
            }
        }

        func setComputedByProducer(_ input: Int?) {
            switch self {
            case let .signed(k): k.computedByProducer = input
            case let .unsigned(k): k.computedByProducer = input
            case let .swish(k): k.computedByProducer = input
            }
        }
    }
}
