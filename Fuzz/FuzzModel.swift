// libFuzzer target: model bytes → load → validate → prepare → plan → invoke.
// Built by tools/fuzz.sh together with the library sources (one module), so
// it needs no changes to Package.swift. Any crash, sanitizer report or hang is
// a bug: malformed models must only ever produce an InterpreterError.
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    do {
        let model = try Model(data: data)
        // Cap the arena (4 MiB) so corrupted shapes cannot make the fuzzer allocate
        // gigabytes or spend seconds on one legitimately huge (but valid) input,
        // and the WHILE iterations of one invoke, so loops that never end stop quickly.
        let interpreter = try Interpreter(model: model, options: .init(
            maximumArenaBytes: 4 << 20, maximumOperationsPerInvoke: 1 << 28, maximumLoopIterations: 1 << 12))
        try interpreter.allocateTensors()
        for i in 0..<interpreter.inputTensorCount {
            try interpreter.withUnsafeMutableInputBytes(at: i) { buffer in
                for j in 0..<buffer.count { buffer[j] = UInt8(truncatingIfNeeded: j &* 31 &+ 7) }
            }
        }
        try interpreter.invoke()
        for i in 0..<interpreter.outputTensorCount { _ = try interpreter.output(at: i) }
    } catch is InterpreterError {
        // Expected for malformed input.
    } catch {
        fatalError("untyped error escaped: \(error)")
    }
    return 0
}
