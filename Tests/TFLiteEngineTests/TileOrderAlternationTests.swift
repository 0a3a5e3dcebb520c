import Foundation
import XCTest
@_spi(Benchmarking) @testable import TFLiteEngine

/// `TileOrderAlternation` (a one-thread plan runs some steps' tiles last
/// part first): every step whose input's producer ran in order may be
/// reversed, never two in a row along an input, never on more than one
/// worker, and the outputs are the unreversed plan's bit for bit, profiled
/// or not.
final class TileOrderAlternationTests: XCTestCase {
    private static let models = ["mobilenetv2_float32", "mobilenetv2_int8", "efficientnetb0_int8", "nasnetmobile_float32"]

    private static func reversedPositions(_ interpreter: Interpreter) -> [Int] {
        (interpreter.graph?.steps ?? []).indices.filter { interpreter.graph?.steps[$0].reversesTiles == true }
    }

    func testReversedPlansMatchInOrderPlansBitExact() throws {
        let minimum = TileOrderAlternation.minimumInputBytes
        TileOrderAlternation.minimumInputBytes = 0
        defer {
            TileOrderAlternation.minimumInputBytes = minimum
            TileOrderAlternation.isEnabled = true
        }
        for name in Self.models {
            TileOrderAlternation.isEnabled = false
            let inOrder = try ZooFixtureRun.interpreter(name, threads: 1)
            TileOrderAlternation.isEnabled = true
            XCTAssertTrue(Self.reversedPositions(inOrder).isEmpty, name)
            let reference = try ZooFixtureRun.outputs(inOrder, name, invokes: 2)

            let reversed = try ZooFixtureRun.interpreter(name, threads: 1)
            let positions = Self.reversedPositions(reversed)
            XCTAssertFalse(positions.isEmpty, "\(name): no step reversed")
            let graph = try XCTUnwrap(reversed.graph)
            var writer: [Int: Int] = [:]
            for (position, step) in graph.steps.enumerated() {
                if step.reversesTiles, let input = step.node.inputs.first, let producer = writer[input] {
                    XCTAssertFalse(graph.steps[producer].reversesTiles, "\(name): steps \(producer) and \(position) both reversed")
                }
                for t in step.node.outputs { writer[t] = position }
            }
            XCTAssertEqual(try ZooFixtureRun.outputs(reversed, name, invokes: 2), reference, name)
            reversed.isProfilingEnabled = true
            XCTAssertEqual(try ZooFixtureRun.outputs(reversed, name), reference, "\(name), profiled")

            XCTAssertTrue(Self.reversedPositions(try ZooFixtureRun.interpreter(name, threads: 2)).isEmpty, "\(name), two threads")
        }
    }
}
