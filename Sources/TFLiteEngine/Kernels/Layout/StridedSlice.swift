/// STRIDED_SLICE with constant begin/end/strides (int32 or int64) and the
/// masks of `StridedSliceOptions`:
/// - begin_mask / end_mask: ignore begin / end of that entry (full range);
/// - ellipsis_mask: at most one entry; it stands for as many full
///   dimensions as the other entries leave (an entry with both ellipsis and
///   new-axis bits is an ellipsis, as in TFLite);
/// - new_axis_mask: insert a dimension of size 1 (consumes no input dimension);
/// - shrink_axis_mask: take the single element at begin and drop the dimension;
/// - offset: end is relative to begin.
/// Negative begin/end count from the end; they are clamped like TFLite's
/// `StridedSliceStartForAxis`/`EndForAxis`. Stride 0 is an error. Entries
/// beyond the given ones are full ranges. Any fixed-size element type.
enum StridedSlice {
    static let registration = OperatorRegistration(maxVersion: 8) { ctx in try prepare(ctx) }

    static func prepare(_ ctx: PrepareContext) throws -> Kernel {
        try ctx.expect(inputs: 4)
        let input = try ctx.input(0)
        guard input.rank <= 6 else { throw ctx.error("rank \(input.rank) is above 6") }
        let begin = try ctx.constantInts(try ctx.input(1), "begin")
        let end = try ctx.constantInts(try ctx.input(2), "end")
        let strides = try ctx.constantInts(try ctx.input(3), "strides")
        guard begin.count == end.count, begin.count == strides.count else {
            throw ctx.error("begin, end and strides have \(begin.count), \(end.count) and \(strides.count) entries")
        }
        let count = begin.count
        guard count <= 32 else { throw ctx.error("\(count) slice entries are more than the 32 a mask can describe") }
        let options = try ctx.options(StridedSliceOptions.self)
        let beginMask = Int(options.beginMask)
        let endMask = Int(options.endMask)
        let ellipsisMask = Int(options.ellipsisMask)
        let newAxisMask = Int(options.newAxisMask)
        let shrinkMask = Int(options.shrinkAxisMask)
        let offset = options.offset
        func bit(_ mask: Int, _ i: Int) -> Bool { (mask >> i) & 1 == 1 }

        var ellipsis: Int?
        for i in 0..<count where bit(ellipsisMask, i) {
            guard ellipsis == nil else { throw ctx.error("ellipsis_mask \(ellipsisMask) has more than one ellipsis") }
            ellipsis = i
        }
        // Input dimensions consumed by ordinary entries (not ellipsis, not new axis).
        var consuming = 0
        for i in 0..<count where !bit(ellipsisMask, i) && !bit(newAxisMask, i) { consuming += 1 }
        guard consuming <= input.rank else {
            throw ctx.error("\(consuming) slice entries index an input of rank \(input.rank)")
        }

        let inputStrides = PrepareContext.elementStrides(input.shape)
        var viewSizes: [Int] = [], viewStrides: [Int] = [], base = 0
        var outputShape: [Int] = []
        var d = 0  // next input dimension
        func full(_ dim: Int) {
            viewSizes.append(input.shape[dim])
            viewStrides.append(inputStrides[dim])
            outputShape.append(input.shape[dim])
        }
        for i in 0..<count {
            if bit(ellipsisMask, i) {
                for _ in 0..<(input.rank - consuming) { full(d); d += 1 }
                continue
            }
            if bit(newAxisMask, i) {
                outputShape.append(1)
                continue
            }
            let size = input.shape[d]
            let s = strides[i]
            guard s != 0 else { throw ctx.error("stride 0 in entry \(i) (strides \(strides))") }
            let int32Range = Int(Int32.min)...Int(Int32.max)
            guard int32Range.contains(s), int32Range.contains(begin[i]), int32Range.contains(end[i]) else {
                throw ctx.error("slice entry \(i) (begin \(begin[i]), end \(end[i]), stride \(s)) is out of the int32 range")
            }
            // Start, as TFLite's StridedSliceStartForAxis.
            var start = begin[i]
            if start < 0 { start += size }
            start = s > 0 ? min(max(start, 0), size) : min(max(start, -1), size - 1)
            if bit(beginMask, i) { start = s > 0 ? 0 : size - 1 }
            if bit(shrinkMask, i) {
                // One element at begin; the index must be inside the dimension.
                var index = begin[i]
                if index < 0 { index += size }
                guard index >= 0, index < size else {
                    throw ctx.error("shrink index \(begin[i]) of entry \(i) is out of range for dimension \(d) of size \(size)")
                }
                base &+= index &* inputStrides[d]
                d += 1
                continue
            }
            var stop = end[i]
            if offset { stop += start }
            if stop < 0 { stop += size }
            stop = s > 0 ? min(max(stop, 0), size) : min(max(stop, -1), size - 1)
            if bit(endMask, i) { stop = s > 0 ? size : -1 }
            let n = s > 0 ? (stop - start + s - 1) / s : (start - stop + (-s) - 1) / (-s)
            let extent = max(n, 0)
            if extent > 0 { base &+= start &* inputStrides[d] }
            viewSizes.append(extent)
            viewStrides.append(s &* inputStrides[d])
            outputShape.append(extent)
            d += 1
        }
        while d < input.rank { full(d); d += 1 }
        let elementSize = try ctx.requireSameTypeMovingBytes()
        try ctx.setOutputShape(0, outputShape)
        return StridedCopyKernel(ctx: ctx, view: StridedView(sizes: viewSizes, strides: viewStrides, base: base), elementSize: elementSize)
    }
}
