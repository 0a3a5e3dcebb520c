import Foundation
import XCTest
@testable import TFLiteEngine
import InputFormats

/// Element-wise, activation and reduction ops (MUL, SUB, DIV, MAXIMUM,
/// MINIMUM, SQUARED_DIFFERENCE, LOGISTIC, TANH, RELU family, LEAKY_RELU,
/// HARD_SWISH, ELU, EXP, SQRT, RSQRT, PRELU, SUM, REDUCE_MAX,
/// L2_NORMALIZATION, ARG_MAX); fixtures from
/// `tools/make_op_fixtures_elementwise.py`. Their outputs against LiteRT's
/// builtin kernels are checked per operator in `OperatorFixtureTests`
/// (groups `ops/float32_elementwise` and `ops/int8_elementwise`).
final class ElementwiseOpTests: XCTestCase {
    /// Crafted models (axes out of range, huge negative axes, ARG_MAX axis
    /// validation, shapes that cannot broadcast, requantization) must fail
    /// at `allocateTensors` with an `InterpreterError` naming the problem.
    func testInvalidModelsAreRejectedWithTypedErrors() throws {
        try Fixtures.checkRejected("ops/invalid")
    }

    /// The exact GELU's vector form gives its scalar form's bits in every
    /// lane, with lanes of all three pieces (rational erf from −3, the
    /// polynomial tail, 0 below −5.6) in one vector and with none below −3,
    /// and stays within 4e-7 + 1e-5·|y| of 0.5·x·erfc(−x/√2) in double (the
    /// op fixtures allow 5e-7 + 1e-5·|y|) from −12 to 12.
    func testGeluExactVectorLanesMatchScalarAndStayAccurate() {
        let gelu = Gelu.Exact()
        let lanes = FloatVector.scalarCount
        var mismatches = 0, worst = 0.0
        var x: Float = -12
        while x <= 12 {
            // Lanes 0.4 apart, so vectors near −3 straddle the threshold.
            let v = FloatVector(repeating: x) + FloatVector((0..<lanes).map { Float($0) * 0.4 })
            let y = gelu.apply(v)
            for i in 0..<lanes {
                let scalar = gelu.apply(v[i])
                if y[i].bitPattern != scalar.bitPattern { mismatches += 1 }
                let t = 0.5 * Double(v[i]) * Foundation.erfc(-Double(v[i]) / 2.0.squareRoot())
                worst = max(worst, abs(Double(scalar) - t) / (4e-7 + 1e-5 * abs(t)))
            }
            x += 0.000_97
        }
        XCTAssertEqual(mismatches, 0, "GELU vector lanes differ from the scalar form")
        XCTAssertLessThanOrEqual(worst, 1, "GELU beyond 4e-7 + 1e-5·|y| of erfc in double")
        XCTAssertTrue(gelu.apply(Float.nan).isNaN)
        XCTAssertTrue(gelu.apply(FloatVector(repeating: .nan))[0].isNaN)
    }

