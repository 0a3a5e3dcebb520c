/// The TFLite model metadata (`ModelMetadata` of tflite-support's
/// `metadata_schema.fbs`, file identifier `M001`, schema 1.5): what the model
/// is, how to feed its inputs (image colour space, normalization) and how to
/// read its outputs (label files, value ranges), plus the files packed with
/// it. Stored in the buffer of the model's `TFLITE_METADATA` metadata entry;
/// read with `Model.metadata`.
///
/// Every type mirrors one table of the schema, with the same fields. A table
/// that is absent is `nil`; an absent vector is empty. Enumerations keep
/// values this schema version does not name (a newer writer's), so reading
/// never fails on them. All types encode (`Encodable`) as the JSON of
/// tflite-support's `MetadataDisplayer.get_metadata_json()`: the schema's
/// field names, enumerations by name, unions as `<field>_type` plus
/// `<field>`, absent fields, empty vectors and default scalars left out.
public struct ModelMetadata: Sendable, Equatable {
    /// Name of the model (e.g. `"ImageClassifier"`).
    public var name: String?
    public var description: String?
    /// The model's own version, as its creators write it.
    public var version: String?
    /// One per subgraph; the first is the main subgraph's.
    public var subgraphs: [SubgraphMetadata]
    public var author: String?
    public var license: String?
    /// Files of the whole model (packed in the archive after the model).
    public var associatedFiles: [AssociatedFile]
    /// Oldest metadata parser version that understands every field used.
    public var minParserVersion: String?

    public init(name: String? = nil, description: String? = nil, version: String? = nil,
                subgraphs: [SubgraphMetadata] = [], author: String? = nil, license: String? = nil,
                associatedFiles: [AssociatedFile] = [], minParserVersion: String? = nil) {
        self.name = name
        self.description = description
        self.version = version
        self.subgraphs = subgraphs
        self.author = author
        self.license = license
        self.associatedFiles = associatedFiles
        self.minParserVersion = minParserVersion
    }

    /// Every associated file the metadata names, at any level (model,
    /// subgraphs, tensors, tokenizer options), in schema order, each name once.
    public var allAssociatedFiles: [AssociatedFile] {
        var seen = Set<String>()
        var result: [AssociatedFile] = []
        func add(_ files: [AssociatedFile]) {
            for f in files where seen.insert(f.name ?? "").inserted { result.append(f) }
        }
        func add(_ units: [ProcessUnit]) {
            for unit in units { add(unit.options?.associatedFiles ?? []) }
        }
        add(associatedFiles)
        for s in subgraphs {
            add(s.associatedFiles)
            for t in s.inputTensors + s.outputTensors {
                add(t.associatedFiles)
                add(t.processUnits)
            }
            add(s.inputProcessUnits)
            add(s.outputProcessUnits)
        }
        return result
    }

    // MARK: Tables

    public struct SubgraphMetadata: Sendable, Equatable {
        public var name: String?
        public var description: String?
        /// One per subgraph input, in the order of the subgraph's inputs.
        public var inputTensors: [TensorMetadata]
        /// One per subgraph output, in the order of the subgraph's outputs.
        public var outputTensors: [TensorMetadata]
        public var associatedFiles: [AssociatedFile]
        public var inputProcessUnits: [ProcessUnit]
        public var outputProcessUnits: [ProcessUnit]
        public var inputTensorGroups: [TensorGroup]
        public var outputTensorGroups: [TensorGroup]
        public var customMetadata: [CustomMetadata]

        public init(name: String? = nil, description: String? = nil, inputTensors: [TensorMetadata] = [],
                    outputTensors: [TensorMetadata] = [], associatedFiles: [AssociatedFile] = [],
                    inputProcessUnits: [ProcessUnit] = [], outputProcessUnits: [ProcessUnit] = [],
                    inputTensorGroups: [TensorGroup] = [], outputTensorGroups: [TensorGroup] = [],
                    customMetadata: [CustomMetadata] = []) {
            self.name = name
            self.description = description
            self.inputTensors = inputTensors
            self.outputTensors = outputTensors
            self.associatedFiles = associatedFiles
            self.inputProcessUnits = inputProcessUnits
            self.outputProcessUnits = outputProcessUnits
            self.inputTensorGroups = inputTensorGroups
            self.outputTensorGroups = outputTensorGroups
            self.customMetadata = customMetadata
        }
    }

    /// What one input or output tensor holds and how to process it.
    public struct TensorMetadata: Sendable, Equatable {
        public var name: String?
        public var description: String?
        public var dimensionNames: [String]
        public var content: Content?
        public var processUnits: [ProcessUnit]
        public var stats: Stats?
        public var associatedFiles: [AssociatedFile]

