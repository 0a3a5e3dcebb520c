#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import TFLiteEngine

/// `infer --inspect`: the model's TFLite metadata and the files packed in
/// its appended zip archive, as text and as JSON. A corrupt metadata buffer
/// or archive is reported in place; the rest of the inspection goes on.
extension Inspect {
    // MARK: Text

    static func metadataLines(_ model: Model) -> [String] {
        var lines: [String] = []
        do {
            if let m = try model.metadata {
                var head = "metadata: " + (m.name.map { "\"\($0)\"" } ?? "(unnamed)")
                if let v = m.version { head += " version \(v)" }
                if let p = m.minParserVersion { head += " (min parser \(p))" }
                lines.append(head)
                if let d = m.description { lines.append("  description: \(oneLine(d))") }
                if let a = m.author { lines.append("  author: \(oneLine(a))") }
                if let l = m.license { lines.append("  license: \(oneLine(l))") }
                if !m.associatedFiles.isEmpty { lines.append("  model files: " + files(m.associatedFiles)) }
                for (s, subgraph) in m.subgraphs.enumerated() {
                    let prefix = m.subgraphs.count > 1 ? "  subgraph \(s): " : "  "
                    if let n = subgraph.name { lines.append(prefix + "name: \(oneLine(n))") }
                    if let d = subgraph.description { lines.append(prefix + "description: \(oneLine(d))") }
                    for (i, t) in subgraph.inputTensors.enumerated() { lines += tensorLines(t, "input \(i)", prefix) }
                    for (i, t) in subgraph.outputTensors.enumerated() { lines += tensorLines(t, "output \(i)", prefix) }
                    if !subgraph.associatedFiles.isEmpty { lines.append(prefix + "subgraph files: " + files(subgraph.associatedFiles)) }
                    for u in subgraph.inputProcessUnits { lines.append(prefix + "input process unit: " + processUnit(u)) }
                    for u in subgraph.outputProcessUnits { lines.append(prefix + "output process unit: " + processUnit(u)) }
                    for g in subgraph.inputTensorGroups { lines.append(prefix + "input group \(g.name ?? "?"): " + g.tensorNames.joined(separator: ", ")) }
                    for g in subgraph.outputTensorGroups { lines.append(prefix + "output group \(g.name ?? "?"): " + g.tensorNames.joined(separator: ", ")) }
                    for c in subgraph.customMetadata { lines.append(prefix + "custom metadata: \(c.name ?? "(unnamed)") (\(c.data.count) bytes)") }
                }
            } else {
                lines.append("metadata: none")
            }
        } catch {
            lines.append("metadata: error: \(error)")
        }
        do {
            let packed = try model.packedFiles
            if packed.isEmpty {
                lines.append("associated files: none")
            } else {
                lines.append("associated files: \(packed.count) in the appended zip archive")
                let width = packed.map(\.name.count).max() ?? 0
                for f in packed {
                    var line = "  " + Runner.pad(f.name, width) + "  " + Runner.pad(grouped(f.byteCount), 9, right: true) + " bytes"
                    line += f.isCompressed ? "  deflated (\(grouped(f.compressedByteCount)))" : "  stored"
                    do {
                        _ = try model.associatedFile(named: f.name)
                        line += "  crc32 \(hex(f.crc32)) ok"
                    } catch {
                        line += "  error: \(error)"
                    }
                    lines.append(line)
                }
            }
        } catch {
            lines.append("associated files: error: \(error)")
        }
        return lines
    }