    /// The libm-free exp / logistic / tanh / erf used by LOGISTIC, TANH,
    /// ELU and GELU stay within a few ulp of libm (erf: 1e-6 absolute)
    /// over the whole float range, saturate cleanly, and pass NaN through;
    /// the vector forms of erf give its scalar form's bits lane by lane.
    func testVectorizableMathMatchesLibm() {
        var worstExp = 0.0, worstLogistic = 0.0, worstTanh = 0.0
        var x: Float = -100
        while x <= 100 {
            if x > -87, x < 88 {
                worstExp = max(worstExp, abs(Double(VectorizableMath.exp(x)) - Foundation.exp(Double(x))) / Foundation.exp(Double(x)))
            }
            let l = 1 / (1 + Foundation.exp(-Double(x)))
            worstLogistic = max(worstLogistic, abs(Double(VectorizableMath.logistic(x)) - l))
            let t = Foundation.tanh(Double(x))
            worstTanh = max(worstTanh, abs(Double(VectorizableMath.tanh(x)) - t) / max(abs(t), 1e-30))
            x += x.magnitude < 1 ? 0.000_37 : 0.013
        }
        // erf (GELU from −3 up): absolute error, and every vector lane gives the scalar form's bits.
        var worstErf = 0.0, erfLaneMismatches = 0
        x = -10
        while x <= 10 {
            worstErf = max(worstErf, abs(Double(VectorizableMath.erf(x)) - Foundation.erf(Double(x))))
            let lanes = VectorizableMath.erf(FloatVector(repeating: x) + FloatVector((0..<FloatVector.scalarCount).map { Float($0) * 0.000_3 }))
            for i in 0..<FloatVector.scalarCount where lanes[i].bitPattern != VectorizableMath.erf(x + Float(i) * 0.000_3).bitPattern {
                erfLaneMismatches += 1
            }
            x += 0.001_7
        }
        XCTAssertLessThan(worstErf, 1e-6)
        XCTAssertEqual(erfLaneMismatches, 0, "vector erf lanes differ from the scalar form")
        XCTAssertTrue(VectorizableMath.erf(.nan).isNaN)
        XCTAssertEqual(VectorizableMath.erf(-100), -1, accuracy: 1e-6)
        XCTAssertEqual(VectorizableMath.erf(.infinity), 1, accuracy: 1e-6)
        XCTAssertLessThan(worstExp, 1e-6)
        XCTAssertLessThan(worstLogistic, 1e-6)
        XCTAssertLessThan(worstTanh, 1e-6)
        XCTAssertEqual(VectorizableMath.logistic(-1000), 0, accuracy: 1e-30)
        // Logistic: relative error where the result is small too, and every
        // vector lane gives the scalar form's bits (kernels' scalar tails).
        var worstLogisticRelative = 0.0, laneMismatches = 0
        x = -85
        while x <= 20 {
            let l = 1 / (1 + Foundation.exp(-Double(x)))
            worstLogisticRelative = max(worstLogisticRelative, abs(Double(VectorizableMath.logistic(x)) - l) / l)
            let lanes = VectorizableMath.logistic(FloatVector(repeating: x) + FloatVector((0..<FloatVector.scalarCount).map { Float($0) * 0.001 }))
            for i in 0..<FloatVector.scalarCount where lanes[i].bitPattern != VectorizableMath.logistic(x + Float(i) * 0.001).bitPattern {
                laneMismatches += 1
            }
            x += 0.007_3
        }
        XCTAssertLessThan(worstLogisticRelative, 1e-6)
        XCTAssertEqual(laneMismatches, 0, "vector logistic lanes differ from the scalar form")
        XCTAssertEqual(VectorizableMath.logistic(1000), 1)
        XCTAssertEqual(VectorizableMath.tanh(-1000), -1)
        XCTAssertEqual(VectorizableMath.tanh(1e-20), 1e-20)
        XCTAssertTrue(VectorizableMath.exp(.nan).isNaN)
        XCTAssertTrue(VectorizableMath.logistic(.nan).isNaN)
        XCTAssertTrue(VectorizableMath.tanh(.nan).isNaN)
        XCTAssertTrue(VectorizableMath.exp(.infinity).isFinite)
    }

    /// Every fixture's kernel, run one tile at a time in reverse order (as a
    /// parallel backend may schedule them), writes exactly the bytes a
    /// whole-range run writes: tiles are independent.
    func testTilesAreIndependent() throws {
        var multiTile = 0
        for group in ["ops/float32_elementwise", "ops/int8_elementwise", "ops/math"] {
            for entry in try Fixtures.entries(group) {
                let dir = Fixtures.directory(group)
                let graph = try PreparedGraph(model: Model(path: Fixtures.modelURL(group, entry).path))
                try graph.prepare()
                guard let step = graph.steps.first, graph.steps.count == 1 else { continue }
                let buffers = try graph.tensors.map { try AlignedBuffer(byteCount: $0.byteCount) }
                let addresses = UnsafeMutablePointer<UnsafeMutableRawPointer>.allocate(capacity: graph.tensors.count)
                defer { addresses.deallocate() }
                for t in graph.tensors.indices {
                    addresses[t] = graph.tensors[t].constant.map { UnsafeMutableRawPointer(mutating: $0) } ?? buffers[t].pointer
                }
                for (i, file) in entry.inputs.enumerated() {
                    let array = try NumPyArray(contentsOfFile: dir.appendingPathComponent(file).path)
                    let t = graph.inputs[i]
                    XCTAssertEqual(array.data.count, buffers[t].byteCount, entry.name)
                    array.data.withUnsafeBytes { raw in
                        if let base = raw.baseAddress, raw.count == buffers[t].byteCount { buffers[t].pointer.copyMemory(from: base, byteCount: raw.count) }
                    }
                }
                let kernel = step.kernel
                if kernel.tileCount > 1 { multiTile += 1 }
                let scratch = try AlignedBuffer(byteCount: kernel.scratchBytesPerWorker)
                kernel.bind(TensorMemory(addresses: addresses, tensorCount: graph.tensors.count, scratch: scratch.pointer))
                let out = graph.outputs[0]
                kernel.runAll()
                let whole = Data(bytes: buffers[out].pointer, count: buffers[out].byteCount)
                buffers[out].pointer.initializeMemory(as: UInt8.self, repeating: 0xA5, count: buffers[out].byteCount)
                for tile in (0..<kernel.tileCount).reversed() { kernel.run(tiles: tile..<tile + 1, worker: 0) }
                let tiled = Data(bytes: buffers[out].pointer, count: buffers[out].byteCount)
                XCTAssertEqual(whole, tiled, "\(group)/\(entry.name): tiled run differs")
            }
        }
        print("tile independence: \(multiTile) fixtures with more than one tile")
        XCTAssertGreaterThan(multiTile, 20)
    }
}