        public init(name: String? = nil, description: String? = nil, dimensionNames: [String] = [],
                    content: Content? = nil, processUnits: [ProcessUnit] = [], stats: Stats? = nil,
                    associatedFiles: [AssociatedFile] = []) {
            self.name = name
            self.description = description
            self.dimensionNames = dimensionNames
            self.content = content
            self.processUnits = processUnits
            self.stats = stats
            self.associatedFiles = associatedFiles
        }

        /// The first normalization process unit (mean and std of the input
        /// values, per channel or one for all), if any.
        public var normalization: NormalizationOptions? {
            for unit in processUnits { if case let .normalization(n)? = unit.options { return n } }
            return nil
        }

        /// The image properties of the content, if the tensor is an image.
        public var imageProperties: ImageProperties? {
            if case let .image(p)? = content?.properties { return p }
            return nil
        }

        /// The associated files of one type, in order.
        public func associatedFiles(ofType type: AssociatedFileType) -> [AssociatedFile] {
            associatedFiles.filter { $0.type == type }
        }
    }

    /// A file packed in the zip archive appended to the model.
    public struct AssociatedFile: Sendable, Equatable {
        /// The entry name in the archive.
        public var name: String?
        public var description: String?
        public var type: AssociatedFileType
        /// For translated label files: an ISO 639-1 code, optionally with a region (`en`, `en-US`).
        public var locale: String?
        public var version: String?

        public init(name: String? = nil, description: String? = nil, type: AssociatedFileType = .unknown,
                    locale: String? = nil, version: String? = nil) {
            self.name = name
            self.description = description
            self.type = type
            self.locale = locale
            self.version = version
        }
    }

    public struct Content: Sendable, Equatable {
        /// What kind of content the tensor holds (`content_properties`).
        public var properties: ContentProperties?
        /// The dimensions the content spans (`nil`: all but the batch axis).
        public var range: ValueRange?

        public init(properties: ContentProperties? = nil, range: ValueRange? = nil) {
            self.properties = properties
            self.range = range
        }
    }

    /// The `ContentProperties` union.
    public enum ContentProperties: Sendable, Equatable {
        case feature
        case image(ImageProperties)
        case boundingBox(BoundingBoxProperties)
        case audio(AudioProperties)
        /// A union member this schema version does not know (its type code).
        case unknown(type: UInt8)
    }

    public struct ImageProperties: Sendable, Equatable {
        public var colorSpace: ColorSpaceType
        /// Default width and height when the tensor's shape is dynamic.
        public var defaultSize: ImageSize?

        public init(colorSpace: ColorSpaceType = .unknown, defaultSize: ImageSize? = nil) {
            self.colorSpace = colorSpace
            self.defaultSize = defaultSize
        }
    }

    public struct ImageSize: Sendable, Equatable {
        public var width: UInt32
        public var height: UInt32
        public init(width: UInt32 = 0, height: UInt32 = 0) {
            self.width = width
            self.height = height
        }
    }

    public struct BoundingBoxProperties: Sendable, Equatable {
        /// Order of the four box values (empty: the type's default order).
        public var index: [UInt32]
        public var type: BoundingBoxType
        public var coordinateType: CoordinateType

        public init(index: [UInt32] = [], type: BoundingBoxType = .unknown, coordinateType: CoordinateType = .ratio) {
            self.index = index
            self.type = type
            self.coordinateType = coordinateType
        }
    }

    public struct AudioProperties: Sendable, Equatable {
        public var sampleRate: UInt32
        public var channels: UInt32
        public init(sampleRate: UInt32 = 0, channels: UInt32 = 0) {
            self.sampleRate = sampleRate
            self.channels = channels
        }
    }

    public struct ValueRange: Sendable, Equatable {
        public var min: Int32
        public var max: Int32
        public init(min: Int32 = 0, max: Int32 = 0) {
            self.min = min
            self.max = max
        }
    }

    /// A processing step applied outside the graph (`ProcessUnit`).
    public struct ProcessUnit: Sendable, Equatable {
        public var options: ProcessUnitOptions?
        public init(options: ProcessUnitOptions? = nil) { self.options = options }
    }

    /// The `ProcessUnitOptions` union.
    public enum ProcessUnitOptions: Sendable, Equatable {
        case normalization(NormalizationOptions)
        case scoreCalibration(ScoreCalibrationOptions)
        case scoreThresholding(globalScoreThreshold: Float)
        case bertTokenizer(vocabFiles: [AssociatedFile])
        case sentencePieceTokenizer(models: [AssociatedFile], vocabFiles: [AssociatedFile])
        case regexTokenizer(delimiterPattern: String?, vocabFiles: [AssociatedFile])
        /// A union member this schema version does not know (its type code).
        case unknown(type: UInt8)

        /// The files a tokenizer names (vocabularies, SentencePiece models).
        public var associatedFiles: [AssociatedFile] {
            switch self {
            case let .bertTokenizer(vocab): return vocab
            case let .sentencePieceTokenizer(models, vocab): return models + vocab
            case let .regexTokenizer(_, vocab): return vocab
            default: return []
            }
        }
    }

