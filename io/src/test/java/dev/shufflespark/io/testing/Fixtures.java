package dev.shufflespark.io.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** The committed fixtures (made by src/test/fixtures/make_fixtures.py) and the repository's samples/. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The repository root (the parent of the io module). */
    public static Path repository() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    }

    public static Path samples() {
        return repository().resolve("samples");
    }

    /** A fixture file, e.g. {@code decode/rgb.png}. */
    public static Path path(String name) {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
                .resolve("src/test/resources/fixtures").resolve(name);
    }

    public static byte[] bytes(String name) {
        try {
            return Files.readAllBytes(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzip-compressed fixture's bytes. */
    public static byte[] bytesGz(String name) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path(name)))) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A gzip-compressed little-endian float32 file. */
    public static float[] floatsGz(String name) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(path(name)))) {
            byte[] b = in.readAllBytes();
            float[] f = new float[b.length / 4];
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The rows of a tab-separated manifest, without comment lines. */
    public static List<String[]> manifest(String name) {
        try {
            List<String[]> rows = new ArrayList<>();
            for (String line : Files.readAllLines(path(name))) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    rows.add(line.split("\t"));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
