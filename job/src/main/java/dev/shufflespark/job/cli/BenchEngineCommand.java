package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.OpenedModel;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.job.bench.BatchTimer;
import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Times {@link Session#run} on T threads, each with its own session and its own seeded random batch. Every
 * thread warms up (at least one batch), then all start together and time batches until the deadline. A
 * batch's wall time divided by its size is one sample of "ms per image"; the last line printed is
 * {@code ms_per_image=<median>} for scripts.
 */
@Command(name = "engine", description = "Times Session.run of the engine on seeded random input.")
final class BenchEngineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "Threads, each with its own session. Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B",
            description = "Images per Session.run call. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seconds", defaultValue = "10", paramLabel = "SECONDS",
            description = "How long to time batches. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "SECONDS",
            description = "Untimed warm-up per thread (at least one batch). Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--height", defaultValue = "224", paramLabel = "H",
            description = "Image height. Default: ${DEFAULT-VALUE}.")
    int height;

    @Option(names = "--width", defaultValue = "224", paramLabel = "W",
            description = "Image width. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED",
            description = "Seed of the random input. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--vs-onnxruntime",
            description = {"Then time ONNX Runtime on the same model (the ONNX file given, or the model exported), "
                + "with --threads intra-op threads and the same batch, and print ratio=<ours/ort> last.",
                "Needs ONNX Runtime on the class path: bin/shufflespark adds it for this flag."})
    boolean vsOnnxRuntime;

    @Override
    public Integer call() throws InterruptedException {
        validate();
        OpenedModel opened = model.open();
        Model m = opened.model();
        byte[] onnx = vsOnnxRuntime ? onnxRuntimeModel(opened) : null;
        Engine engine = m.engine();
        long multiplyAdds = m.multiplyAdds(height, width);
        BatchTimer.Result timed;
        try {
            timed = BatchTimer.time(threads, BatchTimer.engine(engine, batch, height, width, seed), warmupSeconds,
                    seconds, "bench-engine");
        } catch (ExecutionException e) {
            throw new CliFailure("benchmark thread failed: " + Main.describe(e.getCause()), e.getCause());
        }
        double medianMsPerImage = timed.medianNanos() / batch / 1e6;
        double minMsPerImage = timed.minNanos() / (double) batch / 1e6;
        double imagesPerSecond = (double) timed.batches() * batch / timed.wallSeconds();
        double gflops = 2.0 * multiplyAdds * imagesPerSecond / 1e9;

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "model:        %s%s, input %dx3x%dx%d, %.1f M multiply-adds per image%n",
                m.name(), opened.builtin() ? " (seeded weights)" : "", batch, height, width, multiplyAdds / 1e6);
        out.printf(Locale.ROOT,
                "threads:      %d, each with its own session; warm-up %.1f s, timed %.2f s, %d batches%s%n",
                threads, warmupSeconds, timed.wallSeconds(), timed.batches(),
                timed.truncated() ? " (a thread filled its " + BatchTimer.MAX_SAMPLES + " samples and stopped early)"
                        : "");
        out.printf(Locale.ROOT, "kernel path:  %s%n", engine.kernelPath());
        out.printf(Locale.ROOT, "jdk:          %s%n", Machine.jdk());
        out.printf(Locale.ROOT, "cpu:          %s, %d cores available to the JVM%n", Machine.cpuModel(),
                Machine.cores());
        out.printf(Locale.ROOT, "ms per image: median %.3f, min %.3f (a batch's wall time / batch size)%n",
                medianMsPerImage, minMsPerImage);
        out.printf(Locale.ROOT, "images/s:     %.1f (all threads)%n", imagesPerSecond);
        out.printf(Locale.ROOT, "GFLOP/s:      %.2f (2 x multiply-adds x images/s)%n", gflops);
        out.printf(Locale.ROOT, "ms_per_image=%.3f%n", medianMsPerImage);
        out.flush();
        if (vsOnnxRuntime) {
            try {
                // Our threads each run their own batches side by side, while ONNX Runtime spreads one batch over
                // its intra-op threads: what compares is time per image of the whole machine, ours / threads.
                double comparable = medianMsPerImage / threads;
                if (threads > 1) {
                    out.printf(Locale.ROOT, "ours, %d threads together: %.3f ms per image (median / threads)%n",
                            threads, comparable);
                }
                OnnxRuntimeBench.compare(out, onnx, threads, batch, height, width, seed, warmupSeconds, seconds,
                        comparable);
            } catch (NoClassDefFoundError e) {
                throw new CliFailure("--vs-onnxruntime: ONNX Runtime is not on the class path (" + e.getMessage()
                        + "); run through bin/shufflespark, which adds job/target/onnxruntime/ for this flag", e);
            }
        }
        return 0;
    }

    /** The ONNX file given as --model, or the model exported, for ONNX Runtime to run on the same input. */
    private byte[] onnxRuntimeModel(OpenedModel opened) {
        if (opened.kind() != OpenedModel.Kind.ONNX) {
            return OnnxExporter.toProto(opened.model(), height, width).toByteArray();
        }
        Path file = Path.of(model.name());
        long[] shape = opened.declaredInput();
        if (shape.length == 4 && ((shape[0] > 0 && shape[0] != batch) || (shape[2] > 0 && shape[2] != height)
                || (shape[3] > 0 && shape[3] != width))) {
            throw new CliFailure("--vs-onnxruntime: " + file + " takes input " + Arrays.toString(shape)
                    + "; ONNX Runtime cannot run --batch " + batch + " of " + height + "x" + width
                    + " on it (use --batch " + shape[0] + ")");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CliFailure("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private void validate() {
        StringBuilder bad = new StringBuilder();
        if (threads < 1) {
            bad.append(" --threads must be at least 1, got ").append(threads).append(';');
        }
        if (batch < 1) {
            bad.append(" --batch must be at least 1, got ").append(batch).append(';');
        }
        if (!(seconds > 0) || seconds > 1e6) {
            bad.append(" --seconds must be more than 0, got ").append(seconds).append(';');
        }
        if (!(warmupSeconds >= 0) || warmupSeconds > 1e6) {
            bad.append(" --warmup-seconds must be 0 or more, got ").append(warmupSeconds).append(';');
        }
        if (height < 1 || width < 1) {
            bad.append(" --height and --width must be at least 1, got ").append(height).append('x').append(width)
                    .append(';');
        }
        if (bad.length() == 0 && (long) batch * 3 * height * width > Integer.MAX_VALUE / 4) {
            bad.append(" a batch of ").append(batch).append(" images ").append(height).append('x').append(width)
                    .append(" is more than one array can hold;");
        }
        if (bad.length() > 0) {
            throw new ParameterException(spec.commandLine(), bad.substring(1, bad.length() - 1));
        }
    }
}
