import Foundation
import XCTest
@_spi(Benchmarking) @testable import TFLiteEngine

/// `Interpreter.Options.flushesSubnormals`: an invoke gives zero where its
/// float arithmetic would give a subnormal (x86-64 Linux), on one and two
/// threads, and leaves the calling thread's floating-point setting as it
/// found it; turned off, the subnormal comes through.
final class SubnormalFlushTests: XCTestCase {
    private static let count = 16_384

    /// MUL of an input by a constant of 10⁻²⁰ (same shape, large enough to
    /// split over two threads): products of inputs near 10⁻²⁰ are
    /// subnormal (about 10⁻⁴⁰).
    private static let model: Data = {
        let constant = ModelSpec.bytes([Float](repeating: 1e-20, count: count))
        let shape = [1, 16, 16, count / 256]
        return ModelSpec.build(op: 18, optionsType: 21, options: [], tensors: [(shape, []), (shape, constant), ([], [])],
                               opInputs: [0, 1], output: 2, int32Tensors: [])
    }()

    private static func output(threads: Int, flush: Bool) throws -> [Float] {
        var options = Interpreter.Options(threadCount: threads, backend: threads > 1 ? .parallel : .cpu)
        options.flushesSubnormals = flush
        options.parallelMinimumCost = 0
        let interpreter = try Interpreter(modelData: model, options: options)
        try interpreter.allocateTensors()
        let input = (0..<count).map { Float(1 + $0 % 64) * 1e-20 }
        try interpreter.copy(input.withUnsafeBytes { Data($0) }, toInputAt: 0)
        XCTAssertFalse(SubnormalFlush.isSet)
        try interpreter.invoke()
        XCTAssertFalse(SubnormalFlush.isSet, "the invoke left the caller's floating-point setting changed")
        return try interpreter.output(at: 0).data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    func testInvokeFlushesSubnormalsAndRestoresTheCaller() throws {
        for threads in [1, 2] {
            let kept = try Self.output(threads: threads, flush: false)
            XCTAssertEqual(kept.count, Self.count)
            XCTAssertTrue(kept.allSatisfy { $0.isSubnormal }, "\(threads) threads, not flushed: \(kept.prefix(4))")
            let flushed = try Self.output(threads: threads, flush: true)
            #if os(Linux) && arch(x86_64)
            XCTAssertEqual(flushed, [Float](repeating: 0, count: Self.count), "\(threads) threads")
            #else
            XCTAssertEqual(flushed, kept, "\(threads) threads: nothing to flush with here")
            #endif
        }
    }

    func testBeginAndEndRestore() {
        XCTAssertFalse(SubnormalFlush.isSet)
        let saved = SubnormalFlush.begin()
        #if os(Linux) && arch(x86_64)
        XCTAssertTrue(SubnormalFlush.isSet)
        XCTAssertNil(SubnormalFlush.begin(), "already set: nothing to restore")
        #endif
        SubnormalFlush.end(saved)
        XCTAssertFalse(SubnormalFlush.isSet)
    }
}
