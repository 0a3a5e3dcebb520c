/// From the decoded component planes to 8-bit gray or RGB pixels, as
/// libjpeg-turbo does it by default: upsampling of subsampled components
/// (jdsample.c's "fancy" triangular filter for 2:1 ratios, replication
/// otherwise) and the fixed-point YCbCr → RGB conversion of jdcolor.c.
enum JPEGOutput {
    /// libjpeg's YCbCr → RGB constants (× 2^16, rounded): its tables hold exactly
    /// `(c × x + 2^15) >> 16` for x = Cb or Cr − 128, which is computed here instead.
    static let crToR: Int32 = 91881      // 1.40200
    static let cbToB: Int32 = 116130     // 1.77200
    static let crToG: Int32 = -46802     // −0.71414
    static let cbToG: Int32 = -22554     // −0.34414

    /// One row of YCbCr samples to interleaved RGB, as libjpeg's `ycc_rgb_convert`.
    /// Eight pixels at a time into `words` as R | G << 8 | B << 16 (whole-vector
    /// stores; storing lanes one by one makes the compiler scalarise the
    /// arithmetic), then packed to 3 bytes per pixel.
    @inline(never)
    static func convertYCbCr(_ y: UnsafePointer<UInt8>, _ cb: UnsafePointer<UInt8>, _ cr: UnsafePointer<UInt8>,
                             _ out: UnsafeMutablePointer<UInt8>, _ width: Int, _ words: UnsafeMutablePointer<UInt32>) {
        let half: Int32 = 1 << 15
        typealias V = SIMD8<Int32>
        let center = V(repeating: 128), rounding = V(repeating: half)
        let wordBytes = UnsafeMutableRawPointer(words)
        var x = 0
        while x &+ 8 <= width {
            let luma = JPEGIDCT.widen(y + x)
            let b = JPEGIDCT.widen(cb + x) &- center
            let r = JPEGIDCT.widen(cr + x) &- center
            let red = JPEGIDCT.clampToByte(luma &+ ((r &* crToR &+ rounding) &>> 16))
            let green = JPEGIDCT.clampToByte(luma &+ ((b &* cbToG &+ r &* crToG &+ rounding) &>> 16))
            let blue = JPEGIDCT.clampToByte(luma &+ ((b &* cbToB &+ rounding) &>> 16))
            wordBytes.storeBytes(of: red | green &<< 8 | blue &<< 16, toByteOffset: x &* 4, as: V.self)
            x &+= 8
        }
        while x < width {
            let luma = Int32(y[x]), b = Int32(cb[x]) &- 128, r = Int32(cr[x]) &- 128
            let red = Int32(clamp(luma &+ ((r &* crToR &+ half) &>> 16)))
            let green = Int32(clamp(luma &+ ((b &* cbToG &+ r &* crToG &+ half) &>> 16)))
            let blue = Int32(clamp(luma &+ ((b &* cbToB &+ half) &>> 16)))
            words[x] = UInt32(truncatingIfNeeded: red | green &<< 8 | blue &<< 16)
            x &+= 1
        }
        packRGB(words, out, width)
    }

    /// 3 bytes per pixel from R | G << 8 | B << 16 words: 4-byte stores whose spare
    /// byte the next pixel overwrites; the last pixel byte by byte.
    @inline(never)
    static func packRGB(_ words: UnsafePointer<UInt32>, _ out: UnsafeMutablePointer<UInt8>, _ width: Int) {
        guard width > 0 else { return }
        let o = UnsafeMutableRawPointer(out)
        for x in 0..<(width &- 1) {
            o.storeBytes(of: UInt32(littleEndian: words[x]), toByteOffset: 3 &* x, as: UInt32.self)
        }
        let last = words[width &- 1], p = out + 3 &* (width &- 1)
        p[0] = UInt8(truncatingIfNeeded: last)
        p[1] = UInt8(truncatingIfNeeded: last >> 8)
        p[2] = UInt8(truncatingIfNeeded: last >> 16)
    }

