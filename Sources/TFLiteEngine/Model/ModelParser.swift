/// Decodes a TFLite FlatBuffer into `ModelDef`, checking every read.
///
/// Structural errors (offsets out of range, bad vtables, unknown enum values)
/// throw `InterpreterError.malformedModel` with the path of the field.
enum ModelParser {
    static func parse(_ reader: FlatBufferReader) throws -> ModelDef {
        let model = try reader.root(identifier: "TFL3", location: "Model")
        let version = try model.uint32(4, "version")

        var codes: [OperatorCodeDef] = []
        for t in try model.tables(6, "operator_codes") ?? [] {
            let deprecated = Int32(try t.int8(4, "deprecated_builtin_code"))
            let builtin = try t.int32(10, "builtin_code")
            let version = try t.int32(8, "version", default: 1)
            codes.append(OperatorCodeDef(
                builtinCode: BuiltinOperator(rawValue: max(builtin, deprecated)),
                customCode: try t.string(6, "custom_code"),
                version: Int(version)))
        }

        var buffers: [BufferSpan?] = []
        for t in try model.tables(12, "buffers") ?? [] {
            buffers.append(try parseBuffer(t, reader: reader))
        }

        var subgraphs: [SubGraphDef] = []
        for t in try model.tables(8, "subgraphs") ?? [] {
            subgraphs.append(try parseSubGraph(t))
        }

        var metadata: [(name: String, buffer: Int)] = []
        for t in try model.tables(16, "metadata") ?? [] {
            metadata.append((try t.string(4, "name") ?? "", Int(try t.uint32(6, "buffer"))))
        }

        var signatures: [SignatureDef] = []
        for t in try model.tables(18, "signature_defs") ?? [] {
            func maps(_ slot: Int, _ name: String) throws -> [(name: String, tensorIndex: Int)] {
                try (t.tables(slot, name) ?? []).map { m in
                    (try m.string(4, "name") ?? "", Int(try m.uint32(6, "tensor_index")))
                }
            }
            signatures.append(SignatureDef(
                key: try t.string(8, "signature_key") ?? "",
                inputs: try maps(4, "inputs"),
                outputs: try maps(6, "outputs"),
                subgraphIndex: Int(try t.uint32(12, "subgraph_index"))))
        }

        return ModelDef(
            version: version, operatorCodes: codes, subgraphs: subgraphs,
            description: try model.string(10, "description"),
            buffers: buffers, metadata: metadata, signatureDefs: signatures)
    }

    /// A buffer's data: inline (`data`) or after the FlatBuffer (`offset`, `size`).
    static func parseBuffer(_ t: FlatBufferTable, reader: FlatBufferReader) throws -> BufferSpan? {
        if let v = try t.vector(4, "data", elementSize: 1), v.count > 0 {
            return BufferSpan(lowerBound: v.start, count: v.count)
        }
        let offset = try t.uint64(6, "offset")
        let size = try t.uint64(8, "size")
        // offset 0 or 1 means "no external data" (1 is a placeholder the converter writes).
        guard offset > 1 else { return nil }
        let fileSize = UInt64(reader.count)
        guard offset <= fileSize, size <= fileSize - offset else {
            throw InterpreterError.malformedModel(
                location: t.location, reason: "external data at offset \(offset) with size \(size) lies outside the \(fileSize)-byte file")
        }
        return size == 0 ? nil : BufferSpan(lowerBound: Int(offset), count: Int(size))
    }

    static func parseSubGraph(_ t: FlatBufferTable) throws -> SubGraphDef {
        var tensors: [TensorDef] = []
        // Per-channel zero points are almost always all 0, one vector for a
        // filter and another of the same length for its bias: equal vectors
        // share one array (MobileNetV2 int8: 270 KB of Int64s down to ~20 KB).
        var zeroPoints = ZeroPointPool()
        for tt in try t.tables(4, "tensors") ?? [] {
            tensors.append(try parseTensor(tt, sharing: &zeroPoints))
        }
        var operators: [OperatorDef] = []
        for ot in try t.tables(10, "operators") ?? [] {
            operators.append(try parseOperator(ot))
        }
        return SubGraphDef(
            name: try t.string(12, "name") ?? "",
            tensors: tensors,
            inputs: (try t.int32s(6, "inputs") ?? []).map(Int.init),
            outputs: (try t.int32s(8, "outputs") ?? []).map(Int.init),
            operators: operators)
    }

