#!/usr/bin/env python3
"""Makes the image-decoder fixtures in Tests/InputFormatsTests/Fixtures/images/.

Every variant the Swift decoders (PNG, JPEG, PGM/PPM) must read, each with
the pixels Pillow decodes from the same file, saved as `<name>.<ext>.npy`
(uint8, H×W for gray, H×W×3 for RGB), plus crafted hostile files that must
give a typed error. `manifest.json` lists them:

  {"file": "png/gray_4.png", "expected": "png/gray_4.png.npy", "compare": "exact"}
  {"file": "jpeg/photo_420.jpg", "expected": "...", "compare": "jpeg"}
  {"file": "crafted/png_bad_crc.png", "error": "checksumMismatch", "contains": "CRC"}

Expected pixels ("Pillow's convert"): colour files `np.array(im.convert("RGB"))`,
gray files `np.array(im.convert("L"))`, JPEGs after `ImageOps.exif_transpose`.
Two places where Pillow has no 8-bit gray of its own are documented where they
are made: 16-bit gray PNG (Pillow keeps `I;16`; expected = high byte, as
Pillow's 16-bit RGB) and PGM with maxval > 255 (Pillow keeps `I`; expected =
Pillow's decode of the same samples written as a PPM, channel 0).

PNG variants are written by a small encoder here (every colour type and
bit depth, Adam7, every filter type, split IDAT chunks, tRNS) plus Pillow's own
encoder; JPEGs and netpbm files by Pillow. The photos are crops of images in
the scikit-image wheel's data folder (`pip install scikit-image`).

  python3 tools/make_image_fixtures.py                 # the committed fixtures
  python3 tools/make_image_fixtures.py --bench DIR     # only the 3-MP benchmark images (not committed)
"""
import argparse
import io
import json
import os
import struct
import zlib

import numpy as np
import skimage
from PIL import Image, ImageOps, features

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
OUT = os.path.join(ROOT, "Tests", "InputFormatsTests", "Fixtures", "images")
DATA = os.path.join(os.path.dirname(skimage.__file__), "data")

entries = []


def photo(name):
    return Image.open(os.path.join(DATA, name))


def crop(name, box):
    return photo(name).crop(box)


