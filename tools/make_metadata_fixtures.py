#!/usr/bin/env python3
"""Models with TFLite metadata and associated files, written by tflite-support,
plus crafted hostile variants, for MetadataTests.

tflite-support cannot share a virtual environment with TensorFlow 2.21 (see
../shared/docs/tooling-notes.md), so this runs in three stages:

  1. (python3, TensorFlow) tiny bare models: an RGB image classifier and a
     two-output model;
  2. (.venv-support, tflite-support 0.4.4) metadata written with its metadata
     writers and MetadataPopulator, and the expected results read back with its
     MetadataDisplayer: `<name>.metadata.json` (get_metadata_json) and
     `<name>.files.json` (packed file list, each file's bytes);
  3. (python3) crafted variants: metadata and zip archives broken in one way
     each, listed with the error they must give in crafted/manifest.json.

Set up the tflite-support environment once (git-ignored folder; its native
module needs Debian's libusb-1.0-0):

  apt-get install -y libusb-1.0-0
  python3 -m venv .venv-support
  .venv-support/bin/pip install -r tools/requirements-support.txt

Then: python3 tools/make_metadata_fixtures.py [--venv .venv-support]
It also copies the small MediaPipe models named in MEDIAPIPE_FIXTURES from a
`pip download mediapipe==0.10.14` folder when given --mediapipe DIR (see
tools/check_mediapipe_metadata.py, which downloads and checks all of them).

Output: Tests/TFLiteEngineTests/Fixtures/metadata/
"""
from __future__ import annotations

import argparse
import base64
import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "Tests" / "TFLiteEngineTests" / "Fixtures" / "metadata"
CRAFTED = OUT / "crafted"

# Small published models kept as fixtures (name in the wheel → fixture name).
MEDIAPIPE_FIXTURES = {
    "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite": "mediapipe_selfie_segmentation",
    "mediapipe/modules/face_detection/face_detection_short_range.tflite": "mediapipe_face_detection_short_range",
}

LABELS = ["cat", "dog", "bird", "fish"]
LABELS_FR = ["chat", "chien", "oiseau", "poisson"]
# ImageNet per-channel statistics in 0...255 pixel units (as torchvision's).
MEAN = [123.675, 116.28, 103.53]
STD = [58.395, 57.12, 57.375]


# ----------------------------------------------------------------- stage 1

def make_bare_models(work: Path) -> None:
    sys.path.insert(0, str(REPO / "tools"))
    import fixturelib as fl
    fl.quiet_tf()
    import tensorflow as tf

    fl.seed_everything(7)
    inputs = tf.keras.Input((16, 16, 3), batch_size=1, name="image")
    x = tf.keras.layers.Conv2D(4, 3, strides=2, activation="relu")(inputs)
    x = tf.keras.layers.GlobalAveragePooling2D()(x)
    outputs = tf.keras.layers.Dense(len(LABELS), activation="softmax", name="probability")(x)
    (work / "image_classifier.tflite").write_bytes(fl.convert_keras(tf.keras.Model(inputs, outputs)))

    fl.seed_everything(8)
    features = tf.keras.Input((8,), batch_size=1, name="features")
    scores = tf.keras.layers.Dense(len(LABELS), activation="softmax", name="scores")(features)
    category = tf.keras.layers.Dense(3, name="category")(features)
    (work / "multi_file.tflite").write_bytes(fl.convert_keras(tf.keras.Model(features, [scores, category])))


# ----------------------------------------------------------------- stage 2 (.venv-support)