    static func assemble(_ s: JPEGStream) throws -> DecodedImage {
        let width = s.width, height = s.height
        if s.components.count == 1 {
            let c = s.components[0]
            guard let plane = c.plane else { throw ImageError(.truncated, "JPEG component \(c.id) was never decoded") }
            let pixels = [UInt8](unsafeUninitializedCapacity: width * height) { buffer, initialized in
                guard let out = buffer.baseAddress else { return }
                for y in 0..<height { (out + y &* width).update(from: plane + y &* c.planeStride, count: width) }
                initialized = width * height
            }
            return DecodedImage(width: width, height: height, colorModel: .gray, pixels: pixels)
        }
        let isRGB: Bool
        if s.sawJFIF {
            isRGB = false
        } else if let transform = s.adobeTransform {
            isRGB = transform == 0
        } else {
            isRGB = s.components.map(\.id) == [82, 71, 66]  // 'R', 'G', 'B'
        }
        // Each component's rows, upsampled to the full width (wide enough for 2 × its sample width).
        let rowLength = s.components.map { $0.sampleWidth * (s.maxH / $0.h) }.max().map { max($0, width) + 16 } ?? width
        var scratch = [UInt8](repeating: 0, count: rowLength * 3)
        var colsum = [Int32](repeating: 0, count: rowLength)
        var words = [UInt32](repeating: 0, count: rowLength)
        let count = width * height * 3
        var failure: ImageError?
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            scratch.withUnsafeMutableBufferPointer { scratchBuffer in
                colsum.withUnsafeMutableBufferPointer { colsumBuffer in
                  words.withUnsafeMutableBufferPointer { wordsBuffer in
                        guard let tmp = scratchBuffer.baseAddress, let cs = colsumBuffer.baseAddress, let w = wordsBuffer.baseAddress else { return }
                        let c0 = s.components[0], c1 = s.components[1], c2 = s.components[2]
                        guard let p0 = c0.plane, let p1 = c1.plane, let p2 = c2.plane else {
                            failure = ImageError(.truncated, "JPEG component was never decoded")
                            return
                        }
                        for y in 0..<height {
                            let r0 = row(c0, p0, y, s.maxH / c0.h, s.maxV / c0.v, tmp, cs)
                            let r1 = row(c1, p1, y, s.maxH / c1.h, s.maxV / c1.v, tmp + rowLength, cs)
                            let r2 = row(c2, p2, y, s.maxH / c2.h, s.maxV / c2.v, tmp + 2 &* rowLength, cs)
                            let o = out + y &* width &* 3
                            if isRGB {
                                for x in 0..<width {
                                    o[3 &* x] = r0[x]; o[3 &* x &+ 1] = r1[x]; o[3 &* x &+ 2] = r2[x]
                                }
                            } else {
                                convertYCbCr(r0, r1, r2, o, width, w)
                            }
                        }
                  }
                }
            }
            initialized = count
        }
        if let failure { throw failure }
        return DecodedImage(width: width, height: height, colorModel: .rgb, pixels: pixels)
    }

    @inline(__always)
    static func clamp(_ v: Int32) -> UInt8 { UInt8(truncatingIfNeeded: min(max(v, 0), 255)) }

    /// Row `y` of the output grid for component `c`: a plane row when the
    /// component is full size, otherwise upsampled into `tmp`.
    @inline(__always)
    static func row(_ c: JPEGComponent, _ plane: UnsafeMutablePointer<UInt8>, _ y: Int, _ rh: Int, _ rv: Int,
                    _ tmp: UnsafeMutablePointer<UInt8>, _ cs: UnsafeMutablePointer<Int32>) -> UnsafePointer<UInt8> {
        let stride = c.planeStride
        if rh == 1 && rv == 1 { return UnsafePointer(plane + y &* stride) }
        let cy = y / rv
        let near = plane + cy &* stride
        let dw = c.sampleWidth
        // The neighbouring row for vertical interpolation: above for the first output row of a pair,
        // below for the second; at the image's edges the edge row itself (libjpeg's context rows).
        let upper = y % 2 == 0
        let far = plane + (upper ? max(cy - 1, 0) : min(cy + 1, c.sampleHeight - 1)) &* stride
        switch (rh, rv) {
        case (2, 1) where dw > 2:
            tmp[0] = near[0]
            tmp[1] = UInt8(truncatingIfNeeded: (Int32(near[0]) &* 3 &+ Int32(near[1]) &+ 2) >> 2)
            var i = 1
            while i < dw &- 1 {
                let v = Int32(near[i]) &* 3
                tmp[2 &* i] = UInt8(truncatingIfNeeded: (v &+ Int32(near[i &- 1]) &+ 1) >> 2)
                tmp[2 &* i &+ 1] = UInt8(truncatingIfNeeded: (v &+ Int32(near[i &+ 1]) &+ 2) >> 2)
                i &+= 1
            }
            tmp[2 &* i] = UInt8(truncatingIfNeeded: (Int32(near[i]) &* 3 &+ Int32(near[i &- 1]) &+ 1) >> 2)
            tmp[2 &* i &+ 1] = near[i]
        case (1, 2):
            let bias: Int32 = upper ? 1 : 2
            for x in 0..<dw {
                tmp[x] = UInt8(truncatingIfNeeded: (Int32(near[x]) &* 3 &+ Int32(far[x]) &+ bias) >> 2)
            }
        case (2, 2) where dw > 2:
            for x in 0..<dw { cs[x] = Int32(near[x]) &* 3 &+ Int32(far[x]) }
            tmp[0] = UInt8(truncatingIfNeeded: (cs[0] &* 4 &+ 8) >> 4)
            tmp[1] = UInt8(truncatingIfNeeded: (cs[0] &* 3 &+ cs[1] &+ 7) >> 4)
            var i = 1
            while i < dw &- 1 {
                let v = cs[i] &* 3
                tmp[2 &* i] = UInt8(truncatingIfNeeded: (v &+ cs[i &- 1] &+ 8) >> 4)
                tmp[2 &* i &+ 1] = UInt8(truncatingIfNeeded: (v &+ cs[i &+ 1] &+ 7) >> 4)
                i &+= 1
            }
            tmp[2 &* i] = UInt8(truncatingIfNeeded: (cs[i] &* 3 &+ cs[i &- 1] &+ 8) >> 4)
            tmp[2 &* i &+ 1] = UInt8(truncatingIfNeeded: (cs[i] &* 4 &+ 7) >> 4)
        default:
            // Replication (libjpeg's box filter for narrow components and other integer ratios).
            for x in 0..<(dw &* rh) { tmp[x] = near[x / rh] }
        }
        return UnsafePointer(tmp)
    }
}

