import Foundation
import XCTest
@testable import TFLiteEngine

/// A prepared one-operator model whose kernels can be run by hand on the
/// same inputs: the chosen (fast) kernel, a reference kernel made from the
/// node's `PrepareContext`, with all tiles at once or one tile at a time in
/// reverse order on two workers (what a parallel backend may do).
final class SingleOpHarness {
    let graph: PreparedGraph
    let step: PreparedGraph.Step
    let context: PrepareContext
    private let addresses: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private var buffers: [UnsafeMutableRawPointer] = []

    /// nil (after recording a failure) when the model does not prepare to exactly one step.
    init?(modelData: Data, name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let model = try Model(data: modelData)
        graph = try PreparedGraph(model: model)
        try graph.prepare()
        guard let step = graph.steps.first, graph.steps.count == 1 else {
            XCTFail("\(name): expected one step", file: file, line: line)
            return nil
        }
        self.step = step
        context = PrepareContext(node: step.node, graph: graph)
        addresses = .allocate(capacity: graph.tensors.count)
        for t in graph.tensors.indices {
            addresses[t] = graph.tensors[t].constant.map { UnsafeMutableRawPointer(mutating: $0) }
                ?? allocate(graph.tensors[t].byteCount, fill: 0xA5)
        }
    }

    deinit {
        buffers.forEach { $0.deallocate() }
        addresses.deallocate()
    }

    var fastKernel: Kernel { step.kernel }

    /// The bytes of the op's first input that is not a constant, to fill before running.
    var input: UnsafeMutableRawBufferPointer {
        let index = step.node.inputs.first { $0 >= 0 && !graph.tensors[$0].isConstant } ?? step.node.inputs[0]
        return UnsafeMutableRawBufferPointer(start: addresses[index], count: graph.tensors[index].byteCount)
    }

    /// A seeded generator derived from `name`, so each case has its own inputs.
    static func random(for name: String) -> TestRandom {
        TestRandom(seed: name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 })
    }

    /// Runs `kernel` into a fresh output buffer (pre-filled with `fill`) and
    /// returns its bytes. Give each of the runs you compare a different
    /// `fill`, so bytes no kernel writes do not compare equal.
    /// `claimed`: the tiles as the two-worker pool claims them, one tile a
    /// chunk (`claimedTiles`), every call after a worker's first continuing it.
    func run(_ kernel: Kernel, tilesReversed: Bool, claimed: Bool = false, fill: UInt8) -> [UInt8] {
        let outputIndex = step.node.outputs[0]
        let outputBytes = graph.tensors[outputIndex].byteCount
        let out = allocate(outputBytes, fill: fill)
        addresses[outputIndex] = out
        let scratch = allocate(kernel.scratchStride * 2, fill: 0xFF)
        kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch))
        if claimed {
            var started = [false, false]
            for (worker, tiles) in Self.claimedTiles(kernel.tileCount) {
                kernel.run(tiles: tiles, worker: worker, continuing: started[worker])
                started[worker] = true
            }
        } else if tilesReversed {
            for t in (0..<kernel.tileCount).reversed() { kernel.run(tiles: t..<(t + 1), worker: t % 2) }
        } else {
            kernel.run(tiles: 0..<kernel.tileCount, worker: 0)
        }
        return Array(UnsafeRawBufferPointer(start: out, count: outputBytes))
    }

    /// The calls of the two-worker pool (`SpinningWorkerPool`) on `tiles`
    /// tiles of one chunk each, worker 1 taking two turns to worker 0's one:
    /// each takes half of what is left of its share (the first and second
    /// half of the tiles) at a time, and worker 1, out of its own first,
    /// then takes worker 0's last tiles one at a time from the back.
    static func claimedTiles(_ tiles: Int) -> [(worker: Int, tiles: Range<Int>)] {
        var next = [0, tiles / 2], end = [tiles / 2, tiles]
        var calls: [(worker: Int, tiles: Range<Int>)] = []
        var turn = 0
        while next[0] < end[0] || next[1] < end[1] {
            let worker = turn % 3 == 0 ? 0 : 1, other = 1 - worker
            turn += 1
            if next[worker] < end[worker] {
                let count = (end[worker] - next[worker] + 1) / 2
                calls.append((worker, next[worker]..<(next[worker] + count)))
                next[worker] += count
            } else if next[other] < end[other] {
                end[other] -= 1
                calls.append((worker, end[other]..<(end[other] + 1)))
            }
        }
        return calls
    }

    private func allocate(_ bytes: Int, fill: UInt8) -> UnsafeMutableRawPointer {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
        p.initializeMemory(as: UInt8.self, repeating: fill, count: max(bytes, 64))
        buffers.append(p)
        return p
    }
}