def write(rel, data):
    path = os.path.join(OUT, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def expected_pixels(data, gray=None, transpose=False):
    """Pillow's decode of `data`: gray files as L, colour ones as RGB, 16-bit gray as its high byte.
    `gray` says which the file is when Pillow's mode does not (16-bit gray+alpha opens as RGBA)."""
    im = Image.open(io.BytesIO(data))
    im.load()
    if transpose:
        im = ImageOps.exif_transpose(im)
    if im.mode in ("I;16", "I;16B", "I;16L"):
        return (np.array(im).astype(np.uint32) >> 8).astype(np.uint8)
    assert im.mode != "I", "mode I needs its own expected pixels"
    if gray is None:
        gray = im.mode in ("1", "L", "LA")
    return np.array(im.convert("L" if gray else "RGB"))


def add(rel, data, compare="exact", expected=None, gray=None, transpose=False, note=None):
    write(rel, data)
    if expected is None:
        expected = expected_pixels(data, gray, transpose)
    exp_rel = rel + ".npy"  # the whole name: photo.jpg and photo.png have different pixels
    np.save(os.path.join(OUT, exp_rel), np.ascontiguousarray(expected, dtype=np.uint8), allow_pickle=False)
    e = {"file": rel, "expected": exp_rel, "compare": compare}
    if note:
        e["note"] = note
    entries.append(e)


def add_conversion(rel, model):
    """Pillow's convert to the other colour model, beside an entry added before."""
    im = Image.open(os.path.join(OUT, rel))
    conv_rel = rel + f".as_{model}.npy"
    np.save(os.path.join(OUT, conv_rel), np.array(im.convert("L" if model == "gray" else "RGB")), allow_pickle=False)
    next(e for e in entries if e["file"] == rel)["converted_" + model] = conv_rel


def add_error(rel, data, kind, contains, limits=None, note=None):
    write(rel, data)
    e = {"file": rel, "error": kind, "contains": contains}
    if limits:
        e["limits"] = limits
    if note:
        e["note"] = note
    entries.append(e)


# MARK: PNG encoder (for the variants Pillow cannot write)

def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def pack_row(samples, bit_depth):
    """One row of samples (1-D, all channels interleaved) to bytes."""
    if bit_depth == 16:
        return samples.astype(">u2").tobytes()
    if bit_depth == 8:
        return samples.astype(np.uint8).tobytes()
    per = 8 // bit_depth
    out = bytearray((len(samples) * bit_depth + 7) // 8)
    for i, v in enumerate(samples):
        out[i // per] |= int(v) << (8 - bit_depth - (i % per) * bit_depth)
    return bytes(out)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filter_row(kind, row, prior, bpp):
    out = bytearray(len(row))
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prior[i] if prior is not None else 0
        c = prior[i - bpp] if prior is not None and i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out[i] = (x - pred) & 0xFF
    return bytes([kind]) + bytes(out)


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def encode_png(samples, bit_depth, color_type, palette=None, trns=None, interlace=False, idat_size=None,
               filters=(0, 1, 2, 3, 4), level=9):
    """samples: H×W×C array of raw sample values."""
    h, w, c = samples.shape
    bpp = max(1, c * bit_depth // 8)
    passes = [(0, 0, 1, 1)] if not interlace else ADAM7
    raw = bytearray()
    row_index = 0
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.shape[0] == 0 or sub.shape[1] == 0:
            continue
        prior = None
        for row in sub:
            packed = pack_row(row.reshape(-1), bit_depth)
            raw += filter_row(filters[row_index % len(filters)], packed, prior, bpp)
            prior = packed
            row_index += 1
    out = b"\x89PNG\r\n\x1a\n"
    out += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 1 if interlace else 0))
    out += chunk(b"tEXt", b"Comment\0made by tools/make_image_fixtures.py")
    if palette is not None:
        out += chunk(b"PLTE", bytes(palette))
    if trns is not None:
        out += chunk(b"tRNS", trns)
    z = zlib.compress(bytes(raw), level)
    step = idat_size or len(z)
    for i in range(0, len(z), step):
        out += chunk(b"IDAT", z[i:i + step])
    out += chunk(b"IEND", b"")
    return out


def png_variants():
    base = np.array(crop("astronaut.png", (180, 60, 180 + 19, 60 + 13)).convert("RGB"))  # 19×13 RGB
    h, w, _ = base.shape
    rng = np.random.default_rng(7)
    gray8 = np.array(Image.fromarray(base).convert("L"))
    alpha8 = rng.integers(0, 256, (h, w), dtype=np.uint8)
    noise16 = rng.integers(0, 256, (h, w, 4), dtype=np.uint16)

    def to16(a8, k):
        return a8.astype(np.uint16) * 256 + noise16[..., k % 4][..., None] if a8.ndim == 3 else a8.astype(np.uint16) * 256 + noise16[..., k % 4]

    for interlace in (False, True):
        tag = "_adam7" if interlace else ""
        # Gray, 1/2/4/8/16 bits.
        for bd in (1, 2, 4, 8):
            s = (gray8 >> (8 - bd))[..., None]
            add(f"png/gray_{bd}{tag}.png", encode_png(s, bd, 0, interlace=interlace))
        add(f"png/gray_16{tag}.png", encode_png(to16(gray8, 0)[..., None], 16, 0, interlace=interlace),
            note="Pillow keeps 16-bit gray as I;16: expected is its high byte")
        # RGB 8/16.
        add(f"png/rgb_8{tag}.png", encode_png(base, 8, 2, interlace=interlace))
        rgb16 = np.stack([to16(base[..., k], k) for k in range(3)], axis=-1)
        add(f"png/rgb_16{tag}.png", encode_png(rgb16, 16, 2, interlace=interlace))
        # Palette 1/2/4/8 bits, from a quantized crop.
        for bd in (1, 2, 4, 8):
            q = Image.fromarray(base).quantize(colors=1 << bd, method=Image.Quantize.MEDIANCUT)
            idx = np.array(q)[..., None]
            pal = q.getpalette()[: 3 * (int(idx.max()) + 1)]
            add(f"png/palette_{bd}{tag}.png", encode_png(idx, bd, 3, palette=pal, interlace=interlace))
        # Gray + alpha, RGBA, 8/16 bits (alpha dropped).
        ga = np.stack([gray8, alpha8], axis=-1)
        add(f"png/gray_alpha_8{tag}.png", encode_png(ga, 8, 4, interlace=interlace))
        ga16 = np.stack([to16(gray8, 0), to16(alpha8, 1)], axis=-1)
        add(f"png/gray_alpha_16{tag}.png", encode_png(ga16, 16, 4, interlace=interlace), gray=True,
            note="Pillow opens 16-bit gray+alpha as RGBA (high bytes); its convert('L') of equal channels is the gray")
        rgba = np.concatenate([base, alpha8[..., None]], axis=-1)
        add(f"png/rgba_8{tag}.png", encode_png(rgba, 8, 6, interlace=interlace))
        rgba16 = np.stack([to16(rgba[..., k], k) for k in range(4)], axis=-1)
        add(f"png/rgba_16{tag}.png", encode_png(rgba16, 16, 6, interlace=interlace))

    # Transparency chunks (ignored: alpha is dropped).
    q = Image.fromarray(base).quantize(colors=16)
    idx = np.array(q)[..., None]
    pal = q.getpalette()[: 3 * (int(idx.max()) + 1)]
    add("png/palette_4_trns.png", encode_png(idx, 4, 3, palette=pal, trns=bytes(range(0, 256, 32))))
    add("png/gray_8_trns.png", encode_png(gray8[..., None], 8, 0, trns=struct.pack(">H", int(gray8[0, 0]))))
    add("png/rgb_8_trns.png", encode_png(base, 8, 2, trns=struct.pack(">HHH", *map(int, base[0, 0]))))
    # A palette shorter than the indices used: missing entries are black (as Pillow).
    add("png/palette_short.png", encode_png(idx, 4, 3, palette=pal[:12]))
    # One filter type per image, and data split over many IDAT chunks.
    for f in range(5):
        add(f"png/rgb_8_filter{f}.png", encode_png(base, 8, 2, filters=(f,)))
    add("png/rgb_8_filter4_adam7.png", encode_png(base, 8, 2, filters=(4,), interlace=True))
    add("png/rgba_8_split_idat.png", encode_png(rgba, 8, 6, idat_size=37))
    add("png/rgb_8_stored.png", encode_png(base, 8, 2, level=0))
    # Tiny images, including Adam7 passes that are empty.
    for (tw, th) in ((1, 1), (2, 3), (5, 1), (9, 9)):
        add(f"png/rgb_8_{tw}x{th}_adam7.png", encode_png(base[:th, :tw], 8, 2, interlace=True))
        add(f"png/gray_1_{tw}x{th}_adam7.png", encode_png((gray8[:th, :tw] >> 7)[..., None], 1, 0, interlace=True))

    # Pillow's own encoder, on photo crops.
    for mode in ("RGB", "RGBA", "L", "LA", "P", "1", "I;16"):
        im = crop("coffee.png", (250, 100, 250 + 48, 100 + 32))
        if mode == "I;16":
            im = Image.fromarray(np.array(im.convert("L")).astype(np.uint16) * 257 + 3)
        else:
            im = im.convert("L").convert(mode) if mode in ("L", "LA", "1") else im.convert(mode)
        b = io.BytesIO()
        im.save(b, "PNG", optimize=True)
        add(f"png/pillow_{mode.replace(';', '').lower()}.png", b.getvalue())
    b = io.BytesIO()
    crop("chelsea.png", (120, 40, 120 + 96, 40 + 64)).save(b, "PNG")
    add("png/photo_chelsea.png", b.getvalue())
    add_conversion("png/photo_chelsea.png", "gray")  # Pillow's convert("L") formula
    add_conversion("png/gray_8.png", "rgb")


# MARK: netpbm

def pnm(magic, w, h, maxval, samples, plain):
    header = f"P{magic}\n# made by tools/make_image_fixtures.py\n{w} {h}\n{maxval}\n".encode()
    flat = samples.reshape(-1)
    if plain:
        lines = [" ".join(str(int(v)) for v in flat[i:i + 12]) for i in range(0, len(flat), 12)]
        return header + ("\n".join(lines) + "\n").encode()
    return header + (flat.astype(">u2").tobytes() if maxval > 255 else flat.astype(np.uint8).tobytes())


def pnm_variants():
    base = np.array(crop("coffee.png", (300, 150, 300 + 11, 150 + 7)).convert("RGB")).astype(np.uint32)
    gray = np.array(Image.fromarray(base.astype(np.uint8)).convert("L")).astype(np.uint32)
    rng = np.random.default_rng(3)
    for maxval in (255, 100, 1000, 65535, 1):
        def scale(a):
            if maxval <= 255:
                return (a * maxval + 127) // 255
            return np.minimum(a * 257 + rng.integers(0, 257, a.shape), 65535) * maxval // 65535
        g, c = scale(gray), scale(base)
        for plain in (False, True):
            gm, cm = ("2", "3") if plain else ("5", "6")
            kind = "plain" if plain else "raw"
            ppm = pnm(cm, 11, 7, maxval, c, plain)
            add(f"pnm/rgb_{kind}_{maxval}.ppm", ppm)
            pgm = pnm(gm, 11, 7, maxval, g, plain)
            if maxval > 255:
                # Pillow keeps these as mode I (0…65535); its 8-bit decode of the same samples is the PPM's.
                as_ppm = pnm(cm, 11, 7, maxval, np.repeat(g[..., None], 3, axis=-1), plain)
                add(f"pnm/gray_{kind}_{maxval}.pgm", pgm, expected=np.array(Image.open(io.BytesIO(as_ppm)).convert("RGB"))[..., 0],
                    note="Pillow decodes maxval > 255 gray as mode I; expected is its decode of the same samples as a PPM")
            else:
                add(f"pnm/gray_{kind}_{maxval}.pgm", pgm)
    # Pillow's own writer, and comments between header fields.
    b = io.BytesIO()
    crop("astronaut.png", (200, 100, 232, 124)).save(b, "PPM")
    add("pnm/pillow.ppm", b.getvalue())
    add("pnm/comments.pgm", b"P2 # comment\n# more\n3 # w\n2\n# maxval next\n255\n0 128 255\n# mid-raster\n1 2 3\n")


# MARK: JPEG

def jpeg_bytes(im, **kw):
    b = io.BytesIO()
    im.save(b, "JPEG", **kw)
    return b.getvalue()


def jpeg_variants():
    photo_crop = crop("astronaut.png", (150, 40, 150 + 61, 40 + 43)).convert("RGB")  # 61×43: no multiple of 8 or 16
    coffee = crop("coffee.png", (200, 80, 200 + 56, 80 + 40)).convert("RGB")
    for sub, name in ((0, "444"), (1, "422"), (2, "420")):
        for prog in (False, True):
            kind = "progressive" if prog else "baseline"
            add(f"jpeg/{kind}_{name}.jpg", jpeg_bytes(photo_crop, quality=90, subsampling=sub, progressive=prog), compare="jpeg")
            add(f"jpeg/{kind}_{name}_restart.jpg", jpeg_bytes(photo_crop, quality=85, subsampling=sub, progressive=prog,
                                                               restart_marker_blocks=3), compare="jpeg")
            add(f"jpeg/{kind}_{name}_optimized_q100.jpg", jpeg_bytes(coffee, quality=100, subsampling=sub, progressive=prog, optimize=True),
                compare="jpeg")
        add(f"jpeg/baseline_{name}_q10.jpg", jpeg_bytes(coffee, quality=10, subsampling=sub), compare="jpeg")
        add(f"jpeg/baseline_{name}_restart_rows.jpg", jpeg_bytes(coffee, quality=75, subsampling=sub, restart_marker_rows=1), compare="jpeg")
    gray = photo_crop.convert("L")
    add("jpeg/gray_baseline.jpg", jpeg_bytes(gray, quality=90), compare="jpeg")
    add("jpeg/gray_progressive.jpg", jpeg_bytes(gray, quality=90, progressive=True), compare="jpeg")
    add("jpeg/gray_restart.jpg", jpeg_bytes(gray, quality=80, restart_marker_blocks=5), compare="jpeg")
    add("jpeg/rgb_adobe.jpg", jpeg_bytes(photo_crop, quality=90, keep_rgb=True, subsampling=0), compare="jpeg")
    # Small and odd sizes (components 1 or 2 samples wide use replication, not the triangle filter).
    for (w, h) in ((1, 1), (2, 2), (3, 5), (4, 4), (5, 3), (17, 9), (33, 17)):
        for sub, name in ((1, "422"), (2, "420")):
            add(f"jpeg/small_{w}x{h}_{name}.jpg", jpeg_bytes(coffee.crop((5, 5, 5 + w, 5 + h)), quality=92, subsampling=sub), compare="jpeg")
    add("jpeg/small_3x5_420_progressive.jpg", jpeg_bytes(coffee.crop((9, 9, 12, 14)), quality=92, subsampling=2, progressive=True),
        compare="jpeg")
    # EXIF orientations 1–8 on a non-square image.
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        add(f"jpeg/exif_orientation_{o}.jpg", jpeg_bytes(photo_crop, quality=90, subsampling=2, exif=exif), compare="jpeg", transpose=True)
    # Photo crops.
    add("jpeg/photo_chelsea_420.jpg", jpeg_bytes(crop("chelsea.png", (120, 40, 120 + 96, 40 + 64)), quality=85), compare="jpeg")
    add("jpeg/photo_coffee_progressive.jpg", jpeg_bytes(crop("coffee.png", (100, 60, 100 + 96, 60 + 64)), quality=85, progressive=True),
        compare="jpeg")
    add("jpeg/photo_camera_gray.jpg", jpeg_bytes(crop("camera.png", (200, 80, 200 + 64, 80 + 48)), quality=85), compare="jpeg")


# MARK: Hostile files

def segments(jpg):
    """(marker, start, end) of each segment before the first SOS's data, end exclusive."""
    out, p = [], 2
    while p < len(jpg):
        assert jpg[p] == 0xFF
        m = jpg[p + 1]
        length = struct.unpack(">H", jpg[p + 2:p + 4])[0]
        out.append((m, p, p + 2 + length))
        if m == 0xDA:
            break
        p += 2 + length
    return out


def replace_segment(jpg, marker, payload, nth=0):
    segs = [s for s in segments(jpg) if s[0] == marker]
    _, a, b = segs[nth]
    return jpg[:a] + bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload + jpg[b:]


def crafted():
    im = crop("astronaut.png", (150, 40, 150 + 61, 40 + 43)).convert("RGB")
    png = encode_png(np.array(im), 8, 2)
    # PNG
    b = bytearray(png)
    idat = png.index(b"IDAT")
    b[idat + 10] ^= 0x55
    add_error("crafted/png_bad_crc.png", bytes(b), "checksumMismatch", "CRC-32")
    add_error("crafted/png_truncated_chunk.png", png[:idat + 40], "truncated", "truncated")
    add_error("crafted/png_signature_only.png", png[:8], "truncated", "IHDR")
    short = zlib.compress(zlib.decompress(png[idat + 4:idat + 4 + struct.unpack(">I", png[idat - 4:idat])[0]])[:300])
    add_error("crafted/png_short_image_data.png", png[:idat - 4] + chunk(b"IDAT", short) + chunk(b"IEND", b""), "truncated", "needs")
    cut = png[idat + 4:idat + 4 + 200]
    add_error("crafted/png_truncated_zlib.png", png[:idat - 4] + chunk(b"IDAT", cut) + chunk(b"IEND", b""), "truncated", "zlib")
    ihdr = lambda w, h, bd=8, ct=2: chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, bd, ct, 0, 0, 0))
    sig = b"\x89PNG\r\n\x1a\n"
    add_error("crafted/png_huge_dimensions.png", sig + ihdr(0x7FFFFFFF, 0x7FFFFFFF) + chunk(b"IEND", b""), "tooLarge", "exceeds the limit")
    add_error("crafted/png_wide.png", sig + ihdr(100000, 1) + chunk(b"IEND", b""), "tooLarge", "exceeds the limit")
    # Decompression bomb: 16×16 gray declared, 4 MiB of zeros in 4 KiB of deflate.
    bomb = zlib.compress(b"\0" * (4 << 20), 9)
    add_error("crafted/png_bomb.png", sig + ihdr(16, 16, 8, 0) + chunk(b"IDAT", bomb) + chunk(b"IEND", b""), "malformed", "more than")
    # The same bomb declaring 8000×8000: within the default limit, refused with a 1 Mpixel limit.
    add_error("crafted/png_bomb_large.png", sig + ihdr(8000, 8000, 8, 0) + chunk(b"IDAT", bomb) + chunk(b"IEND", b""),
              "tooLarge", "exceeds the limit", limits={"maximumPixelCount": 1 << 20})
    add_error("crafted/png_bad_filter.png", sig + ihdr(2, 1, 8, 0) + chunk(b"IDAT", zlib.compress(b"\x07\x01\x02")) + chunk(b"IEND", b""),
              "malformed", "filter type 7")
    add_error("crafted/png_bad_depth.png", sig + ihdr(2, 1, 4, 2) + chunk(b"IEND", b""), "malformed", "bit depth 4")
    add_error("crafted/png_no_plte.png", sig + ihdr(2, 1, 8, 3) + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00")) + chunk(b"IEND", b""),
              "malformed", "PLTE")
    z = bytearray(zlib.compress(b"\x00\x01\x02"))
    z[-1] ^= 1
    add_error("crafted/png_bad_adler.png", sig + ihdr(2, 1, 8, 0) + chunk(b"IDAT", bytes(z)) + chunk(b"IEND", b""), "checksumMismatch", "Adler-32")
    add_error("crafted/png_bad_zlib_header.png", sig + ihdr(2, 1, 8, 0) + chunk(b"IDAT", b"\x78\x00" + bytes(z[2:])) + chunk(b"IEND", b""),
              "malformed", "zlib header")
    add_error("crafted/png_critical_chunk.png", sig + ihdr(2, 1, 8, 0) + chunk(b"ABCD", b"") + chunk(b"IEND", b""), "unsupported", "ABCD")
    add_error("crafted/png_corrupt_deflate.png", sig + ihdr(2, 1, 8, 0) + chunk(b"IDAT", b"\x78\x9c\xff\xff\xff\xff") + chunk(b"IEND", b""),
              "malformed", "corrupt")

    # JPEG
    jpg = jpeg_bytes(im, quality=90, subsampling=2)
    sos = [s for s in segments(jpg) if s[0] == 0xDA][0]
    add_error("crafted/jpeg_truncated_scan.jpg", jpg[:sos[2] + 300], "truncated", "entropy-coded data ends")
    dht = [s for s in segments(jpg) if s[0] == 0xC4][0]
    add_error("crafted/jpeg_truncated_segment.jpg", jpg[:dht[1] + 30], "truncated", "DHT")
    add_error("crafted/jpeg_header_only.jpg", jpg[:sos[1]], "truncated", "before any scan")
    sof = [s for s in segments(jpg) if s[0] == 0xC0][0]
    sof_payload = bytearray(jpg[sof[1] + 4:sof[2]])
    big = bytearray(sof_payload)
    big[1:5] = struct.pack(">HH", 65535, 65535)
    add_error("crafted/jpeg_huge_dimensions.jpg", replace_segment(jpg, 0xC0, bytes(big)), "tooLarge", "exceeds the limit")
    # A small file declaring 8000×8000 (64 Mpixels, within the default limit): refused before allocation.
    big[1:5] = struct.pack(">HH", 8000, 8000)
    add_error("crafted/jpeg_bomb.jpg", replace_segment(jpg, 0xC0, bytes(big)), "truncated", "cannot hold")
    # Over-subscribed Huffman table: 3 codes of length 1.
    dht_payload = bytes([0x00, 3] + [0] * 15 + [0, 1, 2])
    add_error("crafted/jpeg_bad_huffman.jpg", replace_segment(jpg, 0xC4, dht_payload), "malformed", "over-subscribed")
    # DC table with a symbol above 15.
    dht_payload = bytes([0x00, 0, 2] + [0] * 14 + [3, 16])
    add_error("crafted/jpeg_dc_symbol.jpg", replace_segment(jpg, 0xC4, dht_payload), "malformed", "above 15")
    # A scan naming a Huffman table never defined.
    sos_payload = bytearray(jpg[sos[1] + 4:sos[2]])
    sos_payload[2] = 0x33
    add_error("crafted/jpeg_undefined_table.jpg", jpg[:sos[1] + 4] + bytes(sos_payload) + jpg[sos[2]:], "malformed", "not defined")
    # Entropy data that is not a valid code: all-ones (the reserved code).
    add_error("crafted/jpeg_invalid_code.jpg", jpg[:sos[2]] + b"\xff\x00" * 64 + b"\xff\xd9", "malformed", "invalid Huffman code")
    cmyk = jpeg_bytes(im.convert("CMYK"), quality=90)
    add_error("crafted/jpeg_cmyk.jpg", cmyk, "unsupported", "CMYK")
    arith = bytearray(jpg)
    arith[sof[1] + 1] = 0xC9
    add_error("crafted/jpeg_arithmetic.jpg", bytes(arith), "unsupported", "arithmetic")
    p12 = bytearray(sof_payload)
    p12[0] = 12
    add_error("crafted/jpeg_12bit.jpg", replace_segment(jpg, 0xC0, bytes(p12)), "unsupported", "12-bit")
    add_error("crafted/jpeg_empty_sos_at_end.jpg", jpg[:sos[1]] + b"\xff\xda\x00\x02", "malformed", "empty")
    add_error("crafted/jpeg_bad_segment_length.jpg", jpg[:sof[1] + 2] + b"\x00\x01" + jpg[sof[1] + 4:], "malformed", "less than 2")
    prog = jpeg_bytes(im, quality=90, progressive=True)
    psos = [s for s in segments(prog) if s[0] == 0xDA][0]
    bad = bytearray(prog)
    bad[psos[2] - 3] = 1  # first scan's Ss: an AC band before the DC scan
    add_error("crafted/jpeg_bad_progression.jpg", bytes(bad), "malformed", "invalid")

    # netpbm
    add_error("crafted/pnm_truncated.ppm", b"P6\n4 4\n255\n" + bytes(20), "truncated", "truncated")
    add_error("crafted/pnm_huge.ppm", b"P6\n65536 65536\n255\n", "tooLarge", "exceeds the limit")
    add_error("crafted/pnm_maxval0.pgm", b"P5\n1 1\n0\n\0", "malformed", "maxval 0")
    add_error("crafted/pnm_above_maxval.pgm", b"P2\n2 1\n10\n3 11\n", "malformed", "above maxval")
    add_error("crafted/pnm_pbm.pbm", b"P4\n8 1\n\x55", "unsupported", "P4")
    add_error("crafted/unknown_format.gif", b"GIF89a\x01\x00\x01\x00", "unknownFormat", "not a PNG, JPEG")


