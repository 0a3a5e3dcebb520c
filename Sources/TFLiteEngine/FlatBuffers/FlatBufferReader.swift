/// A bounds-checked, zero-copy reader for FlatBuffers binaries.
///
/// Every read is checked against the buffer before it happens, with
/// arithmetic that cannot overflow: an offset read from the file is a
/// `UInt32`, widened to `Int` (64-bit) before it is added, and every range is
/// checked as `start >= 0 && length >= 0 && start <= count - length`.
///
/// The reader does not own the bytes; the owner (`ModelBytes`) must outlive it.
/// Layout rules (google/flatbuffers `internals.md`): little-endian scalars;
/// `uoffset` (UInt32) is relative to where it is stored; a table starts with
/// an `soffset` (Int32) back to its vtable; a vtable is
/// `[vtable bytes, object bytes, field offsets…]` as UInt16; a field is absent
/// when its slot is past the vtable or holds 0.
struct FlatBufferReader: @unchecked Sendable {
    let base: UnsafeRawPointer
    let count: Int
    /// Shared budget for elements decoded from vectors, so overlapping or
    /// aliased vectors cannot blow up memory (a "vector bomb").
    let budget: DecodeBudget

    init(base: UnsafeRawPointer, count: Int, budget: DecodeBudget) {
        self.base = base
        self.count = count
        self.budget = budget
    }

