/// LOGICAL_AND: `a && b` on bool tensors, with broadcasting.
enum LogicalAnd {
    static let registration = Logical.registration(LogicalAndOptions.self, Operation())
    struct Operation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { a != 0 && b != 0 ? 1 : 0 }
    }
}

/// LOGICAL_OR: `a || b` on bool tensors, with broadcasting.
enum LogicalOr {
    static let registration = Logical.registration(LogicalOrOptions.self, Operation())
    struct Operation: ElementBinaryOperation {
        @inline(__always) func apply(_ a: UInt8, _ b: UInt8) -> UInt8 { a != 0 || b != 0 ? 1 : 0 }
    }
}

/// LOGICAL_NOT: `!x` on a bool tensor.
enum LogicalNot {
    static let registration = OperatorRegistration(maxVersion: 1) { ctx in
        let input = try ctx.prepareUnaryElementwise()
        _ = try ctx.options(LogicalNotOptions.self)
        try ctx.require(input, type: .bool, "input")
        return ElementwiseKernel<UInt8, UInt8>(ctx: ctx, count: input.elementCount, blockSize: 16384) { x, y, n in
            for i in 0..<n { y[i] = x[i] == 0 ? 1 : 0 }
        }
    }
}

/// The binary logical operators. Bool tensors are bytes: any nonzero byte
/// reads as true; results are written as 0/1.
enum Logical {
    static func registration<Options: BuiltinOptionsTable, Operation: ElementBinaryOperation>(_: Options.Type, _ operation: Operation)
        -> OperatorRegistration where Operation.Element == UInt8, Operation.Output == UInt8 {
        OperatorRegistration(maxVersion: 1) { ctx in
            let (a, b, shape, _) = try ctx.prepareBroadcastBinary(Options.self, activation: nil)
            try ctx.require(a, type: .bool, "first input")
            try ctx.require(b, type: .bool, "second input")
            try ctx.require(ctx.output(0), type: .bool, "output")
            return BinaryElementKernel(ctx: ctx, shape: shape, operation)
        }
    }
}
