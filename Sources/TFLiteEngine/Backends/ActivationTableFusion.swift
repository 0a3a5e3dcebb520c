/// Folds an int8/uint8 activation that is a table of its input's byte —
/// HARD_SWISH, LOGISTIC, TANH, a requantizing RELU (`QuantizedLookup`), or
/// a swish MUL fused by `SwishFusion` — into the convolution that produces
/// its input (`GEMMConvolutionQuantized`: CONV_2D, FULLY_CONNECTED;
/// `DepthwiseConv2DInt8Vectorized`): the convolution looks each tile's
/// outputs up in the activation's table right after storing them, and the
/// activation's node does nothing, its output sharing the convolution's
/// output memory (`Kernel.inPlaceInput`). MobileNetV3's hard swishes and
/// EfficientNet's swishes then cost no pass over memory of their own, and
/// on several threads no node of their own to wait for: each core looks
/// up the outputs it has just written, in its own L1.
///
/// Exact by construction: the table is the activation kernel's own (its
/// result for every stored input value), applied to the bytes the
/// convolution stored.
///
/// Decided when the plan is made, after `SwishFusion` and
/// `ConvolutionPoolFusion` (a convolution keeping its sums for a pool is
/// not fused), only when every node runs on the engine's own backend: the
/// convolution's output must be read by the activation only (nodes skipped
/// by other fusions do not read; not a graph output, not a variable), have
/// the activation's output's byte count, and the activation must run after
/// it. Re-planning clears earlier decisions.
enum ActivationTableFusion {
    /// Tests only: false makes plans without the fusion (the unfused
    /// kernels are the fused ones' reference).
    nonisolated(unsafe) static var isEnabled = true

    /// Applies (`enabled`) or clears the fusion on every step of `graph`.
    static func apply(to graph: PreparedGraph, enabled: Bool) {
        let steps = graph.steps, tensors = graph.tensors
        for step in steps {
            if let conv = step.kernel as? GEMMConvolutionQuantized {
                conv.outputTable = nil
            } else if let conv = step.kernel as? DepthwiseConv2DInt8Vectorized {
                conv.outputTable = nil
            } else if let consumer = Consumer(step.kernel) {
                consumer.setComputedByProducer(nil)
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
        // The fusable convolution producing each tensor, and how to give it a table.
        var producer = [((ByteTable) -> Void)?](repeating: nil, count: tensors.count)
        for step in steps {
            let node = step.node
            if node.outputs.count == 1 {
                let t = node.outputs[0]
                guard t >= 0, t < tensors.count, readers[t] == 1, !tensors[t].isVariable, !tensors[t].isConstant else { continue }
                if let conv = step.kernel as? GEMMConvolutionQuantized, conv.pooledAccumulators == nil {
                    producer[t] = { conv.outputTable = $0 }
                    continue
                }
                if let conv = step.kernel as? DepthwiseConv2DInt8Vectorized {
                    producer[t] = { conv.outputTable = $0 }
                    continue
                }
            }
            guard let consumer = Consumer(step.kernel), let (input, table) = consumer.inputAndTable(node),
                  input >= 0, input < tensors.count, let give = producer[input], node.outputs.count == 1
            else { continue }
            let output = node.outputs[0]
            guard output >= 0, output < tensors.count, output != input, !tensors[output].isVariable, !tensors[output].isConstant,
                  tensors[output].byteCount == tensors[input].byteCount
            else { continue }
            give(ByteTable(table))
            consumer.setComputedByProducer(input)
            producer[input] = nil
        }
    }

    /// Whether another fusion made `kernel`'s runs do nothing (its inputs are not read).
    private static func isSkipped(_ kernel: any Kernel) -> Bool {
        (kernel as? ElementwiseKernel<Int8, Int8>)?.isSkipped == true || (kernel as? ElementwiseKernel<UInt8, UInt8>)?.isSkipped == true
            || (kernel as? ElementwiseKernel<Float, Float>)?.isSkipped == true || (kernel as? QuantizedBinaryKernel)?.isSkipped == true
            || (kernel as? FloatBinaryVectorKernel)?.isSkipped == true
    }

    /// An activation kernel that is a table of its input's byte.
    private enum Consumer {
        case signed(ElementwiseKernel<Int8, Int8>)
        case unsigned(ElementwiseKernel<UInt8, UInt8>)
        case swish(QuantizedBinaryKernel)

        init?(_ kernel: any Kernel) {
            if let k = kernel as? ElementwiseKernel<Int8, Int8> {
                self = .signed(k)
            } else if let k = kernel as? ElementwiseKernel<UInt8, UInt8> {
                self = .unsigned(k)
            } else if let k = kernel as? QuantizedBinaryKernel {
                self = .swish(k)
            } else {
                return nil
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
