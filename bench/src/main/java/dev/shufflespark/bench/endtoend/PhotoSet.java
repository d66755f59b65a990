package dev.shufflespark.bench.endtoend;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Seeded photo sets made from real photographs (the repository's samples/), so that benchmark data never needs
 * committing: the same seed and JDK give the same files.
 *
 * <ul>
 *   <li>{@link Kind#SMALL}: ImageNet-sized JPEGs, the longer side 400 to 500 px: a random crop (60-100% of
 *       each side) of a random sample, mirrored half the time, resampled (bicubic) to its size, exposure
 *       varied by up to 10%, with faint grain.</li>
 *   <li>{@link Kind#CAMERA}: 12 MP camera-sized JPEGs, 4000x3000: a random 4:3 crop (70-100%) of a random sample,
 *       mirrored half the time, enlarged (bicubic) to 4000x3000, with a camera's fine detail added as seeded
 *       luminance grain at two scales and faint colour noise, so that they carry a camera photo's
 *       high-frequency content and bytes per pixel (about 3.7 MB each).</li>
 * </ul>
 * Both are written by the JDK's JPEG writer at quality 90 with 4:2:0 chroma subsampling (its default for
 * colour images). A set already in its folder with the same parameters ({@code photoset.properties}) is kept.
 */
public final class PhotoSet {

    /** Bumped whenever the images this class makes change. */
    static final int VERSION = 1;
    static final String[] SAMPLES = {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"};
    static final float QUALITY = 0.9f;

    enum Kind {
        SMALL, CAMERA
    }

    private PhotoSet() {
    }

    /**
     * Makes {@code count} images of {@code kind} in {@code dir} (created) from the photographs in
     * {@code samples}, unless {@code dir} already holds that set. Returns the image files.
     */
    static List<Path> ensure(Kind kind, int count, long seed, Path samples, Path dir, PrintStream log)
            throws IOException {
        Properties want = new Properties();
        want.setProperty("version", Integer.toString(VERSION));
        want.setProperty("kind", kind.name());
        want.setProperty("count", Integer.toString(count));
        want.setProperty("seed", Long.toString(seed));
        want.setProperty("java", System.getProperty("java.version"));
        Path stamp = dir.resolve("photoset.properties");
        if (Files.isRegularFile(stamp)) {
            Properties have = new Properties();
            try (InputStream in = Files.newInputStream(stamp)) {
                have.load(in);
            }
            if (have.equals(want)) {
                return files(dir, count);
            }
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(stamp);
        BufferedImage[] sources = new BufferedImage[SAMPLES.length];
        for (int i = 0; i < SAMPLES.length; i++) {
            sources[i] = ImageIO.read(samples.resolve(SAMPLES[i]).toFile());
            if (sources[i] == null) {
                throw new IOException("cannot read the sample " + samples.resolve(SAMPLES[i]));
            }
        }
        long t0 = System.nanoTime();
        AtomicLong bytes = new AtomicLong();
        List<Path> files = files(dir, count);
        int threads = Runtime.getRuntime().availableProcessors();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int index = i;
                done.add(pool.submit(() -> {
                    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
                    BufferedImage image = kind == Kind.SMALL ? small(sources, random) : camera(sources, random);
                    byte[] jpeg = jpeg(image);
                    try {
                        Files.write(files.get(index), jpeg);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    bytes.addAndGet(jpeg.length);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } catch (Exception e) {
            throw new IOException("making the " + kind + " photo set failed: " + e, e);
        } finally {
            pool.shutdownNow();
        }
        try (OutputStream out = Files.newOutputStream(stamp)) {
            want.store(out, "made by " + PhotoSet.class.getName());
        }
        log.printf(Locale.ROOT, "made %d %s images in %s: %.1f kB on average, %.0f s%n", count,
                kind.name().toLowerCase(Locale.ROOT), dir, bytes.get() / 1000.0 / count, (System.nanoTime() - t0) / 1e9);
        return files;
    }

    private static List<Path> files(Path dir, int count) {
        List<Path> files = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            files.add(dir.resolve(String.format(Locale.ROOT, "img-%05d.jpg", i)));
        }
        return files;
    }

    /** An ImageNet-sized photo: the longer side 400 to 500 px. */
    static BufferedImage small(BufferedImage[] sources, SplittableRandom random) {
        BufferedImage src = sources[random.nextInt(sources.length)];
        int cw = (int) (src.getWidth() * (0.6 + 0.4 * random.nextDouble()));
        int ch = (int) (src.getHeight() * (0.6 + 0.4 * random.nextDouble()));
        int cx = random.nextInt(src.getWidth() - cw + 1);
        int cy = random.nextInt(src.getHeight() - ch + 1);
        int longSide = random.nextInt(400, 501);
        int w = cw >= ch ? longSide : (int) Math.round((double) longSide * cw / ch);
        int h = cw >= ch ? (int) Math.round((double) longSide * ch / cw) : longSide;
        BufferedImage image = draw(src, cx, cy, cw, ch, w, h, random.nextBoolean());
        byte[] px = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        double gain = 0.9 + 0.2 * random.nextDouble();
        for (int i = 0; i < px.length; i += 3) {
            double grain = random.nextGaussian() * 2.5;
            for (int c = 0; c < 3; c++) {
                px[i + c] = clamp((px[i + c] & 0xff) * gain + grain);
            }
        }
        return image;
    }

    /** A 12 MP camera photo, 4000x3000. */
    static BufferedImage camera(BufferedImage[] sources, SplittableRandom random) {
        int w = 4000;
        int h = 3000;
        BufferedImage src = sources[random.nextInt(sources.length)];
        int maxW = Math.min(src.getWidth(), src.getHeight() * 4 / 3);
        double f = 0.7 + 0.3 * random.nextDouble();
        int cw = (int) (maxW * f);
        int ch = cw * 3 / 4;
        int cx = random.nextInt(src.getWidth() - cw + 1);
        int cy = random.nextInt(src.getHeight() - ch + 1);
        BufferedImage image = draw(src, cx, cy, cw, ch, w, h, random.nextBoolean());
        byte[] px = ((DataBufferByte) image.getRaster().getDataBuffer()).getData();
        // Grain at two scales: a coarse field on a 2x2 grid, interpolated, and fine grain per pixel.
        int gw = w / 2 + 2;
        int gh = h / 2 + 2;
        float[] coarse = new float[gw * gh];
        for (int i = 0; i < coarse.length; i++) {
            coarse[i] = (float) (random.nextGaussian() * 5);
        }
        for (int y = 0; y < h; y++) {
            int gy = y >> 1;
            float fy = (y & 1) * 0.5f;
            for (int x = 0; x < w; x++) {
                int gx = x >> 1;
                float fx = (x & 1) * 0.5f;
                int g = gy * gw + gx;
                float c = (coarse[g] * (1 - fx) + coarse[g + 1] * fx) * (1 - fy)
                        + (coarse[g + gw] * (1 - fx) + coarse[g + gw + 1] * fx) * fy;
                double luma = c + random.nextGaussian() * 6;
                int i = (y * w + x) * 3;
                for (int k = 0; k < 3; k++) {
                    px[i + k] = clamp((px[i + k] & 0xff) + luma + random.nextGaussian() * 1.5);
                }
            }
        }
        return image;
    }

    /** The region (cx, cy, cw, ch) of {@code src} drawn bicubic into a new w x h image, mirrored if asked. */
    private static BufferedImage draw(BufferedImage src, int cx, int cy, int cw, int ch, int w, int h,
                                      boolean mirror) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
        if (mirror) {
            g.drawImage(src, w, 0, 0, h, cx, cy, cx + cw, cy + ch, null);
        } else {
            g.drawImage(src, 0, 0, w, h, cx, cy, cx + cw, cy + ch, null);
        }
        g.dispose();
        return image;
    }

    private static byte clamp(double v) {
        return (byte) Math.max(0, Math.min(255, (int) Math.round(v)));
    }

    /** JPEG, quality 90, the JDK writer's defaults otherwise (JFIF, YCbCr 4:2:0, baseline). */
    static byte[] jpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream o = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(o);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(QUALITY);
            writer.write(null, new IIOImage(image, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
