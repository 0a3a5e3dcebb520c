/// Output scaling of a quantized convolution-like op (CONV_2D,
/// DEPTHWISE_CONV_2D, FULLY_CONNECTED): offsets, one multiplier/shift per
/// output channel, and the activation clamp.
struct ConvolutionQuantization {
    /// Added to every input value (−input zero point).
    let inputOffset: Int32
    /// Added to every filter value (−filter zero point; 0 for int8).
    let filterOffset: Int32
    /// Added after scaling (output zero point).
    let outputOffset: Int32
    let multipliers: [Int32]
    let shifts: [Int]
    let activationMin: Int32
    let activationMax: Int32
    /// How `multipliers`/`shifts` scale an accumulator.
    let rounding: Rounding

    enum MultiplierRule {
        /// `PopulateConvolutionQuantizationParams`: in·w[c]/out in double, per channel.
        case perChannelDouble
        /// float(in·w) / out, per tensor (uint8 CONV_2D / DEPTHWISE_CONV_2D).
        case perTensorFloatProduct
    }

    /// The rounding of `MultiplyByQuantizedMultiplier`.
    enum Rounding {
        /// gemmlowp's two roundings (`FixedPoint.multiplyByQuantizedMultiplier`):
        /// TFLite Micro, which the int8 kernels follow.
        case double
        /// One rounding of x·M, ties away from zero
        /// (`FixedPoint.multiplyByQuantizedMultiplierSingleRounding`): LiteRT's
        /// reference FULLY_CONNECTED as measured, with its in·w/out multiplier
        /// computed in double (`GetQuantizedConvolutionMultipler`).
        case single
    }

    /// Checks the quantization of input, filter, bias and output and derives
    /// the integer parameters. `channelAxis` is the filter's output-channel
    /// dimension; `channels` its size. `liteRTUInt8`: a uint8 model follows
    /// LiteRT's reference uint8 FULLY_CONNECTED (double-precision multiplier,
    /// one rounding) instead of the float-product multiplier with two roundings.
    init(ctx: PrepareContext, input: TensorSlot, filter: TensorSlot, bias: TensorSlot?, output: TensorSlot,
         channelAxis: Int, channels: Int, activation: FusedActivation, liteRTUInt8: Bool = false) throws {
        let type = input.type
        try ctx.require(filter, type: type, "filter")
        try ctx.require(output, type: type, "output")
        if let bias { try ctx.require(bias, type: .int32, "bias") }
        let inQ = try ctx.quantization(input, "input")
        let outQ = try ctx.quantization(output, "output")
        guard let fq = filter.quantization, !fq.scale.isEmpty else {
            throw ctx.error("filter '\(filter.name)' has no quantization parameters")
        }
        let scales = fq.scale
        let perChannel = scales.count > 1
        if perChannel {
            guard type == .int8 else { throw ctx.error("per-channel quantized filter is only supported for int8") }
            guard scales.count == channels else {
                throw ctx.error("filter has \(scales.count) scales for \(channels) output channels")
            }
            guard fq.quantizedDimension == channelAxis else {
                throw ctx.error("filter is quantized along dimension \(fq.quantizedDimension), expected \(channelAxis)")
            }
        }
        var filterZeroPoint: Int32 = 0
        if type != .int8 {
            filterZeroPoint = try ctx.quantization(filter, "filter").zeroPoint
        }
        let singleRounding = type == .uint8 && liteRTUInt8
        let rule: MultiplierRule = (type == .int8 || singleRounding) ? .perChannelDouble : .perTensorFloatProduct
        // The multipliers depend only on the model's quantization parameters:
        // computed once per model (a per-channel loop over every output
        // channel was a sixth of a second interpreter's start-up).
        let key = SharedConstantKey("conv-multipliers", [
            ctx.node.index, input.index, filter.index, output.index, rule == .perChannelDouble ? 1 : 0, channels])
        let table = try ctx.graph.sharedConstants.value(for: key) { () -> MultiplierTable in
            // The per-channel checks run here, once per model too (a model
            // that fails them caches nothing, so every prepare reports it).
            for s in scales where !(s.isFinite && s > 0) {
                throw ctx.error("filter '\(filter.name)' has scale \(s), expected a finite positive value")
            }
            if type == .int8 {
                for z in fq.zeroPoint where z != 0 {
                    throw ctx.error("int8 filter '\(filter.name)' has zero point \(z); symmetric weights (zero point 0) are required")
                }
            }
            var multipliers: [Int32] = [], shifts: [Int8] = []
            multipliers.reserveCapacity(channels)
            shifts.reserveCapacity(channels)
            for c in 0..<channels {
                let fs = perChannel ? scales[c] : scales[0]
                let real: Double
                switch rule {
                case .perChannelDouble: real = Double(inQ.scale) * Double(fs) / Double(outQ.scale)
                case .perTensorFloatProduct: real = Double(inQ.scale * fs) / Double(outQ.scale)
                }
                guard real.isFinite else { throw ctx.error("effective output scale is not finite") }
                let (m, s) = FixedPoint.quantizeMultiplier(real)
                guard s <= 31 else { throw ctx.error("effective output scale \(real) is too large") }
                multipliers.append(m)
                shifts.append(Int8(s))  // in −31…31: quantizeMultiplier clamps below, the guard above
            }
            return MultiplierTable(multipliers: multipliers, shifts: shifts)
        }
        inputOffset = -inQ.zeroPoint
        filterOffset = -filterZeroPoint
        outputOffset = outQ.zeroPoint
        self.multipliers = table.multipliers
        // (Widened in one pass over a buffer: `map` grew the array element
        // by element, about 1% of an int8 MobileNetV2's start-up.)
        self.shifts = [Int](unsafeUninitializedCapacity: table.shifts.count) { buffer, initialized in
            table.shifts.withUnsafeBufferPointer { source in
                for i in source.indices { buffer[i] = Int(source[i]) }
            }
            initialized = table.shifts.count
        }
        rounding = singleRounding ? .single : .double
        let limits = ctx.quantizedLimits(type)
        (activationMin, activationMax) = activation.quantizedRange(scale: outQ.scale, zeroPoint: outQ.zeroPoint, qmin: limits.min, qmax: limits.max)
        guard activationMin <= activationMax else { throw ctx.error("fused activation range is empty for the output's quantization") }
    }
}

