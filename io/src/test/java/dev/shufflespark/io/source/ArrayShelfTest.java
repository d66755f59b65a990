package dev.shufflespark.io.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.testing.Images;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrayShelfTest {

    @BeforeEach
    @AfterEach
    void empty() {
        ArrayShelf.clear();
    }

    @Test
    void aKeptByteArrayServesAnyRequestItCovers() {
        byte[] a = ArrayShelf.bytes(1000);
        assertEquals(1000, a.length);
        ArrayShelf.put(a);
        assertEquals(1000, ArrayShelf.kept());
        assertSame(a, ArrayShelf.bytes(600));
        assertEquals(0, ArrayShelf.kept());

        ArrayShelf.put(a);
        byte[] longer = ArrayShelf.bytes(1001); // the kept one is too short: dropped, a new one made
        assertNotSame(a, longer);
        assertEquals(1001, longer.length);
        assertEquals(0, ArrayShelf.kept());
    }

    @Test
    void floatArraysAreReusedOnlyAtTheirExactLength() {
        float[] a = ArrayShelf.floats(48);
        ArrayShelf.put(a);
        assertEquals(4 * 48, ArrayShelf.kept());
        assertSame(a, ArrayShelf.floats(48));
        ArrayShelf.put(a);
        float[] b = ArrayShelf.floats(40);
        assertEquals(40, b.length);
        assertEquals(0, ArrayShelf.kept());
    }

    @Test
    void theShelfHoldsNoHugeArrayAndABoundedTotal() {
        ArrayShelf.put(new byte[(int) ArrayShelf.LARGEST_KEPT + 1]);
        assertEquals(0, ArrayShelf.kept());

        int each = (int) ArrayShelf.LARGEST_KEPT;
        long fit = ArrayShelf.BYTES_KEPT / each;
        for (int i = 0; i < fit + 3; i++) {
            ArrayShelf.put(new byte[each]);
        }
        assertEquals(fit * each, ArrayShelf.kept());
        ArrayShelf.put(new float[1]); // full: left to the collector
        assertEquals(fit * each, ArrayShelf.kept());
    }

    @Test
    void aClosedReadersBufferIsTheNextReadersWhichReadsItsOwnBytes(@TempDir Path dir) throws IOException {
        Path big = Files.write(dir.resolve("big.jpg"), Images.photo("rocket.jpg", 900, 700, 1, 0.95f));
        Path small = Files.write(dir.resolve("small.jpg"), Images.photo("rocket.jpg", 120, 90, 2, 0.9f));
        Configuration conf = new Configuration();
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet().withResize(64, 56, 56));
        float[] first = new float[pre.outputLength()];
        float[] second = new float[pre.outputLength()];
        float[] alone = new float[pre.outputLength()];
        try (ImageDecoder decoder = new ImageDecoder()) {
            read(conf, big, decoder, pre, first);
            long kept = ArrayShelf.kept();
            assertTrue(kept > Files.size(big), "the big photo's buffer is kept: " + kept);
            read(conf, small, decoder, pre, second); // in the big photo's buffer, its tail left from before
            assertEquals(kept, ArrayShelf.kept());
            ArrayShelf.clear();
            read(conf, small, decoder, pre, alone); // in a fresh buffer
        }
        assertArrayEquals(alone, second);
    }

    private static void read(Configuration conf, Path file, ImageDecoder decoder, Preprocessor pre, float[] out) {
        InputFile f = new InputFile(file.toUri().toString(), -1, InputFile.Kind.IMAGE);
        try (PartitionReader reader = new PartitionReader(conf, List.of(f), decoder, pre, ListingOptions.defaults())) {
            ImageResult r = reader.next(out, 0);
            assertTrue(r.ok(), r::message);
        }
    }
}
