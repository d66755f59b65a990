package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.io.source.PartitionReader;
import dev.shufflespark.io.testing.Fixtures;
import dev.shufflespark.io.testing.Images;
import dev.shufflespark.io.testing.PoisonImages;
import dev.shufflespark.io.testing.PoisonImages.Poison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Poison: decoders that overflow their stack, run out of memory, fail with an {@link Error}, hang until aborted or
 * loop without end. Each is one image's failure with its own reason, and the images after it decode as if nothing
 * had happened.
 */
class DecodeGuardTest {

    @TempDir
    Path dir;

    @BeforeAll
    static void install() {
        PoisonImages.install();
    }

    @AfterAll
    static void uninstall() {
        PoisonImages.uninstall();
    }

    private static DecodeOptions limit(double seconds) {
        return DecodeOptions.defaults().withTimeLimitSeconds(seconds);
    }

    private static ImageException fails(DecodeGuard guard, byte[] data, String name, Reason reason) {
        ImageException e = assertThrows(ImageException.class, () -> guard.decode(data, 0, data.length, name, 256));
        assertEquals(reason, e.reason(), e::getMessage);
        assertTrue(e.getMessage().startsWith(name + ": ") && !e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    /** The pixels of {@code data} as a fresh decoder on this thread gives them. */
    private static byte[] pixels(byte[] data) throws ImageException {
        try (ImageDecoder d = new ImageDecoder()) {
            return d.decode(data, "reference").oriented().pixels();
        }
    }

    private static void decodesAsAlone(DecodeGuard guard, byte[] data) throws ImageException {
        assertArrayEquals(pixels(data), guard.decode(data, 0, data.length, "good", 0).oriented().pixels());
    }

    @Test
    void errorsOfTheDecoderAreTheImagesFailures() throws Exception {
        byte[] good = PoisonImages.goodBmp(30, 20, 1);
        byte[] jpeg = Images.sample("rocket.jpg");
        try (DecodeGuard guard = new DecodeGuard(limit(30))) {
            decodesAsAlone(guard, good);
            ImageException stack = fails(guard, PoisonImages.bmp(Poison.STACK_OVERFLOW), "deep.bmp",
                    Reason.DECODE_FAILED);
            assertTrue(stack.getMessage().contains("StackOverflowError"), stack.getMessage());
            decodesAsAlone(guard, jpeg);
            ImageException oom = fails(guard, PoisonImages.bmp(Poison.OUT_OF_MEMORY), "huge.bmp",
                    Reason.OUT_OF_MEMORY);
            assertTrue(oom.getMessage().contains("out of memory") && oom.getMessage().contains(
                    DecodeOptions.MAX_PIXELS), oom.getMessage());
            decodesAsAlone(guard, good);
            ImageException bug = fails(guard, PoisonImages.bmp(Poison.ERROR), "bug.bmp", Reason.DECODE_FAILED);
            assertTrue(bug.getMessage().contains("InternalError: a defect of the plugin"), bug.getMessage());
            decodesAsAlone(guard, jpeg);
            assertEquals(0, guard.timedOut());
            assertEquals(0, guard.abandoned());
        }
    }

    @Test
    void aDecodePastItsLimitIsAbortedAndItsThreadGoesOn() throws Exception {
        byte[] good = PoisonImages.goodBmp(30, 20, 2);
        int abandonedBefore = DecodeGuard.abandonedThreads();
        try (DecodeGuard guard = new DecodeGuard(limit(1))) {
            decodesAsAlone(guard, good);
            ImageException e = fails(guard, PoisonImages.bmp(Poison.HANG), "hang.bmp", Reason.TIMED_OUT);
            assertTrue(e.getMessage().contains("longer than the limit of 1 s (" + DecodeOptions.TIME_LIMIT
                    + ") and was stopped"), e.getMessage());
            decodesAsAlone(guard, good);
            assertEquals(1, guard.timedOut());
            assertEquals(0, guard.abandoned(), "the plugin stopped when aborted");
        }
        assertEquals(abandonedBefore, DecodeGuard.abandonedThreads());
    }

    @Test
    void aDecodeThatWillNotStopIsAbandonedAndTheNextImagesGetAFreshThread() throws Exception {
        byte[] good = PoisonImages.goodBmp(30, 20, 3);
        int abandonedBefore = DecodeGuard.abandonedThreads();
        try (DecodeGuard guard = new DecodeGuard(limit(1))) {
            ImageException e = fails(guard, PoisonImages.bmp(Poison.SPIN), "spin.bmp", Reason.TIMED_OUT);
            assertTrue(e.getMessage().contains("did not stop when told to, so its thread was left running"),
                    e.getMessage());
            assertEquals(1, PoisonImages.spinning(), "the abandoned thread still loops");
            decodesAsAlone(guard, good);
            decodesAsAlone(guard, Images.sample("rocket.jpg"));
            assertEquals(1, guard.abandoned());
            assertEquals(abandonedBefore + 1, DecodeGuard.abandonedThreads());
        } finally {
            PoisonImages.release();
        }
        for (int i = 0; i < 500 && PoisonImages.spinning() > 0; i++) {
            Thread.sleep(10);
        }
        assertEquals(0, PoisonImages.spinning());
    }

    @Test
    void ourJpegDecoderStopsWhenItsThreadIsInterrupted() throws Exception {
        byte[] photo = Images.sample("rocket.jpg");
        JpegDecoder decoder = new JpegDecoder();
        Thread.currentThread().interrupt();
        try {
            ImageException e = assertThrows(ImageException.class, () -> decoder.decode(photo, 0, photo.length,
                    "rocket.jpg", 0, DecodeOptions.DEFAULT_MAX_PIXELS));
            assertEquals(Reason.TIMED_OUT, e.reason(), e::getMessage);
            // ImageDecoder passes it on rather than trying ImageIO.
            try (ImageDecoder d = new ImageDecoder()) {
                assertEquals(Reason.TIMED_OUT, assertThrows(ImageException.class, () -> d.decode(photo, "r.jpg"))
                        .reason());
            }
        } finally {
            Thread.interrupted();
        }
        JpegImage again = decoder.decode(photo, 0, photo.length, "rocket.jpg", 0, DecodeOptions.DEFAULT_MAX_PIXELS);
        assertEquals(pixels(photo).length, 3 * again.width() * again.height(), "decodes again once not interrupted");
    }

    @Test
    void ourJpegDecoderRunsOnTheCallingThreadAndImageIoOnTheWorker() throws Exception {
        byte[] jpeg = Images.sample("rocket.jpg");
        byte[] png = Images.sample("chelsea.png");
        byte[] restartLost = Fixtures.bytes("jpeg/420-restart.jpg").clone();
        for (int i = 2; i + 1 < restartLost.length; i++) {
            if ((restartLost[i] & 0xff) == 0xFF && (restartLost[i + 1] & 0xff) == 0xD3) {
                restartLost[i + 1] = (byte) 0xD5; // RST5 where RST3 belongs: ours leaves the file to ImageIO
                break;
            }
        }
        try (DecodeGuard guard = new DecodeGuard(limit(30))) {
            decodesAsAlone(guard, jpeg);
            assertEquals(Thread.currentThread(), guard.decoder().lastThread());
            decodesAsAlone(guard, png);
            assertTrue(guard.decoder().lastThread() != Thread.currentThread(), "ImageIO runs on the worker");
            decodesAsAlone(guard, restartLost);
            assertTrue(guard.decoder().lastThread() != Thread.currentThread(), "the fallback runs on the worker");
            assertTrue(String.valueOf(guard.decoder().lastFallback()).contains("restart"),
                    guard.decoder().lastFallback());
            decodesAsAlone(guard, jpeg);
            assertEquals(Thread.currentThread(), guard.decoder().lastThread());
            assertEquals(null, guard.decoder().lastFallback());
            assertEquals(0, guard.timedOut());
        }
    }

    @Test
    void ourJpegDecoderPastTheTimeLimitIsTimedOutOnTheCallingThread() throws Exception {
        byte[] photo = Images.photo("rocket.jpg", 2400, 1800, 6, 0.9f); // tens of ms to decode in full
        byte[] small = Images.sample("rocket.jpg");
        try (DecodeGuard guard = new DecodeGuard(limit(0.001))) {
            ImageException e = assertThrows(ImageException.class,
                    () -> guard.decode(photo, 0, photo.length, "big.jpg", 0));
            assertEquals(Reason.TIMED_OUT, e.reason(), e::getMessage);
            assertEquals("big.jpg: decoding took longer than the limit of 0.001 s (" + DecodeOptions.TIME_LIMIT
                    + ") and was stopped", e.getMessage());
            assertEquals(Thread.currentThread(), guard.decoder().lastThread(), "stopped by its own deadline");
            assertEquals(1, guard.timedOut());
            assertEquals(0, guard.abandoned());
        }
        try (DecodeGuard guard = new DecodeGuard(limit(30))) {
            decodesAsAlone(guard, small);
        }
    }

    @Test
    void runningOutOfMemoryOnTheCallingThreadIsTheImagesFailure() throws Exception {
        // 46000 x 46000 with every component at full resolution: three planes of 2.1 GB each, more than the
        // tests' heap (and more than any default heap on a machine with less than 24 GB) holds.
        byte[] huge = fullResolutionComponents(Images.jpegWithSize(Images.sample("rocket.jpg"), 46_000, 46_000));
        byte[] small = Images.sample("rocket.jpg");
        try (DecodeGuard guard = new DecodeGuard(DecodeOptions.defaults().withMaxPixels(3_000_000_000L))) {
            ImageException e = assertThrows(ImageException.class,
                    () -> guard.decode(huge, 0, huge.length, "huge.jpg", 0)); // 0: no scaling in the DCT domain
            assertEquals(Reason.OUT_OF_MEMORY, e.reason(), e::getMessage);
            assertTrue(e.getMessage().contains("out of memory") && e.getMessage().contains(DecodeOptions.MAX_PIXELS),
                    e.getMessage());
            assertEquals(Thread.currentThread(), guard.decoder().lastThread());
            decodesAsAlone(guard, small);
        }
    }

    /** {@code jpeg} with every component's sampling factors in its frame header made 1x1. */
    private static byte[] fullResolutionComponents(byte[] jpeg) {
        for (int i = 2; i + 9 < jpeg.length; ) {
            int marker = jpeg[i + 1] & 0xff;
            if (marker >= 0xC0 && marker <= 0xC2) {
                for (int c = 0; c < (jpeg[i + 9] & 0xff); c++) {
                    jpeg[i + 11 + 3 * c] = 0x11;
                }
                return jpeg;
            }
            i += 2 + ((jpeg[i + 2] & 0xff) << 8 | (jpeg[i + 3] & 0xff));
        }
        throw new IllegalArgumentException("no frame header");
    }

    @Test
    void poisonInAPartitionFailsAloneAndTheOthersGetTheirTensors() throws Exception {
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("a.jpg", Images.sample("rocket.jpg"));
        files.put("deep.bmp", PoisonImages.bmp(Poison.STACK_OVERFLOW));
        files.put("b.bmp", PoisonImages.goodBmp(300, 200, 4));
        files.put("hang.bmp", PoisonImages.bmp(Poison.HANG));
        files.put("c.png", Images.sample("chelsea.png"));
        files.put("huge.bmp", PoisonImages.bmp(Poison.OUT_OF_MEMORY));
        files.put("d.jpg", Images.sample("rocket.jpg"));
        List<InputFile> inputs = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = Files.write(dir.resolve(f.getKey()), f.getValue());
            inputs.add(new InputFile(p.toUri().toString(), f.getValue().length, InputFile.Kind.IMAGE));
        }
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        int n = pre.outputLength();
        float[] batch = new float[files.size() * n];
        List<ImageResult> results = new ArrayList<>();
        try (DecodeGuard guard = new DecodeGuard(limit(5));
             PartitionReader reader = new PartitionReader(new Configuration(), inputs, guard, pre,
                     ListingOptions.defaults())) {
            for (ImageResult r; (r = reader.next(batch, results.size() * n)) != null; ) {
                results.add(r);
            }
        }
        List<String> statuses = results.stream().map(ImageResult::status).toList();
        assertEquals(List.of("OK", "DECODE_FAILED", "OK", "TIMED_OUT", "OK", "OUT_OF_MEMORY", "OK"), statuses);
        int i = 0;
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            ImageResult r = results.get(i);
            assertTrue(r.path().endsWith("/" + f.getKey()), r.path());
            if (r.ok()) {
                float[] alone = new float[n];
                try (ImageDecoder d = new ImageDecoder()) {
                    pre.apply(d.decode(f.getValue(), 0, f.getValue().length, "x", pre.resizeTarget()), alone, 0);
                }
                float[] got = java.util.Arrays.copyOfRange(batch, i * n, (i + 1) * n);
                assertArrayEquals(alone, got, f.getKey());
            } else {
                assertTrue(r.message().contains(f.getKey()), r.message());
                assertNull(r.format());
            }
            i++;
        }
    }

    @Test
    void theTimeLimitIsASettingWithItsKeyInErrors() {
        assertEquals(60, DecodeOptions.defaults().timeLimitSeconds());
        assertEquals(2.5, DecodeOptions.from(Map.of(DecodeOptions.TIME_LIMIT, "2.5")::get).timeLimitSeconds());
        for (String bad : List.of("0", "-1", "forever", "1e9")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DecodeOptions.from(Map.of(DecodeOptions.TIME_LIMIT, bad)::get));
            assertTrue(e.getMessage().contains(DecodeOptions.TIME_LIMIT) && e.getMessage().contains(bad.equals("1e9")
                    ? "1.0E9" : bad), e.getMessage());
        }
    }
}
