#!/usr/bin/env python3
"""Makes the small gzip / IDX / PGM fixtures in Tests/InputFormatsTests/Fixtures/formats/.

gzip files are written by Python's gzip/zlib modules at several compression
levels so that the Swift inflater is checked on stored, fixed-Huffman and
dynamic-Huffman blocks, plus truncated and corrupted variants.
"""
import gzip
import io
import os
import struct
import zlib

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "InputFormatsTests", "Fixtures", "formats")
MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data", "mnist")


def text():
    # Repetitive enough for long matches, varied enough for dynamic tables.
    lines = []
    for i in range(120):
        lines.append(f"line {i:03d}: the quick brown fox jumps over the lazy dog {i * i % 97} times\n")
    lines.append("".join(chr(32 + (i * 7919) % 95) for i in range(700)) + "\n")
    return "".join(lines).encode()


def gz(data, level, filename="", mtime=0):
    buf = io.BytesIO()
    with gzip.GzipFile(filename=filename, mode="wb", compresslevel=level, fileobj=buf, mtime=mtime) as f:
        f.write(data)
    return buf.getvalue()


def write(name, data):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)


def main():
    os.makedirs(OUT, exist_ok=True)
    t = text()
    write("text.txt", t)
    write("text_level0.gz", gz(t, 0))            # stored blocks
    write("text_level1.gz", gz(t, 1))            # dynamic Huffman, fast matcher
    l9 = gz(t, 9, filename="text.txt")           # dynamic Huffman, FNAME in the header
    write("text_level9.gz", l9)
    write("short_fixed.gz", gz(b"hello, hello, hello world\n", 9))  # zlib picks a fixed-Huffman block
    write("multi_member.gz", gz(b"first member\n", 6) + gz(b"second member\n", 1))
    write("empty.gz", gz(b"", 9))
    write("text_level9_truncated.gz", l9[: len(l9) // 2])
    write("text_level9_no_trailer.gz", l9[:-8])
    bad = bytearray(l9)
    bad[-8] ^= 0xFF                               # CRC-32 in the trailer
    write("text_level9_bad_crc.gz", bytes(bad))
    bad = bytearray(l9)
    bad[-4] ^= 0x01                               # ISIZE in the trailer
    write("text_level9_bad_size.gz", bytes(bad))
    bad = bytearray(l9)
    bad[len(bad) // 2] ^= 0x5A                    # inside the compressed data
    write("text_level9_corrupt.gz", bytes(bad))
    # Block type 3 (reserved): header byte 0b111 (final, type 3).
    raw = gz(b"x", 9)
    hdr = 10
    write("reserved_block_type.gz", raw[:hdr] + bytes([0x07]) + raw[hdr + 1:])

    # Tiny IDX files: the first 4 MNIST test images and labels.
    with gzip.open(os.path.join(MNIST, "t10k-labels.idx1-ubyte.gz")) as f:
        labels = f.read()
    with gzip.open(os.path.join(MNIST, "t10k-images.idx3-ubyte.gz")) as f:
        images = f.read()
    n = 4
    lab = struct.pack(">IIx", 0x801, n)[:8] + labels[8:8 + n]
    img = struct.pack(">IIII", 0x803, n, 28, 28) + images[16:16 + n * 784]
    write("labels4.idx1-ubyte", lab)
    write("images4.idx3-ubyte.gz", gz(img, 6))
    write("images4_short.idx3-ubyte", img[:-1])

    # A digit as P5 and P2, for the image pipeline tests.
    pix = images[16:16 + 784]
    write("mnist0.pgm", b"P5\n# first MNIST test image\n28 28\n255\n" + pix)


if __name__ == "__main__":
    main()