    /// A tensor; its zero-point vector is replaced by an equal one already in
    /// `zeroPoints` (the same storage), or added there.
    static func parseTensor(_ t: FlatBufferTable, sharing zeroPoints: inout ZeroPointPool) throws -> TensorDef {
        let rawType = try t.int8(6, "type")
        guard let type = TensorType(rawValue: rawType) else {
            throw InterpreterError.malformedModel(location: t.location + ".type", reason: "unknown tensor type \(rawType)")
        }
        var quantization: QuantizationDef?
        if let q = try t.table(12, "quantization") {
            quantization = QuantizationDef(
                scale: try q.float32s(8, "scale") ?? [],
                zeroPoint: zeroPoints.shared(try q.int64s(10, "zero_point") ?? []),
                quantizedDimension: Int(try q.int32(16, "quantized_dimension")),
                min: try q.float32s(4, "min") ?? [],
                max: try q.float32s(6, "max") ?? [],
                hasUnsupportedDetails: try q.uint8(12, "details_type") != 0)
        }
        var sparsity: SparsityDef?
        if let s = try t.table(16, "sparsity") {
            sparsity = try parseSparsity(s)
        }
        return TensorDef(
            name: try t.string(10, "name") ?? "",
            shape: (try t.int32s(4, "shape") ?? []).map(Int.init),
            shapeSignature: (try t.int32s(18, "shape_signature"))?.map(Int.init),
            type: type,
            buffer: Int(try t.uint32(8, "buffer")),
            quantization: quantization,
            isVariable: try t.bool(14, "is_variable"),
            sparsity: sparsity)
    }

    static func parseSparsity(_ s: FlatBufferTable) throws -> SparsityDef {
        var dims: [DimensionMetadataDef] = []
        for d in try s.tables(8, "dim_metadata") ?? [] {
            let rawFormat = try d.int8(4, "format")
            guard let format = DimensionMetadataDef.Format(rawValue: rawFormat) else {
                throw InterpreterError.malformedModel(location: d.location + ".format", reason: "unknown dimension type \(rawFormat)")
            }
            func indexVector(_ typeSlot: Int, _ slot: Int, _ name: String) throws -> [Int32] {
                let kind = try d.uint8(typeSlot, name + "_type")
                if kind == 0 { return [] }
                guard let v = try d.table(slot, name) else {
                    throw InterpreterError.malformedModel(location: d.location + "." + name, reason: "union type \(kind) without a value")
                }
                switch kind {
                case 1: return try v.int32s(4, "values") ?? []
                case 2: return (try v.uint16s(4, "values") ?? []).map { Int32($0) }
                case 3: return (try v.uint8s(4, "values") ?? []).map { Int32($0) }
                default:
                    throw InterpreterError.malformedModel(location: d.location + "." + name, reason: "unknown index vector type \(kind)")
                }
            }
            dims.append(DimensionMetadataDef(
                format: format,
                denseSize: Int(try d.int32(6, "dense_size")),
                arraySegments: try indexVector(8, 10, "array_segments"),
                arrayIndices: try indexVector(12, 14, "array_indices")))
        }
        return SparsityDef(
            traversalOrder: try s.int32s(4, "traversal_order") ?? [],
            blockMap: try s.int32s(6, "block_map") ?? [],
            dimensionMetadata: dims)
    }

    static func parseOperator(_ t: FlatBufferTable) throws -> OperatorDef {
        let optionsType = try t.uint8(10, "builtin_options_type")
        var options: FlatBufferTable?
        if optionsType != 0 {
            options = try t.table(12, "builtin_options")
        }
        let options2Type = try t.uint8(26, "builtin_options_2_type")
        var options2: FlatBufferTable?
        if options2Type != 0 {
            options2 = try t.table(28, "builtin_options_2")
        }
        var custom: Range<Int>?
        if let v = try t.vector(14, "custom_options", elementSize: 1), v.count > 0 {
            custom = v.byteRange
        } else {
            let offset = try t.uint64(22, "large_custom_options_offset")
            let size = try t.uint64(24, "large_custom_options_size")
            if offset > 1 && size > 0 {
                let fileSize = UInt64(t.reader.count)
                guard offset <= fileSize, size <= fileSize - offset else {
                    throw InterpreterError.malformedModel(
                        location: t.location, reason: "large custom options at \(offset)+\(size) lie outside the file")
                }
                custom = Int(offset)..<Int(offset + size)
            }
        }
        return OperatorDef(
            opcodeIndex: Int(try t.uint32(4, "opcode_index")),
            inputs: (try t.int32s(6, "inputs") ?? []).map(Int.init),
            outputs: (try t.int32s(8, "outputs") ?? []).map(Int.init),
            intermediates: (try t.int32s(20, "intermediates") ?? []).map(Int.init),
            builtinOptionsType: optionsType,
            builtinOptions: options,
            builtinOptions2Type: options2Type,
            builtinOptions2: options2,
            customOptions: custom)
    }
}

/// Distinct zero-point vectors seen so far in a subgraph, so that equal ones
/// share one array's storage. A short list compared by value, not a
/// `Set<[Int64]>`: creating that set's storage makes the Swift runtime look up
/// `[Int64]: Hashable`, and the first protocol-conformance lookup of a
/// process walks every conformance record of the binary (~0.5 MiB of pages
/// kept resident; issue 14, peak RSS). Models have a handful of distinct
/// vectors (all zeros of a few lengths); past `capacity` distinct ones, new
/// vectors are kept unshared, which bounds the comparisons per tensor.
struct ZeroPointPool {
    private var vectors: [[Int64]] = []
    static let capacity = 16

    /// An array equal to `vector`: one seen before, else `vector` (remembered
    /// while there is room).
    mutating func shared(_ vector: [Int64]) -> [Int64] {
        for v in vectors where v == vector { return v }
        if vectors.count < Self.capacity { vectors.append(vector) }
        return vector
    }
}