def write_metadata(work: Path, mediapipe: Path | None) -> None:
    from tensorflow_lite_support.metadata import metadata_schema_py_generated as fb
    from tensorflow_lite_support.metadata.python import metadata as md
    from tensorflow_lite_support.metadata.python.metadata_writers import image_classifier, metadata_info, metadata_writer, writer_utils

    OUT.mkdir(parents=True, exist_ok=True)
    files = work / "files"
    files.mkdir(exist_ok=True)

    def text_file(name: str, lines: list[str]) -> str:
        path = files / name
        path.write_text("".join(line + "\n" for line in lines))
        return str(path)

    # An image classifier as the writers make it: name, version, author,
    # licence, per-channel normalization, RGB, labels in two locales.
    writer = image_classifier.MetadataWriter.create_from_metadata_info(
        bytearray((work / "image_classifier.tflite").read_bytes()),
        general_md=metadata_info.GeneralMd(
            name="TinyImageClassifier", version="v1.2",
            description="Classifies a 16x16 RGB image into four animals (random weights, a test fixture).",
            author="TFLiteEngine tests", licenses="Apache License. Version 2.0"),
        input_md=metadata_info.InputImageTensorMd(
            name="image", description="RGB image, 0...255 per channel.",
            norm_mean=MEAN, norm_std=STD, color_space_type=fb.ColorSpaceType.RGB,
            tensor_type=writer_utils.get_input_tensor_types(bytearray((work / "image_classifier.tflite").read_bytes()))[0]),
        output_md=metadata_info.ClassificationTensorMd(
            name="probability", description="Probabilities of the four classes.",
            label_files=[metadata_info.LabelFileMd(text_file("labels.txt", LABELS), locale="en"),
                         metadata_info.LabelFileMd(text_file("labels_fr.txt", LABELS_FR), locale="fr")],
            tensor_type=writer_utils.get_output_tensor_types(bytearray((work / "image_classifier.tflite").read_bytes()))[0]))
    save_fixture("image_classifier_labels", writer.populate())

    # Several associated files of every kind at model, tensor and process-unit
    # level, then the archive rewritten with some entries deflated.
    vocab = [f"word{i:04d}" for i in range(400)]
    writer = metadata_writer.MetadataWriter.create_from_metadata_info(
        bytearray((work / "multi_file.tflite").read_bytes()),
        general_md=metadata_info.GeneralMd(name="MultiFileModel", version="3", description="Two outputs, five associated files."),
        input_md=[metadata_info.InputTextTensorMd(
            name="features", description="Token features.",
            tokenizer_md=metadata_info.RegexTokenizerMd(r"[^\w']+", text_file("vocab.txt", vocab)))],
        output_md=[
            metadata_info.ClassificationTensorMd(
                name="scores", description="Class scores.",
                label_files=[metadata_info.LabelFileMd(text_file("labels.txt", LABELS)),
                             metadata_info.LabelFileMd(text_file("labels_fr.txt", LABELS_FR), locale="fr")]),
            metadata_info.TensorMd(
                name="category", description="Category value.",
                associated_files=[metadata_info.AssociatedFileMd(
                    text_file("categories.txt", ["small", "medium", "large"]), description="Category names by value.",
                    file_type=fb.AssociatedFileType.TENSOR_VALUE_LABELS)]),
        ],
        associated_files=[str(files / n) for n in ["vocab.txt", "labels.txt", "labels_fr.txt", "categories.txt"]])
    model = writer.populate()
    # A model-level readme (DESCRIPTIONS): added to the metadata object and packed.
    metadata = fb.ModelMetadataT.InitFromObj(fb.ModelMetadata.GetRootAsModelMetadata(md.get_metadata_buffer(model), 0))
    readme = fb.AssociatedFileT()
    readme.name = "readme.txt"
    readme.description = "What the model is."
    readme.type = fb.AssociatedFileType.DESCRIPTIONS
    metadata.associatedFiles = [readme]
    text_file("readme.txt", ["A test fixture with associated files of every kind."] * 20)
    import flatbuffers
    builder = flatbuffers.Builder(0)
    builder.Finish(metadata.Pack(builder), md.MetadataPopulator.METADATA_FILE_IDENTIFIER)
    populator = md.MetadataPopulator.with_model_buffer((work / "multi_file.tflite").read_bytes())
    populator.load_metadata_buffer(builder.Output())
    populator.load_associated_files([str(files / n) for n in ["readme.txt", "vocab.txt", "labels.txt", "labels_fr.txt", "categories.txt"]])
    populator.populate()
    model = rezip(populator.get_model_buffer(), deflated={"readme.txt", "vocab.txt", "labels.txt"})
    save_fixture("multi_file", model)

    if mediapipe:
        for wheel_path, name in MEDIAPIPE_FIXTURES.items():
            save_fixture(name, (mediapipe / wheel_path).read_bytes())