    /// `(x - mean) / std` per channel; one value applies to every channel.
    public struct NormalizationOptions: Sendable, Equatable {
        public var mean: [Float]
        public var std: [Float]
        public init(mean: [Float] = [], std: [Float] = []) {
            self.mean = mean
            self.std = std
        }
    }

    public struct ScoreCalibrationOptions: Sendable, Equatable {
        public var scoreTransformation: ScoreTransformationType
        public var defaultScore: Float
        public init(scoreTransformation: ScoreTransformationType = .identity, defaultScore: Float = 0) {
            self.scoreTransformation = scoreTransformation
            self.defaultScore = defaultScore
        }
    }

    /// Per-channel maximum and minimum of the tensor's values.
    public struct Stats: Sendable, Equatable {
        public var max: [Float]
        public var min: [Float]
        public init(max: [Float] = [], min: [Float] = []) {
            self.max = max
            self.min = min
        }
    }

    public struct TensorGroup: Sendable, Equatable {
        public var name: String?
        public var tensorNames: [String]
        public init(name: String? = nil, tensorNames: [String] = []) {
            self.name = name
            self.tensorNames = tensorNames
        }
    }

    /// Opaque bytes a specific consumer understands (e.g. MediaPipe's `SEGMENTER_METADATA`).
    public struct CustomMetadata: Sendable, Equatable {
        public var name: String?
        public var data: [UInt8]
        public init(name: String? = nil, data: [UInt8] = []) {
            self.name = name
            self.data = data
        }
    }
}

// MARK: Enumerations

/// A byte enumeration of the metadata schema: known values have names, others
/// are kept as their number.
public protocol MetadataEnumeration: RawRepresentable, Hashable, Sendable, CustomStringConvertible where RawValue == Int8 {
    /// The schema's names, by value.
    static var names: [Int8: String] { get }
}

extension MetadataEnumeration {
    /// The schema's name (`TENSOR_AXIS_LABELS`), or the number for an unknown value.
    public var description: String { Self.names[rawValue] ?? String(rawValue) }
}

extension ModelMetadata {
    public struct AssociatedFileType: MetadataEnumeration {
        public let rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }
        public static let unknown = Self(rawValue: 0)
        /// Free-text descriptions (e.g. a readme).
        public static let descriptions = Self(rawValue: 1)
        /// One label per entry of a tensor axis (an image classifier's class names).
        public static let tensorAxisLabels = Self(rawValue: 2)
        /// Labels the tensor's values index (a detector's class ids).
        public static let tensorValueLabels = Self(rawValue: 3)
        public static let tensorAxisScoreCalibration = Self(rawValue: 4)
        public static let vocabulary = Self(rawValue: 5)
        public static let scannIndexFile = Self(rawValue: 6)
        public static let names: [Int8: String] = [
            0: "UNKNOWN", 1: "DESCRIPTIONS", 2: "TENSOR_AXIS_LABELS", 3: "TENSOR_VALUE_LABELS",
            4: "TENSOR_AXIS_SCORE_CALIBRATION", 5: "VOCABULARY", 6: "SCANN_INDEX_FILE",
        ]
    }

    public struct ColorSpaceType: MetadataEnumeration {
        public let rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }
        public static let unknown = Self(rawValue: 0)
        public static let rgb = Self(rawValue: 1)
        public static let grayscale = Self(rawValue: 2)
        public static let names: [Int8: String] = [0: "UNKNOWN", 1: "RGB", 2: "GRAYSCALE"]
    }

    public struct BoundingBoxType: MetadataEnumeration {
        public let rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }
        public static let unknown = Self(rawValue: 0)
        public static let boundaries = Self(rawValue: 1)
        public static let upperLeft = Self(rawValue: 2)
        public static let center = Self(rawValue: 3)
        public static let names: [Int8: String] = [0: "UNKNOWN", 1: "BOUNDARIES", 2: "UPPER_LEFT", 3: "CENTER"]
    }

    public struct CoordinateType: MetadataEnumeration {
        public let rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }
        public static let ratio = Self(rawValue: 0)
        public static let pixel = Self(rawValue: 1)
        public static let names: [Int8: String] = [0: "RATIO", 1: "PIXEL"]
    }

    public struct ScoreTransformationType: MetadataEnumeration {
        public let rawValue: Int8
        public init(rawValue: Int8) { self.rawValue = rawValue }
        public static let identity = Self(rawValue: 0)
        public static let log = Self(rawValue: 1)
        public static let inverseLogistic = Self(rawValue: 2)
        public static let names: [Int8: String] = [0: "IDENTITY", 1: "LOG", 2: "INVERSE_LOGISTIC"]
    }
}
