package dev.shufflespark.job.cli;

import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "infer",
        description = {"Runs a model on raw float32 input and writes the raw float32 logits.",
            "Input: little-endian float32 NCHW [N,3,H,W], already preprocessed. "
                    + "Output: little-endian float32 [N, classes]."})
final class InferCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "Raw float32 NCHW input.")
    Path input;

    @Option(names = "--shape", required = true, paramLabel = "N,3,H,W", converter = Shape.Converter.class,
            description = "The shape of the input.")
    Shape shape;

    @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where to write the logits.")
    Path output;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "B",
            description = "Images per Session.run call. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Override
    public Integer call() throws IOException {
        if (batch < 1) {
            throw new ParameterException(spec.commandLine(), "--batch must be at least 1, got " + batch);
        }
        int chunk = Math.min(batch, shape.n());
        if (chunk * shape.imageFloats() > Integer.MAX_VALUE / 4) {
            throw new ParameterException(spec.commandLine(), "--batch " + batch + " of " + shape.h() + "x"
                    + shape.w() + " images is more than one array can hold; use a smaller --batch");
        }
        model.check();
        if (!Files.isRegularFile(input)) {
            throw new CliFailure("--input " + input + ": no such file");
        }
        long expected = shape.floats() * Float.BYTES;
        long actual = Files.size(input);
        if (actual != expected) {
            throw new CliFailure("--input " + input + " has " + actual + " bytes, but --shape " + shape
                    + " needs " + expected + " bytes (" + shape.floats() + " float32 values)");
        }

        if (Files.exists(output) && Files.isSameFile(input, output)) {
            throw new ParameterException(spec.commandLine(), "--output " + output + " is the input file");
        }

        long start = System.nanoTime();
        Model m = model.open().model();
        int classes = m.numClasses();
        Session session = m.engine().newSession(chunk, shape.h(), shape.w());
        long loaded = System.nanoTime();
        int imageFloats = (int) shape.imageFloats();
        float[] images = new float[chunk * imageFloats];
        ByteBuffer inBytes = ByteBuffer.allocate(images.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer outBytes = ByteBuffer.allocate(chunk * classes * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        boolean done = false;
        try (FileChannel in = FileChannel.open(input, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(output, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int first = 0; first < shape.n(); first += chunk) {
                int count = Math.min(chunk, shape.n() - first);
                inBytes.clear().limit(count * imageFloats * Float.BYTES);
                readFully(in, inBytes);
                inBytes.flip();
                inBytes.asFloatBuffer().get(images, 0, count * imageFloats);

                float[] logits = session.run(images, count);

                outBytes.clear();
                outBytes.asFloatBuffer().put(logits, 0, count * classes);
                outBytes.limit(count * classes * Float.BYTES);
                while (outBytes.hasRemaining()) {
                    out.write(outBytes);
                }
            }
            done = true;
        } finally {
            if (!done) {
                Files.deleteIfExists(output);
            }
        }
        double loadSeconds = (loaded - start) / 1e9;
        double runSeconds = (System.nanoTime() - loaded) / 1e9;
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "infer: %s, %d images %dx%d -> %s [%d,%d] float32; load %.3f s, run %.3f s"
                        + " (%.1f images/s)%n",
                m.name(), shape.n(), shape.h(), shape.w(), output, shape.n(), classes, loadSeconds, runSeconds,
                shape.n() / runSeconds);
        err.flush();
        return 0;
    }

    private void readFully(FileChannel in, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (in.read(buffer) < 0) {
                throw new CliFailure("--input " + input + " ended early (was it changed while being read?)");
            }
        }
    }
}
