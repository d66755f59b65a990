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
 * Spark job uses, for each image size in a folder: our JPEG decoder against ImageIO, each with and without its
 * fast path (DCT-domain scaling; pixel subsampling), the configurations taking turns (A B A B) so that they
 * share the machine's noise; and one ShuffleNet inference per image on the same thread, for the ratio.
 * Medians of per-image times.
 */
@Command(name = "decode",
        description = {"Times read + decode + preprocess per image (one thread), per image size: our JPEG decoder "
                + "against ImageIO, with and without the fast path, against one ShuffleNet inference.",
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
            description = "Time with the fast path (DCT scaling for our JPEG decoder, pixel subsampling for "
                    + "ImageIO), without, or both. Default: ${DEFAULT-VALUE}.")
    String fastPath;

    @Option(names = "--decoder", defaultValue = "both", paramLabel = "both|builtin|imageio",
            description = "Time our JPEG decoder, ImageIO's, or both. Default: ${DEFAULT-VALUE}.")
    String decoder;

    /** One configuration timed: a JPEG decoder and whether its fast path is on. */
    private record Mode(DecodeOptions.JpegDecoderChoice decoder, boolean fast) {
        DecodeOptions options() {
            return DecodeOptions.defaults().withJpeg(decoder).withSubsample(fast);
        }

        String label(int reduction) {
            String d = decoder == DecodeOptions.JpegDecoderChoice.BUILTIN ? "ours" : "imageio";
            if (!fast) {
                return d + " full";
            }
            return d + (decoder == DecodeOptions.JpegDecoderChoice.BUILTIN ? " 1/" : " every ") + reduction;
        }
    }

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
        List<Boolean> fastModes = switch (fastPath) {
            case "both" -> List.of(false, true);
            case "on" -> List.of(true);
            case "off" -> List.of(false);
            default -> throw new ParameterException(spec.commandLine(), "--fast-path must be both, on or off, got '"
                    + fastPath + "'");
        };
        List<DecodeOptions.JpegDecoderChoice> decoders = switch (decoder) {
            case "both" -> List.of(DecodeOptions.JpegDecoderChoice.BUILTIN, DecodeOptions.JpegDecoderChoice.IMAGEIO);
            case "builtin" -> List.of(DecodeOptions.JpegDecoderChoice.BUILTIN);
            case "imageio" -> List.of(DecodeOptions.JpegDecoderChoice.IMAGEIO);
            default -> throw new ParameterException(spec.commandLine(), "--decoder must be both, builtin or imageio, "
                    + "got '" + decoder + "'");
        };
        List<Mode> modes = new ArrayList<>();
        for (DecodeOptions.JpegDecoderChoice d : decoders) {
            for (boolean fast : fastModes) {
                modes.add(new Mode(d, fast));
            }
        }
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
            for (Mode mode : modes) {
                run(conf, files, listing, pre, mode, 0, new Stats());
            }
        } while (System.nanoTime() < warmEnd);

        out.printf(Locale.ROOT, "images:      %s, %d files%n", input, files.size());
        out.printf(Locale.ROOT, "jdk:         %s%n", Machine.jdk());
        out.printf(Locale.ROOT, "cpu:         %s, %d cores available, 1 thread used%n", Machine.cpuModel(),
                Machine.cores());
        out.printf(Locale.ROOT, "pipeline:    read (Hadoop file://) + decode + preprocess (resize 256, crop 224, "
                + "normalise); medians per image; the configurations take turns, %d rounds%n%n", ROUNDS);
        out.printf(Locale.ROOT, "%-11s %6s %7s %-13s %7s %9s %9s %9s %10s %9s %8s %6s%n", "size", "MP", "kB",
                "decoder", "read", "pixels", "to RGB", "preproc", "total ms", "images/s", "cpu ms", "n");
        Map<String, Map<Mode, Double>> totals = new LinkedHashMap<>();
        Map<String, Map<Mode, Double>> cpuTotals = new LinkedHashMap<>();
        for (String key : order) {
            long[] info = groupInfo.get(key);
            List<InputFile> group = groups.get(key);
            Map<Mode, Stats> stats = new LinkedHashMap<>();
            for (Mode mode : modes) {
                stats.put(mode, new Stats());
            }
            for (int round = 0; round < ROUNDS; round++) {
                for (Mode mode : modes) {
                    run(conf, group, listing, pre, mode, seconds / ROUNDS, stats.get(mode));
                }
            }
            for (Mode mode : modes) {
                Stats s = stats.get(mode);
                double total = Statistics.median(s.total);
                totals.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(mode, total);
                cpuTotals.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(mode, Statistics.median(s.cpu));
                out.printf(Locale.ROOT, "%-11s %6.2f %7.0f %-13s %7.2f %9.2f %9.2f %9.2f %10.2f %9.1f %8.2f %6d%n",
                        key, info[0] / 1e6, info[1] / 1e3 / group.size(), mode.label(s.reduction),
                        Statistics.median(s.read), Statistics.median(s.pixels), Statistics.median(s.convert),
                        Statistics.median(s.preprocess), total, 1000 / total, Statistics.median(s.cpu), s.count);
            }
        }
        out.printf(Locale.ROOT, "%n(ours: our JPEG decoder, full or scaled 1/s in the DCT domain; pixels: its entropy "
                + "decoding and IDCT, its conversion to RGB is inside preproc; imageio: TwelveMonkeys on the JDK's "
                + "libjpeg, full or every s-th pixel; pixels: the reader's work, to RGB: our conversion; cpu ms: the "
                + "CPU time of read + decode + preprocess, this thread's and the decode thread's)%n");

        double inference = Double.NaN;
        if (vs != null) {
            Engine engine = vs.engine();
            inference = inferenceMsPerImage(engine, 8);
            out.printf(Locale.ROOT, "%ninference:   %s, batch 8, 1 thread: %.2f ms per image (median), kernel path %s%n",
                    vs.name(), inference, engine.kernelPath());
        }
        out.println();
        // The default configuration (our decoder, fast path on) when it was timed, else the first one.
        Mode best = modes.contains(new Mode(DecodeOptions.JpegDecoderChoice.BUILTIN, true))
                ? new Mode(DecodeOptions.JpegDecoderChoice.BUILTIN, true) : modes.get(0);
        for (String key : order) {
            Map<Mode, Double> t = totals.get(key);
            for (DecodeOptions.JpegDecoderChoice d : decoders) {
                if (fastModes.size() == 2) {
                    String suffix = d == DecodeOptions.JpegDecoderChoice.BUILTIN ? "" : ",imageio";
                    out.printf(Locale.ROOT, "fast_path_speedup[%s%s]=%.2f%n", key, suffix,
                            t.get(new Mode(d, false)) / t.get(new Mode(d, true)));
                }
            }
            if (decoders.size() == 2) {
                Map<Mode, Double> c = cpuTotals.get(key);
                for (boolean fast : fastModes) {
                    Mode ours = new Mode(DecodeOptions.JpegDecoderChoice.BUILTIN, fast);
                    Mode imageIo = new Mode(DecodeOptions.JpegDecoderChoice.IMAGEIO, fast);
                    out.printf(Locale.ROOT, "builtin_vs_imageio[%s,%s]=%.2f%n", key, fast ? "fast" : "full",
                            t.get(imageIo) / t.get(ours));
                    out.printf(Locale.ROOT, "builtin_vs_imageio_cpu[%s,%s]=%.2f%n", key, fast ? "fast" : "full",
                            c.get(imageIo) / c.get(ours));
                }
            }
            if (!Double.isNaN(inference)) {
                out.printf(Locale.ROOT, "decode_preprocess_vs_inference[%s]=%.2f%n", key, t.get(best) / inference);
            }
        }
        out.flush();
        return 0;
    }

    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();

    /** Rounds in which the configurations take turns, per image size. */
    private static final int ROUNDS = 4;

    /** Per-image samples of one configuration. */
    private static final class Stats {
        final List<Double> read = new ArrayList<>();
        final List<Double> pixels = new ArrayList<>();
        final List<Double> convert = new ArrayList<>();
        final List<Double> preprocess = new ArrayList<>();
        final List<Double> total = new ArrayList<>();
        /**
         * The CPU time for the image, this thread's and the decode thread's: less disturbed than wall time by other
         * processes.
         */
        final List<Double> cpu = new ArrayList<>();
        int count;
        int reduction = 1;
    }

    /** Reads the files over and over for {@code seconds} (once when 0), adding to {@code s}. */
    private static Stats run(Configuration conf, List<InputFile> files, ListingOptions listing, Preprocessor pre,
                             Mode mode, double seconds, Stats s) {
        float[] out = new float[pre.outputLength()];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        try (ImageDecoder decoder = new ImageDecoder(mode.options())) {
            do {
                try (PartitionReader reader = new PartitionReader(conf, files, decoder, pre, listing)) {
                    while (true) {
                        long cpu0 = THREADS.getCurrentThreadCpuTime();
                        ImageResult r = reader.next(out, 0);
                        long cpu1 = THREADS.getCurrentThreadCpuTime();
                        if (r == null) {
                            break;
                        }
                        if (!r.ok()) {
                            throw new CliFailure("benchmark image failed: " + r.message());
                        }
                        // our JPEG decoder runs on this thread, ImageIO on the reader's decode thread (DecodeGuard)
                        long decodeCpu = decoder.lastThread() != Thread.currentThread() ? decoder.lastCpuNanos() : 0;
                        s.cpu.add((cpu1 - cpu0 + decodeCpu) / 1e6);
                        s.read.add(r.readNanos() / 1e6);
                        s.pixels.add(decoder.lastPixelsNanos() / 1e6);
                        s.convert.add(decoder.lastConvertNanos() / 1e6);
                        s.preprocess.add(r.preprocessNanos() / 1e6);
                        s.total.add(r.totalNanos() / 1e6);
                        s.reduction = r.subsampling();
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
