/// ADD, SUB or MUL on integers, wrapping on overflow (what TFLite's int32 and
/// int64 kernels do on the machines it runs on).
protocol IntegerOperator: Sendable {
    static func apply<T: FixedWidthInteger>(_ a: T, _ b: T) -> T
}

/// An integer operator followed by the fused activation's integer clamp
/// (TFLite's `CalculateActivationRange` for int32/int64: RELU [0, max],
/// RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]).
struct ClampedIntegerOperation<Operator: IntegerOperator, T: FixedWidthInteger & Sendable>: ElementBinaryOperation {
    let low: T, high: T

    init(_ activation: FusedActivation) {
        switch activation {
        case .relu: (low, high) = (0, .max)
        case .relu6: (low, high) = (0, 6)
        case .reluN1To1: (low, high) = (-1, 1)
        default: (low, high) = (.min, .max)
        }
    }

    @inline(__always) func apply(_ a: T, _ b: T) -> T { min(max(Operator.apply(a, b), low), high) }
}

extension PrepareContext {
    /// The int32/int64 kernel of ADD, SUB or MUL (shape arithmetic, index
    /// math of Embedding and LSTM models), after checking that the second
    /// input and the output have the first input's type.
    func integerBinaryKernel<Operator: IntegerOperator>(
        _: Operator.Type, a: TensorSlot, b: TensorSlot, shape: BroadcastShape, activation: FusedActivation) throws -> Kernel {
        try require(b, type: a.type, "second input")
        try require(output(0), type: a.type, "output")
        switch a.type {
        case .int32: return BinaryElementKernel(ctx: self, shape: shape, ClampedIntegerOperation<Operator, Int32>(activation))
        case .int64: return BinaryElementKernel(ctx: self, shape: shape, ClampedIntegerOperation<Operator, Int64>(activation))
        default: throw error("input type \(a.type) is not supported")
        }
    }
}