/// The per-channel multipliers and shifts of one node, cached on the model
/// (for the next interpreter's prepare). The shifts as bytes: 5 bytes a
/// channel instead of 12 stay resident for the model's lifetime (issue 14,
/// peak RSS); a prepare widens them into its own `ConvolutionQuantization`.
private final class MultiplierTable: @unchecked Sendable {
    let multipliers: [Int32]
    let shifts: [Int8]
    init(multipliers: [Int32], shifts: [Int8]) {
        self.multipliers = multipliers
        self.shifts = shifts
    }
}

extension ConvolutionQuantization {
    /// Parameters given directly (tests of the output stage).
    init(inputOffset: Int32, filterOffset: Int32, outputOffset: Int32, multipliers: [Int32], shifts: [Int],
         activationMin: Int32, activationMax: Int32, rounding: Rounding = .double) {
        self.inputOffset = inputOffset
        self.filterOffset = filterOffset
        self.outputOffset = outputOffset
        self.multipliers = multipliers
        self.shifts = shifts
        self.activationMin = activationMin
        self.activationMax = activationMax
        self.rounding = rounding
    }

    /// `acc` (bias included) scaled by channel `c`'s multiplier with this
    /// rounding (the reference kernels' output stage).
    @inline(__always)
    func scale(_ acc: Int32, multiplier: Int32, shift: Int) -> Int32 {
        switch rounding {
        case .double: FixedPoint.multiplyByQuantizedMultiplier(acc, multiplier, shift)
        case .single: FixedPoint.multiplyByQuantizedMultiplierSingleRounding(acc, multiplier, shift)
        }
    }
}

extension PrepareContext {
    /// Input 2 (a filtered operator's bias) as constant Int32 values, with a
    /// key naming its tensor for `Model.sharedConstants` ("none" and nil
    /// values without a bias); nil when the bias is computed at run time.
    func constantInt32Bias() -> (values: UnsafePointer<Int32>?, key: Int)? {
        guard let bias = optionalInput(2) else { return (nil, -1) }
        guard let values = bias.constant else { return nil }
        return (values.assumingMemoryBound(to: Int32.self), node.inputs[2])
    }
}
