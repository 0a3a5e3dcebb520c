// `Encodable` for the metadata types: the JSON that tflite-support's
// `MetadataDisplayer.get_metadata_json()` prints for the same FlatBuffer
// (schema field names; enumerations by name, or their number when this schema
// version does not name them; unions as `<field>_type` and `<field>`).
// Absent fields, empty vectors and scalars equal to their schema default are
// left out. JSON has no NaN or infinity: such a float is written as null.

/// A JSON key given as a string.
struct MetadataKey: CodingKey, ExpressibleByStringLiteral {
    let stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(stringLiteral value: String) { stringValue = value }
}

/// Floats, non-finite ones as null.
struct MetadataFloats: Encodable {
    let values: [Float]
    func encode(to encoder: Encoder) throws {
        var c = encoder.unkeyedContainer()
        for v in values { if v.isFinite { try c.encode(v) } else { try c.encodeNil() } }
    }
}

/// An enumeration by its schema name, or its number when unnamed.
struct MetadataEnumName<E: MetadataEnumeration>: Encodable {
    let value: E
    func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let name = E.names[value.rawValue] { try c.encode(name) } else { try c.encode(value.rawValue) }
    }
}

extension KeyedEncodingContainer where Key == MetadataKey {
    mutating func put<T: Encodable>(_ value: T?, _ key: MetadataKey) throws {
        try encodeIfPresent(value, forKey: key)
    }
    mutating func put<T: Encodable>(_ values: [T], _ key: MetadataKey) throws {
        if !values.isEmpty { try encode(values, forKey: key) }
    }
    mutating func put(_ values: [Float], _ key: MetadataKey) throws {
        if !values.isEmpty { try encode(MetadataFloats(values: values), forKey: key) }
    }
    mutating func put<T: Encodable & Equatable>(_ value: T, _ key: MetadataKey, default defaultValue: T) throws {
        if value != defaultValue { try encode(value, forKey: key) }
    }
    mutating func put(_ value: Float, _ key: MetadataKey) throws {
        guard value != 0 else { return }
        if value.isFinite { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func put<E: MetadataEnumeration>(_ value: E, _ key: MetadataKey) throws {
        if value.rawValue != 0 { try encode(MetadataEnumName(value: value), forKey: key) }
    }
    /// A union: `<key>_type` (the member's name) and `<key>` (its table).
    mutating func putUnion(_ typeName: String, _ value: some Encodable, _ key: String) throws {
        try encode(typeName, forKey: MetadataKey(stringValue: key + "_type"))
        try encode(value, forKey: MetadataKey(stringValue: key))
    }
}

/// An empty table (`FeatureProperties`).
private struct EmptyTable: Encodable {
    func encode(to encoder: Encoder) throws { _ = encoder.container(keyedBy: MetadataKey.self) }
}

extension ModelMetadata: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(description, "description")
        try c.put(version, "version")
        try c.put(subgraphs, "subgraph_metadata")
        try c.put(author, "author")
        try c.put(license, "license")
        try c.put(associatedFiles, "associated_files")
        try c.put(minParserVersion, "min_parser_version")
    }
}

extension ModelMetadata.SubgraphMetadata: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(description, "description")
        try c.put(inputTensors, "input_tensor_metadata")
        try c.put(outputTensors, "output_tensor_metadata")
        try c.put(associatedFiles, "associated_files")
        try c.put(inputProcessUnits, "input_process_units")
        try c.put(outputProcessUnits, "output_process_units")
        try c.put(inputTensorGroups, "input_tensor_groups")
        try c.put(outputTensorGroups, "output_tensor_groups")
        try c.put(customMetadata, "custom_metadata")
    }
}

extension ModelMetadata.TensorMetadata: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(description, "description")
        try c.put(dimensionNames, "dimension_names")
        try c.put(content, "content")
        try c.put(processUnits, "process_units")
        try c.put(stats, "stats")
        try c.put(associatedFiles, "associated_files")
    }
}

