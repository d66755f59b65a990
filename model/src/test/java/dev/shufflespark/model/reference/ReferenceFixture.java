package dev.shufflespark.model.reference;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.Weights;
import dev.shufflespark.model.format.ModelFile;
import dev.shufflespark.model.shufflenet.SeededInit;
import dev.shufflespark.model.shufflenet.ShuffleNetV2;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * The torchvision cross-check: which network, weights and input it uses, the Java half of making it, and
 * the parser of the committed result.
 *
 * <p>To regenerate {@value #RESOURCE} (only needed when {@link SeededInit}, the input or the model format
 * changes; the test says so when it does):
 * <pre>
 *   mvn -q -pl model test-compile
 *   python3 model/src/test/python/make_reference_fixture.py
 * </pre>
 * The script runs {@link #main} to write the weights (as a {@link ModelFile}) and the input (raw
 * little-endian float32) to a temporary directory, loads them into torchvision's {@code shufflenet_v2_x0_5()},
 * and writes the logits in float32 and in float64.
 */
public final class ReferenceFixture {
    public static final Architecture ARCH = Architecture.parse("shufflenet_v2_x0_5");
    public static final long WEIGHTS_SEED = SeededInit.DEFAULT_SEED;
    public static final long INPUT_SEED = 20240611L;
    /** Two images of an odd, non-square size, so that padding and H/W mix-ups show. */
    public static final int N = 2;
    public static final int H = 113;
    public static final int W = 89;
    public static final String RESOURCE = "/fixtures/shufflenet_v2_x0_5_torchvision_logits.txt";

    private ReferenceFixture() {
    }

    public static Weights weights() {
        return SeededInit.init(ShuffleNetV2.weightShapes(ARCH), WEIGHTS_SEED, ShuffleNetV2.BN_EPS);
    }

    /** Normal(0, 1) values, [N, 3, H, W]. */
    public static float[] input() {
        return gaussian(N * 3 * H * W, INPUT_SEED);
    }

    public static float[] gaussian(int count, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[count];
        for (int i = 0; i < count; i++) {
            a[i] = (float) r.nextGaussian();
        }
        return a;
    }

    public static byte[] modelFileBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelFile.write(ARCH, weights(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static byte[] littleEndian(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b.array();
    }

    public static String crc32c(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return String.format("%08x", crc.getValue());
    }

    /** Writes {@code weights.ssnm}, {@code input.f32} and {@code input.txt} (the input's shape) to a directory. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: ReferenceFixture OUTPUT_DIR");
            System.exit(2);
        }
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        Files.write(dir.resolve("weights.ssnm"), modelFileBytes());
        byte[] input = littleEndian(input());
        Files.write(dir.resolve("input.f32"), input);
        Files.writeString(dir.resolve("input.txt"), String.join("\n",
                "architecture " + ARCH.name(),
                "weights_seed " + WEIGHTS_SEED,
                "input_seed " + INPUT_SEED,
                "input_shape " + N + " 3 " + H + " " + W,
                "input_crc32c " + crc32c(input),
                ""));
        System.out.println("wrote " + dir.resolve("weights.ssnm") + " and " + dir.resolve("input.f32"));
    }

    /** The parsed fixture: {@code key value...} lines, and the two logit blocks. */
    public record Logits(Map<String, String> fields, float[] float32, double[] float64) {
    }

    public static Logits load() {
        try (InputStream in = ReferenceFixture.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return null;
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Logits parse(String text) {
        Map<String, String> fields = new HashMap<>();
        List<Double> f32 = new ArrayList<>();
        List<Double> f64 = new ArrayList<>();
        List<Double> block = null;
        for (String raw : text.split("\n")) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+");
            if (parts[0].equals("logits_float32")) {
                block = f32;
            } else if (parts[0].equals("logits_float64")) {
                block = f64;
            } else if (Character.isLetter(parts[0].charAt(0))) {
                fields.put(parts[0], line.substring(parts[0].length()).strip());
                block = null;
            } else if (block != null) {
                for (String p : parts) {
                    block.add(Double.parseDouble(p));
                }
            } else {
                throw new ModelException("fixture: numbers outside a logits block: " + line);
            }
        }
        float[] a = new float[f32.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = f32.get(i).floatValue();
        }
        double[] b = new double[f64.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = f64.get(i);
        }
        return new Logits(fields, a, b);
    }
}