def rezip(model: bytes, deflated: set[str]) -> bytes:
    """The model with its appended archive rewritten: `deflated` entries
    compressed, the others stored (tflite-support stores every entry)."""
    with zipfile.ZipFile(io.BytesIO(model)) as z:
        infos = z.infolist()
        contents = [(i.filename, z.read(i)) for i in infos]
        start = min(i.header_offset for i in infos)
    buffer = io.BytesIO(model[:start])
    buffer.seek(0, 2)
    with zipfile.ZipFile(buffer, "a") as z:
        for name, data in contents:
            z.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED if name in deflated else zipfile.ZIP_STORED)
    return buffer.getvalue()


def save_fixture(name: str, model: bytes) -> None:
    from tensorflow_lite_support.metadata.python import metadata as md

    (OUT / f"{name}.tflite").write_bytes(model)
    displayer = md.MetadataDisplayer.with_model_buffer(model)
    metadata = json.loads(displayer.get_metadata_json())
    (OUT / f"{name}.metadata.json").write_text(json.dumps(metadata, indent=1, sort_keys=True) + "\n")
    packed = displayer.get_packed_associated_file_list()
    files = {"packed_files": packed, "files": {}}
    compression = {}
    if packed:
        with zipfile.ZipFile(io.BytesIO(model)) as z:
            compression = {i.filename: ("deflated" if i.compress_type == zipfile.ZIP_DEFLATED else "stored") for i in z.infolist()}
    for file in packed:
        data = displayer.get_associated_file_buffer(file)
        files["files"][file] = {"bytes": len(data), "crc32": zlib.crc32(data), "compression": compression[file],
                                "base64": base64.b64encode(data).decode()}
    (OUT / f"{name}.files.json").write_text(json.dumps(files, indent=1, sort_keys=True) + "\n")
    print(f"{name}: {len(model)} bytes, metadata '{metadata.get('name')}', files {packed}")


# ----------------------------------------------------------------- stage 3 (crafted)

class Zip:
    """Offsets of the archive appended to a model, for patching."""

    def __init__(self, data: bytes):
        self.data = bytearray(data)
        self.end = data.rindex(b"PK\x05\x06")
        count, self.cd_size, cd_offset = struct.unpack_from("<HII", data, self.end + 10)
        self.cd = self.end - self.cd_size
        self.base = self.cd - cd_offset
        self.entries = []  # (central header offset, name, local header offset)
        p = self.cd
        for _ in range(count):
            n, e, c = struct.unpack_from("<HHH", data, p + 28)
            local = struct.unpack_from("<I", data, p + 42)[0] + self.base
            self.entries.append((p, data[p + 46:p + 46 + n].decode(), local))
            p += 46 + n + e + c

    def central(self, name: str) -> int:
        return next(c for c, n, _ in self.entries if n == name)

    def local(self, name: str) -> int:
        return next(l for _, n, l in self.entries if n == name)

    def data_start(self, name: str) -> int:
        l = self.local(name)
        n, e = struct.unpack_from("<HH", self.data, l + 26)
        return l + 30 + n + e

    def put32(self, offset: int, value: int) -> None:
        struct.pack_into("<I", self.data, offset, value)

    def put16(self, offset: int, value: int) -> None:
        struct.pack_into("<H", self.data, offset, value)

    def set_sizes(self, name: str, compressed: int | None = None, uncompressed: int | None = None) -> None:
        for header, at in ((self.central(name), (20, 24)), (self.local(name), (18, 22))):
            if compressed is not None:
                self.put32(header + at[0], compressed)
            if uncompressed is not None:
                self.put32(header + at[1], uncompressed)


