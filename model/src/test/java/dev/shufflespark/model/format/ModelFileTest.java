package dev.shufflespark.model.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.Tensor;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.shufflenet.SeededInit;
import dev.shufflespark.model.shufflenet.ShuffleNetV1;
import dev.shufflespark.model.shufflenet.ShuffleNetV2;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelFileTest {
    private static final Architecture V1 = Architecture.parse("shufflenet_v1_g3_x1_0");
    private static final Architecture V2 = Architecture.parse("shufflenet_v2_x0_5").withClasses(10);
    /** Small, so that the error cases run fast. */
    private static final Architecture SMALL = Architecture.parse("shufflenet_v1_g3_x0_25").withClasses(7);

    private static Weights seeded(Architecture a) {
        Map<String, int[]> shapes = ModelFile.expectedShapes(a);
        return SeededInit.init(shapes, SeededInit.DEFAULT_SEED, ShuffleNetV1.BN_EPS);
    }

    private static byte[] bytesOf(Architecture a, Weights w) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.write(a, w, out);
        return out.toByteArray();
    }

    private static byte[] unchecked(int version, String arch, int classes, Map<String, Tensor> tensors)
            throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ModelFile.writeUnchecked(version, arch, classes, tensors, out);
        return out.toByteArray();
    }

    private static String readError(byte[] file) {
        return assertThrows(ModelException.class, () -> ModelFile.read(file)).getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "expected <" + p + "> in message: " + message);
        }
    }

    private static void assertBitIdentical(Weights expected, Weights actual) {
        assertEquals(new ArrayList<>(expected.names()), new ArrayList<>(actual.names()));
        for (String name : expected.names()) {
            Tensor e = expected.get(name);
            Tensor a = actual.get(name);
            assertArrayEquals(e.shape(), a.shape(), name);
            float[] ed = e.data();
            float[] ad = a.data();
            assertEquals(ed.length, ad.length, name);
            for (int i = 0; i < ed.length; i++) {
                if (Float.floatToRawIntBits(ed[i]) != Float.floatToRawIntBits(ad[i])) {
                    throw new AssertionError(name + "[" + i + "]: wrote " + ed[i] + ", read " + ad[i]);
                }
            }
        }
    }

    /** Where each tensor's data starts, computed from the spec table rather than from the reader. */
    private static Map<String, Integer> dataOffsets(Architecture a, Map<String, int[]> shapes) {
        int offset = 4 + 4 + 4 + a.name().getBytes(StandardCharsets.UTF_8).length + 4 + 4;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            offset += 4 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().length;
        }
        Map<String, Integer> offsets = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            offsets.put(e.getKey(), offset);
            offset += 4 * (int) Tensor.sizeOf(e.getValue());
        }
        offsets.put("<checksum>", offset);
        return offsets;
    }

    private static int crc32c(byte[] b, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b, 0, length);
        return (int) crc.getValue();
    }

    private static Map<String, Tensor> tensorsOf(Weights w) {
        return new LinkedHashMap<>(w.asMap());
    }

    // ------------------------------------------------------------------------------------------ round trips

    @Test
    void roundTripV1ThroughStreamIsBitIdentical() throws IOException {
        Weights w = seeded(V1);
        byte[] file = bytesOf(V1, w);
        ModelFile.Contents c = ModelFile.read(new ByteArrayInputStream(file));
        assertEquals(V1, c.architecture());
        assertEquals("shufflenet_v1_g3_x1_0", c.architecture().name());
        assertEquals(1000, c.architecture().numClasses());
        assertBitIdentical(w, c.weights());
    }

    @Test
    void roundTripV2ThroughPathIsBitIdentical(@TempDir Path dir) {
        Weights w = seeded(V2);
        Path file = dir.resolve("v2.ssnm");
        ModelFile.write(V2, w, file);
        ModelFile.Contents c = ModelFile.read(file);
        assertEquals(V2, c.architecture());
        assertEquals(10, c.architecture().numClasses());
        assertBitIdentical(w, c.weights());
        try (var listing = Files.list(dir)) {
            assertEquals(List.of(file), listing.toList(), "no temporary file is left behind");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void specialButFiniteValuesSurviveBitForBit() throws IOException {
        Weights w = seeded(SMALL);
        Map<String, Tensor> t = tensorsOf(w);
        float[] bias = t.get("fc.bias").data().clone();
        bias[0] = -0.0f;
        bias[1] = Float.MIN_VALUE;
        bias[2] = Float.MAX_VALUE;
        bias[3] = -Float.MIN_NORMAL;
        t.put("fc.bias", new Tensor(new int[] {7}, bias));
        Weights special = new Weights(t);
        assertBitIdentical(special, ModelFile.read(bytesOf(SMALL, special)).weights());
    }

    @Test
    void writeUsesTheArchitecturesOrderWhateverTheWeightsOrder() throws IOException {
        Weights w = seeded(SMALL);
        List<String> names = new ArrayList<>(w.names());
        Map<String, Tensor> reversed = new LinkedHashMap<>();
        for (int i = names.size() - 1; i >= 0; i--) {
            reversed.put(names.get(i), w.get(names.get(i)));
        }
        assertArrayEquals(bytesOf(SMALL, w), bytesOf(SMALL, new Weights(reversed)));
    }

    /** Pins the byte layout documented in {@link ModelFile}'s Javadoc. */
    @Test
    void bytesFollowTheDocumentedLayout() throws IOException {
        Weights w = seeded(SMALL);
        byte[] file = bytesOf(SMALL, w);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertArrayEquals(new byte[] {0x53, 0x53, 0x4E, 0x4D}, Arrays.copyOf(file, 4));
        b.position(4);
        assertEquals(1, b.getInt());
        byte[] name = SMALL.name().getBytes(StandardCharsets.UTF_8);
        assertEquals(name.length, b.getInt());
        byte[] nameRead = new byte[name.length];
        b.get(nameRead);
        assertArrayEquals(name, nameRead);
        assertEquals(7, b.getInt());
        Map<String, int[]> shapes = ShuffleNetV1.weightShapes(SMALL);
        assertEquals(shapes.size(), b.getInt());
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            byte[] tn = new byte[b.getInt()];
            b.get(tn);
            assertEquals(e.getKey(), new String(tn, StandardCharsets.UTF_8));
            int[] dims = new int[b.getInt()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = b.getInt();
            }
            assertArrayEquals(e.getValue(), dims, e.getKey());
        }
        Map<String, Integer> offsets = dataOffsets(SMALL, shapes);
        assertEquals(offsets.get("conv1.weight"), b.position());
        for (String n : new String[] {"conv1.weight", "stage3.4.bn2.running_var", "fc.bias"}) {
            float[] data = w.get(n).data();
            int at = offsets.get(n);
            for (int i = 0; i < data.length; i++) {
                assertEquals(Float.floatToRawIntBits(data[i]), b.getInt(at + 4 * i), n + "[" + i + "]");
            }
        }
        int end = offsets.get("<checksum>");
        assertEquals(end + 4, file.length);
        assertEquals(crc32c(file, end), b.getInt(end));
    }

    // ------------------------------------------------------------------------------------------ not a model file

    @Test
    void badMagicNamesTheBytesFound() {
        byte[] zip = {0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00};
        assertContains(readError(zip), "not a shufflespark model file", "53 53 4E 4D ('SSNM')",
                "found 50 4B 03 04 ('PK..')");
    }

    @Test
    void emptyAndTinyFilesAreNotModelFiles() {
        assertContains(readError(new byte[0]), "not a shufflespark model file", "found an empty file");
        assertContains(readError(new byte[] {'S', 'S'}), "not a shufflespark model file",
                "found only 2 bytes: 53 53 ('SS')");
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        file[4] = 2;
        assertContains(readError(file), "unsupported model file version 2", "supports version 1");
        byte[] future = unchecked(7, SMALL.name(), 7, tensorsOf(seeded(SMALL)));
        assertContains(readError(future), "unsupported model file version 7");
    }

    // ------------------------------------------------------------------------------------------ truncation

    @Test
    void truncatedInsideTheFixedHeader() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        assertContains(readError(Arrays.copyOf(file, 6)), "truncated model file", "format version",
                "offset 4", "needs 4 bytes, but only 2 remain");
        assertContains(readError(Arrays.copyOf(file, 10)), "truncated model file", "architecture name length",
                "offset 8", "needs 4 bytes, but only 2 remain");
        int nameLength = SMALL.name().length();
        assertContains(readError(Arrays.copyOf(file, 12 + 5)), "truncated model file", "architecture name (",
                "offset 12", "needs " + nameLength + " bytes, but only 5 remain");
        assertContains(readError(Arrays.copyOf(file, 12 + nameLength + 4 + 1)), "truncated model file",
                "tensor count", "needs 4 bytes, but only 1 remain");
    }

    @Test
    void truncatedInsideTheTensorTable() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        int tableStart = 12 + SMALL.name().length() + 8;
        // first entry: name length (4) + "conv1.weight" (12) + rank (4) + dims (16)
        assertContains(readError(Arrays.copyOf(file, tableStart + 4 + 3)), "truncated model file",
                "tensor table entry 1 of", ": name (12 bytes", "needs 12 bytes, but only 3 remain");
        assertContains(readError(Arrays.copyOf(file, tableStart + 4 + 12 + 4 + 9)), "truncated model file",
                "('conv1.weight'): dimension 2 of 4", "needs 4 bytes, but only 1 remain");
    }

    @Test
    void truncatedInsideATensorNamesTheTensor() throws IOException {
        Map<String, int[]> shapes = ShuffleNetV1.weightShapes(SMALL);
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        Map<String, Integer> offsets = dataOffsets(SMALL, shapes);

        int conv1 = offsets.get("conv1.weight");
        String m = readError(Arrays.copyOf(file, conv1 + 10));
        assertContains(m, "truncated model file", "data of tensor 'conv1.weight' [12, 3, 3, 3] (324 float32 values)",
                "offset " + conv1, "needs 1296 bytes, but only 10 remain");

        String name = "stage3.2.conv2.weight";
        int[] shape = shapes.get(name);
        int at = offsets.get(name);
        m = readError(Arrays.copyOf(file, at + 100));
        assertContains(m, "data of tensor '" + name + "' " + Arrays.toString(shape), "offset " + at,
                "needs " + 4 * Tensor.sizeOf(shape) + " bytes, but only 100 remain");

        // cut exactly between two tensors: the second is the one that is short
        m = readError(Arrays.copyOf(file, offsets.get("fc.bias")));
        assertContains(m, "data of tensor 'fc.bias' [7]", "needs 28 bytes, but only 0 remain");
    }

    @Test
    void truncatedBeforeTheChecksum() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        int end = file.length - 4;
        assertContains(readError(Arrays.copyOf(file, end)), "truncated model file", "CRC32C checksum",
                "offset " + end, "needs 4 bytes, but only 0 remain");
        assertContains(readError(Arrays.copyOf(file, end + 3)), "CRC32C checksum", "needs 4 bytes, but only 3 remain");
    }

    @Test
    void truncatedAtEveryLengthIsAlwaysAModelException() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        int step = Math.max(1, file.length / 997);
        for (int len = 0; len < file.length; len += len < 400 ? 1 : step) {
            byte[] cut = Arrays.copyOf(file, len);
            String m = readError(cut);
            assertTrue(m.startsWith("truncated model file") || m.startsWith("not a shufflespark model file"),
                    "cut at " + len + ": " + m);
        }
    }

    // ------------------------------------------------------------------------------------------ corruption

    @Test
    void flippedDataByteFailsTheChecksum() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        int stored = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(file.length - 4);
        Map<String, Integer> offsets = dataOffsets(SMALL, ShuffleNetV1.weightShapes(SMALL));
        int at = offsets.get("stage4.1.conv3.weight") + 13;
        file[at] ^= 0x01;
        int actual = crc32c(file, file.length - 4);
        String m = readError(file);
        assertContains(m, "checksum mismatch", String.format("CRC32C 0x%08x", stored),
                String.format("give 0x%08x", actual), "first " + (file.length - 4) + " bytes");
    }

    @Test
    void flippedChecksumByteFailsTheChecksum() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        file[file.length - 1] ^= (byte) 0x80;
        assertContains(readError(file), "checksum mismatch");
    }

    @Test
    void bytesAfterTheChecksumAreRefused() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        byte[] longer = Arrays.copyOf(file, file.length + 3);
        assertContains(readError(longer), "3 unexpected bytes after the checksum", "offset " + (file.length - 4));
    }

    @Test
    void corruptHeaderFieldsAreNamed() throws IOException {
        byte[] file = bytesOf(SMALL, seeded(SMALL));
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int countAt = 12 + SMALL.name().length() + 4;

        byte[] negative = file.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putInt(countAt, -5);
        assertContains(readError(negative), "tensor count -5 is negative");

        byte[] rank = file.clone();
        int rankAt = countAt + 4 + 4 + "conv1.weight".length();
        assertEquals(4, b.getInt(rankAt));
        ByteBuffer.wrap(rank).order(ByteOrder.LITTLE_ENDIAN).putInt(rankAt, 99);
        assertContains(readError(rank), "tensor 'conv1.weight' has rank 99");

        byte[] dim = file.clone();
        ByteBuffer.wrap(dim).order(ByteOrder.LITTLE_ENDIAN).putInt(rankAt + 4, -12);
        assertContains(readError(dim), "tensor 'conv1.weight' has negative dimension -12 at index 0");

        byte[] nameLength = file.clone();
        ByteBuffer.wrap(nameLength).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0);
        assertContains(readError(nameLength), "architecture name length is 0 bytes");

        byte[] utf8 = file.clone();
        utf8[12] = (byte) 0xC3;
        utf8[13] = (byte) 0x28;
        assertContains(readError(utf8), "architecture name is not valid UTF-8");
    }

    @Test
    void duplicateTensorNamesAreRefused() throws IOException {
        Map<String, Tensor> two = new LinkedHashMap<>();
        two.put("aaaaaaaa", Tensor.zeros(1));
        two.put("bbbbbbbb", Tensor.zeros(1));
        byte[] dup = unchecked(1, SMALL.name(), 1, two);
        int second = indexOf(dup, "bbbbbbbb".getBytes(StandardCharsets.US_ASCII));
        assertTrue(second > 0);
        System.arraycopy("aaaaaaaa".getBytes(StandardCharsets.US_ASCII), 0, dup, second, 8);
        assertContains(readError(dup), "tensor 'aaaaaaaa' appears twice", "entries 1 and 2");
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------ meaning

    @Test
    void unknownArchitectureName() throws IOException {
        byte[] file = unchecked(1, "shufflenet_v3_x1_0", 7, tensorsOf(seeded(SMALL)));
        assertContains(readError(file), "unknown architecture 'shufflenet_v3_x1_0'", "shufflenet_v2_x1_0");
        byte[] v2quarter = unchecked(1, "shufflenet_v2_x0_25", 7, tensorsOf(seeded(SMALL)));
        assertContains(readError(v2quarter), "unknown architecture 'shufflenet_v2_x0_25'");
    }

    @Test
    void nonPositiveClassCount() throws IOException {
        byte[] file = unchecked(1, SMALL.name(), 0, tensorsOf(seeded(SMALL)));
        assertContains(readError(file), "shufflenet_v1_g3_x0_25 has 0 classes");
    }

    @Test
    void missingTensor() throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        int[] shape = t.remove("stage3.2.bn2.running_var").shape();
        String m = readError(unchecked(1, SMALL.name(), 7, t));
        assertContains(m, "weights do not match shufflenet_v1_g3_x0_25 with 7 classes",
                "missing tensor 'stage3.2.bn2.running_var' (expected shape " + Arrays.toString(shape) + ")");
    }

    @Test
    void unexpectedTensor() throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        t.put("stage5.0.conv1.weight", Tensor.zeros(4, 2, 1, 1));
        String m = readError(unchecked(1, SMALL.name(), 7, t));
        assertContains(m, "unexpected tensor 'stage5.0.conv1.weight' with shape [4, 2, 1, 1]",
                "shufflenet_v1_g3_x0_25 has no such tensor");
    }

    @Test
    void shapeMismatchNamesTensorExpectedAndActual() throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        int[] expected = t.get("stage2.0.conv1.weight").shape();
        int[] wrong = expected.clone();
        wrong[1] += 1;
        t.put("stage2.0.conv1.weight", Tensor.zeros(wrong));
        String m = readError(unchecked(1, SMALL.name(), 7, t));
        assertContains(m, "tensor 'stage2.0.conv1.weight' has shape " + Arrays.toString(wrong) + ", expected "
                + Arrays.toString(expected));
    }

    @Test
    void headerClassCountIsWhatShapesAreCheckedAgainst() throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        int features = ShuffleNetV1.layout(SMALL).featureChannels();
        String m = readError(unchecked(1, SMALL.name(), 1000, t));
        assertContains(m, "shufflenet_v1_g3_x0_25 with 1000 classes",
                "tensor 'fc.weight' has shape [7, " + features + "], expected [1000, " + features + "]",
                "tensor 'fc.bias' has shape [7], expected [1000]");
    }

    @Test
    void wrongFamilyListsTheFirstProblemsAndCountsTheRest() throws IOException {
        Map<String, Tensor> v2 = tensorsOf(seeded(V2));
        String m = readError(unchecked(1, SMALL.name(), 10, v2));
        assertContains(m, "missing tensor 'conv1.weight'", "more");
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteValueNamesTheTensor(float bad) throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        Tensor dw = t.get("stage2.1.conv2.weight");
        float[] d = dw.data().clone();
        d[5] = bad;
        d[9] = bad;
        t.put("stage2.1.conv2.weight", new Tensor(dw.shape(), d));
        String m = readError(unchecked(1, SMALL.name(), 7, t));
        assertContains(m, "tensor 'stage2.1.conv2.weight' holds a non-finite value (" + bad + ") at flat index 5",
                "2 of its " + d.length + " values");
    }

    // ------------------------------------------------------------------------------------------ write refuses

    @Test
    void writeRefusesWeightsOfAnotherArchitecture() {
        Weights v2 = seeded(V2);
        ModelException e = assertThrows(ModelException.class, () -> bytesOf(SMALL, v2));
        assertContains(e.getMessage(), "cannot write model", "shufflenet_v1_g3_x0_25", "missing tensor 'conv1.weight'");
    }

    @Test
    void writeRefusesAShapeMismatch() {
        Map<String, Tensor> t = tensorsOf(seeded(V2));
        t.put("fc.bias", Tensor.zeros(11));
        ModelException e = assertThrows(ModelException.class, () -> bytesOf(V2, new Weights(t)));
        assertContains(e.getMessage(), "cannot write model", "tensor 'fc.bias' has shape [11], expected [10]");
    }

    @Test
    void writeRefusesNonFiniteValuesAndLeavesNoFile(@TempDir Path dir) throws IOException {
        Map<String, Tensor> t = tensorsOf(seeded(SMALL));
        float[] bias = t.get("fc.bias").data().clone();
        bias[6] = Float.NaN;
        t.put("fc.bias", new Tensor(new int[] {7}, bias));
        Path file = dir.resolve("bad.ssnm");
        ModelException e = assertThrows(ModelException.class, () -> ModelFile.write(SMALL, new Weights(t), file));
        assertContains(e.getMessage(), "cannot write model", "tensor 'fc.bias' holds a non-finite value (NaN) at "
                + "flat index 6");
        try (var listing = Files.list(dir)) {
            assertEquals(0, listing.count());
        }
    }

    @Test
    void pathErrorsNameTheFile(@TempDir Path dir) throws IOException {
        Path missing = dir.resolve("missing.ssnm");
        assertContains(assertThrows(ModelException.class, () -> ModelFile.read(missing)).getMessage(),
                "cannot read model file " + missing);
        Path text = dir.resolve("labels.txt");
        Files.writeString(text, "tench\ngoldfish\n");
        assertContains(assertThrows(ModelException.class, () -> ModelFile.read(text)).getMessage(),
                "model file " + text + ": not a shufflespark model file", "74 65 6E 63 ('tenc')");
    }

    @Test
    void v2FileCarriesTorchvisionNames() throws IOException {
        ModelFile.Contents c = ModelFile.read(bytesOf(V2, seeded(V2)));
        assertEquals(new ArrayList<>(ShuffleNetV2.weightShapes(V2).keySet()), new ArrayList<>(c.weights().names()));
        assertTrue(c.weights().contains("stage2.0.branch1.0.weight"));
        assertFalse(c.weights().contains("stage2.1.branch1.0.weight"));
    }
}