    static func tensorLines(_ t: ModelMetadata.TensorMetadata, _ label: String, _ prefix: String) -> [String] {
        var parts: [String] = []
        switch t.content?.properties {
        case nil: break
        case .feature?: parts.append("feature")
        case let .image(p)?:
            var s = "image \(p.colorSpace)"
            if let size = p.defaultSize { s += " default size \(size.width)x\(size.height)" }
            parts.append(s)
        case let .boundingBox(p)?:
            parts.append("bounding box \(p.type) \(p.coordinateType)" + (p.index.isEmpty ? "" : " index \(p.index)"))
        case let .audio(p)?: parts.append("audio \(p.sampleRate) Hz, \(p.channels) channels")
        case let .unknown(type)?: parts.append("content type \(type)")
        }
        if let r = t.content?.range { parts.append("dimensions \(r.min)...\(r.max)") }
        if !t.dimensionNames.isEmpty { parts.append("dimension names " + t.dimensionNames.joined(separator: ", ")) }
        for u in t.processUnits { parts.append(processUnit(u)) }
        if let s = t.stats, !(s.min.isEmpty && s.max.isEmpty) { parts.append("stats min \(floats(s.min)) max \(floats(s.max))") }
        if !t.associatedFiles.isEmpty { parts.append("files " + files(t.associatedFiles)) }
        var lines = [prefix + label + (t.name.map { " \"\($0)\"" } ?? "") + (parts.isEmpty ? "" : ": " + parts.joined(separator: "; "))]
        if let d = t.description { lines.append(prefix + "  " + oneLine(d)) }
        return lines
    }

    static func processUnit(_ u: ModelMetadata.ProcessUnit) -> String {
        switch u.options {
        case nil: return "process unit (no options)"
        case let .normalization(n)?: return "normalization mean \(floats(n.mean)) std \(floats(n.std))"
        case let .scoreCalibration(c)?: return "score calibration \(c.scoreTransformation), default score \(c.defaultScore)"
        case let .scoreThresholding(threshold)?: return "score threshold \(threshold)"
        case let .bertTokenizer(vocab)?: return "BERT tokenizer, vocabulary " + files(vocab)
        case let .sentencePieceTokenizer(models, vocab)?:
            return "SentencePiece tokenizer, model " + files(models) + (vocab.isEmpty ? "" : ", vocabulary " + files(vocab))
        case let .regexTokenizer(pattern, vocab)?:
            return "regex tokenizer \(pattern.map { "\"\($0)\"" } ?? "")" + (vocab.isEmpty ? "" : ", vocabulary " + files(vocab))
        case let .unknown(type)?: return "process unit type \(type)"
        }
    }

    /// `labels.txt (TENSOR_AXIS_LABELS, fr), …`
    static func files(_ files: [ModelMetadata.AssociatedFile]) -> String {
        files.map { f in
            var tags = ["\(f.type)"]
            if let l = f.locale { tags.append(l) }
            if let v = f.version { tags.append("version \(v)") }
            return (f.name ?? "(unnamed)") + " (" + tags.joined(separator: ", ") + ")"
        }.joined(separator: ", ")
    }

    static func floats(_ v: [Float]) -> String {
        v.count == 1 ? "\(v[0])" : "[" + v.map { "\($0)" }.joined(separator: ", ") + "]"
    }

    static func oneLine(_ s: String) -> String {
        s.split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func hex(_ v: UInt32) -> String {
        let s = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 8 - s.count) + s
    }

    // MARK: JSON

    /// `metadata` (tflite-support's MetadataDisplayer JSON, or null),
    /// `metadata_error`, `associated_files`, `associated_files_error`.
    static func metadataFields(_ model: Model) -> [(String, JSON)] {
        var fields: [(String, JSON)] = []
        do {
            if let m = try model.metadata {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                fields.append(("metadata", .raw(String(decoding: try encoder.encode(m), as: UTF8.self))))
            } else {
                fields.append(("metadata", .null))
            }
            fields.append(("metadata_error", .null))
        } catch {
            fields += [("metadata", .null), ("metadata_error", .string("\(error)"))]
        }
        do {
            let files: [JSON] = try model.packedFiles.map { f in
                var entry: [(String, JSON)] = [
                    ("name", .string(f.name)), ("bytes", .int(f.byteCount)), ("compressed_bytes", .int(f.compressedByteCount)),
                    ("compression", .string(f.isCompressed ? "deflated" : "stored")), ("crc32", .int(Int(f.crc32))),
                ]
                do {
                    _ = try model.associatedFile(named: f.name)
                    entry.append(("error", .null))
                } catch {
                    entry.append(("error", .string("\(error)")))
                }
                return .object(entry)
            }
            fields += [("associated_files", .array(files)), ("associated_files_error", .null)]
        } catch {
            fields += [("associated_files", .array([])), ("associated_files_error", .string("\(error)"))]
        }
        return fields
    }
}
