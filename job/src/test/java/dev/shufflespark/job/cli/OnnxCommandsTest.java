package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.onnx.OnnxImporter;
import dev.shufflespark.io.onnx.OnnxModel;
import dev.shufflespark.model.Model;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code export}, ONNX files as {@code --model}, and {@code bench engine --vs-onnxruntime}. */
class OnnxCommandsTest {
    private static final String SMALL_MODEL = "shufflenet_v2_x0_5";

    @Test
    void exportWritesAnOnnxFileThatLoadsBackAsTheSameModel(@TempDir Path dir) {
        Path file = dir.resolve("v2.onnx");
        Cli cli = Cli.run("export", "--model", SMALL_MODEL, "--output", file.toString());
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("opset 13"), cli::toString);
        OnnxModel m = OnnxImporter.read(file);
        assertEquals("[-1, 3, 224, 224]", java.util.Arrays.toString(m.inputShape()));
        assertEquals(Model.builtin(SMALL_MODEL).parameterCount(), m.model().parameterCount());
    }

    @Test
    void exportNeedsAnExistingDirectory(@TempDir Path dir) {
        Cli cli = Cli.run("export", "--model", SMALL_MODEL, "--output", dir.resolve("no/such/v2.onnx").toString());
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("no such directory"), cli::toString);
    }

    @Test
    void benchComparesWithOnnxRuntimeOnTheSameFile(@TempDir Path dir) {
        Path file = dir.resolve("v2.onnx");
        assertEquals(0, Cli.run("export", "--model", SMALL_MODEL, "--output", file.toString(), "--height", "64",
                "--width", "64").exitCode());
        Cli cli = Cli.run("bench", "engine", "--model", file.toString(), "--batch", "2", "--height", "64", "--width",
                "64", "--seconds", "0.3", "--warmup-seconds", "0.1", "--no-wait-for-jit", "--vs-onnxruntime");
        assertEquals(0, cli.exitCode(), cli::toString);
        String[] lines = cli.outLines();
        Matcher ratio = Pattern.compile("ratio=(\\d+\\.\\d{3})").matcher(lines[lines.length - 1]);
        assertTrue(ratio.matches(), cli::toString);
        double ours = value(cli.out(), "ms_per_image");
        double ort = value(cli.out(), "ort_ms_per_image");
        // The printed figures are rounded to 0.001 ms, so the ratio of the printed figures is close, not equal.
        assertEquals(ours / ort, Double.parseDouble(ratio.group(1)), 0.002 + 0.02 * ours / ort, cli::toString);
        // The same on the CPU clock, the line before: one intra-op thread runs on the calling thread.
        assertTrue(lines[lines.length - 2].startsWith("cpu_ratio="), cli::toString);
        double oursCpu = value(cli.out(), "cpu_ms_per_image");
        double ortCpu = value(cli.out(), "ort_cpu_ms_per_image");
        assertEquals(oursCpu / ortCpu, value(cli.out(), "cpu_ratio"), 0.002 + 0.02 * oursCpu / ortCpu,
                cli::toString);
        assertTrue(cli.out().contains("4 rounds"), cli::toString);

        // One and two threads in turns: ours, each thread on its own batches, counts per image of both together;
        // the unmarked figures are the first count's.
        Cli two = Cli.run("bench", "engine", "--model", file.toString(), "--batch", "2", "--height", "64", "--width",
                "64", "--seconds", "0.4", "--warmup-seconds", "0.1", "--threads", "1,2", "--rounds", "2", "--no-wait-for-jit",
                "--vs-onnxruntime");
        assertEquals(0, two.exitCode(), two::toString);
        String[] twoLines = two.outLines();
        assertTrue(twoLines[twoLines.length - 1].startsWith("ratio="), two::toString);
        double perThread = value(two.out(), "ms_per_image[threads=2]");
        double ort2 = value(two.out(), "ort_ms_per_image[threads=2]");
        assertEquals(perThread / 2 / ort2, value(two.out(), "ratio[threads=2]"), 0.002 + 0.02 * perThread / 2 / ort2,
                two::toString);
        double one = value(two.out(), "ms_per_image");
        assertEquals(perThread / one, value(two.out(), "threads_vs_first[threads=2]"), 0.002 + 0.02 * perThread / one,
                two::toString);
        double oneCpu = value(two.out(), "cpu_ms_per_image");
        double twoCpu = value(two.out(), "cpu_ms_per_image[threads=2]");
        assertEquals(twoCpu / oneCpu, value(two.out(), "threads_vs_first_cpu[threads=2]"),
                0.002 + 0.02 * twoCpu / oneCpu, two::toString);
    }

    @Test
    void anOnnxFileWithAFixedBatchNamesTheBatchItTakes(@TempDir Path dir) throws Exception {
        // The exported model with its batch fixed at 1.
        Path file = dir.resolve("fixed.onnx");
        var proto = dev.shufflespark.io.onnx.OnnxExporter.toProto(Model.builtin(SMALL_MODEL), 64, 64);
        var g = proto.getGraph().toBuilder();
        g.getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder().getDimBuilder(0)
                .clearDimParam().setDimValue(1);
        Files.write(file, proto.toBuilder().setGraph(g).build().toByteArray());
        Cli cli = Cli.run("bench", "engine", "--model", file.toString(), "--batch", "2", "--height", "64", "--width",
                "64", "--seconds", "0.1", "--vs-onnxruntime");
        assertEquals(1, cli.exitCode(), cli::toString);
        assertTrue(cli.err().contains("use --batch 1"), cli::toString);
    }

    private static double value(String out, String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "=(\\d+\\.\\d+)$").matcher(out);
        assertTrue(m.find(), key + " missing in\n" + out);
        return Double.parseDouble(m.group(1));
    }
}
