package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.OpenedModel;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.model.Model;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "export",
        description = {"Writes a model as a standard ONNX file (opset " + OnnxExporter.OPSET + ") that ONNX Runtime "
                + "and other tools run.",
            "Input 'input' [N,3,H,W] (dynamic batch), output 'logits' [N,classes] ('probabilities' when the model "
                    + "ends in a softmax)."})
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "The ONNX file to write.")
    Path output;

    @Option(names = "--height", defaultValue = "224", paramLabel = "H",
            description = "Input height the file declares. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "224", paramLabel = "W",
            description = "Input width the file declares. Default: ${DEFAULT-VALUE}.")
    int width;

    @Override
    public Integer call() {
        if (height < 1 || width < 1) {
            throw new ParameterException(spec.commandLine(), "--height and --width must be at least 1, got "
                    + height + "x" + width);
        }
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new CliFailure("--output " + output + ": no such directory " + dir);
        }
        OpenedModel opened = model.open();
        Model m = opened.model();
        OnnxExporter.write(m, output, height, width);
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "export: %s%s -> %s (ONNX opset %d, input [N,3,%d,%d], %.2f M parameters)%n", m.name(),
                opened.builtin() ? " (seeded weights)" : "", output, OnnxExporter.OPSET, height, width,
                m.parameterCount() / 1e6);
        err.flush();
        return 0;
    }
}