extension ModelMetadata.AssociatedFile: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(description, "description")
        try c.put(type, "type")
        try c.put(locale, "locale")
        try c.put(version, "version")
    }
}

extension ModelMetadata.Content: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        switch properties {
        case nil: break
        case .feature?: try c.putUnion("FeatureProperties", EmptyTable(), "content_properties")
        case let .image(p)?: try c.putUnion("ImageProperties", p, "content_properties")
        case let .boundingBox(p)?: try c.putUnion("BoundingBoxProperties", p, "content_properties")
        case let .audio(p)?: try c.putUnion("AudioProperties", p, "content_properties")
        case let .unknown(type)?: try c.encode(type, forKey: "content_properties_type")
        }
        try c.put(range, "range")
    }
}

extension ModelMetadata.ImageProperties: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(colorSpace, "color_space")
        try c.put(defaultSize, "default_size")
    }
}

extension ModelMetadata.ImageSize: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(width, "width", default: 0)
        try c.put(height, "height", default: 0)
    }
}

extension ModelMetadata.BoundingBoxProperties: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(index, "index")
        try c.put(type, "type")
        try c.put(coordinateType, "coordinate_type")
    }
}

extension ModelMetadata.AudioProperties: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(sampleRate, "sample_rate", default: 0)
        try c.put(channels, "channels", default: 0)
    }
}

extension ModelMetadata.ValueRange: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(min, "min", default: 0)
        try c.put(max, "max", default: 0)
    }
}

extension ModelMetadata.ProcessUnit: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        switch options {
        case nil: break
        case let .normalization(n)?: try c.putUnion("NormalizationOptions", n, "options")
        case let .scoreCalibration(s)?: try c.putUnion("ScoreCalibrationOptions", s, "options")
        case let .scoreThresholding(threshold)?:
            try c.putUnion("ScoreThresholdingOptions", FieldTable { try $0.put(threshold, "global_score_threshold") }, "options")
        case let .bertTokenizer(vocab)?:
            try c.putUnion("BertTokenizerOptions", FieldTable { try $0.put(vocab, "vocab_file") }, "options")
        case let .sentencePieceTokenizer(models, vocab)?:
            try c.putUnion("SentencePieceTokenizerOptions", FieldTable {
                try $0.put(models, "sentencePiece_model")
                try $0.put(vocab, "vocab_file")
            }, "options")
        case let .regexTokenizer(pattern, vocab)?:
            try c.putUnion("RegexTokenizerOptions", FieldTable {
                try $0.put(pattern, "delim_regex_pattern")
                try $0.put(vocab, "vocab_file")
            }, "options")
        case let .unknown(type)?: try c.encode(type, forKey: "options_type")
        }
    }
}

/// A table written field by field (the union members held inline in enum cases).
private struct FieldTable: Encodable {
    let fields: (inout KeyedEncodingContainer<MetadataKey>) throws -> Void
    init(_ fields: @escaping (inout KeyedEncodingContainer<MetadataKey>) throws -> Void) { self.fields = fields }
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try fields(&c)
    }
}

extension ModelMetadata.NormalizationOptions: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(mean, "mean")
        try c.put(std, "std")
    }
}

extension ModelMetadata.ScoreCalibrationOptions: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(scoreTransformation, "score_transformation")
        try c.put(defaultScore, "default_score")
    }
}

extension ModelMetadata.Stats: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(max, "max")
        try c.put(min, "min")
    }
}

extension ModelMetadata.TensorGroup: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(tensorNames, "tensor_names")
    }
}

extension ModelMetadata.CustomMetadata: Encodable {
    /// Encodes as tflite-support's `MetadataDisplayer` JSON: schema field names, absent fields left out.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: MetadataKey.self)
        try c.put(name, "name")
        try c.put(data, "data")
    }
}
