#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Errors reading a model's metadata (`Model.metadata`) or its associated
/// files (the zip archive appended to the model). The model itself stays
/// usable: these are thrown by the metadata accessors, not by loading.
public enum ModelMetadataError: Error, Equatable, Hashable, Sendable {
    /// The `TFLITE_METADATA` buffer is not a well-formed `ModelMetadata`
    /// FlatBuffer (bad identifier, an offset or vector outside the buffer…).
    case malformedMetadata(location: String, reason: String)
    /// The associated-file archive is corrupt: an offset or size outside the
    /// file, overlapping entries, a size or CRC-32 mismatch, bad DEFLATE data.
    case malformedArchive(location: String, reason: String)
    /// A well-formed archive feature this reader does not handle (ZIP64,
    /// encryption, a compression method other than stored and DEFLATE).
    case unsupportedArchive(location: String, reason: String)
    /// An entry would decompress to more than the allowed size.
    case associatedFileTooLarge(name: String, bytes: Int, limit: Int)
    /// The metadata names a file that the archive does not contain.
    case missingAssociatedFile(name: String)
    /// The output index has no tensor metadata.
    case invalidOutputIndex(index: Int, count: Int)
}

extension ModelMetadataError: CustomStringConvertible {
    /// One line saying what is wrong and where.
    public var description: String {
        switch self {
        case let .malformedMetadata(location, reason):
            return "malformed model metadata at \(location): \(reason)"
        case let .malformedArchive(location, reason):
            return "malformed associated-file archive at \(location): \(reason)"
        case let .unsupportedArchive(location, reason):
            return "unsupported associated-file archive at \(location): \(reason)"
        case let .associatedFileTooLarge(name, bytes, limit):
            return "associated file '\(name)' is \(bytes) bytes, more than the limit of \(limit) bytes"
        case let .missingAssociatedFile(name):
            return "the metadata names associated file '\(name)', which the model's archive does not contain"
        case let .invalidOutputIndex(index, count):
            return "output \(index) has no tensor metadata (the metadata describes \(count) output\(count == 1 ? "" : "s"))"
        }
    }
}

extension ModelMetadataError: LocalizedError {
    /// The same text as ``description``.
    public var errorDescription: String? { description }
}
