package dev.shufflespark.model;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Class names by class index, read from a text file with one name per line (line 1 is index 0).
 * Immutable, so one instance can be shared by any number of threads.
 */
public final class Labels {

    private static final String IMAGENET_RESOURCE = "imagenet_classes.txt";

    private final List<String> names;

    private Labels(List<String> names) {
        this.names = Collections.unmodifiableList(names);
    }

    /** The 1000 ILSVRC-2012 class names in torchvision's order (see imagenet_classes.README beside the file). */
    public static Labels imagenet() {
        return ImagenetHolder.LABELS;
    }

    /** Reads a UTF-8 file with one class name per line; a final newline is optional, empty lines are errors. */
    public static Labels read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read labels from " + file + ": " + e.getMessage(), e);
        }
    }

    /** The name of class {@code index}. */
    public String name(int index) {
        if (index < 0 || index >= names.size()) {
            throw new IndexOutOfBoundsException("class index " + index + " is outside 0.." + (names.size() - 1));
        }
        return names.get(index);
    }

    public int size() {
        return names.size();
    }

    /** All names, in class-index order (unmodifiable). */
    public List<String> names() {
        return names;
    }

    private static Labels parse(InputStream in, String source) throws IOException {
        List<String> names = new ArrayList<>();
        // BufferedReader.readLine accepts \n, \r\n and \r line ends, and does not report an empty last line.
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                String name = line.strip();
                if (name.isEmpty()) {
                    throw new ModelException("labels " + source + ": line " + (names.size() + 1) + " is empty");
                }
                names.add(name);
            }
        }
        if (names.isEmpty()) {
            throw new ModelException("labels " + source + ": no class names");
        }
        return new Labels(names);
    }

    /** Loaded on first use of {@link #imagenet()}. */
    private static final class ImagenetHolder {
        static final Labels LABELS = load();

        private static Labels load() {
            try (InputStream in = Labels.class.getResourceAsStream(IMAGENET_RESOURCE)) {
                if (in == null) {
                    throw new ModelException("resource " + IMAGENET_RESOURCE + " is missing from the classpath");
                }
                return parse(in, IMAGENET_RESOURCE);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read resource " + IMAGENET_RESOURCE, e);
            }
        }
    }
}
