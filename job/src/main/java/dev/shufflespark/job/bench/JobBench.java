package dev.shufflespark.job.bench;

import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.io.source.PartitionReader;
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.JobException;
import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * {@code bench job}: the Spark job against a plain loop on the same images and cores, in one JVM. The loop is what
 * the job does without Spark: {@code threads} threads, each with the io module's reader (read, decode, preprocess)
 * over its share of the files, batches through its own session of one shared engine. The job runs on
 * {@code local[threads]}, writing Parquet to a temporary folder. Loop and job take turns, after a warm-up of the
 * loop.
 */
public final class JobBench {

    /**
     * What to run.
     *
     * @param input   a folder of images (any Hadoop file system)
     * @param copies  copies of each image of a local {@code input} to make first (a larger set from a few images)
     * @param model   the model, as {@code classify} takes it
     * @param threads threads of the loop, and cores of the job
     * @param batch   images per engine call, in both
     * @param rounds  measured rounds of each
     */
    public record Settings(String input, int copies, String model, int threads, int batch, int rounds) {
    }

    /**
     * One round, in images/s.
     *
     * @param loop              the plain loop
     * @param loopPerCpuSecond  the loop, per CPU-second of this JVM
     * @param job               the job's write stage
     * @param whole             the whole {@code ClassifyJob.run} call: listing, model load and broadcast, writing,
     *                          statistics
     * @param wholePerCpuSecond the whole run, per CPU-second of this JVM
     */
    public record Round(double loop, double loopPerCpuSecond, double job, double whole, double wholePerCpuSecond) {
    }

    /** The images, the engine's kernel path, and every round; the best of each figure over the rounds. */
    public record Result(int images, String kernelPath, List<Round> rounds) {
        public double best(ToDoubleFunction<Round> figure) {
            return rounds.stream().mapToDouble(figure).max().orElse(0);
        }
    }

    private JobBench() {
    }

    /** Runs the rounds, printing each on {@code log} as it ends. */
    public static Result run(Settings s, PrintWriter log) throws Exception {
        Path tmp = Files.createTempDirectory("shufflespark-bench-job");
        try {
            String images = s.copies() > 1
                    ? copyImages(Path.of(s.input()), tmp.resolve("images"), s.copies()).toString() : s.input();
            List<InputFile> files = InputLister.list(List.of(images), new Configuration(), ListingOptions.defaults());
            if (files.isEmpty()) {
                throw new JobException("--input " + s.input() + ": no images");
            }
            Engine engine = LoadedModel.load(s.model(), new Configuration()).model().engine();
            log.printf(Locale.ROOT, "%d images, model %s, %d threads, batch %d%n", files.size(), s.model(), s.threads(),
                    s.batch());
            log.flush();
            loop(files, engine, s, Math.min(files.size(), 4 * s.threads() * s.batch()) / s.threads()); // warm-up

            SparkConf conf = SparkSetup.apply(new SparkConf().setMaster("local[" + s.threads() + "]")
                    .setAppName("shufflespark bench job").set("spark.ui.enabled", "false")
                    .set("spark.ui.showConsoleProgress", "false"));
            SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
            List<Round> rounds = new ArrayList<>();
            try {
                for (int round = 0; round < s.rounds(); round++) {
                    long c0 = cpuNanos();
                    double loop = loop(files, engine, s, Integer.MAX_VALUE);
                    double loopCpu = files.size() / ((cpuNanos() - c0) / 1e9);
                    String output = tmp.resolve("out-" + round).toUri().toString();
                    long c1 = cpuNanos();
                    long t0 = System.nanoTime();
                    Summary summary = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT, images,
                            JobConfig.OUTPUT, output, JobConfig.MODEL, s.model(), JobConfig.BATCH_SIZE,
                            Integer.toString(s.batch()), JobConfig.PROGRESS, "0")));
                    double whole = summary.images / ((System.nanoTime() - t0) / 1e9);
                    double wholeCpu = summary.images / ((cpuNanos() - c1) / 1e9);
                    Round r = new Round(loop, loopCpu, summary.imagesPerSecond, whole, wholeCpu);
                    rounds.add(r);
                    log.printf(Locale.ROOT, "round %d: loop %.1f images/s (%.1f per CPU-second); job %.1f images/s "
                            + "(write job), %.1f images/s (whole run: listing, model load and broadcast, writing, "
                            + "statistics; %.1f per CPU-second)%n", round + 1, r.loop(), r.loopPerCpuSecond(), r.job(),
                            r.whole(), r.wholePerCpuSecond());
                    log.flush();
                }
            } finally {
                spark.stop();
            }
            return new Result(files.size(), engine.kernelPath(), rounds);
        } finally {
            ClusterBench.deleteTree(tmp);
        }
    }

    /** CPU time of this process so far (all threads, Spark's included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** Images/s of the threads each reading, decoding, preprocessing and classifying its share. */
    static double loop(List<InputFile> files, Engine engine, Settings s, int perThreadLimit) throws Exception {
        int threads = s.threads();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            PreprocessSettings settings = PreprocessSettings.imagenet();
            List<Future<Integer>> done = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                List<InputFile> share = new ArrayList<>();
                for (int i = t; i < files.size() && share.size() < perThreadLimit; i += threads) {
                    share.add(files.get(i));
                }
                done.add(pool.submit(() -> classify(share, engine, settings, s.batch())));
            }
            int images = 0;
            for (Future<Integer> f : done) {
                images += f.get();
            }
            return images / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static int classify(List<InputFile> files, Engine engine, PreprocessSettings settings, int batch) {
        Preprocessor pre = new Preprocessor(settings);
        Session session = engine.newSession(batch, settings.cropHeight(), settings.cropWidth());
        float[] input = new float[batch * pre.outputLength()];
        int n = 0;
        int filled = 0;
        try (ImageDecoder decoder = new ImageDecoder(DecodeOptions.defaults());
             PartitionReader reader = new PartitionReader(new Configuration(), files, decoder, pre,
                     ListingOptions.defaults())) {
            for (ImageResult r; (r = reader.next(input, filled * pre.outputLength())) != null; ) {
                n++;
                if (r.ok() && ++filled == batch) {
                    session.run(input, filled);
                    filled = 0;
                }
            }
            if (filled > 0) {
                session.run(input, filled);
            }
        }
        return n;
    }

    private static Path copyImages(Path from, Path to, int copies) throws IOException {
        Files.createDirectories(to);
        List<Path> sources;
        try (Stream<Path> s = Files.list(from)) {
            sources = s.filter(p -> ListingOptions.defaults().isImage(p.getFileName().toString())).sorted().toList();
        }
        for (int k = 0; k < copies; k++) {
            for (Path p : sources) {
                Files.copy(p, to.resolve(String.format(Locale.ROOT, "%04d-%s", k, p.getFileName())));
            }
        }
        return to;
    }
}
