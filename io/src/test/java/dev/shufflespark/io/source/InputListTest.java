package dev.shufflespark.io.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The compact list of inputs: the same answers as a list of {@link InputFile}s, views that copy nothing. */
class InputListTest {

    private static InputFile.Kind kind(int i) {
        return i % 7 == 3 ? InputFile.Kind.TAR : InputFile.Kind.IMAGE;
    }

    /** {@code n} inputs with paths of varied lengths (some non-ASCII), some lengths unknown. */
    private static List<InputFile> files(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<InputFile> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String path = "hdfs://nn:8020/archive/" + "x".repeat(r.nextInt(40)) + (i % 11 == 0 ? "ñé" : "") + "/" + i
                    + (kind(i) == InputFile.Kind.TAR ? ".tar" : ".jpg");
            out.add(new InputFile(path, i % 5 == 0 ? InputFile.UNKNOWN_LENGTH : r.nextLong(1L << 40), kind(i)));
        }
        return out;
    }

    private static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    private static Object deserialize(byte[] bytes) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return in.readObject();
        }
    }

    @Test
    void aBuiltListAnswersAsTheFilesItWasGivenAndKeepsEachPathOnce() {
        List<InputFile> files = files(20_000, 1);
        InputList.Builder b = InputList.builder();
        for (InputFile f : files) {
            assertTrue(b.add(f.uri(), f.length(), f.kind()));
        }
        // The same paths again (another length, another kind): not added.
        for (int i = 0; i < files.size(); i += 3) {
            assertFalse(b.add(files.get(i).uri(), 1, InputFile.Kind.IMAGE));
        }
        byte[] prefix = "hdfs://nn:8020/other/".getBytes(StandardCharsets.UTF_8);
        byte[] line = "## 0.jpg".getBytes(StandardCharsets.UTF_8);
        assertTrue(b.add(prefix, line, 3, line.length - 3, 5, InputFile.Kind.IMAGE), "a new path");
        assertFalse(b.add("hdfs://nn:8020/other/0.jpg", 6, InputFile.Kind.TAR), "prefix + path, again");
        InputList list = b.build();
        assertThrows(IllegalStateException.class, () -> b.add("file:/late.jpg", 1, InputFile.Kind.IMAGE));

        assertEquals(files.size() + 1, list.size());
        assertEquals(files, list.subList(0, files.size()));
        assertEquals(new InputFile("hdfs://nn:8020/other/0.jpg", 5, InputFile.Kind.IMAGE), list.get(files.size()));
        long known = 0;
        int unknown = 0;
        for (int i = 0; i < files.size(); i++) {
            InputFile f = files.get(i);
            assertEquals(f.uri(), list.uri(i));
            assertEquals(f.length(), list.length(i));
            assertEquals(f.kind(), list.kind(i));
            assertEquals(i, list.indexOf(f.uri()));
            assertTrue(list.uriEquals(i, f.uri()));
            known += Math.max(0, f.length());
            unknown += f.length() < 0 ? 1 : 0;
        }
        assertEquals(known + 5, list.knownBytes());
        assertEquals(unknown, list.unknownLengths());
        assertEquals(-1, list.indexOf("hdfs://nn:8020/archive/nothing.jpg"));
        assertTrue(list.anyTar());
        assertTrue(list.startsWith(7, "hdfs://nn:8020/archive/".getBytes(StandardCharsets.UTF_8)));
        assertFalse(list.startsWith(7, "s3a://".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void viewsShareTheStoreAndFindTheirOwnInputsOnly() throws Exception {
        List<InputFile> files = files(5_000, 2);
        InputList list = InputList.of(files);
        InputList mid = list.subList(1000, 3000);
        assertEquals(files.subList(1000, 3000), mid);
        assertEquals(0, mid.indexOf(files.get(1000).uri()));
        assertEquals(-1, mid.indexOf(files.get(999).uri()), "before the view");
        assertEquals(-1, mid.indexOf(files.get(3000).uri()), "after the view");

        boolean[] keep = new boolean[mid.size()];
        List<InputFile> kept = new ArrayList<>();
        for (int i = 0; i < keep.length; i++) {
            keep[i] = i % 3 != 1;
            if (keep[i]) {
                kept.add(mid.get(i));
            }
        }
        InputList selected = mid.select(keep);
        assertEquals(kept, selected);
        assertEquals(kept.subList(10, 20), selected.subList(10, 20));
        for (int i = 0; i < kept.size(); i += 97) {
            assertEquals(i, selected.indexOf(kept.get(i).uri()));
        }
        assertEquals(-1, selected.indexOf(mid.uri(1)), "not selected");
        assertEquals(-1, selected.subList(10, 20).indexOf(kept.get(9).uri()));
        assertTrue(mid.select(new boolean[mid.size()]).isEmpty());

        // The digest of a span is that of its paths, each followed by a line feed.
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        selected.digest(5, 9, d);
        MessageDigest e = MessageDigest.getInstance("SHA-256");
        for (InputFile f : kept.subList(5, 9)) {
            e.update((f.uri() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(HexFormat.of().formatHex(e.digest()), HexFormat.of().formatHex(d.digest()));
    }

    @Test
    void aViewTravelsAsItsOwnInputsPacked() throws Exception {
        List<InputFile> files = files(100_000, 3);
        InputList list = InputList.of(files);
        InputList part = list.subList(40_000, 41_000);
        byte[] bytes = serialize(part);
        assertEquals(files.subList(40_000, 41_000), deserialize(bytes));
        long pathBytes = part.pathBytes();
        // paths, and per input 4 bytes of path length, 8 of length and 1 of kind, plus a few hundred of framing
        assertTrue(bytes.length <= pathBytes + 13L * part.size() + 600, bytes.length + " bytes for " + pathBytes
                + " bytes of paths");
        assertTrue(bytes.length < serialize(new ArrayList<>(files.subList(40_000, 41_000))).length,
                "smaller than the records themselves");

        boolean[] keep = new boolean[list.size()];
        for (int i = 0; i < keep.length; i += 1000) {
            keep[i] = true;
        }
        InputList sparse = list.select(keep);
        InputList back = (InputList) deserialize(serialize(sparse));
        assertEquals(sparse, back);
        assertEquals(100, back.size());
        assertEquals(sparse.uri(42), back.uri(back.indexOf(sparse.uri(42))));
        assertEquals(List.of(), deserialize(serialize(InputList.empty())));
    }
}