/// The EXIF orientation tag (0x0112) of an APP1 "Exif" segment, and the
/// transposition that shows the image upright (as Pillow's `ImageOps.exif_transpose`).
enum EXIFOrientation {
    /// The orientation (1…8) in the APP1 payload `base[start..<end]`, or nil if there is none or it is malformed.
    static func read(base: UnsafePointer<UInt8>, start: Int, end: Int) -> Int? {
        let exif: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0]  // "Exif\0\0"
        guard end - start >= 14, (0..<6).allSatisfy({ base[start + $0] == exif[$0] }) else { return nil }
        let tiff = start + 6
        let size = end - tiff
        let little: Bool
        switch (base[tiff], base[tiff + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o <= size - 2 else { return nil }
            let a = Int(base[tiff + o]), b = Int(base[tiff + o + 1])
            return little ? a | b << 8 : a << 8 | b
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard u16(2) == 42, let ifd = u32(4), let entries = u16(ifd) else { return nil }
        for i in 0..<entries {
            let e = ifd + 2 + 12 * i
            guard let tag = u16(e), let type = u16(e + 2) else { return nil }
            guard tag == 0x0112 else { continue }
            let value: Int?
            switch type {
            case 3: value = u16(e + 8)  // SHORT
            case 4: value = u32(e + 8)  // LONG
            default: value = nil
            }
            guard let v = value, (1...8).contains(v) else { return nil }
            return v
        }
        return nil
    }

    /// The image transposed for `orientation` (2…8): 2 mirror, 3 rotate 180°,
    /// 4 flip, 5 transpose, 6 rotate 90° clockwise, 7 transverse, 8 rotate 90° counter-clockwise.
    static func apply(_ orientation: Int, to image: DecodedImage) -> DecodedImage {
        let w = image.width, h = image.height, ch = image.channels
        let swaps = orientation >= 5
        let ow = swaps ? h : w, oh = swaps ? w : h
        let count = image.pixels.count
        let pixels = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            image.pixels.withUnsafeBufferPointer { source in
                guard let out = buffer.baseAddress, let src = source.baseAddress else { return }
                for y in 0..<oh {
                    for x in 0..<ow {
                        // The source pixel (sx, sy) shown at (x, y).
                        let sx: Int, sy: Int
                        switch orientation {
                        case 2: (sx, sy) = (w - 1 - x, y)
                        case 3: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case 4: (sx, sy) = (x, h - 1 - y)
                        case 5: (sx, sy) = (y, x)
                        case 6: (sx, sy) = (y, h - 1 - x)
                        case 7: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case 8: (sx, sy) = (w - 1 - y, x)
                        default: (sx, sy) = (x, y)
                        }
                        let o = out + (y &* ow &+ x) &* ch, s = src + (sy &* w &+ sx) &* ch
                        for k in 0..<ch { o[k] = s[k] }
                    }
                }
            }
            initialized = count
        }
        return DecodedImage(width: ow, height: oh, colorModel: image.colorModel, pixels: pixels)
    }
}
