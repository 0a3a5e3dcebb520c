#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded, validated `.tflite` model.
///
/// A `Model` is immutable and thread-safe: many `Interpreter`s, on many
/// threads, can be created from one `Model` and share its constant data
/// (the memory-mapped file, and constants folded at prepare such as
/// float16 weights dequantized to float32).
public final class Model: @unchecked Sendable {
    let bytes: ModelBytes
    let def: ModelDef
    /// Data derived from constants once and shared by every interpreter
    /// (folded constant tensors, packed weights).
    let sharedConstants = SharedConstantCache()
    /// The TFLite metadata and associated-file archive, parsed on first use
    /// (`Model+Metadata.swift`).
    let metadataStore = ModelMetadataStore()

    /// Memory-maps and validates the model at `path`.
    public convenience init(path: String) throws {
        try self.init(bytes: ModelBytes(path: path))
    }

    /// Validates a model held in memory. The bytes are copied once.
    public convenience init(data: Data) throws {
        try self.init(bytes: ModelBytes(data: data))
    }

    init(bytes: ModelBytes) throws {
        self.bytes = bytes
        // Each decoded vector element costs at least one byte of file; a
        // budget of 8 elements per file byte bounds the decoded structure
        // even if a crafted file points many vectors at the same bytes.
        let budget = DecodeBudget(elements: max(1 << 16, bytes.count.multipliedReportingOverflow(by: 8).partialValue))
        let def = try ModelParser.parse(bytes.reader(budget: budget))
        try ModelValidator.validate(def, fileSize: bytes.count)
        self.def = def
        // Everything parsing needs is now in `def`: the file's pages come
        // back only where a kernel or caller reads them.
        bytes.releaseAllPages()
    }

    /// The schema version recorded in the file (3 for current converters).
    public var schemaVersion: Int { Int(def.version) }
    /// The model's description string, if any (often the converter name).
    public var modelDescription: String? { def.description }
    /// Names of the metadata entries (e.g. `min_runtime_version`, `TFLITE_METADATA`).
    public var metadataNames: [String] { def.metadata.map(\.name) }
    /// The model's signatures.
    public var signatures: [SignatureDef] { def.signatureDefs }
    /// Number of subgraphs; subgraph 0 is the one the interpreter runs.
    public var subgraphCount: Int { def.subgraphs.count }
    /// Size of the model file in bytes.
    public var fileSize: Int { bytes.count }

    /// The bytes of a metadata entry, if present.
    public func metadata(named name: String) -> Data? {
        guard let entry = def.metadata.first(where: { $0.name == name }),
              entry.buffer < def.buffers.count, let range = def.buffers[entry.buffer] else { return nil }
        return Data(bytes: bytes.base + range.lowerBound, count: range.count)
    }

    /// Raw bytes of a buffer, or nil when it holds no data.
    func bufferBytes(_ index: Int) -> UnsafeRawBufferPointer? {
        guard index >= 0, index < def.buffers.count, let range = def.buffers[index] else { return nil }
        return UnsafeRawBufferPointer(start: bytes.base + range.lowerBound, count: range.count)
    }

    /// The main subgraph (index 0).
    var mainSubgraph: SubGraphDef { def.subgraphs[0] }

    /// Called once a constant's data has been copied into a layout cached on
    /// this model (packed weights): drops its pages of the memory-mapped file
    /// from resident memory, so the weights are not held twice. Reads of the
    /// constant still work (the pages come back from the file).
    func releaseConstantPages(_ data: UnsafeRawPointer, byteCount: Int) {
        bytes.releasePages(of: data, byteCount: byteCount)
    }

    /// Called when an interpreter has prepared its graph: drops every page of
    /// the memory-mapped file from resident memory, so that pages mapped while
    /// preparing (constants read once, packed weights' neighbours) do not stay;
    /// the constants that kernels read at invoke fault their pages in again.
    func releaseFilePages() {
        bytes.releaseAllPages()
    }
}

/// A thread-safe store of values computed once per model and shared by all
/// interpreters (for example float16 weights dequantized to float32).
final class SharedConstantCache: @unchecked Sendable {
    private let lock = Lock()
    /// (Not a dictionary: see `SharedConstantTable`.)
    private var values = SharedConstantTable()

