package dev.shufflespark.io.decode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecoderTest {

    @Test
    void readsRgbPngExactly(@TempDir Path dir) throws IOException {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        image.setRGB(1, 0, 0x00ff00);
        image.setRGB(2, 0, 0x0000ff);
        image.setRGB(0, 1, 0x102030);
        Path file = dir.resolve("rgb.png");
        ImageIO.write(image, "png", file.toFile());

        RgbImage rgb = ImageDecoder.read(file);

        assertEquals(3, rgb.width());
        assertEquals(2, rgb.height());
        assertPixel(rgb, 0, 0, 255, 0, 0);
        assertPixel(rgb, 1, 0, 0, 255, 0);
        assertPixel(rgb, 2, 0, 0, 0, 255);
        assertPixel(rgb, 0, 1, 0x10, 0x20, 0x30);
        assertPixel(rgb, 1, 1, 0, 0, 0);
    }

    @Test
    void greySamplesAreCopiedUnchanged(@TempDir Path dir) throws IOException {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setSample(0, 0, 0, 100);
        image.getRaster().setSample(1, 0, 0, 7);
        Path file = dir.resolve("grey.png");
        ImageIO.write(image, "png", file.toFile());

        RgbImage rgb = ImageDecoder.read(file);

        assertPixel(rgb, 0, 0, 100, 100, 100);
        assertPixel(rgb, 1, 0, 7, 7, 7);
    }

    @Test
    void alphaIsDroppedNotComposited(@TempDir Path dir) throws IOException {
        BufferedImage image = new BufferedImage(1, 1, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, 0x000a141e); // fully transparent (10, 20, 30)
        Path file = dir.resolve("alpha.png");
        ImageIO.write(image, "png", file.toFile());

        assertPixel(ImageDecoder.read(file), 0, 0, 10, 20, 30);
    }

    @Test
    void readsTheBundledSamples() throws IOException {
        Path samples = Path.of(System.getProperty("basedir", "."), "..", "samples");
        RgbImage rocket = ImageDecoder.read(samples.resolve("rocket.jpg"));
        assertEquals(640, rocket.width());
        assertEquals(427, rocket.height());
        RgbImage chelsea = ImageDecoder.read(samples.resolve("chelsea.png"));
        assertEquals(451, chelsea.width());
        assertEquals(300, chelsea.height());
    }

    @Test
    void somethingThatIsNotAnImageIsAnErrorNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("notes.png");
        Files.writeString(file, "not an image");
        IOException e = assertThrows(IOException.class, () -> ImageDecoder.read(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    }

    private static void assertPixel(RgbImage image, int x, int y, int r, int g, int b) {
        String at = " at " + x + "," + y;
        assertEquals(r, image.get(x, y, 0), "R" + at);
        assertEquals(g, image.get(x, y, 1), "G" + at);
        assertEquals(b, image.get(x, y, 2), "B" + at);
    }
}
