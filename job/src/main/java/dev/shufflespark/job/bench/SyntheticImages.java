package dev.shufflespark.job.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Images made in memory, on the executor that classifies them: a pool of {@link #POOL} seeded JPEGs of
 * {@link #WIDTH}x{@link #HEIGHT} (ImageNet-sized; smooth colour gradients with fine noise, quality 90), encoded
 * once per JVM; image {@code i} is pool entry {@code i % POOL}. Encoded rather than ready tensors, so that every
 * image goes through the job's own per-image work (decode, preprocess, inference) with no file system involved;
 * a pool, so that making images costs next to nothing in the timings.
 */
public final class SyntheticImages {

    public static final int WIDTH = 500;
    public static final int HEIGHT = 375;
    public static final int POOL = 16;
    public static final long SEED = 20261128L;

    private static byte[][] pool;

    private SyntheticImages() {
    }

    /** Encoded image {@code index} (any non-negative number). */
    public static byte[] image(long index) {
        return pool()[(int) (index % POOL)];
    }

    /** What the pool is, for reports. */
    public static String describe() {
        return POOL + " seeded " + WIDTH + "x" + HEIGHT + " JPEGs (quality 90) made in memory on each executor";
    }

    private static synchronized byte[][] pool() {
        if (pool == null) {
            byte[][] p = new byte[POOL][];
            for (int i = 0; i < POOL; i++) {
                p[i] = jpeg(picture(WIDTH, HEIGHT, SEED + i));
            }
            pool = p;
        }
        return pool;
    }

    static BufferedImage picture(int width, int height, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int r0 = r.nextInt(256);
        int g0 = r.nextInt(256);
        int b0 = r.nextInt(256);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int red = Math.min(255, (r0 + x * 160 / width) % 256 + r.nextInt(24));
                int green = Math.min(255, (g0 + y * 160 / height) % 256 + r.nextInt(24));
                int blue = Math.min(255, (b0 + (x + y) * 96 / (width + height)) % 256 + r.nextInt(24));
                row[x] = (red << 16) | (green << 8) | blue;
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    static byte[] jpeg(BufferedImage img) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO JPEG writer");
        }
        ImageWriter w = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            w.setOutput(out);
            ImageWriteParam p = w.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(0.9f);
            w.write(null, new IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            w.dispose();
        }
        return bytes.toByteArray();
    }
}
