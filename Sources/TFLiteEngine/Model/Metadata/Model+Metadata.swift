#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The model's own description: its TFLite metadata and associated files.
///
/// Read on first use and kept; a model whose metadata or archive is corrupt
/// still loads and runs: only these accessors throw (`ModelMetadataError`).
extension Model {
    /// Default cap on the decompressed size of one associated file (256 MiB).
    public static let defaultMaximumAssociatedFileBytes = 256 << 20

    /// The parsed `TFLITE_METADATA` entry; nil when the model has none.
    public var metadata: ModelMetadata? {
        get throws { try metadataStore.metadata { try parseMetadata() }.get() }
    }

    /// One file of the zip archive appended to the model, as its central
    /// directory describes it (read with `associatedFile(named:)`).
    public struct PackedFile: Sendable, Equatable {
        /// The file's name in the archive.
        public let name: String
        /// Size once extracted.
        public let byteCount: Int
        /// Size in the archive.
        public let compressedByteCount: Int
        /// DEFLATE-compressed (else stored).
        public let isCompressed: Bool
        /// The CRC-32 recorded for the extracted bytes.
        public let crc32: UInt32
    }

    /// The files of the zip archive appended to the model, in the archive's
    /// order; empty when there is no archive.
    public var packedFiles: [PackedFile] {
        get throws {
            try archive()?.entries.map {
                PackedFile(name: $0.name, byteCount: $0.uncompressedSize, compressedByteCount: $0.compressedSize,
                           isCompressed: $0.method != 0, crc32: $0.crc32)
            } ?? []
        }
    }

    /// Names of the files in the zip archive appended to the model, in the
    /// archive's order; empty when there is no archive.
    public var associatedFileNames: [String] {
        get throws { try packedFiles.map(\.name) }
    }

    /// The bytes of an associated file (an entry of the zip archive appended
    /// to the model), decompressed and checked against its size and CRC-32;
    /// nil when there is no such entry.
    public func associatedFile(named name: String, maximumBytes: Int = Model.defaultMaximumAssociatedFileBytes) throws -> Data? {
        guard let archive = try archive(), let entry = archive.entry(named: name) else { return nil }
        return Data(try archive.contents(of: entry, maximumBytes: maximumBytes))
    }

    /// The class labels of an output: the lines of its `TENSOR_AXIS_LABELS`
    /// file (line i names entry i of the output's last axis). With several
    /// label files (translations), the one whose locale is `locale` (exactly,
    /// else by language: `en` matches `en-US`), otherwise the first, as
    /// tflite-support does. Nil when the model has no metadata or the output
    /// has no label file.
    ///
    /// `index` counts the main subgraph's outputs, as `Interpreter.output(at:)`.
    public func labels(forOutput index: Int, locale: String? = nil) throws -> [String]? {
        guard let name = try labelFile(forOutput: index, locale: locale)?.name else { return nil }
        guard let data = try associatedFile(named: name) else {
            throw ModelMetadataError.missingAssociatedFile(name: name)
        }
        return Model.lines(data)
    }

    /// The `TENSOR_AXIS_LABELS` file `labels(forOutput:locale:)` reads.
    public func labelFile(forOutput index: Int, locale: String? = nil) throws -> ModelMetadata.AssociatedFile? {
        guard let outputs = try metadata?.subgraphs.first?.outputTensors else { return nil }
        guard index >= 0, index < outputs.count else {
            throw ModelMetadataError.invalidOutputIndex(index: index, count: outputs.count)
        }
        return Model.choose(outputs[index].associatedFiles(ofType: .tensorAxisLabels), locale: locale)
    }

    /// The file for `locale` among translations of one file.
    static func choose(_ files: [ModelMetadata.AssociatedFile], locale: String?) -> ModelMetadata.AssociatedFile? {
        guard let wanted = locale?.lowercased(), !wanted.isEmpty else { return files.first }
        func language(_ s: String) -> Substring { s.split(whereSeparator: { $0 == "-" || $0 == "_" }).first ?? "" }
        return files.first { $0.locale?.lowercased() == wanted }
            ?? files.first { $0.locale.map { language($0.lowercased()) == language(wanted) } ?? false }
            ?? files.first
    }

    /// Lines of a UTF-8 text file (LF or CRLF), without a final empty line.
    static func lines(_ data: Data) -> [String] {
        var lines = String(decoding: data, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { String($0.hasSuffix("\r") ? $0.dropLast() : $0) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    private func parseMetadata() throws -> ModelMetadata? {
        guard let entry = def.metadata.first(where: { $0.name == MetadataParser.entryName }) else { return nil }
        // The validator checked the index; an entry without data is malformed.
        guard entry.buffer >= 0, entry.buffer < def.buffers.count, let range = def.buffers[entry.buffer] else {
            throw ModelMetadataError.malformedMetadata(location: "ModelMetadata", reason: "the \(MetadataParser.entryName) entry's buffer \(entry.buffer) holds no data")
        }
        return try MetadataParser.parse(UnsafeRawBufferPointer(start: bytes.base + range.lowerBound, count: range.count))
    }

    func archive() throws -> ZipArchive? {
        try metadataStore.archive {
            try ZipArchive.locate(in: UnsafeRawBufferPointer(start: bytes.base, count: bytes.count))
        }.get()
    }
}

/// The parsed metadata and archive of one model, computed once (thread-safe).
final class ModelMetadataStore: @unchecked Sendable {
    private let lock = Lock()
    private var parsedMetadata: Result<ModelMetadata?, ModelMetadataError>?
    private var parsedArchive: Result<ZipArchive?, ModelMetadataError>?

    func metadata(_ parse: () throws -> ModelMetadata?) -> Result<ModelMetadata?, ModelMetadataError> {
        lock.lock()
        defer { lock.unlock() }
        if let parsedMetadata { return parsedMetadata }
        let result = Self.capture(parse)
        parsedMetadata = result
        return result
    }

    func archive(_ locate: () throws -> ZipArchive?) -> Result<ZipArchive?, ModelMetadataError> {
        lock.lock()
        defer { lock.unlock() }
        if let parsedArchive { return parsedArchive }
        let result = Self.capture(locate)
        parsedArchive = result
        return result
    }

    private static func capture<T>(_ body: () throws -> T) -> Result<T, ModelMetadataError> {
        do { return .success(try body()) } catch let e as ModelMetadataError {
            return .failure(e)
        } catch {
            return .failure(.malformedMetadata(location: "ModelMetadata", reason: "\(error)"))
        }
    }
}
