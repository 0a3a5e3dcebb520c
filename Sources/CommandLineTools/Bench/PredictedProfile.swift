// `bench --profile --predicted`: the measured per-node profile beside the
// latency the device profile's kernel calibration predicts for each node
// and each kernel class, so a prediction that is off can be traced to the
// nodes and classes that make it so.
import TFLiteEngine
import ModelSelection

/// Prints each profiled node's measured average beside its predicted time
/// (`KernelCalibration.nanoseconds(_:)` times the class's in-model factor),
/// then the sums by kernel class and the whole invoke (`KernelCalibration.predict`).
func printPredictedProfile(_ ops: [Interpreter.OperatorProfile], model: Model, title: String) {
    let (profile, source) = deviceProfile(useCache: true)
    guard let calibration = profile.calibration else {
        print("\n(no prediction: the device profile has no kernel calibration)")
        return
    }
    let workload: ModelWorkload
    do { workload = try ModelWorkload.inspect(model) } catch {
        print("\n(no prediction: \(error))")
        return
    }
    guard workload.nodes.count == ops.count,
          zip(workload.nodes, ops).allSatisfy({ $0.op == $1.operatorName }) else {
        print("\n(no prediction: the profile's \(ops.count) nodes are not the workload's \(workload.nodes.count))")
        return
    }
    func avgMs(_ o: Interpreter.OperatorProfile) -> Double { Double(o.totalNanoseconds) / Double(max(o.invocations, 1)) / 1e6 }
    func predictedMs(_ n: NodeWork) -> Double {
        calibration.nanoseconds(n) * (n.kernelClass.map { calibration.inModelFactor(of: $0) } ?? 1) / 1e6
    }
    func error(_ predicted: Double, _ measured: Double) -> String {
        measured > 0 ? DecimalText.fixed(100 * (predicted / measured - 1), decimals: 0, alwaysSigned: true) + "%" : "-"
    }
    print("\n=== Predicted against measured (device profile \(source)): \(title) ===")
    var rows = [["node", "op", "kernel class", "measured avg ms", "predicted ms", "error"]]
    var byClass: [String: (measured: Double, predicted: Double, nodes: Int)] = [:]
    for (n, o) in zip(workload.nodes, ops) {
        let measured = avgMs(o), predicted = predictedMs(n)
        let name = n.kernelClass?.rawValue ?? "overhead only"
        rows.append(["\(o.nodeIndex)", o.operatorName, name, f(measured, 4), f(predicted, 4), error(predicted, measured)])
        var e = byClass[name] ?? (0, 0, 0)
        e.measured += measured; e.predicted += predicted; e.nodes += 1
        byClass[name] = e
    }
    printTable(rows, rightAligned: [0, 3, 4, 5])
    print("\n=== Predicted against measured by kernel class: \(title) ===")
    var classRows = [["kernel class", "nodes", "measured ms", "predicted ms", "error", "share of the missing time"]]
    let measuredTotal = byClass.values.reduce(0) { $0 + $1.measured }
    let predictedNodes = byClass.values.reduce(0) { $0 + $1.predicted }
    let missing = measuredTotal - predictedNodes
    for (name, e) in byClass.sorted(by: { $0.value.measured > $1.value.measured }) {
        classRows.append([name, "\(e.nodes)", f(e.measured, 4), f(e.predicted, 4), error(e.predicted, e.measured),
                          missing != 0 ? DecimalText.fixed(100 * (e.measured - e.predicted) / missing, decimals: 0) + "%" : "-"])
    }
    let invoke = calibration.predict(workload).total.components
    let total = Double(invoke.seconds) * 1e3 + Double(invoke.attoseconds) / 1e15
    classRows.append(["nodes", "\(ops.count)", f(measuredTotal, 4), f(predictedNodes, 4), error(predictedNodes, measuredTotal), ""])
    classRows.append(["invoke (with the per-invoke overhead)", "", "", f(total, 4), "", ""])
    printTable(classRows, rightAligned: [1, 2, 3, 4, 5])
    print("(measured: profiled invokes, each node timed on its own; the prediction is of unprofiled invokes.)")
}