    @inline(__always)
    func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count &- length
    }

    func check(_ offset: Int, _ length: Int, _ location: @autoclosure () -> String) throws {
        guard contains(offset, length) else {
            throw InterpreterError.malformedModel(
                location: location(),
                reason: "\(length) bytes at offset \(offset) lie outside the \(count)-byte buffer")
        }
    }

    // Unchecked loads: callers check the range first.
    @inline(__always) func u8(_ o: Int) -> UInt8 { base.load(fromByteOffset: o, as: UInt8.self) }
    @inline(__always) func u16(_ o: Int) -> UInt16 { UInt16(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt16.self)) }
    @inline(__always) func u32(_ o: Int) -> UInt32 { UInt32(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    @inline(__always) func u64(_ o: Int) -> UInt64 { UInt64(littleEndian: base.loadUnaligned(fromByteOffset: o, as: UInt64.self)) }

    /// Follows the `uoffset` stored at `position` and returns the absolute target.
    func followOffset(at position: Int, _ location: @autoclosure () -> String) throws -> Int {
        try check(position, 4, location())
        let relative = Int(u32(position))
        guard relative != 0 else {
            throw InterpreterError.malformedModel(location: location(), reason: "zero offset")
        }
        let target = position + relative  // both < 2^33: cannot overflow Int
        guard target < count else {
            throw InterpreterError.malformedModel(
                location: location(), reason: "offset \(relative) at \(position) points past the end of the buffer (\(count) bytes)")
        }
        return target
    }

    /// The root table, after checking the minimum size and the file identifier.
    func root(identifier: String, location: String) throws -> FlatBufferTable {
        guard count >= 8 else {
            throw InterpreterError.malformedModel(location: location, reason: "file is \(count) bytes, too short for a FlatBuffer")
        }
        let id = (4..<8).map { u8($0) }
        let expected = Array(identifier.utf8)
        guard id == expected else {
            let shown = id.map { (32...126).contains($0) ? String(UnicodeScalar($0)) : "\\x" + String($0, radix: 16) }.joined()
            throw InterpreterError.malformedModel(
                location: location, reason: "file identifier is \"\(shown)\", expected \"\(identifier)\" (not a TFLite model?)")
        }
        let position = try followOffset(at: 0, location)
        return try FlatBufferTable(reader: self, position: position, location: location)
    }
}

/// Limits the total number of vector elements decoded from one file.
final class DecodeBudget: @unchecked Sendable {
    private(set) var remaining: Int
    init(elements: Int) { remaining = elements }
    func spend(_ n: Int, _ location: @autoclosure () -> String) throws {
        guard n <= remaining else {
            throw InterpreterError.malformedModel(
                location: location(), reason: "decoding would exceed the element budget; vectors overlap or alias each other")
        }
        remaining -= n
    }
}

/// Where a table sits in the file, as the path of fields and indices that
/// led to it (`Model.subgraphs[0].tensors[3]`), for error messages.
///
/// Kept as links to the parent and written out only when an error is
/// reported: building every table's and vector's path as a string while
/// parsing was a sixth of loading a model.
final class FlatBufferPath: CustomStringConvertible, @unchecked Sendable {
    let parent: FlatBufferPath?
    let name: String
    /// The element of the vector `name` (nil: the field `name` itself).
    let index: Int?

    init(_ name: String) {
        parent = nil
        self.name = name
        index = nil
    }

    init(parent: FlatBufferPath, name: String, index: Int? = nil) {
        self.parent = parent
        self.name = name
        self.index = index
    }

    var description: String {
        var text = parent.map { $0.description + "." + name } ?? name
        if let index { text += "[\(index)]" }
        return text
    }
}

/// A verified table: its vtable lies inside the buffer.
struct FlatBufferTable: @unchecked Sendable {
    let reader: FlatBufferReader
    let position: Int
    let vtable: Int
    let vtableLength: Int
    /// Where the table is, for error messages.
    let path: FlatBufferPath
    /// Human-readable path used in error messages, e.g. `Model.subgraphs[0]`.
    var location: String { path.description }

    init(reader: FlatBufferReader, position: Int, location: String) throws {
        try self.init(reader: reader, position: position, path: FlatBufferPath(location))
    }

    init(reader: FlatBufferReader, position: Int, path: FlatBufferPath) throws {
        try reader.check(position, 4, path.description)
        let soffset = Int(Int32(bitPattern: reader.u32(position)))
        let vtable = position - soffset
        try reader.check(vtable, 4, path.description + " (vtable)")
        let vtableLength = Int(reader.u16(vtable))
        guard vtableLength >= 4, vtableLength % 2 == 0 else {
            throw InterpreterError.malformedModel(location: path.description, reason: "vtable length \(vtableLength) is invalid")
        }
        try reader.check(vtable, vtableLength, path.description + " (vtable)")
        self.reader = reader
        self.position = position
        self.vtable = vtable
        self.vtableLength = vtableLength
        self.path = path
    }

    /// Absolute position of a field, or nil when the field is absent.
    /// `slot` is the vtable byte offset of the field: `4 + 2 * field_id`.
    func fieldPosition(_ slot: Int) -> Int? {
        guard slot + 2 <= vtableLength else { return nil }
        let relative = Int(reader.u16(vtable + slot))
        return relative == 0 ? nil : position + relative
    }

    private func scalarPosition(_ slot: Int, size: Int, _ name: String) throws -> Int? {
        guard let p = fieldPosition(slot) else { return nil }
        try reader.check(p, size, location + "." + name)
        return p
    }

    func uint8(_ slot: Int, _ name: String, default value: UInt8 = 0) throws -> UInt8 {
        guard let p = try scalarPosition(slot, size: 1, name) else { return value }
        return reader.u8(p)
    }
    func int8(_ slot: Int, _ name: String, default value: Int8 = 0) throws -> Int8 {
        Int8(bitPattern: try uint8(slot, name, default: UInt8(bitPattern: value)))
    }
    func bool(_ slot: Int, _ name: String, default value: Bool = false) throws -> Bool {
        guard let p = try scalarPosition(slot, size: 1, name) else { return value }
        return reader.u8(p) != 0
    }
    func uint32(_ slot: Int, _ name: String, default value: UInt32 = 0) throws -> UInt32 {
        guard let p = try scalarPosition(slot, size: 4, name) else { return value }
        return reader.u32(p)
    }
    func int32(_ slot: Int, _ name: String, default value: Int32 = 0) throws -> Int32 {
        Int32(bitPattern: try uint32(slot, name, default: UInt32(bitPattern: value)))
    }
    func float32(_ slot: Int, _ name: String, default value: Float = 0) throws -> Float {
        Float(bitPattern: try uint32(slot, name, default: value.bitPattern))
    }
    func uint64(_ slot: Int, _ name: String, default value: UInt64 = 0) throws -> UInt64 {
        guard let p = try scalarPosition(slot, size: 8, name) else { return value }
        return reader.u64(p)
    }
    func int64(_ slot: Int, _ name: String, default value: Int64 = 0) throws -> Int64 {
        Int64(bitPattern: try uint64(slot, name, default: UInt64(bitPattern: value)))
    }

    /// A sub-table, or nil when absent.
    func table(_ slot: Int, _ name: String) throws -> FlatBufferTable? {
        guard let p = fieldPosition(slot) else { return nil }
        let child = FlatBufferPath(parent: path, name: name)
        let target = try reader.followOffset(at: p, child.description)
        return try FlatBufferTable(reader: reader, position: target, path: child)
    }

    /// A vector's element range, or nil when absent.
    func vector(_ slot: Int, _ name: String, elementSize: Int) throws -> FlatBufferVector? {
        guard let p = fieldPosition(slot) else { return nil }
        let target = try reader.followOffset(at: p, location + "." + name)
        try reader.check(target, 4, location + "." + name)
        let n = Int(reader.u32(target))
        let start = target + 4
        let (bytes, overflow) = n.multipliedReportingOverflow(by: elementSize)
        guard !overflow, reader.contains(start, bytes) else {
            throw InterpreterError.malformedModel(
                location: location + "." + name, reason: "vector of \(n) elements of \(elementSize) bytes runs past the end of the buffer")
        }
        return FlatBufferVector(reader: reader, start: start, count: n, elementSize: elementSize, tablePath: path, name: name)
    }

    func string(_ slot: Int, _ name: String) throws -> String? {
        guard let v = try vector(slot, name, elementSize: 1) else { return nil }
        try reader.check(v.start + v.count, 1, v.location)
        guard reader.u8(v.start + v.count) == 0 else {
            throw InterpreterError.malformedModel(location: v.location, reason: "string is not NUL-terminated")
        }
        try reader.budget.spend(v.count, v.location)
        let bytes = UnsafeRawBufferPointer(start: reader.base + v.start, count: v.count)
        return String(decoding: bytes, as: UTF8.self)
    }

    func int32s(_ slot: Int, _ name: String) throws -> [Int32]? {
        guard let v = try vector(slot, name, elementSize: 4) else { return nil }
        try reader.budget.spend(v.count, v.location)
        return copy(v, as: Int32.self) { Int32(bitPattern: reader.u32($0)) }
    }
    func uint16s(_ slot: Int, _ name: String) throws -> [UInt16]? {
        guard let v = try vector(slot, name, elementSize: 2) else { return nil }
        try reader.budget.spend(v.count, v.location)
        return (0..<v.count).map { reader.u16(v.start + 2 * $0) }
    }
    func uint8s(_ slot: Int, _ name: String) throws -> [UInt8]? {
        guard let v = try vector(slot, name, elementSize: 1) else { return nil }
        try reader.budget.spend(v.count, v.location)
        return (0..<v.count).map { reader.u8(v.start + $0) }
    }
    func int64s(_ slot: Int, _ name: String) throws -> [Int64]? {
        guard let v = try vector(slot, name, elementSize: 8) else { return nil }
        try reader.budget.spend(v.count, v.location)
        return copy(v, as: Int64.self) { Int64(bitPattern: reader.u64($0)) }
    }
    func float32s(_ slot: Int, _ name: String) throws -> [Float]? {
        guard let v = try vector(slot, name, elementSize: 4) else { return nil }
        try reader.budget.spend(v.count, v.location)
        return copy(v, as: Float.self) { Float(bitPattern: reader.u32($0)) }
    }

    /// The elements of `v` (checked to lie inside the buffer) as an array:
    /// one copy of the bytes on little-endian machines (the file's byte
    /// order; per-channel scales and zero points run to thousands of
    /// elements), else `element(position)` for each.
    private func copy<T>(_ v: FlatBufferVector, as _: T.Type, _ element: (Int) -> T) -> [T] {
        [T](unsafeUninitializedCapacity: v.count) { buffer, initialized in
            #if _endian(little)
            if let target = buffer.baseAddress, v.count > 0 {
                UnsafeMutableRawPointer(target).copyMemory(from: reader.base + v.start, byteCount: v.count &* MemoryLayout<T>.stride)
            }
            #else
            for i in 0..<v.count { buffer[i] = element(v.start &+ i &* MemoryLayout<T>.stride) }
            #endif
            initialized = v.count
        }
    }

    /// A vector of tables, each verified.
    func tables(_ slot: Int, _ name: String) throws -> [FlatBufferTable]? {
        guard let v = try vector(slot, name, elementSize: 4) else { return nil }
        try reader.budget.spend(v.count, v.location)
        var result: [FlatBufferTable] = []
        result.reserveCapacity(v.count)
        for i in 0..<v.count {
            let element = FlatBufferPath(parent: path, name: name, index: i)
            let target = try reader.followOffset(at: v.start + 4 * i, element.description)
            result.append(try FlatBufferTable(reader: reader, position: target, path: element))
        }
        return result
    }
}

/// The element range of a vector, checked to lie inside the buffer.
struct FlatBufferVector {
    let reader: FlatBufferReader
    let start: Int
    let count: Int
    let elementSize: Int
    /// The table holding the vector, and the vector's field name.
    let tablePath: FlatBufferPath
    let name: String
    /// Human-readable path used in error messages, e.g. `Model.buffers`.
    var location: String { tablePath.description + "." + name }
    var byteRange: Range<Int> { start..<(start + count * elementSize) }
}
