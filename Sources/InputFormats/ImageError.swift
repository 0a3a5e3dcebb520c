/// A malformed, unsupported or too large image file.
///
/// `reason` is one line naming the format, what is wrong and where (chunk,
/// segment, marker or byte offset); `kind` classifies it for callers that
/// react differently to, say, a truncated download and an unsupported variant.
public struct ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What class of problem the file has.
    public enum Kind: String, Sendable {
        /// The bytes contradict the format (bad field, bad code, bad structure).
        case malformed
        /// The file ends (or a chunk, segment or raster ends) before the data it declares.
        case truncated
        /// A checksum (PNG CRC-32, zlib Adler-32) does not match the data.
        case checksumMismatch
        /// A valid file of a variant this decoder does not implement (CMYK JPEG, arithmetic coding, ...).
        case unsupported
        /// The image is larger than the decoder's ``ImageDecodingLimits``.
        case tooLarge
        /// The first bytes are not the signature of any supported format.
        case unknownFormat
        /// The file cannot be read (missing, a directory, permissions).
        case unreadable
    }

    /// What class of problem the file has.
    public let kind: Kind
    /// What is wrong, and where.
    public let reason: String

    /// A ``Kind/malformed`` error.
    public init(reason: String) {
        self.kind = .malformed
        self.reason = reason
    }

    /// An error of this kind with this reason.
    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    /// `invalid image: <reason>`.
    public var description: String { "invalid image: \(reason)" }
}