    /// Returns the cached value for `key`, computing it at most once.
    func value<T: AnyObject>(for key: SharedConstantKey, _ make: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        if let existing = values[key] as? T { return existing }
        let made = try make()
        values[key] = made
        return made
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return values.count
    }
}

/// A subgraph's view of the model's `SharedConstantCache`: keys made from
/// tensor or node indices are scoped to the subgraph, so equal indices in
/// two subgraphs never share a value.
struct ScopedConstantCache {
    let cache: SharedConstantCache
    let subgraph: Int

    func value<T: AnyObject>(for key: SharedConstantKey, _ make: () throws -> T) rethrows -> T {
        var scoped = key
        scoped.subgraph = subgraph
        return try cache.value(for: scoped, make)
    }

    /// `value(for:_:)` for a value that is not an object (a struct, an
    /// array, an optional: nil is kept too), held in a `SharedValue`.
    func sharedValue<Value>(for key: SharedConstantKey, _ make: () throws -> Value) rethrows -> Value {
        try value(for: key) { SharedValue(try make()) }.value
    }
}

/// One value in the shared constants, which hold objects.
final class SharedValue<Value> {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// An owned, 64-byte-aligned block of zero bytes (folded constants, packed
/// weights) or, `zeroed: false`, of undefined bytes (arenas).
///
/// It comes from `calloc` (or, `populated`, an anonymous mapping), which
/// hands out large blocks as fresh pages the kernel already zeroed: nothing
/// walks the memory before its first use, which saved a pass over every
/// packed-weight buffer at start-up. A block the allocator reuses is
/// cleared, though, hence `zeroed: false` for arenas.
final class AlignedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// What `calloc` (`pointer` is rounded up from it) or `mmap` returned.
    private let allocation: UnsafeMutableRawPointer
    /// Bytes of the populated mapping (`populated`), else 0 (from `calloc`).
    private let mappedBytes: Int

    /// Throws `InterpreterError.outOfMemory` when the system has no memory
    /// for it (sizes are checked against the arena and constant limits before
    /// they get here, but a device can be short of memory within them).
    ///
    /// `populated`: the caller is about to write every byte (packed
    /// weights), so a large block (`populatedMinimumBytes`) comes from one
    /// anonymous mapping whose pages the system provides at once
    /// (`MAP_POPULATE`, Linux), not one page fault per 4 KiB page at the
    /// first write: those faults were a sixth of an int8 MobileNetV2's
    /// prepare time (issue 15, start-up). Elsewhere, or when the mapping
    /// fails, `calloc`.
    ///
    /// `zeroed: false` (arenas: every tensor is written before it is read)
    /// takes the block from `malloc`, its bytes undefined. `calloc` clears a
    /// block that the allocator reuses, and that clearing was about a tenth
    /// of a second int8 MobileNetV2 interpreter's creation,
    /// `allocateTensors()` and release, repeated (issue 15, `perf`).
    init(byteCount: Int, populated: Bool = false, zeroed: Bool = true) throws {
        self.byteCount = byteCount
        let (total, overflow) = max(byteCount, 1).addingReportingOverflow(63)
        guard !overflow else { throw InterpreterError.outOfMemory(bytes: byteCount) }
        #if os(Linux)
        if populated, byteCount >= Self.populatedMinimumBytes {
            let mapped = mmap(nil, byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0)
            if let mapped, mapped != MAP_FAILED {
                allocation = mapped
                pointer = mapped  // page-aligned
                mappedBytes = byteCount
                return
            }
        }
        #endif
        guard let raw = zeroed ? calloc(total, 1) : malloc(total) else { throw InterpreterError.outOfMemory(bytes: byteCount) }
        #if DEBUG
        // Debug builds (the tests) fill a block that is not zeroed with
        // 0xFF bytes (NaN floats, −1 integers), so a kernel that read memory
        // it had not written would give wrong outputs there.
        if !zeroed { memset(raw, 0xFF, total) }
        #endif
        allocation = raw
        pointer = raw + ((64 &- Int(bitPattern: raw) & 63) & 63)
        mappedBytes = 0
    }

    /// Smallest `populated` block that gets its own mapping.
    static let populatedMinimumBytes = 64 << 10

    deinit {
        #if os(Linux)
        if mappedBytes > 0 {
            munmap(allocation, mappedBytes)
            return
        }
        #endif
        free(allocation)
    }
}
