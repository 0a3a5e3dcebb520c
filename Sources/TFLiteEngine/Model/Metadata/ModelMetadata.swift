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
    /// A description of what the model does.
    public var description: String?
    /// The model's own version, as its creators write it.
    public var version: String?
    /// One per subgraph; the first is the main subgraph's.
    public var subgraphs: [SubgraphMetadata]
    /// Who made the model.
    public var author: String?
    /// The model's licence text or name.
    public var license: String?
    /// Files of the whole model (packed in the archive after the model).
    public var associatedFiles: [AssociatedFile]
    /// Oldest metadata parser version that understands every field used.
    public var minParserVersion: String?

    /// Metadata with these fields (every one optional); used to build expected values in tests and tools.
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

    /// What one subgraph does and how to feed and read it (`SubGraphMetadata`).
    public struct SubgraphMetadata: Sendable, Equatable {
        /// Name of the subgraph (e.g. `"ImageClassifier"`).
        public var name: String?
        /// A description of what the subgraph does.
        public var description: String?
        /// One per subgraph input, in the order of the subgraph's inputs.
        public var inputTensors: [TensorMetadata]
        /// One per subgraph output, in the order of the subgraph's outputs.
        public var outputTensors: [TensorMetadata]
        /// Files that belong to the subgraph as a whole.
        public var associatedFiles: [AssociatedFile]
        /// Processing steps applied to several inputs together (e.g. a tokenizer).
        public var inputProcessUnits: [ProcessUnit]
        /// Processing steps applied to several outputs together.
        public var outputProcessUnits: [ProcessUnit]
        /// Named groups of input tensors that belong together.
        public var inputTensorGroups: [TensorGroup]
        /// Named groups of output tensors that belong together (e.g. a detector's boxes, classes and scores).
        public var outputTensorGroups: [TensorGroup]
        /// Consumer-specific entries.
        public var customMetadata: [CustomMetadata]

        /// Subgraph metadata with these fields (every one optional).
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
        /// Name of the tensor as the metadata writer gave it (not necessarily the model's tensor name).
        public var name: String?
        /// A description of what the tensor holds.
        public var description: String?
        /// Names of the dimensions, outermost first (often empty).
        public var dimensionNames: [String]
        /// What the values are (feature, image, bounding box, audio) and which dimensions they span.
        public var content: Content?
        /// Processing steps for this tensor (normalization, score calibration, …).
        public var processUnits: [ProcessUnit]
        /// Value statistics (minimum and maximum per channel).
        public var stats: Stats?
        /// Files that belong to this tensor (label files for an output).
        public var associatedFiles: [AssociatedFile]

        /// Tensor metadata with these fields (every one optional).
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
        /// A description of the file.
        public var description: String?
        /// What the file is (labels, vocabulary, …).
        public var type: AssociatedFileType
        /// For translated label files: an ISO 639-1 code, optionally with a region (`en`, `en-US`).
        public var locale: String?
        /// The file's version, as its creators write it.
        public var version: String?

        /// An associated file entry with these fields (every one optional).
        public init(name: String? = nil, description: String? = nil, type: AssociatedFileType = .unknown,
                    locale: String? = nil, version: String? = nil) {
            self.name = name
            self.description = description
            self.type = type
            self.locale = locale
            self.version = version
        }
    }

    /// What a tensor holds (`Content`): the kind of values and the dimensions they span.
    public struct Content: Sendable, Equatable {
        /// What kind of content the tensor holds (`content_properties`).
        public var properties: ContentProperties?
        /// The dimensions the content spans (`nil`: all but the batch axis).
        public var range: ValueRange?

        /// Content with these fields (both optional).
        public init(properties: ContentProperties? = nil, range: ValueRange? = nil) {
            self.properties = properties
            self.range = range
        }
    }

    /// The `ContentProperties` union.
    public enum ContentProperties: Sendable, Equatable {
        /// Plain feature values (`FeatureProperties`).
        case feature
        /// An image (`ImageProperties`).
        case image(ImageProperties)
        /// Bounding boxes (`BoundingBoxProperties`).
        case boundingBox(BoundingBoxProperties)
        /// Audio samples (`AudioProperties`).
        case audio(AudioProperties)
        /// A union member this schema version does not know (its type code).
        case unknown(type: UInt8)
    }

    /// An image tensor's colour space and default size (`ImageProperties`).
    public struct ImageProperties: Sendable, Equatable {
        /// RGB, grayscale or unknown.
        public var colorSpace: ColorSpaceType
        /// Default width and height when the tensor's shape is dynamic.
        public var defaultSize: ImageSize?

        /// Image properties with these fields.
        public init(colorSpace: ColorSpaceType = .unknown, defaultSize: ImageSize? = nil) {
            self.colorSpace = colorSpace
            self.defaultSize = defaultSize
        }
    }

    /// A width and height in pixels (`ImageSize`).
    public struct ImageSize: Sendable, Equatable {
        /// Width in pixels.
        public var width: UInt32
        /// Height in pixels.
        public var height: UInt32
        /// A size of `width` × `height` pixels.
        public init(width: UInt32 = 0, height: UInt32 = 0) {
            self.width = width
            self.height = height
        }
    }

    /// How a tensor's four values describe a box (`BoundingBoxProperties`).
    public struct BoundingBoxProperties: Sendable, Equatable {
        /// Order of the four box values (empty: the type's default order).
        public var index: [UInt32]
        /// Which four values describe the box (boundaries, upper left and size, centre and size).
        public var type: BoundingBoxType
        /// Whether coordinates are ratios of the image size or pixels.
        public var coordinateType: CoordinateType

        /// Bounding-box properties with these fields.
        public init(index: [UInt32] = [], type: BoundingBoxType = .unknown, coordinateType: CoordinateType = .ratio) {
            self.index = index
            self.type = type
            self.coordinateType = coordinateType
        }
    }

    /// Sample rate and channel count of an audio tensor (`AudioProperties`).
    public struct AudioProperties: Sendable, Equatable {
        /// Samples per second.
        public var sampleRate: UInt32
        /// Number of channels.
        public var channels: UInt32
        /// Audio properties with these fields.
        public init(sampleRate: UInt32 = 0, channels: UInt32 = 0) {
            self.sampleRate = sampleRate
            self.channels = channels
        }
    }

    /// An inclusive range of dimension indices (`ValueRange`).
    public struct ValueRange: Sendable, Equatable {
        /// First index of the range.
        public var min: Int32
        /// Last index of the range (inclusive).
        public var max: Int32
        /// The range `min...max`.
        public init(min: Int32 = 0, max: Int32 = 0) {
            self.min = min
            self.max = max
        }
    }

    /// A processing step applied outside the graph (`ProcessUnit`).
    public struct ProcessUnit: Sendable, Equatable {
        /// The step and its parameters; nil when the table holds none.
        public var options: ProcessUnitOptions?
        /// A processing step with these options.
        public init(options: ProcessUnitOptions? = nil) { self.options = options }
    }

    /// The `ProcessUnitOptions` union.
    public enum ProcessUnitOptions: Sendable, Equatable {
        /// `(x - mean) / std` on the input values.
        case normalization(NormalizationOptions)
        /// Calibration of output scores (with a `TENSOR_AXIS_SCORE_CALIBRATION` file).
        case scoreCalibration(ScoreCalibrationOptions)
        /// Scores below the threshold are dropped.
        case scoreThresholding(globalScoreThreshold: Float)
        /// A BERT WordPiece tokenizer with its vocabulary files.
        case bertTokenizer(vocabFiles: [AssociatedFile])
        /// A SentencePiece tokenizer with its model and vocabulary files.
        case sentencePieceTokenizer(models: [AssociatedFile], vocabFiles: [AssociatedFile])
        /// A regular-expression tokenizer: its delimiter pattern and vocabulary files.
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
        /// Mean per channel, or one for every channel.
        public var mean: [Float]
        /// Standard deviation per channel, or one for every channel.
        public var std: [Float]
        /// Normalization with these means and standard deviations.
        public init(mean: [Float] = [], std: [Float] = []) {
            self.mean = mean
            self.std = std
        }
    }

    /// How to calibrate output scores (`ScoreCalibrationOptions`).
    public struct ScoreCalibrationOptions: Sendable, Equatable {
        /// The transformation applied to a score before calibration.
        public var scoreTransformation: ScoreTransformationType
        /// The score used for classes without calibration parameters.
        public var defaultScore: Float
        /// Score calibration options with these fields.
        public init(scoreTransformation: ScoreTransformationType = .identity, defaultScore: Float = 0) {
            self.scoreTransformation = scoreTransformation
            self.defaultScore = defaultScore
        }
    }

    /// Per-channel maximum and minimum of the tensor's values.
    public struct Stats: Sendable, Equatable {
        /// Maximum per channel.
        public var max: [Float]
        /// Minimum per channel.
        public var min: [Float]
        /// Statistics with these values.
        public init(max: [Float] = [], min: [Float] = []) {
            self.max = max
            self.min = min
        }
    }

    /// A named group of tensors that belong together (`TensorGroup`).
    public struct TensorGroup: Sendable, Equatable {
        /// Name of the group.
        public var name: String?
        /// Names of the tensors in the group (the `TensorMetadata` names).
        public var tensorNames: [String]
        /// A group with these fields.
        public init(name: String? = nil, tensorNames: [String] = []) {
            self.name = name
            self.tensorNames = tensorNames
        }
    }

    /// Opaque bytes a specific consumer understands (e.g. MediaPipe's `SEGMENTER_METADATA`).
    public struct CustomMetadata: Sendable, Equatable {
        /// The name its consumer looks for.
        public var name: String?
        /// The bytes, as stored.
        public var data: [UInt8]
        /// A custom entry with these fields.
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
    /// What an associated file is (`AssociatedFileType`).
    public struct AssociatedFileType: MetadataEnumeration {
        /// The schema's byte value.
        public let rawValue: Int8
        /// Any byte value, including ones this schema version does not name.
        public init(rawValue: Int8) { self.rawValue = rawValue }
        /// `UNKNOWN` (0).
        public static let unknown = Self(rawValue: 0)
        /// Free-text descriptions (e.g. a readme).
        public static let descriptions = Self(rawValue: 1)
        /// One label per entry of a tensor axis (an image classifier's class names).
        public static let tensorAxisLabels = Self(rawValue: 2)
        /// Labels the tensor's values index (a detector's class ids).
        public static let tensorValueLabels = Self(rawValue: 3)
        /// Score calibration parameters, one line per class (`TENSOR_AXIS_SCORE_CALIBRATION`).
        public static let tensorAxisScoreCalibration = Self(rawValue: 4)
        /// A tokenizer vocabulary (`VOCABULARY`).
        public static let vocabulary = Self(rawValue: 5)
        /// A ScaNN search index (`SCANN_INDEX_FILE`).
        public static let scannIndexFile = Self(rawValue: 6)
        public static let names: [Int8: String] = [
            0: "UNKNOWN", 1: "DESCRIPTIONS", 2: "TENSOR_AXIS_LABELS", 3: "TENSOR_VALUE_LABELS",
            4: "TENSOR_AXIS_SCORE_CALIBRATION", 5: "VOCABULARY", 6: "SCANN_INDEX_FILE",
        ]
    }

    /// The colour space of an image tensor (`ColorSpaceType`).
    public struct ColorSpaceType: MetadataEnumeration {
        /// The schema's byte value.
        public let rawValue: Int8
        /// Any byte value, including ones this schema version does not name.
        public init(rawValue: Int8) { self.rawValue = rawValue }
        /// `UNKNOWN` (0).
        public static let unknown = Self(rawValue: 0)
        /// `RGB` (1): three channels, red first.
        public static let rgb = Self(rawValue: 1)
        /// `GRAYSCALE` (2): one channel.
        public static let grayscale = Self(rawValue: 2)
        public static let names: [Int8: String] = [0: "UNKNOWN", 1: "RGB", 2: "GRAYSCALE"]
    }

    /// Which four values describe a box (`BoundingBoxType`).
    public struct BoundingBoxType: MetadataEnumeration {
        /// The schema's byte value.
        public let rawValue: Int8
        /// Any byte value, including ones this schema version does not name.
        public init(rawValue: Int8) { self.rawValue = rawValue }
        /// `UNKNOWN` (0).
        public static let unknown = Self(rawValue: 0)
        /// `BOUNDARIES` (1): left, top, right, bottom.
        public static let boundaries = Self(rawValue: 1)
        /// `UPPER_LEFT` (2): left, top, width, height.
        public static let upperLeft = Self(rawValue: 2)
        /// `CENTER` (3): centre x, centre y, width, height.
        public static let center = Self(rawValue: 3)
        public static let names: [Int8: String] = [0: "UNKNOWN", 1: "BOUNDARIES", 2: "UPPER_LEFT", 3: "CENTER"]
    }

    /// Whether box coordinates are ratios or pixels (`CoordinateType`).
    public struct CoordinateType: MetadataEnumeration {
        /// The schema's byte value.
        public let rawValue: Int8
        /// Any byte value, including ones this schema version does not name.
        public init(rawValue: Int8) { self.rawValue = rawValue }
        /// `RATIO` (0): fractions of the image width and height.
        public static let ratio = Self(rawValue: 0)
        /// `PIXEL` (1): pixels.
        public static let pixel = Self(rawValue: 1)
        public static let names: [Int8: String] = [0: "RATIO", 1: "PIXEL"]
    }

    /// The transformation applied before score calibration (`ScoreTransformationType`).
    public struct ScoreTransformationType: MetadataEnumeration {
        /// The schema's byte value.
        public let rawValue: Int8
        /// Any byte value, including ones this schema version does not name.
        public init(rawValue: Int8) { self.rawValue = rawValue }
        /// `IDENTITY` (0): the score as is.
        public static let identity = Self(rawValue: 0)
        /// `LOG` (1): the natural logarithm of the score.
        public static let log = Self(rawValue: 1)
        /// `INVERSE_LOGISTIC` (2): the logit of the score.
        public static let inverseLogistic = Self(rawValue: 2)
        public static let names: [Int8: String] = [0: "IDENTITY", 1: "LOG", 2: "INVERSE_LOGISTIC"]
    }
}
