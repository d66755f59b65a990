package dev.shufflespark.job.cli;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.io.source.PartitionReader;
import dev.shufflespark.job.bench.BatchTimer;
import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.job.bench.Statistics;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Times read + decode + preprocess per image on one thread, through the same {@link PartitionReader} the
 * Spark job uses, for each image size in a folder, with and without the subsampling fast path; and one
 * ShuffleNet inference per image on the same thread, for the ratio. Medians of per-image times.
 */
@Command(name = "decode",
        description = {"Times read + decode + preprocess per image (one thread), per image size, with and "
                + "without the subsampling fast path, against one ShuffleNet inference.",
            "--generate first writes a photo set (0.2, 2 and 12 megapixel JPEGs made from samples/) into --input."})
final class BenchDecodeCommand implements Callable<Integer> {

    /** Sizes of the generated set: ImageNet-sized, a 2 MP and a 12 MP camera photo. */
    private static final int[][] SIZES = {{500, 375}, {1632, 1224}, {4000, 3000}};
    private static final String[] SAMPLES = {"astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg"};

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--input", required = true, paramLabel = "DIR", description = "A folder of images.")
    Path input;

    @Option(names = "--generate", description = "First write the benchmark photo set into --input.")
    boolean generate;

    @Option(names = "--seconds", defaultValue = "5", paramLabel = "SECONDS",
            description = "Timed seconds per image size and mode. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--warmup-seconds", defaultValue = "3", paramLabel = "SECONDS",
            description = "Untimed warm-up over all images first. Default: ${DEFAULT-VALUE}.")
    double warmupSeconds;

    @Option(names = "--fast-path", defaultValue = "both", paramLabel = "both|on|off",
            description = "Time with the subsampling fast path, without, or both. Default: ${DEFAULT-VALUE}.")
    String fastPath;

    @Option(names = "--vs-model", defaultValue = ModelLoader.DEFAULT_MODEL, paramLabel = "NAME|FILE|none",
            description = "The model whose single-thread inference (batch 8) to compare with; none to skip. "
                    + "Default: ${DEFAULT-VALUE}.")
    String vsModel;

    @Override
    public Integer call() throws IOException {
        if (!(seconds > 0) || !(warmupSeconds >= 0)) {
            throw new ParameterException(spec.commandLine(), "--seconds must be more than 0 and --warmup-seconds"
                    + " 0 or more, got " + seconds + " and " + warmupSeconds);
        }
        List<Boolean> modes = switch (fastPath) {
            case "both" -> List.of(false, true);
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            default -> throw new ParameterException(spec.commandLine(), "--fast-path must be both, on or off, got '"
                    + fastPath + "'");
        };
        // The model first: a bad name fails before any timing.
        Model vs = vsModel.equals("none") ? null : ModelLoader.open(vsModel).model();
        PrintWriter out = spec.commandLine().getOut();
        if (generate) {
            Files.createDirectories(input);
            generate(input, out);
        }
        if (!Files.isDirectory(input)) {
            throw new CliFailure("--input " + input + ": no such folder");
        }
        Configuration conf = new Configuration();
        ListingOptions listing = ListingOptions.defaults();
        List<InputFile> files = InputLister.list(List.of(input.toAbsolutePath().toString()), conf, listing);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());

        // Group the images by size (decoding each once).
        Map<String, List<InputFile>> groups = new LinkedHashMap<>();
        Map<String, long[]> groupInfo = new LinkedHashMap<>(); // pixels, bytes
        try (ImageDecoder decoder = new ImageDecoder();
             PartitionReader reader = new PartitionReader(conf, files, decoder, pre, listing)) {
            float[] sink = new float[pre.outputLength()];
            int i = 0;
            for (ImageResult r; (r = reader.next(sink, 0)) != null; i++) {
                if (!r.ok()) {
                    throw new CliFailure("benchmark image failed: " + r.message());
                }
                String key = r.width() + "x" + r.height();
                groups.computeIfAbsent(key, k -> new ArrayList<>()).add(files.get(i));
                long[] info = groupInfo.computeIfAbsent(key, k -> new long[2]);
                info[0] = (long) r.width() * r.height();
                info[1] += r.bytes();
            }
        }
        if (groups.isEmpty()) {
            throw new CliFailure("no images in " + input);
        }
        List<String> order = new ArrayList<>(groups.keySet());
        order.sort((a, b) -> Long.compare(groupInfo.get(a)[0], groupInfo.get(b)[0]));

