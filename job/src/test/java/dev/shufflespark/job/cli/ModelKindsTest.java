package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.io.onnx.OnnxImporter;
import dev.shufflespark.model.Model;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command that runs a model takes a built-in name, a shufflespark model file and an ONNX file, opens it the
 * same way, and runs that model; and every command says the same when the name is none of them. (The Spark job,
 * and with it {@code bench job} and {@code bench cluster}, loads through {@code LoadedModel}, whose three kinds
 * the job's own tests run: ClassifyLocalTest and RemoteClassifyTest.)
 */
class ModelKindsTest {
    private static final String NAME = "shufflenet_v1_g3_x0_25";
    private static final int H = 64;
    private static final int W = 48;

    @TempDir
    static Path dir;
    private static Model builtin;
    private static String ssnm;
    private static String onnx;
    private static float[] image;
    private static float[] expected;

    @BeforeAll
    static void modelFiles() {
        builtin = Model.builtin(NAME);
        Path file = dir.resolve("m.ssnm");
        builtin.save(file);
        ssnm = file.toString();
        Path exported = dir.resolve("exported.onnx");
        OnnxExporter.write(builtin, exported);
        onnx = exported.toString();
        image = new float[3 * H * W];
        for (int i = 0; i < image.length; i++) {
            image[i] = (float) Math.sin(0.37 * i);
        }
        expected = builtin.engine().newSession(1, H, W).run(image, 1).clone();
    }

    private static String spec(String kind) {
        return switch (kind) {
            case "builtin" -> NAME;
            case "ssnm" -> ssnm;
            default -> onnx;
        };
    }

    /** The name the model has once opened: the architecture's, or the ONNX file's stem. */
    private static String modelName(String kind) {
        return kind.equals("onnx") ? "exported" : NAME;
    }

    private static void assertLogits(float[] actual, String kind) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            if (kind.equals("onnx")) {
                assertEquals(expected[i], actual[i], 1e-4f * Math.max(1, Math.abs(expected[i])), "logit " + i);
            } else {
                assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "logit " + i);
            }
        }
    }

    private static float[] floats(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        float[] f = new float[b.length / 4];
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }

    private static Path samples() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent().resolve("samples");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void inferRunsTheModelNamed(String kind) throws Exception {
        Path in = dir.resolve(kind + ".in.f32");
        ByteBuffer b = ByteBuffer.allocate(image.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(image);
        Files.write(in, b.array());
        Path out = dir.resolve(kind + ".out.f32");
        Cli cli = Cli.run("infer", "--model", spec(kind), "--input", in.toString(), "--shape", "1,3," + H + "," + W,
                "--output", out.toString());
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.err().startsWith("infer: " + modelName(kind) + ", "), cli::toString);
        assertLogits(floats(out), kind);
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void exportWritesTheModelNamed(String kind) {
        Path out = dir.resolve(kind + ".export.onnx");
        Cli cli = Cli.run("export", "--model", spec(kind), "--output", out.toString(), "--height", Integer.toString(H),
                "--width", Integer.toString(W));
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.err().startsWith("export: " + modelName(kind)
                + (kind.equals("builtin") ? " (seeded weights) -> " : " -> ")), cli::toString);
        Model back = OnnxImporter.read(out).model();
        assertLogits(back.engine().newSession(1, H, W).run(image, 1), "onnx");
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void demoClassifiesWithTheModelNamed(String kind) {
        Path rocket = samples().resolve("rocket.jpg");
        Cli cli = Cli.run("demo", "--model", spec(kind), "--top", "3", rocket.toString());
        assertEquals(0, cli.exitCode(), cli::toString);
        String[] lines = cli.outLines();
        assertEquals(kind.equals("builtin") ? NAME + ": seeded weights, not trained: labels are meaningless"
                : modelName(kind), lines[0]);
        Cli reference = Cli.run("demo", "--model", NAME, "--top", "3", rocket.toString());
        List<Double> ours = probabilities(cli.out());
        List<Double> theirs = probabilities(reference.out());
        assertEquals(3, ours.size(), cli::toString);
        for (int i = 0; i < 3; i++) {
            assertEquals(theirs.get(i), ours.get(i), 2e-4, cli::toString);
        }
    }

    private static List<Double> probabilities(String out) {
        List<Double> p = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^  (\\d\\.\\d{4})  ").matcher(out);
        while (m.find()) {
            p.add(Double.parseDouble(m.group(1)));
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void benchEngineTimesTheModelNamed(String kind) {
        Cli cli = Cli.run("bench", "engine", "--model", spec(kind), "--batch", "1", "--height", Integer.toString(H),
                "--width", Integer.toString(W), "--seconds", "0.2", "--warmup-seconds", "0.05", "--no-wait-for-jit");
        assertEquals(0, cli.exitCode(), cli::toString);
        assertEquals("model:        " + modelName(kind) + (kind.equals("builtin") ? " (seeded weights)" : "")
                + ", input 1x3x" + H + "x" + W + ", " + String.format(java.util.Locale.ROOT, "%.1f",
                builtin.multiplyAdds(H, W) / 1e6) + " M multiply-adds per image", cli.outLines()[0]);
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void benchDecodeComparesWithTheModelNamed(String kind) throws Exception {
        Path images = Files.createDirectories(dir.resolve(kind + "-images"));
        Files.copy(samples().resolve("chelsea.png"), images.resolve("chelsea.png"));
        Cli cli = Cli.run("bench", "decode", "--input", images.toString(), "--seconds", "0.05", "--warmup-seconds",
                "0", "--fast-path", "off", "--vs-model", spec(kind));
        assertEquals(0, cli.exitCode(), cli::toString);
        assertTrue(cli.out().contains("inference:   " + modelName(kind) + ", batch 8, 1 thread: "), cli::toString);
        assertTrue(cli.out().matches("(?s).*decode_preprocess_vs_inference\\[451x300]=\\d+\\.\\d\\d\\s*"),
                cli::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"builtin", "ssnm", "onnx"})
    void preprocessTakesTheModelNamed(String kind) throws Exception {
        Path out = dir.resolve(kind + ".pre.f32");
        Cli cli = Cli.run("preprocess", "--model", spec(kind), "--input", samples().resolve("chelsea.png").toString(),
                "--output", out.toString(), "--resize", "40", "--crop", "32");
        assertEquals(0, cli.exitCode(), cli::toString);
        Path reference = dir.resolve(kind + ".pre-default.f32");
        assertEquals(0, Cli.run("preprocess", "--input", samples().resolve("chelsea.png").toString(), "--output",
                reference.toString(), "--resize", "40", "--crop", "32").exitCode());
        assertArrayEquals(Files.readAllBytes(reference), Files.readAllBytes(out),
                "no model carries preprocessing settings yet");
    }

    @Test
    void everyCommandSaysTheSameOfAModelThatIsNeither() throws Exception {
        String missing = dir.resolve("no-such-model.onnx").toString();
        String message = ModelLoader.notFound(missing).getMessage();
        Path in = Files.write(dir.resolve("zeros.f32"), new byte[3 * 8 * 8 * 4]);
        String rocket = samples().resolve("rocket.jpg").toString();
        String[][] commands = {
            {"infer", "--model", missing, "--input", in.toString(), "--shape", "1,3,8,8", "--output",
                dir.resolve("never.f32").toString()},
            {"demo", "--model", missing, rocket},
            {"export", "--model", missing, "--output", dir.resolve("never.onnx").toString()},
            {"bench", "engine", "--model", missing},
            {"bench", "decode", "--input", dir.toString(), "--vs-model", missing, "--seconds", "0.01",
                "--warmup-seconds", "0"},
            {"preprocess", "--model", missing, "--input", rocket, "--output", dir.resolve("never.f32").toString()},
            {"bench", "job", "--input", samples().toString(), "--model", missing},
        };
        for (String[] args : commands) {
            Cli cli = Cli.run(args);
            assertEquals(1, cli.exitCode(), cli::toString);
            assertTrue(cli.err().contains(": " + message + "\n") || cli.err().contains(": " + message + "\r\n"),
                    () -> String.join(" ", args) + "\n" + cli);
        }
    }
}
