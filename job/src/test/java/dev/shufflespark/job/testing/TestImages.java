package dev.shufflespark.job.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;

/** Small images made on the spot, good and broken, and tar shards holding them. */
public final class TestImages {

    private TestImages() {
    }

    /** A seeded picture of {@code width x height}: smooth gradients with noise, so that classes differ. */
    public static BufferedImage picture(int width, int height, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int r0 = r.nextInt(256);
        int g0 = r.nextInt(256);
        int b0 = r.nextInt(256);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int red = (r0 + x * 255 / width + r.nextInt(16)) & 0xff;
                int green = (g0 + y * 255 / height + r.nextInt(16)) & 0xff;
                int blue = (b0 + (x + y) * 128 / (width + height) + r.nextInt(16)) & 0xff;
                img.setRGB(x, y, (red << 16) | (green << 8) | blue);
            }
        }
        return img;
    }

    public static byte[] png(int width, int height, long seed) {
        return encode(picture(width, height, seed), "png");
    }

    public static byte[] jpeg(int width, int height, long seed) {
        return encode(picture(width, height, seed), "jpg");
    }

    /** The first half of a JPEG: decodes as TRUNCATED. */
    public static byte[] truncatedJpeg(int width, int height, long seed) {
        byte[] full = jpeg(width, height, seed);
        return Arrays.copyOf(full, full.length / 2);
    }

    /** Text: NOT_AN_IMAGE whatever the file is called. */
    public static byte[] text() {
        return "these are notes, not a picture\n".getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A POSIX (ustar) tar archive of the given members, in order. */
    public static byte[] tar(Map<String, byte[]> members) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Map.Entry<String, byte[]> m : members.entrySet()) {
            byte[] header = new byte[512];
            put(header, 0, m.getKey(), 100);
            put(header, 100, "0000644", 8);
            put(header, 108, "0000000", 8);
            put(header, 116, "0000000", 8);
            put(header, 124, String.format("%011o", m.getValue().length), 12);
            put(header, 136, String.format("%011o", 1_700_000_000L), 12);
            Arrays.fill(header, 148, 156, (byte) ' ');
            header[156] = '0';
            put(header, 257, "ustar", 6);
            header[263] = '0';
            header[264] = '0';
            int sum = 0;
            for (byte b : header) {
                sum += b & 0xff;
            }
            put(header, 148, String.format("%06o", sum), 7);
            header[155] = ' ';
            out.writeBytes(header);
            out.writeBytes(m.getValue());
            int pad = (512 - m.getValue().length % 512) % 512;
            out.writeBytes(new byte[pad]);
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void put(byte[] header, int off, String s, int max) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, header, off, Math.min(b.length, max));
    }

    /** The mixed set the end-to-end tests use: name to bytes, and what each should become. */
    public static final class MixedSet {
        /** File name to content. */
        public final Map<String, byte[]> files = new LinkedHashMap<>();
        /** Name (file, or shard/member) to the expected status. */
        public final Map<String, String> expected = new LinkedHashMap<>();

        public MixedSet() {
            files.put("a.png", png(64, 48, 1));
            files.put("b.jpg", jpeg(40, 70, 2));
            files.put("c.png", png(300, 200, 3));
            files.put("empty.jpg", new byte[0]);
            files.put("notes.jpg", text());
            files.put("trunc.jpg", truncatedJpeg(120, 90, 4));
            Map<String, byte[]> members = new LinkedHashMap<>();
            members.put("m1.png", png(50, 50, 5));
            members.put("sub/m2.jpg", jpeg(80, 60, 6));
            members.put("bad.png", text());
            members.put("readme.txt", text()); // not an image extension: skipped
            files.put("shard.tar", tar(members));
            expected.put("a.png", "OK");
            expected.put("b.jpg", "OK");
            expected.put("c.png", "OK");
            expected.put("empty.jpg", "EMPTY");
            expected.put("notes.jpg", "NOT_AN_IMAGE");
            expected.put("trunc.jpg", "TRUNCATED");
            expected.put("shard.tar/m1.png", "OK");
            expected.put("shard.tar/sub/m2.jpg", "OK");
            expected.put("shard.tar/bad.png", "NOT_AN_IMAGE");
        }

        /** The encoded bytes of an image named as in {@link #expected}. */
        public byte[] bytesOf(String name) {
            if (name.startsWith("shard.tar/")) {
                String member = name.substring("shard.tar/".length());
                return switch (member) {
                    case "m1.png" -> png(50, 50, 5);
                    case "sub/m2.jpg" -> jpeg(80, 60, 6);
                    default -> text();
                };
            }
            return files.get(name);
        }
    }
}
