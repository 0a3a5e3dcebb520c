/// A grayscale image: `width × height` floats, row-major, values in [0, 1]
/// (0 = black, 1 = white).
public struct GrayImage: Equatable, Sendable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width × height` values in [0, 1], row-major.
    public var pixels: [Float]

    /// Fails (nil) if the pixel count does not match the size or the size is not positive.
    public init?(width: Int, height: Int, pixels: [Float]) {
        guard width > 0, height > 0, width <= 1 << 15, height <= 1 << 15, pixels.count == width * height else { return nil }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    subscript(x: Int, y: Int) -> Float { pixels[y &* width &+ x] }
}

/// Errors from digit preprocessing.
public enum DigitPreprocessingError: Error, Equatable, Sendable {
    /// The image has no ink distinguishable from the background.
    case noInkFound(width: Int, height: Int)
}

/// Turns a photo or scan of one handwritten digit into an MNIST-style
/// 28×28 image, the way MNIST itself was made (`--preprocess mnist`).
///
/// 0. Photos larger than 400 px on the longer side are area-averaged down to 400.
/// 1. **Polarity**: if the border (the outer 10% ring) is brighter than the
///    Otsu threshold of the whole image, the digit is dark ink on light paper:
///    invert, so ink is bright on dark like MNIST.
/// 2. **Uneven lighting**: estimate the background with the 25th percentile
///    of each cell of a coarse grid (paper, as ink is the bright minority),
///    eroded by a 3×3 cell minimum (thick strokes), interpolate it bilinearly
///    and subtract it.
/// 3. **Denoise**: 3×3 median filter, then zero everything below half of the
///    Otsu threshold of the background-free image, and keep only connected ink
///    components with at least 10% of the largest one's area (drops specks).
/// 4. **Crop** to the remaining ink's bounding box.
/// 5. **Scale** to fit 20×20 keeping the aspect ratio, with area averaging
///    (each output pixel is the mean of the input area it covers: anti-aliased).
/// 6. **Place** in 28×28 so the centre of mass is at the centre (14, 14), and
///    stretch the values so the 80th percentile of the ink pixels is 1
///    (clamped), so stroke cores saturate as in MNIST.
public enum DigitPreprocessing {
    /// The MNIST-style 28×28 image (784 floats in [0, 1], white ink on black).
    public static func mnist(_ input: GrayImage) throws -> [Float] {
        let image = boundedSize(input)
        var ink = image.pixels
        let threshold = otsuThreshold(ink)
        if borderMedian(image) > threshold {
            for i in ink.indices { ink[i] = 1 - ink[i] }
        }
        ink = subtractBackground(ink, width: image.width, height: image.height)
        ink = medianFilter3x3(ink, width: image.width, height: image.height)
        let peak = ink.max() ?? 0
        guard peak > 0.05 else { throw DigitPreprocessingError.noInkFound(width: image.width, height: image.height) }
        for i in ink.indices { ink[i] /= peak }
        let inkThreshold = max(otsuThreshold(ink), 0.1)
        for i in ink.indices where ink[i] < inkThreshold * 0.5 { ink[i] = 0 }
        let mask = ink.map { $0 >= inkThreshold }
        let keep = significantComponents(mask, width: image.width, height: image.height)
        var minX = Int.max, minY = Int.max, maxX = -1, maxY = -1
        for y in 0..<image.height {
            for x in 0..<image.width where keep[y * image.width + x] {
                minX = min(minX, x); maxX = max(maxX, x)
                minY = min(minY, y); maxY = max(maxY, y)
            }
        }
        guard maxX >= 0 else { throw DigitPreprocessingError.noInkFound(width: image.width, height: image.height) }
        // Zero ink outside the kept components' bounding box region is implicit (crop);
        // inside it, drop pixels of discarded components' cores.
        for i in ink.indices where mask[i] && !keep[i] { ink[i] = 0 }
        let cropW = maxX - minX + 1, cropH = maxY - minY + 1
        var crop = [Float](repeating: 0, count: cropW * cropH)
        for y in 0..<cropH {
            for x in 0..<cropW { crop[y * cropW + x] = ink[(y + minY) * image.width + x + minX] }
        }
        // Fit into 20×20 keeping the aspect ratio.
        let scale = 20.0 / Double(max(cropW, cropH))
        let outW = max(1, min(20, Int((Double(cropW) * scale).rounded())))
        let outH = max(1, min(20, Int((Double(cropH) * scale).rounded())))
        let small = areaResize(crop, width: cropW, height: cropH, toWidth: outW, toHeight: outH)
        // Centre of mass of the scaled digit.
        var mass = 0.0, cx = 0.0, cy = 0.0
        for y in 0..<outH {
            for x in 0..<outW {
                let v = Double(small[y * outW + x])
                mass += v; cx += v * Double(x); cy += v * Double(y)
            }
        }
        let comX = mass > 0 ? cx / mass : Double(outW - 1) / 2
        let comY = mass > 0 ? cy / mass : Double(outH - 1) / 2
        // Offset so the centre of mass lands on pixel centre 14 (MNIST: 13.5..14), kept inside the frame.
        let offX = min(max(Int((14 - comX - 0.5).rounded()), 0), 28 - outW)
        let offY = min(max(Int((14 - comY - 0.5).rounded()), 0), 28 - outH)
        var out = [Float](repeating: 0, count: 28 * 28)
        for y in 0..<outH {
            for x in 0..<outW { out[(y + offY) * 28 + x + offX] = small[y * outW + x] }
        }
        // Stroke cores saturate like MNIST's: the 80th percentile of the ink becomes 1.
        var inkValues = out.filter { $0 > 0.05 }
        inkValues.sort()
        let top = inkValues.isEmpty ? (out.max() ?? 0) : inkValues[inkValues.count * 4 / 5]
        if top > 0 { for i in out.indices { out[i] = min(1, out[i] / top) } }
        return out
    }

    /// The naive conversion (for comparison): invert if the image's mean is
    /// above 0.5, then nearest-neighbour resize the whole image to 28×28.
    public static func naive(_ image: GrayImage) -> [Float] {
        let mean = image.pixels.reduce(0, +) / Float(image.pixels.count)
        var out = [Float](repeating: 0, count: 28 * 28)
        for y in 0..<28 {
            for x in 0..<28 {
                let v = image[min(image.width - 1, x * image.width / 28), min(image.height - 1, y * image.height / 28)]
                out[y * 28 + x] = mean > 0.5 ? 1 - v : v
            }
        }
        return out
    }

    // MARK: Steps

    /// Images larger than `maxSide` on their longer side are first
    /// area-averaged down to it (bounded time and memory for big photos).
    static func boundedSize(_ image: GrayImage, maxSide: Int = 400) -> GrayImage {
        let longer = max(image.width, image.height)
        guard longer > maxSide else { return image }
        let w = max(1, image.width * maxSide / longer), h = max(1, image.height * maxSide / longer)
        let pixels = areaResize(image.pixels, width: image.width, height: image.height, toWidth: w, toHeight: h)
        return GrayImage(width: w, height: h, pixels: pixels) ?? image
    }

    /// Otsu's threshold over a 256-bin histogram of values in [0, 1].
    static func otsuThreshold(_ values: [Float]) -> Float {
        var histogram = [Double](repeating: 0, count: 256)
        for v in values { histogram[Int(min(max(v, 0), 1) * 255)] += 1 }
        let total = Double(values.count)
        var sumAll = 0.0
        for i in 0..<256 { sumAll += Double(i) * histogram[i] }
        var weightBackground = 0.0, sumBackground = 0.0, best = 0.0, threshold = 127
        for i in 0..<256 {
            weightBackground += histogram[i]
            if weightBackground == 0 { continue }
            let weightForeground = total - weightBackground
            if weightForeground == 0 { break }
            sumBackground += Double(i) * histogram[i]
            let meanB = sumBackground / weightBackground
            let meanF = (sumAll - sumBackground) / weightForeground
            let between = weightBackground * weightForeground * (meanB - meanF) * (meanB - meanF)
            if between > best { best = between; threshold = i }
        }
        return (Float(threshold) + 0.5) / 255
    }

    /// Median of the outer ring (10% of each side, at least 1 px).
    static func borderMedian(_ image: GrayImage) -> Float {
        let bx = max(1, image.width / 10), by = max(1, image.height / 10)
        var ring: [Float] = []
        for y in 0..<image.height {
            for x in 0..<image.width where x < bx || x >= image.width - bx || y < by || y >= image.height - by {
                ring.append(image[x, y])
            }
        }
        return median(&ring)
    }

    static func median(_ values: inout [Float]) -> Float {
        guard !values.isEmpty else { return 0 }
        values.sort()
        return values[values.count / 2]
    }

    /// Subtracts a smooth background (bright ink on dark background assumed):
    /// the 25th percentile of each cell of a grid of about 6×6 cells (paper,
    /// unless ink covers three quarters of the cell), then the minimum over
    /// each cell's 3×3 neighbourhood (so thick strokes stay solid),
    /// interpolated bilinearly between cell centres.
    static func subtractBackground(_ pixels: [Float], width: Int, height: Int) -> [Float] {
        let cellsX = max(1, min(6, width / 8)), cellsY = max(1, min(6, height / 8))
        var grid = [Float](repeating: 0, count: cellsX * cellsY)
        for cy in 0..<cellsY {
            for cx in 0..<cellsX {
                var cell: [Float] = []
                for y in (cy * height / cellsY)..<((cy + 1) * height / cellsY) {
                    for x in (cx * width / cellsX)..<((cx + 1) * width / cellsX) { cell.append(pixels[y * width + x]) }
                }
                cell.sort()
                grid[cy * cellsX + cx] = cell.isEmpty ? 0 : cell[cell.count / 4]
            }
        }
        // A cell the ink fills (a thick stroke) takes the darkest of its 3×3
        // neighbour cells: lighting changes slowly, ink does not.
        var eroded = grid
        for cy in 0..<cellsY {
            for cx in 0..<cellsX {
                var m = grid[cy * cellsX + cx]
                for ny in max(0, cy - 1)...min(cellsY - 1, cy + 1) {
                    for nx in max(0, cx - 1)...min(cellsX - 1, cx + 1) { m = min(m, grid[ny * cellsX + nx]) }
                }
                eroded[cy * cellsX + cx] = m
            }
        }
        grid = eroded
        var out = pixels
        for y in 0..<height {
            // Cell centres at (c + 0.5) * size / cells.
            let gy = min(max((Double(y) + 0.5) * Double(cellsY) / Double(height) - 0.5, 0), Double(cellsY - 1))
            let y0 = Int(gy), y1 = min(y0 + 1, cellsY - 1), fy = Float(gy - Double(y0))
            for x in 0..<width {
                let gx = min(max((Double(x) + 0.5) * Double(cellsX) / Double(width) - 0.5, 0), Double(cellsX - 1))
                let x0 = Int(gx), x1 = min(x0 + 1, cellsX - 1), fx = Float(gx - Double(x0))
                let top = grid[y0 * cellsX + x0] * (1 - fx) + grid[y0 * cellsX + x1] * fx
                let bottom = grid[y1 * cellsX + x0] * (1 - fx) + grid[y1 * cellsX + x1] * fx
                let background = top * (1 - fy) + bottom * fy
                out[y * width + x] = max(0, pixels[y * width + x] - background)
            }
        }
        return out
    }

    /// 3×3 median filter (edges replicate).
    static func medianFilter3x3(_ pixels: [Float], width: Int, height: Int) -> [Float] {
        var out = pixels
        var window = [Float](repeating: 0, count: 9)
        for y in 0..<height {
            for x in 0..<width {
                var n = 0
                for dy in -1...1 {
                    let yy = min(max(y + dy, 0), height - 1)
                    for dx in -1...1 {
                        window[n] = pixels[yy * width + min(max(x + dx, 0), width - 1)]
                        n += 1
                    }
                }
                window.sort()
                out[y * width + x] = window[4]
            }
        }
        return out
    }

    /// Pixels of the 8-connected components whose area is at least 10% of the largest's.
    static func significantComponents(_ mask: [Bool], width: Int, height: Int) -> [Bool] {
        var label = [Int](repeating: -1, count: mask.count)
        var areas: [Int] = []
        var stack: [Int] = []
        for start in mask.indices where mask[start] && label[start] < 0 {
            let id = areas.count
            var area = 0
            label[start] = id
            stack.append(start)
            while let p = stack.popLast() {
                area += 1
                let px = p % width, py = p / width
                for dy in -1...1 {
                    for dx in -1...1 {
                        let nx = px + dx, ny = py + dy
                        guard nx >= 0, nx < width, ny >= 0, ny < height else { continue }
                        let q = ny * width + nx
                        if mask[q] && label[q] < 0 { label[q] = id; stack.append(q) }
                    }
                }
            }
            areas.append(area)
        }
        let largest = areas.max() ?? 0
        return label.map { $0 >= 0 && areas[$0] * 10 >= largest }
    }

    /// Area-averaging resize: each output pixel is the coverage-weighted mean
    /// of the input pixels under it.
    static func areaResize(_ pixels: [Float], width: Int, height: Int, toWidth: Int, toHeight: Int) -> [Float] {
        let sx = Double(width) / Double(toWidth), sy = Double(height) / Double(toHeight)
        var out = [Float](repeating: 0, count: toWidth * toHeight)
        for oy in 0..<toHeight {
            let y0 = Double(oy) * sy, y1 = y0 + sy
            for ox in 0..<toWidth {
                let x0 = Double(ox) * sx, x1 = x0 + sx
                var sum = 0.0, weight = 0.0
                var iy = Int(y0)
                while Double(iy) < y1, iy < height {
                    let wy = min(Double(iy + 1), y1) - max(Double(iy), y0)
                    var ix = Int(x0)
                    while Double(ix) < x1, ix < width {
                        let wx = min(Double(ix + 1), x1) - max(Double(ix), x0)
                        sum += Double(pixels[iy * width + ix]) * wx * wy
                        weight += wx * wy
                        ix += 1
                    }
                    iy += 1
                }
                out[oy * toWidth + ox] = weight > 0 ? Float(sum / weight) : 0
            }
        }
        return out
    }
}
