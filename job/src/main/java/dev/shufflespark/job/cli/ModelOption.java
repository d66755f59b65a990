package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --model} option shared by the commands that run a model. */
final class ModelOption {

    static final String DEFAULT_MODEL = "shufflenet_v1_g3_x1_0";

    @Option(names = "--model", paramLabel = "NAME|FILE", defaultValue = DEFAULT_MODEL,
            description = "A built-in model name (see 'shufflespark models'), a model file (.ssnm) or an ONNX file "
                    + "(.onnx). "
                    + "Default: ${DEFAULT-VALUE}.")
    String model;

    /** Fails with a clear message when the value is neither a built-in name nor a file; loads nothing. */
    void check() {
        if (!isBuiltin() && !isFile(model)) {
            throw new CliFailure("--model " + model + ": not a built-in model name (see 'shufflespark models')"
                    + " and no such file");
        }
    }

    /** Checks, then opens the model. */
    Model open() {
        check();
        return ModelLoader.open(model);
    }

    /** Built-in models have seeded, untrained weights. */
    boolean isBuiltin() {
        return Architecture.isBuiltinName(model);
    }

    String name() {
        return model;
    }

    /** The ONNX file named, or null when the model is a built-in or a shufflespark model file. */
    Path onnxFile() {
        if (isBuiltin() || !isFile(model)) {
            return null;
        }
        Path p = Path.of(model);
        return ModelLoader.isOnnx(p) ? p : null;
    }

    private static boolean isFile(String s) {
        try {
            return Files.isRegularFile(Path.of(s));
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
