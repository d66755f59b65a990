#!/usr/bin/env python3
"""Makes the torchvision fixture that LiteralShuffleNet is checked against.

Runs torchvision's shufflenet_v2_x0_5() with shufflespark's seeded weights on a seeded input and writes the
logits, computed in float32 and in float64, to
model/src/test/resources/fixtures/shufflenet_v2_x0_5_torchvision_logits.txt.

The weights and the input come from the Java side (dev.shufflespark.model.reference.ReferenceFixture), so
nothing about SeededInit is re-implemented here: the weights arrive as a shufflespark model file (.ssnm),
which this script parses from the byte-level spec in ModelFile's Javadoc, checksum included.

Usage, from the repository root:
    mvn -q -pl model test-compile
    python3 model/src/test/python/make_reference_fixture.py
or, with inputs written earlier by `java ... ReferenceFixture DIR`:
    python3 model/src/test/python/make_reference_fixture.py --inputs DIR

Needs torch and torchvision (Debian: python3-torch python3-torchvision).
"""

import argparse
import array
import copy
import os
import struct
import subprocess
import sys
import tempfile

MODEL_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
DEFAULT_OUT = os.path.join(MODEL_DIR, "src", "test", "resources", "fixtures",
                           "shufflenet_v2_x0_5_torchvision_logits.txt")
FIXTURE_CLASS = "dev.shufflespark.model.reference.ReferenceFixture"


def _crc32c_table():
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC32C = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _CRC32C
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def little_endian_floats(data):
    values = array.array("f")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values


def read_model_file(path):
    """Parses a .ssnm file: returns (architecture name, num_classes, [(name, shape, values)], stored crc)."""
    with open(path, "rb") as f:
        data = f.read()
    pos = 0

    def take(n, what):
        nonlocal pos
        if pos + n > len(data):
            raise ValueError("truncated model file while reading %s" % what)
        chunk = data[pos:pos + n]
        pos += n
        return chunk

    def int32(what):
        return struct.unpack("<i", take(4, what))[0]

    def string(what):
        return take(int32(what + " length"), what).decode("utf-8")

    if take(4, "magic") != b"SSNM":
        raise ValueError("%s is not a shufflespark model file" % path)
    version = int32("version")
    if version != 1:
        raise ValueError("unsupported model file version %d" % version)
    arch = string("architecture name")
    num_classes = int32("num_classes")
    count = int32("tensor count")
    table = []
    for _ in range(count):
        name = string("tensor name")
        rank = int32("rank")
        shape = [int32("dim") for _ in range(rank)]
        table.append((name, shape))
    tensors = []
    for name, shape in table:
        size = 1
        for d in shape:
            size *= d
        tensors.append((name, shape, little_endian_floats(take(4 * size, name))))
    end = pos
    stored = struct.unpack("<I", take(4, "checksum"))[0]
    if pos != len(data):
        raise ValueError("bytes after the checksum")
    actual = crc32c(data[:end])
    if stored != actual:
        raise ValueError("checksum mismatch: stored %08x, computed %08x" % (stored, actual))
    return arch, num_classes, tensors, stored


def read_fields(path):
    fields = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                key, _, value = line.partition(" ")
                fields[key] = value
    return fields


def write_inputs(directory):
    classpath = os.pathsep.join([os.path.join(MODEL_DIR, "target", "classes"),
                                 os.path.join(MODEL_DIR, "target", "test-classes")])
    if not os.path.exists(os.path.join(MODEL_DIR, "target", "test-classes", *FIXTURE_CLASS.split("."))
                          + ".class"):
        sys.exit("compile the tests first: mvn -q -pl model test-compile")
    subprocess.run(["java", "-cp", classpath, FIXTURE_CLASS, directory], check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--inputs", help="directory written by ReferenceFixture (default: run it now)")
    parser.add_argument("--out", default=DEFAULT_OUT, help="fixture to write (default: %(default)s)")
    args = parser.parse_args()

    import torch
    import torchvision

    with tempfile.TemporaryDirectory() as tmp:
        directory = args.inputs
        if directory is None:
            directory = tmp
            write_inputs(directory)
        arch, num_classes, tensors, weights_crc = read_model_file(os.path.join(directory, "weights.ssnm"))
        fields = read_fields(os.path.join(directory, "input.txt"))
        with open(os.path.join(directory, "input.f32"), "rb") as f:
            input_bytes = f.read()

    if arch != "shufflenet_v2_x0_5" or fields["architecture"] != arch:
        sys.exit("expected shufflenet_v2_x0_5, got %s" % arch)
    input_crc = crc32c(input_bytes)
    if "%08x" % input_crc != fields["input_crc32c"]:
        sys.exit("input.f32 does not match input.txt")
    shape = [int(v) for v in fields["input_shape"].split()]

    model = torchvision.models.shufflenet_v2_x0_5(num_classes=num_classes)
    state = {name: torch.tensor(list(values), dtype=torch.float32).reshape(dims)
             for name, dims, values in tensors}
    result = model.load_state_dict(state, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        sys.exit("state_dict mismatch: missing %s, unexpected %s" % (missing, result.unexpected_keys))
    model.eval()

    x = torch.tensor(list(little_endian_floats(input_bytes)), dtype=torch.float32).reshape(shape)
    with torch.no_grad():
        out32 = model(x)
        out64 = copy.deepcopy(model).double()(x.double())

    n, classes = out32.shape
    lines = [
        "# torchvision logits for shufflespark's seeded weights; made by",
        "# model/src/test/python/make_reference_fixture.py (see its docstring). Do not edit.",
        "architecture %s" % arch,
        "num_classes %d" % num_classes,
        "weights_seed %s" % fields["weights_seed"],
        "weights_crc32c %08x" % weights_crc,
        "input_seed %s" % fields["input_seed"],
        "input_shape %s" % fields["input_shape"],
        "input_crc32c %08x" % input_crc,
        "torch %s" % torch.__version__,
        "torchvision %s" % torchvision.__version__,
        "logits_float32 %d %d" % (n, classes),
    ]
    for row in out32.tolist():
        lines.append(" ".join("%.9g" % v for v in row))
    lines.append("logits_float64 %d %d" % (n, classes))
    for row in out64.tolist():
        lines.append(" ".join("%.17g" % v for v in row))
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("wrote %s: %d x %d logits, max |logit| %.4f, max |float32 - float64| %.3g"
          % (args.out, n, classes, out64.abs().max().item(), (out32.double() - out64).abs().max().item()))


if __name__ == "__main__":
    main()