        // Warm-up: every image, every mode.
        long warmEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            for (boolean mode : modes) {
                run(conf, files, listing, pre, mode, 0);
            }
        } while (System.nanoTime() < warmEnd);

        out.printf(Locale.ROOT, "images:      %s, %d files%n", input, files.size());
        out.printf(Locale.ROOT, "jdk:         %s%n", Machine.jdk());
        out.printf(Locale.ROOT, "cpu:         %s, %d cores available, 1 thread used%n", Machine.cpuModel(),
                Machine.cores());
        out.printf(Locale.ROOT, "pipeline:    read (Hadoop file://) + decode (ImageIO, TwelveMonkeys JPEG) + "
                + "preprocess (resize 256, crop 224, normalise); medians per image%n%n");
        out.printf(Locale.ROOT, "%-11s %6s %7s %-9s %7s %9s %9s %9s %10s %9s %6s%n", "size", "MP", "kB", "decode",
                "read", "pixels", "to RGB", "preproc", "total ms", "images/s", "n");
        Map<String, double[]> totals = new LinkedHashMap<>();
        for (String key : order) {
            long[] info = groupInfo.get(key);
            List<InputFile> group = groups.get(key);
            for (boolean mode : modes) {
                Stats s = run(conf, group, listing, pre, mode, seconds);
                double total = Statistics.median(s.total);
                totals.computeIfAbsent(key, k -> new double[2])[mode ? 1 : 0] = total;
                out.printf(Locale.ROOT, "%-11s %6.2f %7.0f %-9s %7.2f %9.2f %9.2f %9.2f %10.2f %9.1f %6d%n", key,
                        info[0] / 1e6, info[1] / 1e3 / group.size(), mode ? "fast/" + s.subsampling : "full",
                        Statistics.median(s.read), Statistics.median(s.pixels), Statistics.median(s.convert),
                        Statistics.median(s.preprocess), total, 1000 / total, s.count);
            }
        }
        out.printf(Locale.ROOT, "%n(pixels: the ImageIO reader's entropy decoding, IDCT, upsampling and copy; "
                + "to RGB: our colour conversion; fast/s: source subsampling by s)%n");

        double inference = Double.NaN;
        if (vs != null) {
            Engine engine = vs.engine();
            inference = inferenceMsPerImage(engine, 8);
            out.printf(Locale.ROOT, "%ninference:   %s, batch 8, 1 thread: %.2f ms per image (median), kernel path %s%n",
                    vs.name(), inference, engine.kernelPath());
        }
        out.println();
        for (String key : order) {
            double[] t = totals.get(key);
            if (modes.size() == 2) {
                out.printf(Locale.ROOT, "fast_path_speedup[%s]=%.2f%n", key, t[0] / t[1]);
            }
            if (!Double.isNaN(inference)) {
                double best = modes.contains(true) ? t[1] : t[0];
                out.printf(Locale.ROOT, "decode_preprocess_vs_inference[%s]=%.2f%n", key, best / inference);
            }
        }
        out.flush();
        return 0;
    }

    /** Per-image samples of one run. */
    private static final class Stats {
        final List<Double> read = new ArrayList<>();
        final List<Double> pixels = new ArrayList<>();
        final List<Double> convert = new ArrayList<>();
        final List<Double> preprocess = new ArrayList<>();
        final List<Double> total = new ArrayList<>();
        int count;
        int subsampling = 1;
    }

    /** Reads the files over and over for {@code seconds} (once when 0). */
    private static Stats run(Configuration conf, List<InputFile> files, ListingOptions listing, Preprocessor pre,
                             boolean fast, double seconds) {
        Stats s = new Stats();
        float[] out = new float[pre.outputLength()];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults().withSubsample(fast))) {
            do {
                try (PartitionReader reader = new PartitionReader(conf, files, decoder, pre, listing)) {
                    for (ImageResult r; (r = reader.next(out, 0)) != null; ) {
                        if (!r.ok()) {
                            throw new CliFailure("benchmark image failed: " + r.message());
                        }
                        s.read.add(r.readNanos() / 1e6);
                        s.pixels.add(decoder.lastPixelsNanos() / 1e6);
                        s.convert.add(decoder.lastConvertNanos() / 1e6);
                        s.preprocess.add(r.preprocessNanos() / 1e6);
                        s.total.add(r.totalNanos() / 1e6);
                        s.subsampling = r.subsampling();
                        s.count++;
                    }
                }
            } while (System.nanoTime() < end);
        }
        return s;
    }

    /** Median ms per image of Session.run on seeded input, batch {@code batch}, one thread, 1 s warm-up, 3 s. */
    private static double inferenceMsPerImage(Engine engine, int batch) {
        try {
            BatchTimer.Result timed = BatchTimer.time(1, BatchTimer.engine(engine, batch, 224, 224, 1), 1, 3,
                    "bench-decode-inference");
            return timed.medianNanos() / batch / 1e6;
        } catch (ExecutionException e) {
            throw new CliFailure("benchmark thread failed: " + Main.describe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    /**
     * Writes the photo set: each sample enlarged (bicubic) to 0.2, 2 and 12 megapixels with seeded fine
     * noise on top (so that it has a camera photo's high-frequency detail and bytes per pixel), JPEG
     * quality 90, 4:2:0.
     */
    private static void generate(Path dir, PrintWriter out) throws IOException {
        Path samples = ProjectLayout.samples().orElseThrow(() -> new CliFailure("--generate: cannot find the "
                + "bundled samples/ folder to make the photos from; set -D" + ProjectLayout.HOME_PROPERTY
                + " to the repository root"));
        long seed = 1;
        for (int[] size : SIZES) {
            for (String sample : SAMPLES) {
                Path target = dir.resolve(String.format(Locale.ROOT, "%dx%d-%s.jpg", size[0], size[1],
                        sample.substring(0, sample.indexOf('.'))));
                if (Files.exists(target)) {
                    continue;
                }
                BufferedImage src = ImageIO.read(samples.resolve(sample).toFile());
                BufferedImage big = new BufferedImage(size[0], size[1], BufferedImage.TYPE_3BYTE_BGR);
                Graphics2D g = big.createGraphics();
                g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
                g.drawImage(src, 0, 0, size[0], size[1], null);
                g.dispose();
                byte[] px = ((DataBufferByte) big.getRaster().getDataBuffer()).getData();
                SplittableRandom random = new SplittableRandom(seed++);
                for (int i = 0; i < px.length; i++) {
                    px[i] = (byte) Math.max(0, Math.min(255, (px[i] & 0xff) + random.nextInt(-10, 11)));
                }
                Files.write(target, jpeg(big, 0.9f));
                out.printf(Locale.ROOT, "wrote %s (%d kB)%n", target, Files.size(target) / 1000);
            }
        }
    }

    private static byte[] jpeg(BufferedImage image, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream o = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(o);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(image, null, null), p);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
