#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A snapshot of an input or output tensor: its description and a copy of its bytes.
///
/// Shaped like `TensorFlowLiteSwift`'s `Tensor`, with `int8` and per-channel
/// quantization added.
public struct Tensor: Equatable, Hashable, Sendable {
    /// The element type (``TensorType``), named as in TensorFlowLiteSwift.
    public typealias DataType = TensorType

    /// The tensor's name in the model.
    public let name: String
    /// The element type.
    public let dataType: DataType
    /// The dimensions.
    public let shape: Shape
    /// A copy of the tensor's bytes (row-major, little-endian).
    public let data: Data
    /// Quantization parameters, or nil for a tensor that is not quantized.
    public let quantizationParameters: QuantizationParameters?

    /// A tensor snapshot from its parts; `data` holds the elements row-major, little-endian.
    public init(name: String, dataType: DataType, shape: Shape, data: Data, quantizationParameters: QuantizationParameters?) {
        self.name = name
        self.dataType = dataType
        self.shape = shape
        self.data = data
        self.quantizationParameters = quantizationParameters
    }

    /// The tensor's dimensions.
    public struct Shape: Equatable, Hashable, Sendable, ExpressibleByArrayLiteral, CustomStringConvertible {
        /// Number of dimensions.
        public let rank: Int
        /// The size of each dimension, outermost first.
        public let dimensions: [Int]

        /// A shape with these dimensions.
        public init(_ dimensions: [Int]) {
            self.dimensions = dimensions
            rank = dimensions.count
        }
        /// A shape with these dimensions: `Tensor.Shape(1, 28, 28, 1)`.
        public init(_ elements: Int...) { self.init(elements) }
        /// A shape from an array literal: `[1, 28, 28, 1]`.
        public init(arrayLiteral elements: Int...) { self.init(elements) }

        /// Number of elements (1 for a scalar).
        public var elementCount: Int { dimensions.reduce(1, *) }
        /// The dimensions as `[1, 28, 28, 1]`.
        public var description: String { "[" + dimensions.map(String.init).joined(separator: ", ") + "]" }
    }

    /// Reads the data as an array of `T` (which must match `dataType`'s size).
    public func toArray<T>(of type: T.Type = T.self) -> [T] {
        let n = data.count / MemoryLayout<T>.stride
        return data.withUnsafeBytes { raw in (0..<n).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.stride, as: T.self) } }
    }
}

/// Affine quantization: `real = scale * (quantized - zeroPoint)`.
///
/// `scale` and `zeroPoint` are the per-tensor values (the first channel's for
/// per-axis quantization); `scales`, `zeroPoints` and `quantizedDimension`
/// describe per-channel quantization.
public struct QuantizationParameters: Equatable, Hashable, Sendable {
    /// The scale (the first channel's for per-channel quantization).
    public let scale: Float
    /// The zero point (the first channel's for per-channel quantization).
    public let zeroPoint: Int
    /// One scale per channel along `quantizedDimension` (one entry when per-tensor).
    public let scales: [Float]
    /// One zero point per channel (one entry when per-tensor).
    public let zeroPoints: [Int]
    /// The axis the per-channel parameters run along.
    public let quantizedDimension: Int

    /// True when there is more than one scale (per-channel quantization).
    public var isPerChannel: Bool { scales.count > 1 }

    /// Per-tensor quantization: one scale and one zero point.
    public init(scale: Float, zeroPoint: Int) {
        self.init(scales: [scale], zeroPoints: [zeroPoint], quantizedDimension: 0)
    }

    /// Per-channel quantization: one scale and zero point per index of dimension `quantizedDimension`.
    public init(scales: [Float], zeroPoints: [Int], quantizedDimension: Int) {
        self.scales = scales
        self.zeroPoints = zeroPoints
        self.quantizedDimension = quantizedDimension
        scale = scales.first ?? 0
        zeroPoint = zeroPoints.first ?? 0
    }

    init?(_ q: QuantizationDef?) {
        guard let q, q.isQuantized else { return nil }
        self.init(scales: q.scale, zeroPoints: q.zeroPoint.map { Int(truncatingIfNeeded: $0) }, quantizedDimension: q.quantizedDimension)
    }
}
