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
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bench job}: the Spark job against a plain loop on the same images and cores. The loop is what the
 * job does without Spark: {@code --threads} threads, each with the io module's reader (read, decode,
 * preprocess) over its share of the files, batches of {@code --batch} through its own session of one shared
 * engine. The job runs in the same JVM on {@code local[threads]}, writing Parquet to a temporary folder.
 */
@Command(name = "job",
        description = {"Images/s of the Spark job (local[threads]) against a plain thread-per-core loop of the io "
                + "module and the engine on the same images, in one JVM; the ratio is the job's overhead."})
final class BenchJobCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--input", required = true, paramLabel = "DIR",
            description = "A folder of images (any Hadoop file system).")
    String input;

    @Option(names = "--copies", defaultValue = "1", paramLabel = "K",
            description = "Copy each image of a local --input K times into a temporary folder first (a larger "
                    + "set from a few images). Default: ${DEFAULT-VALUE}.")
    int copies;

    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL, paramLabel = "NAME|URI",
            description = "A built-in model name, or a .ssnm model file or an ONNX file on any Hadoop file system. "
                    + "Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Threads of the loop, and cores of the job (local[N]). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N",
            description = "Images per engine call, in both. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "N",
            description = "Measured rounds of each (loop, job, loop, job, ...); the best of each is reported. "
                    + "Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || batch < 1 || copies < 1 || rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--threads, --batch, --copies and --rounds must be >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        Path tmp = Files.createTempDirectory("shufflespark-bench-job");
        try {
            String images = copies > 1 ? copyImages(Path.of(input), tmp.resolve("images"), copies).toString() : input;
            List<InputFile> files = InputLister.list(List.of(images), new Configuration(), ListingOptions.defaults());
            if (files.isEmpty()) {
                throw new CliFailure("--input " + input + ": no images");
            }
            Engine engine = LoadedModel.load(model, new Configuration()).model().engine();
            out.printf(Locale.ROOT, "%d images, model %s, %d threads, batch %d%n", files.size(), model, threads, batch);
            out.flush();
            loop(files, engine, Math.min(files.size(), 4 * threads * batch) / threads); // warm-up

            SparkConf conf = SparkSetup.apply(new SparkConf().setMaster("local[" + threads + "]")
                    .setAppName("shufflespark bench job").set("spark.ui.enabled", "false")
                    .set("spark.ui.showConsoleProgress", "false"));
            SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
            double bestLoop = 0;
            double bestJob = 0;
            double bestRun = 0;
            double bestLoopCpu = 0;
            double bestJobCpu = 0;
            try {
                for (int round = 0; round < rounds; round++) {
                    long c0 = cpuNanos();
                    double loop = loop(files, engine, Integer.MAX_VALUE);
                    double loopCpu = files.size() / ((cpuNanos() - c0) / 1e9);
                    String output = tmp.resolve("out-" + round).toUri().toString();
                    long c1 = cpuNanos();
                    long t0 = System.nanoTime();
                    Summary s = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT, images, JobConfig.OUTPUT,
                            output, JobConfig.MODEL, model, JobConfig.BATCH_SIZE, Integer.toString(batch),
                            JobConfig.PROGRESS, "0")));
                    double run = s.images / ((System.nanoTime() - t0) / 1e9);
                    double jobCpu = s.images / ((cpuNanos() - c1) / 1e9);
                    out.printf(Locale.ROOT, "round %d: loop %.1f images/s (%.1f per CPU-second); job %.1f images/s (write "
                            + "job), %.1f images/s (whole run: listing, model load and broadcast, writing, statistics; "
                            + "%.1f per CPU-second)%n", round + 1, loop, loopCpu, s.imagesPerSecond, run, jobCpu);
                    out.flush();
                    bestLoop = Math.max(bestLoop, loop);
                    bestJob = Math.max(bestJob, s.imagesPerSecond);
                    bestRun = Math.max(bestRun, run);
                    bestLoopCpu = Math.max(bestLoopCpu, loopCpu);
                    bestJobCpu = Math.max(bestJobCpu, jobCpu);
                }
            } finally {
                spark.stop();
            }
            out.printf(Locale.ROOT, "best: loop %.1f images/s, job %.1f images/s (%.0f%% of the loop), whole run %.1f "
                    + "images/s (%.0f%%)%n", bestLoop, bestJob, 100 * bestJob / bestLoop, bestRun, 100 * bestRun / bestLoop);
            out.printf(Locale.ROOT, "per CPU-second of this JVM (other load on the machine does not count): loop %.1f "
                    + "images, whole job run %.1f images (%.0f%%)%n", bestLoopCpu, bestJobCpu,
                    100 * bestJobCpu / bestLoopCpu);
            out.printf(Locale.ROOT, "kernel path:  %s%njava:         %s (%s)%ncpu:          %s, %d cores%n",
                    engine.kernelPath(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                    Machine.cpuModel(), Machine.cores());
            out.printf(Locale.ROOT, "job_vs_loop=%.3f%n", bestJob / bestLoop);
            out.flush();
        } finally {
            deleteTree(tmp);
        }
        return 0;
    }

    /** CPU time of this process so far (all threads, Spark's included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Images/s of {@code threads} threads each reading, decoding, preprocessing and classifying its share. */
    private double loop(List<InputFile> files, Engine engine, int perThreadLimit) throws Exception {
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
                done.add(pool.submit(() -> classify(share, engine, settings)));
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

    private int classify(List<InputFile> files, Engine engine, PreprocessSettings settings) {
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

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
