package dev.shufflespark.io.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.decode.Reason;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Images;
import dev.shufflespark.io.testing.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Listing, partitioning and reading on the local file system (file://). */
class LocalSourceTest {

    @TempDir
    Path dir;

    private final Configuration conf = new Configuration();

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        return Files.write(p, bytes);
    }

    private static List<String> names(List<InputFile> files, Path root) {
        List<String> out = new ArrayList<>();
        String prefix = root.toUri().getPath();
        for (InputFile f : files) {
            String path = java.net.URI.create(f.uri()).getPath();
            out.add((path.startsWith(prefix) ? path.substring(prefix.length()) : path)
                    + (f.kind() == InputFile.Kind.TAR ? " (tar)" : ""));
        }
        return out;
    }

    @Test
    void foldersAreListedRecursivelySkippingHiddenUnderscoreAndOtherExtensions() throws IOException {
        write("b/2.PNG", Images.sample("chelsea.png"));
        write("a/1.jpg", Images.sample("rocket.jpg"));
        write("a/deep/3.jpeg", Images.sample("rocket.jpg"));
        write("a/notes.txt", Images.text());
        write("a/.hidden.jpg", Images.sample("rocket.jpg"));
        write(".cache/4.jpg", Images.sample("rocket.jpg"));
        write("_temporary/5.jpg", Images.sample("rocket.jpg"));
        write("_SUCCESS", new byte[0]);
        write("shards/000.tar", new TarWriter().file("x.jpg", Images.sample("rocket.jpg")).bytes());
        // a link back up the tree: listed once, not forever
        Files.createSymbolicLink(dir.resolve("a/deep/loop"), dir.resolve("a"));

        List<InputFile> files = InputLister.list(List.of(dir.toString()), conf, ListingOptions.defaults());
        assertEquals(List.of("a/1.jpg", "a/deep/3.jpeg", "b/2.PNG", "shards/000.tar (tar)"), names(files, dir));
        assertEquals(Files.size(dir.resolve("a/1.jpg")), files.get(0).length());
        assertTrue(files.get(0).uri().startsWith("file:"), files.get(0).uri());

        // The extensions are the user's to choose.
        List<InputFile> pngOnly = InputLister.list(List.of(dir.toString()), conf,
                ListingOptions.defaults().withImageExtensions(".png"));
        assertEquals(List.of("b/2.PNG", "shards/000.tar (tar)"), names(pngOnly, dir));
    }

    @Test
    void globsListFilesAndNamedFiles() throws IOException {
        write("photos/a.jpg", Images.sample("rocket.jpg"));
        write("photos/b.png", Images.sample("chelsea.png"));
        write("photos/c.gif", Images.sample("chelsea.png"));
        write("photos/readme.md", Images.text());
        write("photos/sub/d.jpg", Images.sample("rocket.jpg"));
        write("other/e.bin", Images.sample("rocket.jpg"));
        write("lists/some.txt", ("# inputs\n\n../photos/b.png\n" + dir.resolve("photos/*.jpg") + "\n../photos/sub\n")
                .getBytes());

        assertEquals(List.of("photos/a.jpg", "photos/b.png", "photos/c.gif", "photos/sub/d.jpg"),
                names(InputLister.list(List.of(dir.resolve("photos/*").toString()), conf, ListingOptions.defaults()),
                        dir));
        assertEquals(List.of("photos/b.png", "photos/a.jpg", "photos/sub/d.jpg"),
                names(InputLister.list(List.of(dir.resolve("lists/some.txt").toString()), conf,
                        ListingOptions.defaults()), dir));
        // A file named directly is taken whatever its extension; the same file twice is listed once.
        assertEquals(List.of("other/e.bin", "photos/a.jpg"), names(InputLister.list(List.of(
                dir.resolve("other/e.bin").toString(), dir.resolve("photos/a.jpg").toString(),
                dir.resolve("photos/{a,zz}.jpg").toString()), conf, ListingOptions.defaults()), dir));
    }

    @Test
    void missingInputsFailNamingThem() throws IOException {
        write("photos/a.jpg", Images.sample("rocket.jpg"));
        String missing = dir.resolve("nope").toString();
        InputException e = assertThrows(InputException.class,
                () -> InputLister.list(List.of(missing), conf, ListingOptions.defaults()));
        assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("no such file"), e.getMessage());
        String glob = dir.resolve("photos/*.webp").toString();
        e = assertThrows(InputException.class, () -> InputLister.list(List.of(glob), conf, ListingOptions.defaults()));
        assertTrue(e.getMessage().contains("*.webp") && e.getMessage().contains("matches nothing"), e.getMessage());
        // A list file's line that is neither an image nor a tar shard by its name is looked up, and fails there.
        write("list.txt", "photos/a.jpg\nphotos/missing\n".getBytes());
        e = assertThrows(InputException.class, () -> InputLister.list(List.of(dir.resolve("list.txt").toString()),
                conf, ListingOptions.defaults()));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void imagePathsOfListFilesAreTakenUnaskedAndWhatIsNotThereIsNotFoundWhenRead() throws Exception {
        write("photos/a.jpg", Images.sample("rocket.jpg"));
        write("photos/b.png", Images.sample("chelsea.png"));
        write("photos/sub/c.jpg", Images.sample("rocket.jpg"));
        Path other = write("elsewhere/d.jpg", Images.sample("rocket.jpg"));
        String otherUri = new org.apache.hadoop.fs.Path(other.toString()).getFileSystem(conf)
                .makeQualified(new org.apache.hadoop.fs.Path(other.toString())).toString();
        // Plain paths are joined to the list's folder byte for byte, the others go through Hadoop's Path: every
        // one must come out as Path makes it. Lengths come from the line when it gives them, else are unknown.
        String[] lines = {"# a comment", "", "a.jpg", "  b.png\t" + Files.size(dir.resolve("photos/b.png")) + "  ",
            "sub/c.jpg\r", "./sub/../a.jpg", "sub//c.jpg", "missing.jpg", other.toString(), "file:" + other,
            "ünïcode/ñ.jpg", "with space.jpg", "deep/er/x.TIF", "shard.tar", "a.jpg", "gone.jpg", "album.jpg"};
        write("photos/list.txt", String.join("\n", lines).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Path gone = write("photos/gone.jpg", Images.sample("rocket.jpg"));
        write("photos/album.jpg/inside.jpg", Images.sample("rocket.jpg")); // a folder named as an image

        InputList listed = InputLister.list(List.of(dir.resolve("photos/list.txt").toString()), conf,
                ListingOptions.defaults());
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(dir.resolve("photos").toString());
        org.apache.hadoop.fs.FileSystem fs = folder.getFileSystem(conf);
        List<String> expected = new ArrayList<>();
        for (String l : List.of("a.jpg", "b.png", "sub/c.jpg", "missing.jpg", "ünïcode/ñ.jpg", "with space.jpg",
                "deep/er/x.TIF", "shard.tar", "gone.jpg", "album.jpg")) {
            expected.add(fs.makeQualified(new org.apache.hadoop.fs.Path(folder, l)).toString());
        }
        expected.add(4, otherUri); // the absolute path and the file: URI name the same file: listed once
        List<String> got = new ArrayList<>();
        for (int i = 0; i < listed.size(); i++) {
            got.add(listed.uri(i));
        }
        assertEquals(expected, got);
        assertEquals(List.of(-1L, Files.size(dir.resolve("photos/b.png")), -1L, -1L, -1L, -1L, -1L, -1L, -1L, -1L, -1L),
                listed.stream().map(InputFile::length).toList());
        assertEquals(InputFile.Kind.TAR, listed.kind(8));
        assertEquals(10, listed.unknownLengths());

        // Read as a task reads them: what is not there (never was, or deleted since listing) or is a folder is
        // NOT_FOUND.
        Files.delete(gone);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet().withResize(64, 56, 56));
        Map<String, String> statuses = new LinkedHashMap<>();
        try (ImageDecoder decoder = new ImageDecoder();
             PartitionReader reader = new PartitionReader(conf, listed, decoder, pre, ListingOptions.defaults())) {
            float[] out = new float[pre.outputLength()];
            for (ImageResult r; (r = reader.next(out, 0)) != null; ) {
                statuses.put(r.path().substring(r.path().lastIndexOf('/') + 1), r.status());
                if (!r.ok()) {
                    assertTrue(r.message().startsWith(r.path() + ": "), r.message());
                }
            }
        }
        Map<String, String> want = new LinkedHashMap<>();
        want.put("a.jpg", "OK");
        want.put("b.png", "OK");
        want.put("c.jpg", "OK");
        want.put("missing.jpg", "NOT_FOUND");
        want.put("d.jpg", "OK");
        want.put("ñ.jpg", "NOT_FOUND");
        want.put("with space.jpg", "NOT_FOUND");
        want.put("x.TIF", "NOT_FOUND");
        want.put("shard.tar", "NOT_FOUND");
        want.put("gone.jpg", "NOT_FOUND");
        want.put("album.jpg", "NOT_FOUND");
        assertEquals(want, statuses);
    }

    @Test
    void partitionsByFileCountAndBytes() {
        List<InputFile> files = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            files.add(new InputFile("file:/x/" + i + ".jpg", 100, InputFile.Kind.IMAGE));
        }
        files.add(new InputFile("file:/x/big.tar", 5000, InputFile.Kind.TAR));
        files.add(new InputFile("file:/x/z.jpg", 100, InputFile.Kind.IMAGE));

        InputPartitioner.Plan byCount = InputPartitioner.plan(files, new InputPartitioner.Options(4, 1 << 20, 1));
        assertEquals(List.of(4, 4, 4), byCount.partitions().stream().map(p -> p.files().size()).toList());
        InputPartitioner.Plan byBytes = InputPartitioner.plan(files, new InputPartitioner.Options(100, 450, 1));
        // 4 x 100 fit in 450; the 5000-byte shard gets a partition of its own.
        assertEquals(List.of(4, 4, 2, 1, 1), byBytes.partitions().stream().map(p -> p.files().size()).toList());
        assertEquals(5000, byBytes.partitions().get(3).bytes());
        // Enough partitions for the cores when the limits alone would give one.
        InputPartitioner.Plan spread = InputPartitioner.plan(files.subList(0, 10),
                new InputPartitioner.Options(1000, 1L << 30, 4));
        // 10 files and 1000 bytes over 4: at most 3 files and 250 bytes each, so 2 files each.
        assertEquals(5, spread.partitions().size());
        assertEquals(10, spread.partitions().stream().mapToInt(p -> p.files().size()).sum());
        for (int i = 0; i < spread.partitions().size(); i++) {
            assertEquals(i, spread.partitions().get(i).index());
        }
        assertTrue(spread.describe().startsWith("10 inputs (0.0 MB) in 5 partitions"), spread.describe());
        // 11 files of 100 bytes over 4: at most 3 files and 275 bytes each, so 2 files each and one left over,
        // which joins the last partition rather than making a task of its own; not past the hard limits.
        List<InputFile> eleven = new ArrayList<>(files.subList(0, 10));
        eleven.add(files.get(11));
        InputPartitioner.Plan joined = InputPartitioner.plan(eleven, new InputPartitioner.Options(1000, 1L << 30, 4));
        assertEquals(List.of(2, 2, 2, 2, 3), joined.partitions().stream().map(p -> p.files().size()).toList());
        assertEquals(300, joined.partitions().get(4).bytes());
        assertEquals(4, joined.partitions().get(4).index());
        assertEquals("file:/x/z.jpg", joined.partitions().get(4).files().uri(2));
        InputPartitioner.Plan capped = InputPartitioner.plan(eleven, new InputPartitioner.Options(2, 1L << 30, 4));
        assertEquals(List.of(2, 2, 2, 2, 2, 1), capped.partitions().stream().map(p -> p.files().size()).toList());
    }

    @Test
    void readsGoodAndBadFilesAndTarMembersIntoTheCallersArray() throws Exception {
        byte[] rocket = Images.sample("rocket.jpg");
        byte[] chelsea = Images.sample("chelsea.png");
        write("in/01-rocket.jpg", rocket);
        write("in/02-empty.jpg", new byte[0]);
        write("in/03-text.jpg", Images.text());
        write("in/04-truncated.jpg", Images.truncated(rocket, 0.5));
        write("in/05-shard.tar", new TarWriter()
                .folder("samples")
                .file("samples/chelsea.png", chelsea)
                .file("samples/chelsea.cls", "281".getBytes())
                .file("samples/" + "long-name-".repeat(12) + ".jpg", rocket)
                .paxFile("samples/pax named.jpg", Images.truncated(rocket, 0.7))
                .file("samples/._chelsea.png", Images.text())
                .bytes());
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(new TarWriter().file("c.png", chelsea).bytes());
        }
        write("in/06-shard.tar.gz", gz.toByteArray());
        write("in/07-cut.tar", Images.truncated(new TarWriter().file("a.png", chelsea).bytes(), 0.5));
        write("in/08-not-a.tar", Images.text());

        List<InputFile> files = InputLister.list(List.of(dir.resolve("in").toString()), conf, ListingOptions.defaults());
        PreprocessSettings settings = PreprocessSettings.imagenet().withResize(64, 56, 56);
        Preprocessor pre = new Preprocessor(settings);
        int n = pre.outputLength();
        Map<String, ImageResult> results = new LinkedHashMap<>();
        Map<String, float[]> tensors = new LinkedHashMap<>();
        float[] batch = new float[3 * n];
        try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
             PartitionReader reader = new PartitionReader(conf, files, decoder, pre, ListingOptions.defaults())) {
            int slot = 0;
            for (ImageResult r; (r = reader.next(batch, slot * n)) != null; ) {
                String key = r.name().substring(r.name().indexOf("/in/") + 4);
                results.put(key, r);
                if (r.ok()) {
                    tensors.put(key, java.util.Arrays.copyOfRange(batch, slot * n, slot * n + n));
                    slot = (slot + 1) % 3;
                }
            }
        }
        Map<String, String> statuses = new LinkedHashMap<>();
        results.forEach((k, r) -> statuses.put(k, r.status()));
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("01-rocket.jpg", "OK");
        expected.put("02-empty.jpg", "EMPTY");
        expected.put("03-text.jpg", "NOT_AN_IMAGE");
        expected.put("04-truncated.jpg", "TRUNCATED");
        expected.put("05-shard.tar/samples/chelsea.png", "OK");
        expected.put("05-shard.tar/samples/" + "long-name-".repeat(12) + ".jpg", "OK");
        expected.put("05-shard.tar/samples/pax named.jpg", "TRUNCATED");
        expected.put("06-shard.tar.gz/c.png", "OK");
        expected.put("07-cut.tar/a.png", "TRUNCATED");
        expected.put("08-not-a.tar", "READ_ERROR");
        assertEquals(expected, statuses);

        // Good images: the same tensor as decoding and preprocessing the bytes directly.
        float[] direct;
        try (ImageDecoder d = new ImageDecoder()) {
            direct = pre.apply(d.decode(rocket, 0, rocket.length, "rocket", pre.resizeTarget()));
        }
        assertArrayEquals(direct, tensors.get("01-rocket.jpg"));
        assertArrayEquals(direct, tensors.get("05-shard.tar/samples/" + "long-name-".repeat(12) + ".jpg"));
        assertArrayEquals(tensors.get("05-shard.tar/samples/chelsea.png"), tensors.get("06-shard.tar.gz/c.png"));

        ImageResult ok = results.get("01-rocket.jpg");
        assertEquals(640, ok.width());
        assertEquals(427, ok.height());
        assertEquals("JPEG", ok.format());
        assertEquals(rocket.length, ok.bytes());
        assertTrue(ok.readNanos() > 0 && ok.decodeNanos() > 0 && ok.preprocessNanos() > 0, ok::toString);
        ImageResult member = results.get("05-shard.tar/samples/chelsea.png");
        assertTrue(member.path().endsWith("05-shard.tar"), member.path());
        assertEquals("samples/chelsea.png", member.member());
        ImageResult text = results.get("03-text.jpg");
        assertTrue(text.message().startsWith(text.path() + ": not an image"), text.message());
        assertNull(text.format());
        assertTrue(results.get("08-not-a.tar").message().contains("not a tar archive"),
                results.get("08-not-a.tar").message());
    }

    @Test
    void imagesAlreadyInMemoryGoThroughTheSamePipeline() throws Exception {
        byte[] rocket = Images.sample("rocket.jpg");
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        float[] out = new float[2 * pre.outputLength()];
        try (ImageDecoder decoder = new ImageDecoder();
             PartitionReader reader = new PartitionReader(conf, List.of(), decoder, pre, ListingOptions.defaults())) {
            ImageResult ok = reader.fromBytes("row 7", rocket, 0, rocket.length, out, pre.outputLength());
            assertTrue(ok.ok(), ok::toString);
            assertEquals(640, ok.width());
            float[] direct = pre.apply(decoder.decode(rocket, 0, rocket.length, "direct", pre.resizeTarget()));
            assertArrayEquals(direct, java.util.Arrays.copyOfRange(out, pre.outputLength(), out.length));
            byte[] text = Images.text();
            ImageResult bad = reader.fromBytes("row 8", text, 0, text.length, out, 0);
            assertEquals(Reason.NOT_AN_IMAGE, bad.reason());
            assertTrue(bad.message().startsWith("row 8: "), bad.message());
            assertNull(reader.next(out, 0), "no files in this partition");
        }
    }

    @Test
    void tooManyBytesIsRefusedWithoutReading() throws Exception {
        write("big.png", Images.sample("chelsea.png"));
        write("shard.tar", new TarWriter().file("big.png", Images.sample("chelsea.png"))
                .file("small.jpg", Images.sample("rocket.jpg")).bytes());
        List<InputFile> files = InputLister.list(List.of(dir.toString()), conf, ListingOptions.defaults());
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        List<String> statuses = new ArrayList<>();
        int rocket = Images.sample("rocket.jpg").length; // 112 kB; chelsea.png is 240 kB
        try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults().withMaxBytes(rocket));
             PartitionReader reader = new PartitionReader(conf, files, decoder, pre, ListingOptions.defaults())) {
            float[] out = new float[pre.outputLength()];
            for (ImageResult r; (r = reader.next(out, 0)) != null; ) {
                statuses.add(r.status() + " " + r.name().substring(r.name().lastIndexOf('/') + 1));
                if (r.reason() == Reason.TOO_LARGE) {
                    assertTrue(r.message().contains(DecodeOptions.MAX_BYTES), r.message());
                }
            }
        }
        assertEquals(List.of("TOO_LARGE big.png", "TOO_LARGE big.png", "OK small.jpg"), statuses);
    }
}
