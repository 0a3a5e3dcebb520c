/// Decodes the `ModelMetadata` FlatBuffer (tflite-support's
/// `metadata_schema.fbs`, identifier `M001`) with the bounds-checked reader.
///
/// Field slots are `4 + 2 × field id` in schema order; a union takes two ids
/// (its `_type` byte, then the table). Every read is checked; a structural
/// error throws `ModelMetadataError.malformedMetadata` with the field path,
/// e.g. `ModelMetadata.subgraph_metadata[0].output_tensor_metadata[1].name`.
enum MetadataParser {
    /// The metadata entry name in the model's `metadata` list.
    static let entryName = "TFLITE_METADATA"
    static let fileIdentifier = "M001"

    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> ModelMetadata {
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            throw ModelMetadataError.malformedMetadata(location: "ModelMetadata", reason: "the \(entryName) buffer is empty")
        }
        // As for the model: at most 8 decoded vector elements per byte, so
        // aliased vectors cannot multiply the decoded size.
        let budget = DecodeBudget(elements: max(1 << 16, bytes.count.multipliedReportingOverflow(by: 8).partialValue))
        let reader = FlatBufferReader(base: base, count: bytes.count, budget: budget)
        do {
            let root = try reader.root(identifier: fileIdentifier, location: "ModelMetadata")
            return try model(root)
        } catch let InterpreterError.malformedModel(location, reason) {
            throw ModelMetadataError.malformedMetadata(location: location, reason: reason.replacing("(not a TFLite model?)", with: "(not TFLite metadata?)"))
        }
    }

    static func model(_ t: FlatBufferTable) throws -> ModelMetadata {
        ModelMetadata(
            name: try t.string(4, "name"),
            description: try t.string(6, "description"),
            version: try t.string(8, "version"),
            subgraphs: try (t.tables(10, "subgraph_metadata") ?? []).map(subgraph),
            author: try t.string(12, "author"),
            license: try t.string(14, "license"),
            associatedFiles: try files(t, 16, "associated_files"),
            minParserVersion: try t.string(18, "min_parser_version"))
    }

    static func subgraph(_ t: FlatBufferTable) throws -> ModelMetadata.SubgraphMetadata {
        ModelMetadata.SubgraphMetadata(
            name: try t.string(4, "name"),
            description: try t.string(6, "description"),
            inputTensors: try (t.tables(8, "input_tensor_metadata") ?? []).map(tensor),
            outputTensors: try (t.tables(10, "output_tensor_metadata") ?? []).map(tensor),
            associatedFiles: try files(t, 12, "associated_files"),
            inputProcessUnits: try (t.tables(14, "input_process_units") ?? []).map(processUnit),
            outputProcessUnits: try (t.tables(16, "output_process_units") ?? []).map(processUnit),
            inputTensorGroups: try (t.tables(18, "input_tensor_groups") ?? []).map(tensorGroup),
            outputTensorGroups: try (t.tables(20, "output_tensor_groups") ?? []).map(tensorGroup),
            customMetadata: try (t.tables(22, "custom_metadata") ?? []).map { c in
                ModelMetadata.CustomMetadata(name: try c.string(4, "name"), data: try c.uint8s(6, "data") ?? [])
            })
    }

    static func tensor(_ t: FlatBufferTable) throws -> ModelMetadata.TensorMetadata {
        ModelMetadata.TensorMetadata(
            name: try t.string(4, "name"),
            description: try t.string(6, "description"),
            dimensionNames: try strings(t, 8, "dimension_names"),
            content: try t.table(10, "content").map(content),
            processUnits: try (t.tables(12, "process_units") ?? []).map(processUnit),
            stats: try t.table(14, "stats").map { s in
                ModelMetadata.Stats(max: try s.float32s(4, "max") ?? [], min: try s.float32s(6, "min") ?? [])
            },
            associatedFiles: try files(t, 16, "associated_files"))
    }

    static func content(_ t: FlatBufferTable) throws -> ModelMetadata.Content {
        let type = try t.uint8(4, "content_properties_type")
        var properties: ModelMetadata.ContentProperties?
        if type != 0, let p = try t.table(6, "content_properties") {
            switch type {
            case 1: properties = .feature
            case 2:
                properties = .image(ModelMetadata.ImageProperties(
                    colorSpace: .init(rawValue: try p.int8(4, "color_space")),
                    defaultSize: try p.table(6, "default_size").map { s in
                        ModelMetadata.ImageSize(width: try s.uint32(4, "width"), height: try s.uint32(6, "height"))
                    }))
            case 3:
                properties = .boundingBox(ModelMetadata.BoundingBoxProperties(
                    index: try uint32s(p, 4, "index"),
                    type: .init(rawValue: try p.int8(6, "type")),
                    coordinateType: .init(rawValue: try p.int8(8, "coordinate_type"))))
            case 4:
                properties = .audio(ModelMetadata.AudioProperties(
                    sampleRate: try p.uint32(4, "sample_rate"), channels: try p.uint32(6, "channels")))
            default: properties = .unknown(type: type)
            }
        }
        return ModelMetadata.Content(
            properties: properties,
            range: try t.table(8, "range").map { r in
                ModelMetadata.ValueRange(min: try r.int32(4, "min"), max: try r.int32(6, "max"))
            })
    }

    static func processUnit(_ t: FlatBufferTable) throws -> ModelMetadata.ProcessUnit {
        let type = try t.uint8(4, "options_type")
        guard type != 0, let o = try t.table(6, "options") else { return ModelMetadata.ProcessUnit() }
        let options: ModelMetadata.ProcessUnitOptions
        switch type {
        case 1:
            options = .normalization(ModelMetadata.NormalizationOptions(
                mean: try o.float32s(4, "mean") ?? [], std: try o.float32s(6, "std") ?? []))
        case 2:
            options = .scoreCalibration(ModelMetadata.ScoreCalibrationOptions(
                scoreTransformation: .init(rawValue: try o.int8(4, "score_transformation")),
                defaultScore: try o.float32(6, "default_score")))
        case 3:
            options = .scoreThresholding(globalScoreThreshold: try o.float32(4, "global_score_threshold"))
        case 4:
            options = .bertTokenizer(vocabFiles: try files(o, 4, "vocab_file"))
        case 5:
            options = .sentencePieceTokenizer(models: try files(o, 4, "sentencePiece_model"), vocabFiles: try files(o, 6, "vocab_file"))
        case 6:
            options = .regexTokenizer(delimiterPattern: try o.string(4, "delim_regex_pattern"), vocabFiles: try files(o, 6, "vocab_file"))
        default:
            options = .unknown(type: type)
        }
        return ModelMetadata.ProcessUnit(options: options)
    }

    static func tensorGroup(_ t: FlatBufferTable) throws -> ModelMetadata.TensorGroup {
        ModelMetadata.TensorGroup(name: try t.string(4, "name"), tensorNames: try strings(t, 6, "tensor_names"))
    }

    static func files(_ t: FlatBufferTable, _ slot: Int, _ name: String) throws -> [ModelMetadata.AssociatedFile] {
        try (t.tables(slot, name) ?? []).map { f in
            ModelMetadata.AssociatedFile(
                name: try f.string(4, "name"),
                description: try f.string(6, "description"),
                type: .init(rawValue: try f.int8(8, "type")),
                locale: try f.string(10, "locale"),
                version: try f.string(12, "version"))
        }
    }

    /// A vector of strings: each element is a `uoffset` to a NUL-terminated string.
    static func strings(_ t: FlatBufferTable, _ slot: Int, _ name: String) throws -> [String] {
        guard let v = try t.vector(slot, name, elementSize: 4) else { return [] }
        let reader = t.reader
        try reader.budget.spend(v.count, v.location)
        var result: [String] = []
        result.reserveCapacity(v.count)
        for i in 0..<v.count {
            let location = "\(v.location)[\(i)]"
            let target = try reader.followOffset(at: v.start + 4 * i, location)
            try reader.check(target, 4, location)
            let length = Int(reader.u32(target))
            let start = target + 4
            // The string and its NUL terminator lie inside the buffer.
            guard length < reader.count, reader.contains(start, length + 1) else {
                throw InterpreterError.malformedModel(location: location, reason: "string of \(length) bytes runs past the end of the buffer")
            }
            guard reader.u8(start + length) == 0 else {
                throw InterpreterError.malformedModel(location: location, reason: "string is not NUL-terminated")
            }
            try reader.budget.spend(length, location)
            result.append(String(decoding: UnsafeRawBufferPointer(start: reader.base + start, count: length), as: UTF8.self))
        }
        return result
    }

    static func uint32s(_ t: FlatBufferTable, _ slot: Int, _ name: String) throws -> [UInt32] {
        guard let v = try t.vector(slot, name, elementSize: 4) else { return [] }
        try t.reader.budget.spend(v.count, v.location)
        return (0..<v.count).map { t.reader.u32(v.start + 4 * $0) }
    }
}
