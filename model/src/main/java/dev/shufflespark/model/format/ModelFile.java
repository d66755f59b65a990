package dev.shufflespark.model.format;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.Tensor;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.shufflenet.ShuffleNetV1;
import dev.shufflespark.model.shufflenet.ShuffleNetV2;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * shufflespark's single-file model format: one built-in architecture and its weights, with a checksum.
 * Files conventionally end in {@code .ssnm}.
 *
 * <p>Byte layout, version 1. Every integer is a signed 32-bit little-endian {@code int32}; every float is an
 * IEEE 754 {@code float32}, little-endian. There is no padding anywhere.
 *
 * <table>
 *   <caption>Model file, version 1</caption>
 *   <tr><th>Offset</th><th>Size</th><th>Field</th><th>Meaning</th></tr>
 *   <tr><td>0</td><td>4</td><td>magic</td><td>the ASCII bytes {@code S S N M} ({@code 53 53 4E 4D})</td></tr>
 *   <tr><td>4</td><td>4</td><td>version</td><td>int32, {@code 1}</td></tr>
 *   <tr><td>8</td><td>4</td><td>architecture name length {@code A}</td><td>int32, 1..4096</td></tr>
 *   <tr><td>12</td><td>A</td><td>architecture name</td><td>UTF-8, {@link Architecture#name()}, e.g.
 *       {@code shufflenet_v1_g3_x1_0}</td></tr>
 *   <tr><td>12+A</td><td>4</td><td>numClasses</td><td>int32, &ge; 1</td></tr>
 *   <tr><td>16+A</td><td>4</td><td>tensor count {@code T}</td><td>int32, &ge; 0</td></tr>
 *   <tr><td colspan="4"><i>tensor table: {@code T} entries, each:</i></td></tr>
 *   <tr><td>+0</td><td>4</td><td>name length {@code L}</td><td>int32, 1..4096</td></tr>
 *   <tr><td>+4</td><td>L</td><td>name</td><td>UTF-8, PyTorch {@code state_dict} key, unique in the file</td></tr>
 *   <tr><td>+4+L</td><td>4</td><td>rank {@code R}</td><td>int32, 0..8</td></tr>
 *   <tr><td>+8+L</td><td>4R</td><td>dims</td><td>R int32, each &ge; 0, outermost first</td></tr>
 *   <tr><td colspan="4"><i>tensor data: for each table entry in table order, the product of its dims
 *       float32 values in row-major (C) order; a rank-0 tensor holds one value</i></td></tr>
 *   <tr><td>end-4</td><td>4</td><td>checksum</td><td>CRC32C (Castagnoli, as {@link CRC32C}) of every byte
 *       before it, from the magic to the last data byte, stored as a little-endian uint32</td></tr>
 * </table>
 *
 * <p>The file ends right after the checksum. A reader checks, in this order: the magic, the version, that
 * each header field and each tensor's data is complete (naming the section or tensor being read, with the
 * bytes needed and the bytes left), the checksum, that nothing follows it, then the meaning: the architecture
 * name is a built-in one, the table holds exactly the tensors of that architecture with {@code numClasses}
 * classes ({@link ShuffleNetV1#weightShapes}, {@link ShuffleNetV2#weightShapes}) with the expected shapes, and
 * every value is finite. Any failure is a {@link ModelException} that says what is wrong. A writer writes the
 * tensors in the architecture's canonical order and refuses weights a reader would refuse.
 *
 * <p>Stream methods throw {@link IOException} for I/O failures and leave the stream open; the {@link Path}
 * methods report I/O failures as {@link ModelException}s naming the file, and prefix every message with it.
 */
public final class ModelFile {
    /** The magic bytes, {@code SSNM}. */
    public static final byte[] MAGIC = {'S', 'S', 'N', 'M'};
    public static final int VERSION = 1;
    public static final int MAX_NAME_BYTES = 4096;
    public static final int MAX_RANK = 8;

    private static final int CHECKSUM_BYTES = 4;
    /** How many shape problems one message lists before it summarises the rest. */
    private static final int MAX_LISTED_PROBLEMS = 10;

    private ModelFile() {
    }

    /** An architecture and its weights, as read from a file. */
    public record Contents(Architecture architecture, Weights weights) {
    }

    // ------------------------------------------------------------------------------------------------ writing

    /** Writes {@code weights} for {@code arch} to {@code out}, which is flushed but not closed. */
    public static void write(Architecture arch, Weights weights, OutputStream out) throws IOException {
        Map<String, int[]> expected = expectedShapes(arch);
        checkTensors(arch, expected, shapesOf(weights), "cannot write model: ");
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            Tensor t = weights.get(name);
            checkFinite(name, t.data(), "cannot write model: ");
            ordered.put(name, t);
        }
        writeUnchecked(VERSION, arch.name(), arch.numClasses(), ordered, out);
    }

    /**
     * Writes the file through a temporary file in the same directory that is then moved into place, so that
     * {@code file} is never left half written.
     */
    public static void write(Architecture arch, Weights weights, Path file) {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                write(arch, weights, out);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new ModelException("cannot write model file " + file + ": " + e, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    /**
     * Writes the format exactly as given, with no check of names, shapes or values: tests use it to make
     * files that a reader must refuse.
     */
    static void writeUnchecked(int version, String archName, int numClasses, Map<String, Tensor> tensors,
            OutputStream out) throws IOException {
        CRC32C crc = new CRC32C();
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(MAGIC);
        writeInt(header, version);
        writeString(header, archName);
        writeInt(header, numClasses);
        writeInt(header, tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            writeString(header, e.getKey());
            int[] shape = e.getValue().shape();
            writeInt(header, shape.length);
            for (int d : shape) {
                writeInt(header, d);
            }
        }
        byte[] h = header.toByteArray();
        crc.update(h);
        out.write(h);

        for (Tensor t : tensors.values()) {
            float[] data = t.data();
            ByteBuffer bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(data);
            crc.update(bytes.array());
            out.write(bytes.array());
        }

        ByteBuffer sum = ByteBuffer.allocate(CHECKSUM_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        sum.putInt((int) crc.getValue());
        out.write(sum.array());
        out.flush();
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
        out.write(v >>> 24);
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        writeInt(out, b.length);
        out.write(b, 0, b.length);
    }

    // ------------------------------------------------------------------------------------------------ reading

    /** Reads a whole model file from {@code in}, which is not closed. */
    public static Contents read(InputStream in) throws IOException {
        return read(in.readAllBytes());
    }

    public static Contents read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ModelException("cannot read model file " + file + ": " + e, e);
        }
        try {
            return read(bytes);
        } catch (ModelException e) {
            throw new ModelException("model file " + file + ": " + e.getMessage(), e);
        }
    }

    public static Contents read(byte[] file) {
        return new Reader(file).read();
    }

    /** One pass over the bytes of a file, with the position and what is being read for messages. */
    private static final class Reader {
        private final byte[] bytes;
        private final ByteBuffer buf;

        Reader(byte[] bytes) {
            this.bytes = bytes;
            this.buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        }

        Contents read() {
            checkMagic();
            int version = readInt("format version");
            if (version != VERSION) {
                throw new ModelException("unsupported model file version " + version
                        + "; this reader supports version " + VERSION);
            }
            String archName = readString("architecture name");
            int numClasses = readInt("number of classes");
            int count = readInt("tensor count");
            if (count < 0) {
                throw new ModelException("corrupt model file header: tensor count " + count + " is negative");
            }

            List<String> names = new ArrayList<>();
            Map<String, int[]> shapes = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String what = "tensor table entry " + (i + 1) + " of " + count;
                String name = readString(what + ": name");
                if (shapes.containsKey(name)) {
                    throw new ModelException("corrupt model file header: tensor '" + name + "' appears twice "
                            + "in the tensor table (entries " + (names.indexOf(name) + 1) + " and " + (i + 1) + ")");
                }
                int rank = readInt(what + " ('" + name + "'): rank");
                if (rank < 0 || rank > MAX_RANK) {
                    throw new ModelException("corrupt model file header: tensor '" + name + "' has rank " + rank
                            + " (must be 0.." + MAX_RANK + ")");
                }
                int[] shape = new int[rank];
                for (int d = 0; d < rank; d++) {
                    shape[d] = readInt(what + " ('" + name + "'): dimension " + d + " of " + rank);
                    if (shape[d] < 0) {
                        throw new ModelException("corrupt model file header: tensor '" + name
                                + "' has negative dimension " + shape[d] + " at index " + d);
                    }
                }
                names.add(name);
                shapes.put(name, shape);
            }

            Map<String, float[]> data = new LinkedHashMap<>();
            for (String name : names) {
                int[] shape = shapes.get(name);
                long values = elementCount(shape);
                long needed = values * Float.BYTES;
                require(needed, "data of tensor '" + name + "' " + Arrays.toString(shape)
                        + " (" + values + " float32 values)");
                // require() bounds needed by the array's length, so these casts cannot overflow
                float[] v = new float[(int) values];
                ByteBuffer.wrap(bytes, buf.position(), (int) needed).order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer().get(v);
                buf.position(buf.position() + (int) needed);
                data.put(name, v);
            }

            int checked = buf.position();
            require(CHECKSUM_BYTES, "CRC32C checksum after the tensor data");
            int stored = buf.getInt();
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, checked);
            int actual = (int) crc.getValue();
            if (stored != actual) {
                throw new ModelException(String.format("model file checksum mismatch: the file stores CRC32C "
                        + "0x%08x but its first %d bytes give 0x%08x; the file is corrupt", stored, checked, actual));
            }
            if (buf.hasRemaining()) {
                throw new ModelException("model file has " + buf.remaining() + " unexpected bytes after the "
                        + "checksum at offset " + checked + " (a valid file ends there, " + buf.position()
                        + " bytes long)");
            }

            Architecture arch = architecture(archName, numClasses);
            checkTensors(arch, expectedShapes(arch), shapes, "");
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (String name : names) {
                float[] v = data.get(name);
                checkFinite(name, v, "");
                tensors.put(name, new Tensor(shapes.get(name), v));
            }
            return new Contents(arch, new Weights(tensors));
        }

        private void checkMagic() {
            int n = Math.min(MAGIC.length, bytes.length);
            byte[] found = Arrays.copyOf(bytes, n);
            if (n < MAGIC.length || !Arrays.equals(found, MAGIC)) {
                String what = bytes.length == 0 ? "an empty file"
                        : (n < MAGIC.length ? "only " + n + " byte" + (n == 1 ? "" : "s") + ": " : "")
                                + describeBytes(found);
                throw new ModelException("not a shufflespark model file: expected the magic bytes "
                        + describeBytes(MAGIC) + " at offset 0, found " + what);
            }
            buf.position(MAGIC.length);
        }

        private int readInt(String what) {
            require(Integer.BYTES, what);
            return buf.getInt();
        }

        private String readString(String what) {
            int length = readInt(what + " length");
            if (length < 1 || length > MAX_NAME_BYTES) {
                throw new ModelException("corrupt model file header: " + what + " length is " + length
                        + " bytes (must be 1.." + MAX_NAME_BYTES + ")");
            }
            require(length, what + " (" + length + " bytes of UTF-8)");
            ByteBuffer slice = buf.slice();
            slice.limit(length);
            buf.position(buf.position() + length);
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(slice);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw new ModelException("corrupt model file header: " + what + " is not valid UTF-8");
            }
        }

        /** Fails with a truncation message unless {@code needed} bytes are left. */
        private void require(long needed, String what) {
            if (buf.remaining() < needed) {
                throw new ModelException("truncated model file: reading " + what + " at offset " + buf.position()
                        + " needs " + needed + " bytes, but only " + buf.remaining() + " remain (file is "
                        + bytes.length + " bytes)");
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    private static Architecture architecture(String name, int numClasses) {
        if (!Architecture.isBuiltinName(name)) {
            throw new ModelException("unknown architecture '" + name + "' in model file; known architectures are "
                    + String.join(", ", Architecture.builtinNames()));
        }
        if (numClasses < 1) {
            throw new ModelException("model file for " + name + " has " + numClasses + " classes (must be >= 1)");
        }
        return Architecture.parse(name).withClasses(numClasses);
    }

    static Map<String, int[]> expectedShapes(Architecture arch) {
        return arch.family() == Architecture.Family.V1
                ? ShuffleNetV1.weightShapes(arch)
                : ShuffleNetV2.weightShapes(arch);
    }

    private static Map<String, int[]> shapesOf(Weights weights) {
        Map<String, int[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : weights.asMap().entrySet()) {
            shapes.put(e.getKey(), e.getValue().shape());
        }
        return shapes;
    }

    /**
     * Compares the tensors present with those the architecture needs and throws listing every missing
     * tensor, unexpected tensor and shape mismatch (the first {@value #MAX_LISTED_PROBLEMS} of them).
     */
    private static void checkTensors(Architecture arch, Map<String, int[]> expected, Map<String, int[]> actual,
            String prefix) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            int[] found = actual.get(e.getKey());
            if (found == null) {
                problems.add("missing tensor '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue())
                        + ")");
            } else if (!Arrays.equals(found, e.getValue())) {
                problems.add("tensor '" + e.getKey() + "' has shape " + Arrays.toString(found) + ", expected "
                        + Arrays.toString(e.getValue()));
            }
        }
        for (Map.Entry<String, int[]> e : actual.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                problems.add("unexpected tensor '" + e.getKey() + "' with shape " + Arrays.toString(e.getValue())
                        + " (" + arch.name() + " has no such tensor)");
            }
        }
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder m = new StringBuilder(prefix).append("weights do not match ").append(arch.name())
                .append(" with ").append(arch.numClasses()).append(" classes: ");
        for (int i = 0; i < Math.min(problems.size(), MAX_LISTED_PROBLEMS); i++) {
            m.append(i == 0 ? "" : "; ").append(problems.get(i));
        }
        if (problems.size() > MAX_LISTED_PROBLEMS) {
            m.append("; and ").append(problems.size() - MAX_LISTED_PROBLEMS).append(" more");
        }
        throw new ModelException(m.toString());
    }

    private static void checkFinite(String name, float[] values, String prefix) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                int bad = 0;
                for (float v : values) {
                    bad += Float.isFinite(v) ? 0 : 1;
                }
                throw new ModelException(prefix + "tensor '" + name + "' holds a non-finite value (" + values[i]
                        + ") at flat index " + i + "; " + bad + " of its " + values.length + " values are NaN or "
                        + "infinite");
            }
        }
    }

    /** The number of values of {@code shape} (dims >= 0), capped so that its byte size cannot overflow. */
    private static long elementCount(int[] shape) {
        long cap = Long.MAX_VALUE / Float.BYTES;
        long n = 1;
        for (int d : shape) {
            if (d == 0) {
                return 0;
            }
            n = n > cap / d ? cap : n * d;
        }
        return n;
    }

    private static String describeBytes(byte[] b) {
        StringBuilder hex = new StringBuilder();
        StringBuilder text = new StringBuilder();
        for (byte x : b) {
            hex.append(hex.length() == 0 ? "" : " ").append(String.format("%02X", x & 0xff));
            text.append(x >= 0x20 && x < 0x7f ? (char) x : '.');
        }
        return hex + " ('" + text + "')";
    }
}
