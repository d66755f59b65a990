package dev.shufflespark.io.model;

import dev.shufflespark.io.onnx.OnnxException;
import dev.shufflespark.io.onnx.OnnxImporter;
import dev.shufflespark.io.onnx.OnnxModel;
import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The one place that decides what a model name means: a built-in name (seeded weights), a shufflespark model
 * file ({@code .ssnm}), or an ONNX file ({@code .onnx}, or any file that does not start like a shufflespark model
 * file). A built-in name wins over a file of the same name. Every command opens its model here; the Spark job
 * first copies a file from its Hadoop file system and hashes it, then reads the copy here too.
 */
public final class ModelLoader {
    /** The model every command and the job use when none is named. */
    public static final String DEFAULT_MODEL = "shufflenet_v1_g3_x1_0";

    private static final byte[] SSNM_MAGIC = {'S', 'S', 'N', 'M'};

    private ModelLoader() {
    }

    /** True when {@code spec} names a built-in model. */
    public static boolean isBuiltin(String spec) {
        return spec != null && Architecture.isBuiltinName(spec);
    }

    /**
     * Fails, naming {@code spec}, unless it is a built-in name or an existing local file; reads nothing. For
     * commands that check their arguments before any work.
     */
    public static void check(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new ModelException("model: no model named");
        }
        if (isBuiltin(spec)) {
            return;
        }
        Path path;
        try {
            path = Path.of(spec);
        } catch (InvalidPathException e) {
            throw notFound(spec);
        }
        if (Files.isDirectory(path)) {
            throw folder(spec);
        }
        if (!Files.isRegularFile(path)) {
            throw notFound(spec);
        }
    }

    /** Opens a built-in name or a local model file; errors name {@code spec} and what is wrong. */
    public static OpenedModel open(String spec) {
        check(spec);
        if (isBuiltin(spec)) {
            return new OpenedModel(Model.builtin(spec), OpenedModel.Kind.BUILTIN, null);
        }
        return read(Path.of(spec), spec);
    }

    /**
     * Reads the model file {@code file}, which is {@code shown} or a local copy of it (a file copied from HDFS or
     * S3): errors name {@code shown}. An ONNX model is named after its file, so a copy keeps the file's name.
     */
    public static OpenedModel read(Path file, String shown) {
        try {
            if (isOnnx(file)) {
                OnnxModel onnx = OnnxImporter.read(file);
                return new OpenedModel(onnx.model(), OpenedModel.Kind.ONNX, onnx.inputShape());
            }
            return new OpenedModel(Model.load(file), OpenedModel.Kind.MODEL_FILE, null);
        } catch (ModelException | UncheckedIOException e) {
            String message = e.getMessage().replace(file.toString(), shown);
            if (message.startsWith("model file " + shown)) {
                message = message.substring("model file ".length());
            }
            message = message.startsWith(shown) ? "model " + message : "model " + shown + ": " + message;
            throw e instanceof OnnxException ? new OnnxException(message, e) : new ModelException(message, e);
        }
    }

    /** The error for a name that is neither a built-in model nor an existing file. */
    public static ModelException notFound(String shown) {
        return new ModelException("model " + shown + ": neither a built-in model nor an existing file; built-in "
                + "models are " + String.join(", ", Architecture.builtinNames()));
    }

    /** The error for a model named by a folder. */
    public static ModelException folder(String shown) {
        return new ModelException("model " + shown + ": is a folder, not a model file");
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
