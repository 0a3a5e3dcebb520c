/// A minimal front-to-back FlatBuffer writer, for building small models in
/// memory (the kernel tests' single-operator models, `ModelSelection`'s
/// calibration graphs): each table's vtable is written just before it and its
/// children after it, so every uoffset points forward. Every scalar field gets
/// a 4-byte slot (little-endian, value in the low bytes). Fields are given by
/// vtable slot (4, 6, 8, … = field 0, 1, 2, … of the schema table).
package enum FlatBufferBuilder {
    package enum Value {
        case i8(Int8), u8(UInt8), bool(Bool), i32(Int32), u32(UInt32), f32(Float)
        case offset(Node)
    }

    package indirect enum Node {
        /// Fields by vtable slot (4, 6, 8, …).
        case table([(Int, Value)])
        case tables([Node])
        case int32s([Int32])
        case floats([Float])
        case int64s([Int64])
        case bytes([UInt8])
        case string(String)
    }

    package static func serialize(_ root: Node, identifier: String) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 8)
        for (i, c) in identifier.utf8.prefix(4).enumerated() { out[4 + i] = c }
        let rootPosition = write(root, into: &out)
        patch(&out, at: 0, target: rootPosition)
        return out
    }

    private static func align(_ out: inout [UInt8], _ n: Int, offset: Int = 0) {
        while (out.count + offset) % n != 0 { out.append(0) }
    }
    private static func append<T: FixedWidthInteger>(_ out: inout [UInt8], _ v: T) {
        withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) }
    }
    private static func patch(_ out: inout [UInt8], at position: Int, target: Int) {
        let v = UInt32(target - position).littleEndian
        withUnsafeBytes(of: v) { for i in 0..<4 { out[position + i] = $0[i] } }
    }

    /// Writes `node` and returns its position (what a uoffset must point at).
    private static func write(_ node: Node, into out: inout [UInt8]) -> Int {
        switch node {
        case let .table(fields):
            let maxSlot = fields.map(\.0).max() ?? 2
            let slotCount = (maxSlot - 4) / 2 + 1
            let tableSize = 4 + 4 * fields.count
            align(&out, 4)
            let vtable = out.count
            append(&out, UInt16(4 + 2 * max(slotCount, 0)))
            append(&out, UInt16(tableSize))
            for s in 0..<max(slotCount, 0) {
                let slot = 4 + 2 * s
                if let i = fields.firstIndex(where: { $0.0 == slot }) { append(&out, UInt16(4 + 4 * i)) } else { append(&out, UInt16(0)) }
            }
            align(&out, 4)
            let table = out.count
            append(&out, Int32(table - vtable))
            var pending: [(Int, Node)] = []
            for (_, value) in fields {
                let position = out.count
                switch value {
                case let .i8(v): append(&out, v); out += [0, 0, 0]
                case let .u8(v): append(&out, v); out += [0, 0, 0]
                case let .bool(v): append(&out, UInt8(v ? 1 : 0)); out += [0, 0, 0]
                case let .i32(v): append(&out, v)
                case let .u32(v): append(&out, v)
                case let .f32(v): append(&out, v.bitPattern)
                case let .offset(child): append(&out, UInt32(0)); pending.append((position, child))
                }
            }
            for (position, child) in pending { patch(&out, at: position, target: write(child, into: &out)) }
            return table
        case let .tables(children):
            align(&out, 4)
            let vector = out.count
            append(&out, UInt32(children.count))
            let first = out.count
            for _ in children { append(&out, UInt32(0)) }
            for (i, child) in children.enumerated() { patch(&out, at: first + 4 * i, target: write(child, into: &out)) }
            return vector
        case let .int32s(values):
            align(&out, 4)
            let vector = out.count
            append(&out, UInt32(values.count))
            for v in values { append(&out, v) }
            return vector
        case let .floats(values):
            align(&out, 4)
            let vector = out.count
            append(&out, UInt32(values.count))
            for v in values { append(&out, v.bitPattern) }
            return vector
        case let .int64s(values):
            align(&out, 8, offset: 4)  // elements 8-byte aligned
            let vector = out.count
            append(&out, UInt32(values.count))
            for v in values { append(&out, v) }
            return vector
        case let .bytes(values):
            align(&out, 16, offset: 4)  // data 16-byte aligned
            let vector = out.count
            append(&out, UInt32(values.count))
            out += values
            return vector
        case let .string(s):
            align(&out, 4)
            let vector = out.count
            append(&out, UInt32(s.utf8.count))
            out += Array(s.utf8) + [0]
            return vector
        }
    }
}
