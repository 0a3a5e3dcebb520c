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

/// The bytes of a model file, owned for the lifetime of a `Model`.
///
/// Files are memory-mapped read-only (zero copy: constant tensors are read in
/// place from the mapping). `Data` given by the caller is copied once into a
/// 64-byte-aligned allocation, so typed pointers into constant buffers are
/// aligned and stay valid however the caller's `Data` is stored.
final class ModelBytes: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    private let release: () -> Void
    /// The bytes are a read-only mapping of a file (not a copy in memory):
    /// pages of it can be dropped and are read again from the file if used.
    let isFileMapping: Bool

    /// Refuse files above this size (FlatBuffers limit is 2 GiB; buffers stored
    /// after the FlatBuffer can make files larger, up to this cap).
    static let maximumFileSize = 1 << 36

    init(path: String) throws {
        // Non-blocking, so that a FIFO or device without a writer is opened
        // (and then rejected as not a regular file) instead of blocking here.
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "not a regular file")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "file is empty")
        }
        guard size <= ModelBytes.maximumFileSize else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "file is \(size) bytes, larger than the \(ModelBytes.maximumFileSize)-byte limit")
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw InterpreterError.failedToLoadModel(path: path, reason: "mmap failed: " + String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
        count = size
        isFileMapping = true
        release = { munmap(mapped, size) }
    }

    init(data: Data) throws {
        guard !data.isEmpty else {
            throw InterpreterError.failedToLoadModel(path: "<data>", reason: "model data is empty")
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: data.count, alignment: 64)
        data.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { storage.copyMemory(from: source, byteCount: bytes.count) }
        }
        base = UnsafeRawPointer(storage)
        count = data.count
        isFileMapping = false
        release = { storage.deallocate() }
    }

    deinit { release() }

    /// Drops from the process's resident memory the whole pages of the file
    /// mapping inside `start ..< start + byteCount` (a constant buffer whose
    /// data was copied into a packed layout and is not read again), so a
    /// weight is not held twice. The bytes stay valid: a later read faults
    /// the page in from the file again. Does nothing for bytes held in memory
    /// (`init(data:)`, where dropping pages would lose them) or for a range
    /// outside the mapping.
    func releasePages(of start: UnsafeRawPointer, byteCount: Int) {
        guard isFileMapping, byteCount > 0 else { return }
        let lower = Int(bitPattern: base), upper = lower &+ count
        let first = Int(bitPattern: start)
        guard first >= lower, byteCount <= upper &- first else { return }
        let page = ModelBytes.pageSize
        // Only pages entirely inside the range: neighbouring data shares the edge pages.
        let from = (first &+ page &- 1) / page &* page
        let to = (first &+ byteCount) / page &* page
        guard to > from, let address = UnsafeMutableRawPointer(bitPattern: from) else { return }
        _ = madvise(address, to &- from, MADV_DONTNEED)
    }

    /// Drops every page of the file mapping from the process's resident
    /// memory (nothing for bytes held in memory). Reading a file page maps
    /// the cached pages around it too (Linux maps up to 64 KiB per fault), so
    /// parsing the FlatBuffer's tables or reading a bias maps neighbouring
    /// weights that nothing reads afterwards; dropping all pages once a phase
    /// is over keeps resident only what is read again. The bytes stay valid
    /// (the mapping is read-only, so no page holds a private change): a later
    /// read, from any thread, faults its page in from the file again.
    func releaseAllPages() {
        guard isFileMapping else { return }
        _ = madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_DONTNEED)
    }

    /// The size of a memory page (4096 where the system does not say).
    static let pageSize: Int = {
        let size = sysconf(Int32(_SC_PAGESIZE))
        return size > 0 ? Int(size) : 4096
    }()

    func reader(budget: DecodeBudget) -> FlatBufferReader {
        FlatBufferReader(base: base, count: count, budget: budget)
    }
}
