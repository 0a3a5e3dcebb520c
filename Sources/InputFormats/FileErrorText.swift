#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One-line reasons for the errors of file operations (`FileManager`,
/// `Data.write`, `String.write`), in the system's words, without
/// `localizedDescription`, which FoundationEssentials does not have.
public enum FileErrorText {
    /// The reason `error` gives: the system's message for the underlying
    /// `errno` ("No such file or directory", "Permission denied", …),
    /// followed by the path the error names when that is not `path` (the
    /// file the caller already names in its message), e.g.
    /// `No such file or directory ('/missing')` for a write into
    /// `/missing/out.npy`. Errors that are not file errors give their own
    /// description.
    public static func reason(of error: any Error, about path: String? = nil) -> String {
        if let posix = error as? POSIXError { return systemMessage(posix.code.rawValue) }
        guard let cocoa = error as? CocoaError else { return "\(error)" }
        var text: String
        if let posix = cocoa.underlying as? POSIXError {
            text = systemMessage(posix.code.rawValue)
        } else {
            switch cocoa.code {
            case .fileNoSuchFile, .fileReadNoSuchFile: text = systemMessage(ENOENT)
            case .fileReadNoPermission, .fileWriteNoPermission: text = systemMessage(EACCES)
            case .fileWriteOutOfSpace: text = systemMessage(ENOSPC)
            case .fileWriteVolumeReadOnly: text = systemMessage(EROFS)
            case .fileWriteFileExists: text = systemMessage(EEXIST)
            default: text = "file error \(cocoa.code.rawValue)"
            }
        }
        if let named = cocoa.filePath, named != path { text += " ('\(named)')" }
        return text
    }

    static func systemMessage(_ code: Int32) -> String { String(cString: strerror(code)) }
}
