package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.output.TopK;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands that run the engine. */
class EngineCommandsTest {

    private static final String SMALL_MODEL = "shufflenet_v2_x0_5";

    @Test
    void inferWritesTheSessionsLogitsBitForBit(@TempDir Path dir) throws Exception {
        int n = 3, h = 64, w = 64, imageFloats = 3 * h * w;
        float[] images = new float[n * imageFloats];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < images.length; i++) {
            images[i] = (float) (random.nextDouble() * 4 - 2);
        }
        Path input = dir.resolve("x.f32");
        Files.write(input, littleEndian(images));
        Path output = dir.resolve("y.f32");

        Cli cli = Cli.run("infer", "--model", SMALL_MODEL, "--input", input.toString(),
                "--shape", n + ",3," + h + "," + w, "--output", output.toString(), "--batch", "2");
        assertEquals(0, cli.exitCode(), cli::toString);
        assertEquals("", cli.out(), "the summary goes to stderr");
        assertEquals(1, cli.err().strip().lines().count(), cli::toString);

        // The same chunks as the command: 2 images, then 1.
        Model model = Model.builtin(SMALL_MODEL);
        int classes = model.numClasses();
        Session session = model.engine().newSession(2, h, w);
        float[] expected = new float[n * classes];
        System.arraycopy(session.run(Arrays.copyOfRange(images, 0, 2 * imageFloats), 2), 0, expected, 0, 2 * classes);
        System.arraycopy(session.run(Arrays.copyOfRange(images, 2 * imageFloats, 3 * imageFloats), 1), 0,
                expected, 2 * classes, classes);

