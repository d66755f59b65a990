package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Mutated and truncated copies of real JPEGs (the fixtures and the rocket sample; a fixed seed), thousands of
 * them, through our decoder at every scale: each either decodes or fails with an {@link ImageException}; none
 * throws anything else, none allocates more than a bound proportional to the pixel limit (measured per call),
 * and none runs away (the whole run has a generous hang guard). A case that once failed is kept in
 * {@code fixtures/jpeg/fuzz/} and replayed first.
 */
class JpegFuzzTest {

    private static final long SEED = 20261201L;
    private static final int CASES = 6000;
    /** A small pixel limit, so that a mutated size field tests the limit and not the heap. */
    private static final long MAX_PIXELS = 1 << 20;
    /** Bytes one decode may allocate: planes and coefficients for MAX_PIXELS with every padding, plus tables. */
    private static final long MAX_ALLOCATION = 24 * MAX_PIXELS + (4 << 20);

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static List<byte[]> seeds() {
        List<byte[]> seeds = new ArrayList<>();
        for (String[] row : Fixtures.manifest("jpeg/manifest.tsv")) {
            seeds.add(Fixtures.bytes("jpeg/" + row[0]));
        }
        seeds.add(Images.sample("rocket.jpg"));
        return seeds;
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES) // a hang guard, not a speed check: the run takes seconds
    void mutatedJpegsFailOnlyWithTypedErrors() throws IOException {
        List<String> failures = new ArrayList<>();
        for (Path kept : keptCases()) {
            byte[] data = Files.readAllBytes(kept);
            for (int shift = 0; shift <= 3; shift++) {
                String problem = decode(data, shift);
                if (problem != null) {
                    failures.add(kept.getFileName() + " at shift " + shift + ": " + problem);
                }
            }
        }
        List<byte[]> seeds = seeds();
        SplittableRandom random = new SplittableRandom(SEED);
        int[] outcomes = new int[Reason.values().length + 1];
        for (int i = 0; i < CASES; i++) {
            byte[] seed = seeds.get(random.nextInt(seeds.size()));
            byte[] data = mutate(seed, random);
            int shift = random.nextInt(4);
            String problem = decode(data, shift);
            if (problem != null) {
                Path saved = save(data, i);
                failures.add("case " + i + " (shift " + shift + ", saved as " + saved + "): " + problem);
            } else {
                outcomes[last == null ? Reason.values().length : last.ordinal()]++;
            }
        }
        System.out.printf(Locale.ROOT, "fuzz: %d cases; decoded %d, %s%n", CASES, outcomes[Reason.values().length],
                Arrays.toString(Arrays.copyOf(outcomes, Reason.values().length)) + " by " + Arrays.toString(Reason.values()));
        if (!failures.isEmpty()) {
            fail(failures.size() + " cases failed:\n" + String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        }
        assertTrue(outcomes[Reason.values().length] > CASES / 20, "some mutated files still decode");
        assertTrue(outcomes[Reason.TRUNCATED.ordinal()] > CASES / 20, "truncations are reported as such");
    }

    /** The outcome's reason of the last call to decode (null: decoded). */
    private Reason last;

    /** Null when the decoder behaved: an image or a typed error, within the allocation bound. */
    private String decode(byte[] data, int shift) {
        // the AC skip tables on every image, not only on large ones
        JpegDecoder decoder = JpegDecoder.withSkipTablesFrom(0);
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        last = null;
        try {
            JpegImage image = decoder.decode(data, 0, data.length, "fuzz.jpg", shift, MAX_PIXELS);
            RgbImage rgb = image.toRgb();
            if ((long) rgb.width() * rgb.height() > MAX_PIXELS) {
                return "decoded " + rgb + " past the pixel limit";
            }
        } catch (ImageException e) {
            last = e.reason();
            if (!e.getMessage().startsWith("fuzz.jpg: ") || e.getMessage().contains("\n")) {
                return "badly worded error: " + e.getMessage();
            }
        } catch (RuntimeException | Error e) {
            return e.toString();
        }
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        if (allocated > MAX_ALLOCATION) {
            return "allocated " + allocated + " bytes, more than " + MAX_ALLOCATION;
        }
        return null;
    }

    /** One of: a truncation, a few changed bytes anywhere or in the headers, a cut or a repeated chunk. */
    static byte[] mutate(byte[] seed, SplittableRandom r) {
        byte[] b = seed.clone();
        int headers = Math.min(b.length, headerLength(b) + 64);
        switch (r.nextInt(7)) {
            case 0 -> {
                return Arrays.copyOf(b, r.nextInt(b.length));
            }
            case 1 -> {
                for (int n = 1 + r.nextInt(8); n > 0; n--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
            }
            case 2 -> {
                for (int n = 1 + r.nextInt(4); n > 0; n--) {
                    b[r.nextInt(headers)] = (byte) r.nextInt(256);
                }
            }
            case 3 -> {
                for (int n = 1 + r.nextInt(4); n > 0; n--) {
                    int at = r.nextInt(headers);
                    b[at] = (byte) (r.nextBoolean() ? 0xFF : r.nextBoolean() ? 0 : b[at] ^ (1 << r.nextInt(8)));
                }
            }
            case 4 -> {
                int at = r.nextInt(b.length);
                int n = Math.min(b.length - at, 1 + r.nextInt(64));
                byte[] out = new byte[b.length - n];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + n, out, at, b.length - at - n);
                return out;
            }
            case 5 -> {
                int at = r.nextInt(b.length);
                int n = Math.min(b.length - at, 1 + r.nextInt(256));
                byte[] out = new byte[b.length + n];
                System.arraycopy(b, 0, out, 0, at + n);
                System.arraycopy(b, at, out, at + n, b.length - at);
                return out;
            }
            default -> {
                // A marker segment's length or a frame field set to an extreme.
                int at = r.nextInt(headers);
                int v = r.nextBoolean() ? 0xFF : 0;
                b[at] = (byte) v;
                if (at + 1 < b.length) {
                    b[at + 1] = (byte) (r.nextBoolean() ? 0xFF : r.nextInt(256));
                }
            }
        }
        return b;
    }

    /** Where the first scan's data starts (the end of the headers), or the length. */
    private static int headerLength(byte[] b) {
        for (int i = 2; i + 3 < b.length; ) {
            if ((b[i] & 0xff) != 0xFF) {
                return i;
            }
            int marker = b[i + 1] & 0xff;
            int len = (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
            if (marker == 0xDA) {
                return Math.min(b.length, i + 2 + len);
            }
            i += 2 + len;
        }
        return b.length;
    }

    private static List<Path> keptCases() {
        Path dir = Fixtures.path("jpeg/fuzz");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(".jpg")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a failing case under target/ so that it can be committed to fixtures/jpeg/fuzz/ by hand. */
    private static Path save(byte[] data, int index) {
        try {
            Path dir = Path.of(System.getProperty("basedir", ".")).resolve("target/fuzz-failures");
            Files.createDirectories(dir);
            Path p = dir.resolve(String.format(Locale.ROOT, "case-%05d.jpg", index));
            Files.write(p, data);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theAllocationCheckWorks() {
        // A real image allocates at least its planes, and the bound is well above that.
        byte[] rocket = Images.sample("rocket.jpg");
        assertEquals(null, decode(rocket, 0));
        assertEquals(null, last);
    }
}
