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

/// Reads a whole regular file with POSIX calls, so failures carry the
/// system's reason ("No such file or directory", "Is a directory", …).
public enum FileReading {
    /// The file's bytes, or a one-line reason why they cannot be read: the
    /// system's reason, "not a regular file" (a directory, FIFO or device,
    /// rejected without blocking), or a size above `maximumBytes`.
    public static func read(_ path: String, maximumBytes: Int) -> Result<Data, FileReadError> {
        // Non-blocking, so that opening a FIFO without a writer returns at
        // once; it is then rejected as not a regular file.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { return .failure(FileReadError(reason: String(cString: strerror(errno)))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(FileReadError(reason: String(cString: strerror(errno)))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { return .failure(FileReadError(reason: "not a regular file")) }
        let size = Int(info.st_size)
        guard size <= maximumBytes else {
            return .failure(FileReadError(reason: "file is \(size) bytes, larger than the \(maximumBytes)-byte limit"))
        }
        var data = Data(count: size)
        var done = 0
        let failure: String? = data.withUnsafeMutableBytes { buffer -> String? in
            guard let base = buffer.baseAddress else { return nil }
            while done < size {
                let n = Glibc_or_Darwin_read(fd, base + done, size - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                if n == 0 { break }
                done += n
            }
            return nil
        }
        if let failure { return .failure(FileReadError(reason: failure)) }
        return .success(done == size ? data : data.prefix(done))
    }

    /// Why a file could not be read, in one line (e.g. "No such file or directory").
    public struct FileReadError: Error {
        /// The reason, without the path.
        public let reason: String
    }
}

@inline(__always)
private func Glibc_or_Darwin_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