        byte[] written = Files.readAllBytes(output);
        assertEquals((long) n * classes * 4, written.length);
        float[] actual = new float[n * classes];
        ByteBuffer.wrap(written).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(actual);
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToRawIntBits(actual[i]) != Float.floatToRawIntBits(expected[i])) {
                throw new AssertionError("logit " + i + ": wrote " + actual[i] + ", session gives " + expected[i]);
            }
        }
    }

    @Test
    void modelsListsEveryBuiltinWithItsSizes() {
        Cli cli = Cli.run("models");
        assertEquals(0, cli.exitCode(), cli::toString);
        for (String name : Architecture.builtinNames()) {
            Pattern row = Pattern.compile("(?m)^" + name + "\\s+(\\d+\\.\\d+)\\s+(\\d+\\.\\d+)\\s*$");
            Matcher m = row.matcher(cli.out());
            assertTrue(m.find(), () -> name + " missing or malformed in\n" + cli);
            Model model = Model.builtin(name);
            assertEquals(model.parameterCount() / 1e6, Double.parseDouble(m.group(1)), 0.0005, name);
            assertEquals(model.multiplyAdds(224, 224) / 1e6, Double.parseDouble(m.group(2)), 0.05, name);
        }
        assertTrue(cli.out().contains("seeded weights"), cli::toString);
    }

    @Test
    void benchEngineEndsWithTheMedianMsPerImage() {
        Cli cli = Cli.run("bench", "engine", "--model", SMALL_MODEL, "--threads", "2", "--batch", "2",
                "--height", "64", "--width", "64", "--seconds", "1", "--warmup-seconds", "0.2", "--no-wait-for-jit");
        assertEquals(0, cli.exitCode(), cli::toString);
        String[] lines = cli.outLines();
        assertTrue(lines[lines.length - 1].matches("ms_per_image=\\d+\\.\\d+"), cli::toString);
        assertTrue(cli.out().contains("kernel path:"), cli::toString);
        assertTrue(cli.out().contains(System.getProperty("java.version")), cli::toString);
        assertTrue(cli.out().contains(Runtime.getRuntime().availableProcessors() + " cores"), cli::toString);
    }

    @Test
    void benchEngineInFreshJvmsPrintsEachJvmsFigureAndTheirSpread() {
        Cli cli = Cli.run("bench", "engine", "--model", SMALL_MODEL, "--batch", "1", "--height", "32", "--width",
                "32", "--jvms", "2", "--seconds", "0.3", "--rounds", "3", "--warmup-seconds", "0", "--no-wait-for-jit");
        assertEquals(0, cli.exitCode(), cli::toString);
        String[] lines = cli.outLines();
        assertTrue(lines[0].endsWith("each: bench engine --model " + SMALL_MODEL + " --batch 1 --height 32 --width 32 "
                + "--seconds 0.3 --rounds 3 --warmup-seconds 0 --no-wait-for-jit"), cli::toString);
        Matcher each = Pattern.compile("(?m)^jvm_cpu_ms_per_image=(\\d+\\.\\d+),(\\d+\\.\\d+)$").matcher(cli.out());
        assertTrue(each.find(), cli::toString);
        double a = Double.parseDouble(each.group(1));
        double b = Double.parseDouble(each.group(2));
        assertTrue(a > 0 && b > 0, cli::toString);
        assertTrue(cli.out().contains(String.format(Locale.ROOT, "jvm  1/2:    cpu %.3f,", a)), cli::toString);
        assertTrue(cli.out().contains(String.format(Locale.ROOT, "jvm  2/2:    cpu %.3f,", b)), cli::toString);
        // each JVM's three rounds are printed; the last line is the median of the two JVMs
        assertTrue(cli.out().matches("(?s).*jvm  1/2: .*rounds cpu \\d+\\.\\d+ \\d+\\.\\d+ \\d+\\.\\d+ .*"),
                cli::toString);
        // each JVM's floor is its fastest printed round
        Matcher floors = Pattern.compile("(?m)^jvm_floor_cpu_ms_per_image=(\\d+\\.\\d+),(\\d+\\.\\d+)$")
                .matcher(cli.out());
        assertTrue(floors.find(), cli::toString);
        double[] floor = {Double.parseDouble(floors.group(1)), Double.parseDouble(floors.group(2))};
        for (int j = 0; j < 2; j++) {
            Matcher rounds = Pattern.compile("(?m)^jvm  " + (j + 1) + "/2: .*rounds cpu (\\S+) (\\S+) (\\S+) ")
                    .matcher(cli.out());
            assertTrue(rounds.find(), cli::toString);
            double fastest = Math.min(Double.parseDouble(rounds.group(1)),
                    Math.min(Double.parseDouble(rounds.group(2)), Double.parseDouble(rounds.group(3))));
            assertEquals(fastest, floor[j], 0.0005, cli::toString);
            assertTrue(floor[j] <= (j == 0 ? a : b) + 0.0005, cli::toString);
        }
        assertTrue(cli.out().contains(String.format(Locale.ROOT, "jvms_floor_max_over_median=%.3f",
                Math.max(floor[0], floor[1]) / ((floor[0] + floor[1]) / 2))), cli::toString);
        assertTrue(lines[lines.length - 2].startsWith("jvms_max_over_median="), cli::toString);
        assertEquals(Math.max(a, b) / ((a + b) / 2), Double.parseDouble(lines[lines.length - 2].split("=")[1]), 0.002,
                cli::toString);
        assertTrue(lines[lines.length - 1].startsWith("jvms_cpu_ms_per_image="), cli::toString);
        assertEquals((a + b) / 2, Double.parseDouble(lines[lines.length - 1].split("=")[1]), 0.001, cli::toString);
    }

    @Test
    void demoPrintsTheTopFiveOfEverySampleUnderTheWarning() throws Exception {
        Cli cli = Cli.run("demo");
        assertEquals(0, cli.exitCode(), cli::toString);
        String[] lines = cli.outLines();
        assertEquals(ModelLoader.DEFAULT_MODEL + ": seeded weights, not trained: labels are meaningless", lines[0]);

        // What the demo computes, done here with the io module and the engine: the samples decoded and
        // preprocessed as torchvision does, run as one batch, the five most probable ImageNet classes of each.
        String[] samples = {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"};
        Model model = Model.builtin(ModelLoader.DEFAULT_MODEL);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        float[] input = new float[samples.length * pre.outputLength()];
        try (ImageDecoder decoder = new ImageDecoder()) {
            for (int i = 0; i < samples.length; i++) {
                byte[] bytes = Files.readAllBytes(repository().resolve("samples").resolve(samples[i]));
                pre.apply(decoder.decode(bytes, 0, bytes.length, samples[i], pre.resizeTarget()), input,
                        i * pre.outputLength());
            }
        }
        float[] logits = model.engine().newSession(samples.length, 224, 224).run(input, samples.length);
        int classes = model.numClasses();
        for (int i = 0; i < samples.length; i++) {
            String sample = samples[i];
            int at = Arrays.asList(lines).indexOf(sample + " (" + sizeOf(sample) + ")");
            assertTrue(at > 0, () -> sample + " missing from\n" + cli);
            List<TopK.Prediction> top = TopK.of(logits, i * classes, classes, 5, model.outputsProbabilities());
            for (int k = 0; k < 5; k++) {
                TopK.Prediction p = top.get(k);
                assertEquals(String.format(Locale.ROOT, "  %.4f  %s (%d)", p.probability(),
                        Labels.imagenet().name(p.index()), p.index()), lines[at + 1 + k], sample + " rank " + (k + 1));
            }
            assertTrue(top.get(0).probability() >= top.get(4).probability(), "most probable first");
        }
    }

    private static Path repository() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    }

    private static String sizeOf(String sample) {
        return switch (sample) {
            case "astronaut.png" -> "512x512";
            case "chelsea.png" -> "451x300";
            case "coffee.png" -> "600x400";
            default -> "640x427";
        };
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }
}
