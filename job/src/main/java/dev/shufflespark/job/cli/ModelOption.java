package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.model.OpenedModel;
import picocli.CommandLine.Option;

/** The {@code --model} option shared by the commands that run a model; {@link ModelLoader} opens it. */
final class ModelOption {

    @Option(names = "--model", paramLabel = "NAME|FILE", defaultValue = ModelLoader.DEFAULT_MODEL,
            description = "A built-in model name (see 'shufflespark models'), a model file (.ssnm) or an ONNX file "
                    + "(.onnx). "
                    + "Default: ${DEFAULT-VALUE}.")
    String model;

    /** Fails with the model error when the value is neither a built-in name nor a file; loads nothing. */
    void check() {
        ModelLoader.check(model);
    }

    OpenedModel open() {
        return ModelLoader.open(model);
    }

    /** What was named: a built-in name or a path. */
    String name() {
        return model;
    }
}