def metadata_buffer(model: bytes) -> tuple[int, int]:
    """(start, length) of the TFLITE_METADATA buffer (identifier M001 at +4)."""
    start = model.index(b"M001") - 4
    length = struct.unpack_from("<I", model, start - 4)[0]
    return start, length


def make_crafted() -> None:
    sys.path.insert(0, str(REPO / "tools"))
    import fixturelib as fl

    classifier = (OUT / "image_classifier_labels.tflite").read_bytes()
    multi = (OUT / "multi_file.tflite").read_bytes()
    if CRAFTED.exists():
        shutil.rmtree(CRAFTED)
    CRAFTED.mkdir(parents=True)
    entries = []

    def emit(name: str, data: bytes, call: str, error: str, kind: str, what: str) -> None:
        (CRAFTED / f"{name}.tflite").write_bytes(bytes(data))
        entries.append({"name": name, "call": call, "error": kind, "error_contains": error, "what": what})

    # --- metadata FlatBuffer
    start, length = metadata_buffer(classifier)
    d = bytearray(classifier)
    d[start + 4:start + 8] = b"M002"
    emit("metadata_wrong_identifier", d, "metadata", 'identifier is "M002"', "malformedMetadata", "the buffer is not M001 metadata")

    d = bytearray(classifier)
    struct.pack_into("<I", d, start - 4, 16)  # the buffer vector now ends inside the root table
    emit("metadata_truncated_buffer", d, "metadata", "points past the end of the buffer (16 bytes)", "malformedMetadata", "metadata buffer truncated to 16 bytes: the root table's fields lie outside it")

    d = bytearray(classifier)
    fb = FlatBuffer(d, start)
    struct.pack_into("<I", d, fb.deref(fb.field(fb.root, 0)), 0x7FFF_FFF0)  # ModelMetadata.name's length
    emit("metadata_string_past_end", d, "metadata", "runs past the end of the buffer", "malformedMetadata", "the model name's length runs past the buffer")

    d = bytearray(classifier)
    fb = FlatBuffer(d, start)
    struct.pack_into("<i", d, fb.root, -0x4000_0000)  # soffset to the vtable, far outside
    emit("metadata_vtable_outside", d, "metadata", "(vtable)", "malformedMetadata", "the root table's vtable offset points outside the buffer")

    d = bytearray(classifier)
    fb = FlatBuffer(d, start)
    subgraph = fb.deref(fb.deref(fb.field(fb.root, 3)) + 4)
    output = fb.deref(fb.deref(fb.field(subgraph, 3)) + 4)
    files = fb.deref(fb.field(output, 6))  # TensorMetadata.associated_files: 2 label files
    assert struct.unpack_from("<I", d, files)[0] == 2
    struct.pack_into("<I", d, files, 0x1000_0000)
    emit("metadata_vector_count_huge", d, "metadata", "runs past the end of the buffer", "malformedMetadata", "the output's associated_files vector declares 2^28 elements")

    def metadata_entry(buffer_index):
        def edit(m):
            for entry in m.metadata:
                if entry.name == b"TFLITE_METADATA":
                    entry.buffer = buffer_index
        return edit
    emit("metadata_empty_buffer", fl.patch_model(classifier, metadata_entry(0)), "metadata", "holds no data", "malformedMetadata",
         "TFLITE_METADATA names buffer 0, which is empty")
    emit("metadata_buffer_index_out_of_range", fl.patch_model(classifier, metadata_entry(9999)), "load",
         "buffer index 9999 is out of range", "invalidModel", "TFLITE_METADATA names buffer 9999 (the model does not load)")

    # --- zip archive
    z = Zip(multi)
    z.put32(z.central("labels.txt") + 42, len(multi) + 1000 - z.base)
    emit("zip_local_header_outside_file", z.data, "files", "lies outside the file's entry area", "malformedArchive",
         "labels.txt's local header offset points past the end of the file")

    z = Zip(multi)
    z.put32(z.end + 12, len(multi) * 2)
    emit("zip_directory_larger_than_file", z.data, "files", "is larger than the", "malformedArchive", "the central directory size exceeds the file")

    z = Zip(multi)
    first = min(z.entries, key=lambda e: e[2])[1]
    later = sorted(z.entries, key=lambda e: e[2])[1][1]
    c = z.central(first)
    z.put16(c + 8, struct.unpack_from("<H", z.data, c + 8)[0] | 0x0008)  # data descriptor: local sizes not compared
    z.put32(c + 20, z.local(later) - z.data_start(first) + 8)
    emit("zip_overlapping_entries", z.data, "files", f"overlaps entry '{first}'", "malformedArchive",
         f"{first}'s data runs 8 bytes into {later}'s local header")

    z = Zip(multi)
    z.data[z.data_start("labels_fr.txt")] ^= 0x20
    emit("zip_bad_crc", z.data, "file labels_fr.txt", "CRC-32 of the data is", "malformedArchive", "one byte of the stored labels_fr.txt flipped")

    z = Zip(multi)
    size = struct.unpack_from("<I", z.data, z.central("categories.txt") + 24)[0]
    z.set_sizes("categories.txt", uncompressed=size + 5)
    emit("zip_stored_size_mismatch", z.data, "file categories.txt", "declares", "malformedArchive", "stored entry declares 5 bytes more than it holds")

    z = Zip(multi)
    size = struct.unpack_from("<I", z.data, z.central("vocab.txt") + 24)[0]
    z.set_sizes("vocab.txt", uncompressed=size - 100)
    emit("zip_deflated_size_mismatch", z.data, "file vocab.txt", "inflates to more than", "malformedArchive", "deflated entry declares 100 bytes fewer than it inflates to")

    z = Zip(multi)
    z.put32(z.local("labels.txt") + 22, 12345)
    emit("zip_local_header_disagrees", z.data, "files", "differ from the central directory", "malformedArchive", "local header size differs from the central directory's")

    z = Zip(multi)
    z.put16(z.central("labels.txt") + 10, 12)  # bzip2
    emit("zip_unsupported_method", z.data, "files", "compression method 12 is not supported", "unsupportedArchive", "an entry compressed with bzip2")

    z = Zip(multi)
    z.put16(z.end + 10, 0xFFFF)
    z.put16(z.end + 8, 0xFFFF)
    emit("zip64_marker", z.data, "files", "ZIP64", "unsupportedArchive", "entry count 0xFFFF marks a ZIP64 archive")

    z = Zip(multi)
    z.data[z.data_start("labels.txt")] = 0xFF  # block type 3 (reserved) in the first DEFLATE header
    emit("zip_bad_deflate", z.data, "file labels.txt", "reserved block type", "malformedArchive", "DEFLATE data with a reserved block type")

    z = Zip(multi)
    z.data[z.local("readme.txt")] = ord("Q")
    emit("zip_local_header_bad_signature", z.data, "files", "bad signature", "malformedArchive", "the local header's signature is broken")

    # A deflate bomb: a small entry that inflates to 64 MiB of zeros, declared
    # as 1000 bytes (decoding stops there) and as ~4 GiB (refused up front).
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = compressor.compress(bytes(64 << 20)) + compressor.flush()
    model_only = classifier[:zip_start(classifier)]
    french = ("\n".join(LABELS_FR) + "\n").encode()
    for name, declared, error, kind in [
            ("zip_deflate_bomb", 1000, "inflates to more than the 1000 bytes", "malformedArchive"),
            ("zip_deflate_bomb_declared", 0xFFFF_FFFE, "more than the limit", "associatedFileTooLarge")]:
        data = write_zip(model_only, [("labels.txt", 8, bomb, 0, declared), ("labels_fr.txt", 0, french, zlib.crc32(french), len(french))])
        emit(name, data, "labels 0", error, kind, f"labels.txt: {len(bomb)} bytes of DEFLATE inflating to 64 MiB, declared {declared} bytes")

    # The metadata names a label file the archive lacks.
    z = Zip(multi)
    at = z.central("labels.txt") + 46
    z.data[at:at + len("labels.txt")] = b"labels.TXT"
    at = z.local("labels.txt") + 30
    z.data[at:at + len("labels.txt")] = b"labels.TXT"
    emit("zip_missing_label_file", z.data, "labels 0", "does not contain", "missingAssociatedFile", "labels.txt renamed in the archive")

    (CRAFTED / "manifest.json").write_text(json.dumps({"fixtures": entries}, indent=1) + "\n")
    print(f"crafted: {len(entries)} files")

    # A valid variant: archive offsets relative to the archive's start (as a
    # zip concatenated after the model), which readers must also accept.
    with zipfile.ZipFile(io.BytesIO(multi)) as zf:
        entries = [(i.filename, i.compress_type, multi[i.header_offset + 30 + len(i.filename.encode()) + struct.unpack_from("<H", multi, i.header_offset + 28)[0]:][:i.compress_size],
                    i.CRC, i.file_size) for i in zf.infolist()]
    (OUT / "multi_file_relative_offsets.tflite").write_bytes(write_zip(multi[:zip_start(multi)], entries, relative=True))
    print("multi_file_relative_offsets: archive offsets relative to its start")


