package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The io module's commands: preprocess and bench decode. */
class IoCommandsTest {

    @TempDir
    Path dir;

    private static Path repository() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    }

    private static float[] floats(byte[] b) {
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    @Test
    void preprocessWritesTorchvisionsTensor() throws IOException {
        Path out = dir.resolve("x.f32");
        Path rocket = repository().resolve("samples/rocket.jpg");
        Cli cli = Cli.run("preprocess", "--input", rocket.toString(), "--output", out.toString());
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("wrote 1,3,224,224 float32"), cli::toString);
        assertTrue(cli.err().contains("preprocess.mean = 0.485,0.456,0.406 (default)"), cli::toString);
        float[] ours = floats(Files.readAllBytes(out));
        // torchvision's own tensor for this photo, made by io/src/test/fixtures/make_fixtures.py.
        float[] torchvision;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
                repository().resolve("io/src/test/resources/fixtures/preprocess/rocket-256-224.f32.gz")))) {
            torchvision = floats(in.readAllBytes());
        }
        assertEquals(torchvision.length, ours.length);
        for (int i = 0; i < ours.length; i++) {
            if (Float.floatToRawIntBits(ours[i]) != Float.floatToRawIntBits(torchvision[i])) {
                throw new AssertionError("value " + i + ": " + ours[i] + ", torchvision " + torchvision[i]);
            }
        }
    }

    @Test
    void preprocessTakesSettingsAndSeveralInputs() throws IOException {
        Path out = dir.resolve("two.f32");
        Cli cli = Cli.run("preprocess", "--input", repository().resolve("samples/rocket.jpg").toString(),
                repository().resolve("samples/chelsea.png").toString(), "--output", out.toString(), "--resize", "40",
                "--crop", "32,24", "--channels", "bgr", "--range", "byte", "--mean", "104,117,123", "--std", "1,1,1");
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("wrote 2,3,32,24"), cli::toString);
        assertTrue(cli.err().contains("preprocess.channels = bgr (configuration)"), cli::toString);
        float[] v = floats(Files.readAllBytes(out));
        assertEquals(2 * 3 * 32 * 24, v.length);
        for (float x : v) {
            assertTrue(x >= -123 && x <= 255 - 104, "in 0..255 minus a mean: " + x);
        }
    }

    @Test
    void preprocessRefusesBrokenImagesNamingThemAndWritesNothing() throws IOException {
        Path notes = Files.writeString(dir.resolve("notes.jpg"), "not an image");
        Path out = dir.resolve("x.f32");
        Cli cli = Cli.run("preprocess", "--input", repository().resolve("samples/rocket.jpg").toString(),
                notes.toString(), "--output", out.toString());
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("NOT_AN_IMAGE") && cli.err().contains("notes.jpg"), cli::toString);
        assertFalse(Files.exists(out));

        Cli bad = Cli.run("preprocess", "--input", notes.toString(), "--output", out.toString(), "--mean", "1,2");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("preprocess.mean") && bad.err().contains("'1,2'"), bad::toString);
        Cli missing = Cli.run("preprocess", "--input", dir.resolve("nope.jpg").toString(), "--output", out.toString());
        assertEquals(1, missing.exitCode(), missing::toString);
        assertTrue(missing.err().contains("nope.jpg"), missing::toString);
    }

    @Test
    void benchDecodeReportsEverySizeAndTheSpeedup() throws IOException {
        Files.copy(repository().resolve("samples/rocket.jpg"), dir.resolve("rocket.jpg"));
        Files.copy(repository().resolve("samples/chelsea.png"), dir.resolve("chelsea.png"));
        Cli cli = Cli.run("bench", "decode", "--input", dir.toString(), "--seconds", "0.2", "--warmup-seconds", "0",
                "--vs-model", "none");
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("451x300") && cli.out().contains("640x427"), cli::toString);
        assertTrue(cli.out().matches("(?s).*fast_path_speedup\\[640x427]=\\d+\\.\\d\\d.*"), cli::toString);
        assertEquals(2, Cli.run("bench", "decode", "--input", dir.toString(), "--fast-path", "sometimes").exitCode());
    }
}
