package dev.shufflespark.io.model;

import dev.shufflespark.io.onnx.OnnxImporter;
import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * Opens what a user names as a model: a built-in name, a shufflespark model file ({@code .ssnm}), or an ONNX
 * file ({@code .onnx}, or any file that is not a shufflespark model file).
 */
public final class ModelLoader {
    private static final byte[] SSNM_MAGIC = {'S', 'S', 'N', 'M'};

    private ModelLoader() {
    }

    public static Model open(String nameOrPath) {
        if (Architecture.isBuiltinName(nameOrPath)) {
            return Model.builtin(nameOrPath);
        }
        Path path = Path.of(nameOrPath);
        if (!Files.isRegularFile(path)) {
            throw new ModelException("model '" + nameOrPath + "' is neither a built-in model nor an existing file; "
                    + "built-in models are " + String.join(", ", Architecture.builtinNames()));
        }
        return isOnnx(path) ? OnnxImporter.read(path).model() : Model.load(path);
    }

    /** True for a {@code .onnx} file, or any file that does not start like a shufflespark model file. */
    public static boolean isOnnx(Path path) {
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".onnx")) {
            return true;
        }
        try (InputStream in = Files.newInputStream(path)) {
            return !Arrays.equals(in.readNBytes(SSNM_MAGIC.length), SSNM_MAGIC);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
