package dev.shufflespark.io.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import dev.shufflespark.io.testing.TarWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * The same archive on a real remote file system (HDFS, S3): listed on the "driver", split into partitions,
 * read on the "executor", good images giving the very tensor of a local decode and bad ones their reason.
 */
abstract class RemoteSourceContract {

    /** The archive's root URI, e.g. {@code hdfs://127.0.0.1:port/archive} (no trailing slash). */
    abstract String root();

    abstract Configuration conf();

    /** Stores an object under the root. */
    abstract void put(String relative, byte[] bytes) throws Exception;

    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();
    private static final byte[] SHARD;

    static {
        FILES.put("photos/2024/rocket.jpg", Images.sample("rocket.jpg"));
        FILES.put("photos/2024/chelsea.png", Images.sample("chelsea.png"));
        FILES.put("photos/2025/cmyk.jpg", Fixtures.bytes("decode/cmyk.jpg"));
        FILES.put("photos/2025/empty.jpg", new byte[0]);
        FILES.put("photos/2025/notes.jpg", Images.text());
        FILES.put("photos/2025/cut.jpg", Images.truncated(Images.sample("rocket.jpg"), 0.4));
        FILES.put("photos/_tmp/skip.jpg", Images.sample("rocket.jpg"));
        FILES.put("photos/.hidden.png", Images.sample("chelsea.png"));
        SHARD = new TarWriter().file("000/a.jpg", Images.sample("rocket.jpg")).file("000/a.json", "{}".getBytes())
                .file("000/b.webp", Fixtures.bytes("decode/lossless.webp")).bytes();
    }

    void upload() throws Exception {
        for (Map.Entry<String, byte[]> e : FILES.entrySet()) {
            put(e.getKey(), e.getValue());
        }
        put("shards/shard-000.tar", SHARD);
        put("lists/two.txt", "../photos/2024/rocket.jpg\n../shards/*.tar\n".getBytes());
    }

    private Map<String, String> readAll(List<InputFile> files, Map<String, float[]> tensors) {
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet().withResize(64, 56, 56));
        Map<String, String> statuses = new LinkedHashMap<>();
        List<InputPartition> partitions = InputPartitioner.plan(files, new InputPartitioner.Options(3, 1 << 30, 2))
                .partitions();
        assertTrue(partitions.size() >= 2, "split for two cores");
        for (InputPartition p : partitions) {
            float[] out = new float[pre.outputLength()];
            try (ImageDecoder decoder = new ImageDecoder();
                 PartitionReader reader = new PartitionReader(conf(), p.files(), decoder, pre, ListingOptions.defaults())) {
                for (ImageResult r; (r = reader.next(out, 0)) != null; ) {
                    String key = r.name().substring(root().length() + 1);
                    statuses.put(key, r.status());
                    if (r.ok()) {
                        tensors.put(key, out.clone());
                        assertTrue(r.readNanos() > 0 && r.decodeNanos() > 0 && r.preprocessNanos() > 0, r::toString);
                    } else {
                        assertTrue(r.message().startsWith(r.name() + ":"), r.message());
                        assertNoSecret(r.message());
                    }
                }
            }
        }
        return statuses;
    }

    void assertNoSecret(String text) {
        for (Map.Entry<String, String> e : conf()) {
            if (dev.shufflespark.io.Redaction.isSensitive(e.getKey()) && e.getValue().length() >= 4) {
                assertTrue(!text.contains(e.getValue()), "credential " + e.getKey() + " in: " + text);
            }
        }
    }

    @Test
    void listsReadsAndDecodesTheArchive() throws Exception {
        List<InputFile> files = InputLister.list(List.of(root() + "/photos", root() + "/shards"), conf(),
                ListingOptions.defaults());
        assertEquals(7, files.size(), files::toString);
        assertEquals(InputFile.Kind.TAR, files.get(6).kind());
        assertEquals(SHARD.length, files.get(6).length());

        Map<String, float[]> tensors = new LinkedHashMap<>();
        Map<String, String> statuses = readAll(files, tensors);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("photos/2024/chelsea.png", "OK");
        expected.put("photos/2024/rocket.jpg", "OK");
        expected.put("photos/2025/cmyk.jpg", "OK");
        expected.put("photos/2025/cut.jpg", "TRUNCATED");
        expected.put("photos/2025/empty.jpg", "EMPTY");
        expected.put("photos/2025/notes.jpg", "NOT_AN_IMAGE");
        expected.put("shards/shard-000.tar/000/a.jpg", "OK");
        expected.put("shards/shard-000.tar/000/b.webp", "OK");
        assertEquals(expected, statuses);

        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet().withResize(64, 56, 56));
        try (ImageDecoder d = new ImageDecoder()) {
            byte[] rocket = Images.sample("rocket.jpg");
            float[] local = pre.apply(d.decode(rocket, 0, rocket.length, "local", pre.resizeTarget()));
            assertArrayEquals(local, tensors.get("photos/2024/rocket.jpg"));
            assertArrayEquals(local, tensors.get("shards/shard-000.tar/000/a.jpg"));
        }
    }

    @Test
    void globsAndListFiles() throws Exception {
        List<InputFile> glob = InputLister.list(List.of(root() + "/photos/*/*.png"), conf(), ListingOptions.defaults());
        assertEquals(List.of(root() + "/photos/2024/chelsea.png"), glob.stream().map(InputFile::uri).toList());
        List<InputFile> listed = InputLister.list(List.of(root() + "/lists/two.txt"), conf(), ListingOptions.defaults());
        assertEquals(List.of(root() + "/photos/2024/rocket.jpg", root() + "/shards/shard-000.tar"),
                listed.stream().map(InputFile::uri).toList());
        InputException e = assertThrows(InputException.class,
                () -> InputLister.list(List.of(root() + "/photos/missing"), conf(), ListingOptions.defaults()));
        assertTrue(e.getMessage().contains("/photos/missing"), e.getMessage());
        assertNoSecret(e.getMessage());
    }

    @Test
    void anInputThatVanishesAfterListingIsNotFound() throws Exception {
        InputFile gone = new InputFile(root() + "/photos/2024/deleted-since.jpg", 1234, InputFile.Kind.IMAGE);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        try (ImageDecoder decoder = new ImageDecoder();
             PartitionReader reader = new PartitionReader(conf(), List.of(gone), decoder, pre, ListingOptions.defaults())) {
            ImageResult r = reader.next(new float[pre.outputLength()], 0);
            assertEquals("NOT_FOUND", r.status(), r::toString);
            assertTrue(r.message().startsWith(gone.uri() + ": no such file"), r.message());
            assertNoSecret(r.message());
            assertEquals(null, reader.next(new float[pre.outputLength()], 0));
        }
    }
}