class FlatBuffer:
    """Field positions in a FlatBuffer held at `start` of `data`."""

    def __init__(self, data: bytearray, start: int):
        self.data = data
        self.root = self.deref(start)

    def deref(self, position: int) -> int:
        return position + struct.unpack_from("<I", self.data, position)[0]

    def field(self, table: int, field_id: int) -> int:
        vtable = table - struct.unpack_from("<i", self.data, table)[0]
        relative = struct.unpack_from("<H", self.data, vtable + 4 + 2 * field_id)[0]
        assert relative, f"field {field_id} absent"
        return table + relative


def zip_start(model: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(model)) as zf:
        return min(i.header_offset for i in zf.infolist())


def write_zip(prefix: bytes, entries: list[tuple[str, int, bytes, int, int]], relative: bool = False) -> bytes:
    """`prefix` followed by a zip archive of (name, method, payload, crc32,
    declared size) entries; offsets from the file's start, or from the
    archive's when `relative`."""
    origin = 0 if relative else len(prefix)
    body, directory = bytearray(), bytearray()
    for name, method, payload, crc, size in entries:
        n = name.encode()
        directory += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(payload), size,
                                 len(n), 0, 0, 0, 0, 0, origin + len(body)) + n
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), size, len(n), 0) + n + payload
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory), origin + len(body), 0)
    return bytes(prefix) + bytes(body) + bytes(directory) + end


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", default=str(REPO / ".venv-support"), help="tflite-support virtual environment")
    parser.add_argument("--mediapipe", help="folder with the unpacked mediapipe==0.10.14 wheel (copies MEDIAPIPE_FIXTURES)")
    parser.add_argument("--stage", choices=["all", "metadata"], default="all", help=argparse.SUPPRESS)
    parser.add_argument("--work", help="keep the bare models (stage 1) in this folder and reuse them")
    args = parser.parse_args()
    if args.stage == "metadata":
        write_metadata(Path(args.work), Path(args.mediapipe) if args.mediapipe else None)
        return
    python = Path(args.venv) / "bin" / "python"
    if not python.exists():
        sys.exit(f"no tflite-support environment at {args.venv}; create it as this script's docstring says")
    with tempfile.TemporaryDirectory(prefix="metadata-fixtures-") as temporary:
        work = args.work or temporary
        if not (Path(work) / "multi_file.tflite").exists():
            make_bare_models(Path(work))
        command = [str(python), __file__, "--stage", "metadata", "--work", work]
        if args.mediapipe:
            command += ["--mediapipe", args.mediapipe]
        subprocess.run(command, check=True)
    make_crafted()


if __name__ == "__main__":
    main()