# MARK: Benchmark images (not committed)

def bench_images(directory):
    """A 2048×1536 (3.1 MP) mosaic of the scikit-image photos as baseline JPEG (q90, 4:2:0),
    progressive JPEG and PNG, with Pillow's pixels and a manifest, so that
    `IMAGE_FIXTURES_EXTRA=DIR swift test --filter ImageDecoderTests` checks them too."""
    global OUT
    OUT = directory
    os.makedirs(directory, exist_ok=True)
    canvas = Image.new("RGB", (2048, 1536))
    tiles = ["astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg", "retina.jpg", "hubble_deep_field.jpg",
             "motorcycle_left.png", "ihc.png", "color.png"]
    for i, name in enumerate(tiles):
        x, y = (i % 3) * 683, (i // 3) * 512
        canvas.paste(photo(name).convert("RGB").resize((683, 512), Image.Resampling.LANCZOS), (x, y))
    add("photo_3mp.jpg", jpeg_bytes(canvas, quality=90, subsampling=2), compare="jpeg")
    add("photo_3mp_progressive.jpg", jpeg_bytes(canvas, quality=90, subsampling=2, progressive=True), compare="jpeg")
    b = io.BytesIO()
    canvas.save(b, "PNG")
    add("photo_3mp.png", b.getvalue())
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump({"generator": "tools/make_image_fixtures.py --bench", "fixtures": entries}, f, indent=1)
    print(f"wrote benchmark images to {directory}")


def main():
    global OUT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=OUT, help="fixture directory (default: Tests/InputFormatsTests/Fixtures/images)")
    parser.add_argument("--bench", metavar="DIR", help="write only the benchmark images, to DIR (not committed)")
    args = parser.parse_args()
    OUT = args.out
    if args.bench:
        bench_images(args.bench)
        return
    assert features.check_feature("libjpeg_turbo"), "expected Pillow built with libjpeg-turbo"
    for sub in ("png", "pnm", "jpeg", "crafted"):
        d = os.path.join(OUT, sub)
        if os.path.isdir(d):
            for f in os.listdir(d):
                os.remove(os.path.join(d, f))
    png_variants()
    pnm_variants()
    jpeg_variants()
    crafted()
    manifest = {
        "generator": "tools/make_image_fixtures.py",
        "pillow": Image.__version__,
        "libjpeg_turbo": features.version("libjpeg_turbo"),
        "fixtures": entries,
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(OUT) for f in fs)
    print(f"wrote {len(entries)} fixtures to {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
