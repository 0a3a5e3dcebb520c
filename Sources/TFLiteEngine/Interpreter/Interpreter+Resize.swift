extension Interpreter {
    /// Changes the shape of the input at `index`, as TensorFlowLiteSwift's
    /// `resizeInput(at:to:)` does; call `allocateTensors()` afterwards. Shapes
    /// propagate through every operator's prepare, and the arena is planned
    /// again for the new sizes.
    ///
    /// ```swift
    /// try interpreter.resizeInput(at: 0, to: [4, 224, 224, 3])   // batch of 4
    /// try interpreter.allocateTensors()
    /// ```
    ///
    /// The model decides which shapes it can take: when the input has a
    /// `shape_signature` (what the converter writes for a dynamic batch,
    /// `[-1, 224, 224, 3]`), only its −1 dimensions may change; without
    /// one, any shape of the same rank is accepted and the operators' prepare
    /// checks it. Every dimension must be at least 1, and the tensor must fit
    /// `Options.maximumArenaBytes`. A shape the model cannot take throws
    /// `InterpreterError.failedToResizeInputTensor` saying why, and leaves
    /// the interpreter as it was. Resizing to the current shape does nothing;
    /// any other shape releases the current allocation, so tensors must be
    /// allocated (and inputs copied) again before `invoke()`.
    public func resizeInput(at index: Int, to shape: Tensor.Shape) throws {
        guard useLock.tryLock() else { throw InterpreterError.concurrentUse }
        defer { useLock.unlock() }
        let t = try tensorIndex(input: index)
        let def = entrySubgraph.tensors[t]
        let dims = shape.dimensions
        try Interpreter.checkResize(dims, of: def, maximumBytes: options.maximumArenaBytes) {
            InterpreterError.failedToResizeInputTensor(index: index, reason: "'\(def.name)' \($0)")
        }
        var shapes = requestedInputShapes ?? entrySubgraph.inputs.map { entrySubgraph.tensors[$0].shape }
        guard shapes[index] != dims else { return }
        shapes[index] = dims
        requestedInputShapes = shapes
        graph = nil
        plan = nil
    }

    /// Checks a requested input shape against the tensor's declaration;
    /// `error` turns a reason into the caller's error.
    static func checkResize(_ dims: [Int], of def: TensorDef, maximumBytes: Int,
                            error: (String) -> InterpreterError) throws {
        let shown = "[" + dims.map(String.init).joined(separator: ", ") + "]"
        if let signature = def.shapeSignature {
            guard signature.count == dims.count else {
                throw error("has rank \(signature.count) (shape signature \(signature)), \(shown) has rank \(dims.count)")
            }
            for (i, (fixed, new)) in zip(signature, dims).enumerated() where fixed != -1 && fixed != new {
                throw error("dimension \(i) is fixed at \(fixed) by the model's shape signature \(signature); only −1 dimensions can change, \(shown) asks for \(new)")
            }
        } else {
            guard def.shape.count == dims.count else {
                throw error("has rank \(def.shape.count) (shape \(def.shape)), \(shown) has rank \(dims.count)")
            }
        }
        if let i = dims.firstIndex(where: { $0 < 1 }) {
            throw error("dimension \(i) of \(shown) is \(dims[i]); every dimension must be at least 1")
        }
        let byteSize = def.type.byteSize ?? 1
        guard let n = ModelValidator.boundedElementCount(dims) else {
            throw error("shape \(shown) has too many elements")
        }
        let (bytes, overflow) = n.multipliedReportingOverflow(by: byteSize)
        guard !overflow, bytes <= ModelValidator.maximumTensorBytes, bytes <= maximumBytes else {
            throw error("shape \(shown) needs \(overflow ? "more than \(Int.max)" : "\(bytes)") bytes, more than the limit of \(min(maximumBytes, ModelValidator.maximumTensorBytes)) bytes")
        }
    }
}
