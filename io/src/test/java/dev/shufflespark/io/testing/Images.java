package dev.shufflespark.io.testing;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/** Broken and large images made by the tests themselves. */
public final class Images {

    private Images() {
    }

    public static byte[] sample(String name) {
        try {
            return Files.readAllBytes(Fixtures.samples().resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A text file (it will be named .jpg by the tests). */
    public static byte[] text() {
        return "this is not a picture, just a note that someone named .jpg\n".getBytes(StandardCharsets.UTF_8);
    }

    /** The first {@code fraction} of a file. */
    public static byte[] truncated(byte[] file, double fraction) {
        return Arrays.copyOf(file, (int) (file.length * fraction));
    }

    /**
     * A PNG whose header says {@code w x h} and whose image data is one tiny IDAT: a decoder that trusted the
     * header would allocate w x h x 3 bytes before finding out.
     */
    public static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        byte[] ihdr = new byte[13];
        putInt(ihdr, 0, w);
        putInt(ihdr, 4, h);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // RGB
        chunk(out, "IHDR", ihdr);
        chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    /** A real JPEG with the frame header's size rewritten to {@code w x h} (at most 65535 each). */
    public static byte[] jpegWithSize(byte[] jpeg, int w, int h) {
        byte[] b = jpeg.clone();
        for (int i = 2; i + 9 < b.length; ) {
            int marker = b[i + 1] & 0xff;
            int len = (b[i + 2] & 0xff) << 8 | (b[i + 3] & 0xff);
            if (marker >= 0xC0 && marker <= 0xC2) {
                b[i + 5] = (byte) (h >> 8);
                b[i + 6] = (byte) h;
                b[i + 7] = (byte) (w >> 8);
                b[i + 8] = (byte) w;
                return b;
            }
            i += 2 + len;
        }
        throw new IllegalArgumentException("no frame header");
    }

    /**
     * A photo-like JPEG of {@code w x h}: a sample photo enlarged (bicubic) with seeded fine noise on top, so
     * that it has the high-frequency detail and the file size per pixel of a camera photo.
     */
    public static byte[] photo(String sample, int w, int h, long seed, float quality) {
        try {
            BufferedImage src = ImageIO.read(Fixtures.samples().resolve(sample).toFile());
            BufferedImage big = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = big.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(src, 0, 0, w, h, null);
            g.dispose();
            byte[] px = ((java.awt.image.DataBufferByte) big.getRaster().getDataBuffer()).getData();
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < px.length; i++) {
                int v = (px[i] & 0xff) + random.nextInt(-12, 13);
                px[i] = (byte) Math.max(0, Math.min(255, v));
            }
            return jpeg(big, quality);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A {@code w x h} JPEG tiled with the sample photos at their own resolution (each tile a sample, mirrored
     * every other time so that edges meet), with no enlargement: real photographic detail at every pixel.
     */
    public static byte[] mosaic(int w, int h, float quality) {
        try {
            BufferedImage[] tiles = new BufferedImage[4];
            String[] names = {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"};
            for (int i = 0; i < 4; i++) {
                tiles[i] = ImageIO.read(Fixtures.samples().resolve(names[i]).toFile());
            }
            BufferedImage big = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
            Graphics2D g = big.createGraphics();
            int k = 0;
            for (int y = 0, row = 0; y < h; y += 400, row++) {
                for (int x = 0, col = 0; x < w; x += 600, col++, k++) {
                    BufferedImage t = tiles[k % 4];
                    boolean flipX = col % 2 == 1;
                    boolean flipY = row % 2 == 1;
                    int tw = Math.min(600, t.getWidth());
                    int th = Math.min(400, t.getHeight());
                    g.drawImage(t, flipX ? x + 600 : x, flipY ? y + 400 : y, flipX ? x : x + 600, flipY ? y : y + 400,
                            0, 0, tw, th, null);
                }
            }
            g.dispose();
            return jpeg(big, quality);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
        byte[] len = new byte[4];
        putInt(len, 0, data.length);
        out.writeBytes(len);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.writeBytes(t);
        out.writeBytes(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        byte[] c = new byte[4];
        putInt(c, 0, (int) crc.getValue());
        out.writeBytes(c);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
