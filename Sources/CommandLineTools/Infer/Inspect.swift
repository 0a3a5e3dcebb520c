#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine

/// `infer --inspect MODEL`: formats a `ModelSummary` (built by the library)
/// as a table of nodes in execution order, then totals; the model's metadata
/// and associated files come first (InspectMetadata.swift).
enum Inspect {
    static func run(modelPath: String, json: Bool, options: Interpreter.Options) throws {
        let model = try Model(path: modelPath)
        let summary = ModelSummary.inspect(model, options: options)
        if json {
            print(render(summary, model: model, path: modelPath).rendered)
        } else {
            print(table(summary, model: model, path: modelPath))
        }
    }

    // MARK: Text

    static func table(_ s: ModelSummary, model: Model, path: String) -> String {
        var lines: [String] = []
        lines.append("model: \(path) (\(grouped(model.fileSize)) bytes, schema v\(model.schemaVersion)\(model.modelDescription.map { ", \"\($0)\"" } ?? ""))")
        for t in s.inputs { lines.append("input:  " + tensor(t)) }
        for t in s.outputs { lines.append("output: " + tensor(t)) }
        if s.subgraphs.count > 1 {
            lines.append("subgraphs: \(s.subgraphs.count) (the first table is subgraph 0; the subgraphs control-flow nodes call follow it)")
            for g in s.subgraphs { lines.append("  \(g.index) '\(shorten(g.name, 64))': \(g.nodeCount) node\(g.nodeCount == 1 ? "" : "s")") }
        }
        lines.append(contentsOf: metadataLines(model))
        lines.append(contentsOf: SignatureCommand.inspectLines(model))
        lines.append("")
        lines.append(contentsOf: nodeTable(s.nodes))
        for g in s.subgraphs.dropFirst() {
            lines.append("")
            lines.append("subgraph \(g.index) '\(shorten(g.name, 64))' (declared shapes):")
            lines.append(contentsOf: nodeTable(g.nodes))
        }
        lines.append("")
        lines.append("totals:")
        let ops = s.operatorCounts.map { "\($0.name) x\($0.count)" }.joined(separator: ", ")
        lines.append("  operators:       \(s.nodes.count)\(ops.isEmpty ? "" : " (\(ops))")")
        lines.append("  parameters:      \(grouped(s.parameterCount))")
        lines.append("  MACs:            \(grouped(s.macs))\(s.macs >= 10_000 ? " (\(scaled(s.macs)))" : "")")
        lines.append("  constant bytes:  \(grouped(s.constantBytes))")
        if let arena = s.arenaBytes {
            lines.append("  arena bytes:     \(grouped(arena))")
            if let folded = s.foldedNodeCount, folded > 0 { lines.append("  folded at load:  \(folded) node\(folded == 1 ? "" : "s")") }
        } else {
            lines.append("  arena bytes:     n/a (model cannot be prepared)")
        }
        if let plan = s.executionPlan {
            lines.append("")
            lines.append("execution plan:")
            lines.append(contentsOf: plan.text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 })
            lines.append("")
        }
        if s.unsupportedOperators.isEmpty {
            lines.append("  unsupported:     none")
        } else {
            lines.append("  unsupported:     \(s.unsupportedOperators.count)")
            for op in s.unsupportedOperators { lines.append("    \(op)") }
        }
        if let error = s.prepareError, s.unsupportedOperators.isEmpty {
            lines.append("  prepare error:   \(error)")
        }
        return lines.joined(separator: "\n")
    }

    /// One line per node (index, operator, MACs, options), then its input and output tensors.
    static func nodeTable(_ nodes: [ModelSummary.NodeInfo]) -> [String] {
        func opLabel(_ n: ModelSummary.NodeInfo) -> String { n.isCustom ? "\(n.opName) (custom) v\(n.version)" : "\(n.opName) v\(n.version)" }
        let opWidth = max(12, nodes.map { opLabel($0).count }.max() ?? 0)
        let macWidth = max(4, nodes.map { grouped($0.macs).count }.max() ?? 0)
        var lines = ["node  " + Runner.pad("op", opWidth) + "  " + Runner.pad("MACs", macWidth, right: true) + "  options"]
        for n in nodes {
            let options = n.options.map { "\($0.name)=\($0.value)" }.joined(separator: " ")
            let macs = n.macs > 0 ? grouped(n.macs) : "-"
            lines.append(Runner.pad("\(n.index)", 4, right: true) + "  " + Runner.pad(opLabel(n), opWidth)
                + "  " + Runner.pad(macs, macWidth, right: true) + (options.isEmpty ? "" : "  " + options))
            for (i, t) in n.inputs.enumerated() {
                lines.append("        " + (i == 0 ? "in:  " : "     ") + (t.map(tensor) ?? "(omitted)"))
            }
            for (i, t) in n.outputs.enumerated() {
                lines.append("        " + (i == 0 ? "out: " : "     ") + tensor(t))
            }
        }
        return lines
    }

    /// `[index] name  type [d0,d1,…]  const  (q: scale, zero point)`.
    static func tensor(_ t: ModelSummary.TensorInfo) -> String {
        var s = "[\(t.index)] \(shorten(t.name, 64))  \(t.type) [" + t.shape.map(String.init).joined(separator: ",") + "]"
        if t.isConstant { s += "  const" }
        if let q = t.quantization {
            s += q.isPerChannel ? "  q: \(q.scales.count) channel scales, axis \(q.quantizedDimension)" : "  q: scale \(q.scale), zero \(q.zeroPoint)"
        }
        return s
    }

    /// Keeps both ends of long names (converter names join many ops with ';').
    static func shorten(_ name: String, _ limit: Int) -> String {
        guard name.count > limit else { return name.isEmpty ? "(unnamed)" : name }
        let keep = (limit - 1) / 2
        return String(name.prefix(keep)) + "…" + String(name.suffix(limit - 1 - keep))
    }

    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func scaled(_ n: Int) -> String {
        let v = Double(n)
        if v >= 1e9 { return DecimalText.fixed(v / 1e9, decimals: 2) + " G" }
        if v >= 1e6 { return DecimalText.fixed(v / 1e6, decimals: 2) + " M" }
        return DecimalText.fixed(v / 1e3, decimals: 1) + " K"
    }

    // MARK: JSON

    static func render(_ s: ModelSummary, model: Model, path: String) -> JSON {
        func tensor(_ t: ModelSummary.TensorInfo?) -> JSON {
            guard let t else { return .null }
            var fields: [(String, JSON)] = [
                ("index", .int(t.index)), ("name", .string(t.name)), ("type", .string("\(t.type)")),
                ("shape", .array(t.shape.map { .int($0) })), ("constant", .bool(t.isConstant)),
            ]
            if let q = t.quantization {
                fields.append(("quantization", .object([
                    ("scales", .array(q.scales.map { .number(Double($0)) })),
                    ("zero_points", .array(q.zeroPoints.map { .int($0) })),
                    ("axis", .int(q.quantizedDimension)),
                ])))
            }
            return .object(fields)
        }
        func node(_ n: ModelSummary.NodeInfo) -> JSON {
            .object([
                ("index", .int(n.index)), ("op", .string(n.opName)), ("custom", .bool(n.isCustom)), ("version", .int(n.version)),
                ("inputs", .array(n.inputs.map(tensor))), ("outputs", .array(n.outputs.map(tensor))),
                ("options", .object(n.options.map { ($0.name, .string($0.value)) })),
                ("macs", .int(n.macs)),
            ])
        }
        let nodes = s.nodes.map(node)
        return .object([
            ("model", .string(path)), ("file_bytes", .int(model.fileSize)), ("schema_version", .int(model.schemaVersion)),
            ("inputs", .array(s.inputs.map(tensor))), ("outputs", .array(s.outputs.map(tensor))),
            ("subgraphs", .array(s.subgraphs.map { .object([("index", .int($0.index)), ("name", .string($0.name)), ("nodes", .int($0.nodeCount)),
                                                     ("node_list", .array($0.index == 0 ? [] : $0.nodes.map(node)))]) })),
        ] + metadataFields(model) + [
            ("signatures", SignatureCommand.inspectJSON(model)),
            ("nodes", .array(nodes)),
            ("totals", .object([
                ("operators", .int(s.nodes.count)),
                ("operators_by_type", .object(s.operatorCounts.map { ($0.name, .int($0.count)) })),
                ("parameters", .int(s.parameterCount)), ("macs", .int(s.macs)),
                ("constant_bytes", .int(s.constantBytes)),
                ("arena_bytes", s.arenaBytes.map { .int($0) } ?? .null),
                ("unsupported", .array(s.unsupportedOperators.map { op in
                    .object([("node", .int(op.nodeIndex)), ("op", .string(op.name)), ("version", .int(op.version)), ("reason", .string(op.reason))])
                })),
                ("prepare_error", s.prepareError.map { .string($0) } ?? .null),
            ])),
        ])
    }
}
