package dev.shufflespark.job.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.shufflespark.io.Redaction;
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.job.cluster.ClusterApp;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.report.ReportData;
import dev.shufflespark.job.report.ScalingPoint;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.Summary;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * Scaling of the job over executors of one core each on a standalone cluster. For each executor count k (and
 * each run) a new application asks for k single-core executors ({@code spark.executor.cores=1},
 * {@code spark.cores.max=k}, and {@code -XX:ActiveProcessorCount=1} unless the executor options say otherwise),
 * waits until all have registered, warms them up, then times one classification
 * job over the images:
 * <ul>
 *   <li>synthetic: {@link SyntheticImages} made on the executors, classified by {@link ShuffleNetClassifier} and
 *       written to Spark's {@code noop} sink (labels discarded, no file system at all);</li>
 *   <li>input: {@link ClassifyJob#run} over the files, writing Parquet to a scratch folder that is deleted after
 *       each run.</li>
 * </ul>
 * The figures of a run: images/s over the job's wall time (the Spark job that classifies; model load, broadcast
 * and application start are reported beside it, not in it), per core, the executors' busy time (each task's
 * launch to finish, as the scheduler saw it), the driver overhead (wall time minus busy time per core: the time
 * a core had no task of ours), stage shares of the busy time and the kernel paths.
 */
public final class ClusterBench {

    /**
     * What to run.
     *
     * @param master            a standalone master URL
     * @param executors         executor counts, each a new application
     * @param synthetic         images to make in memory; 0 to read {@code inputs} instead
     * @param inputs            input URIs (files, folders, globs, shards) when not synthetic
     * @param model             a built-in model name or a model URI
     * @param batch             images per engine call
     * @param tasksPerExecutor  partitions per executor
     * @param warmupPerExecutor synthetic images per executor classified before the timed job
     * @param runs              timed runs per executor count (interleaved: 1, 2, ..., 1, 2, ...)
     * @param executorMemory    spark.executor.memory
     * @param scratch           where input mode writes its labels (deleted after each run)
     * @param sparkConf         more Spark settings for every application (over the benchmark's own)
     */
    public record Settings(String master, List<Integer> executors, long synthetic, List<String> inputs, String model,
                           int batch, int tasksPerExecutor, int warmupPerExecutor, int runs, String executorMemory,
                           Path scratch, Map<String, String> sparkConf) {
    }

    /** One timed run. */
    public record Run(int executors, int cores, int run, long images, long failed, int partitions,
                      double appStartSeconds, double setupSeconds, double wallSeconds, double imagesPerSecond,
                      double imagesPerSecondPerCore, double executorBusySeconds, double driverOverheadSeconds,
                      double driverOverheadShare, Map<String, Double> stageShares, Map<String, Long> imagesByExecutor,
                      List<String> kernelPaths, @JsonIgnore List<PartitionStats> partitionStats) {
    }

    /** The medians of one executor count's runs, and the efficiency against one executor (or the fewest). */
    public record Point(int executors, int cores, int runs, long images, double wallSeconds, double imagesPerSecond,
                        double imagesPerSecondPerCore, double efficiency, double driverOverheadSeconds,
                        double driverOverheadShare, Map<String, Double> stageShares, List<String> kernelPaths) {
    }

    /** Everything bench.json holds. */
    public record Result(String mode, String source, String model, int batch, String master, String javaVersion,
                         String sparkVersion, String cpu, int machineCores, String date, List<Point> points,
                         List<Run> runs) {

        public String toJson() {
            try {
                return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(this);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write bench.json: " + e.getMessage(), e);
            }
        }
    }

    private ClusterBench() {
    }

    /**
     * The report of a benchmark: its scaling curve, and the charts of its last run on the most executors
     * (their partitions' statistics in synthetic mode; input mode keeps only its totals).
     */
    public static ReportData report(Result r, Map<String, String> configuration) {
        Run last = r.runs().stream().max(java.util.Comparator.comparingInt(Run::executors)
                .thenComparingInt(Run::run)).orElse(null);
        Map<String, String> masked = new java.util.TreeMap<>();
        configuration.forEach((k, v) -> masked.put(k, dev.shufflespark.job.config.Settings.mask(k, v)));
        Summary.Run run = Summary.Run.named(r.date(), r.model(), r.sparkVersion(), r.javaVersion(), r.batch(), masked);
        List<PartitionStats> stats = last == null ? List.of() : last.partitionStats();
        Summary.Totals totals;
        if (last == null) {
            totals = Summary.Totals.of(stats, 0, 0);
        } else if (stats.isEmpty()) {
            totals = Summary.Totals.counted(last.images(), last.failed(), last.wallSeconds(), last.imagesPerSecond(),
                    last.cores(), last.imagesPerSecondPerCore(), last.kernelPaths());
        } else {
            totals = Summary.Totals.of(stats, last.wallSeconds(), last.cores());
        }
        Summary s = new Summary(run, totals, Summary.History.none(), 0, 0);
        List<ScalingPoint> scaling = r.points().stream().map(p -> new ScalingPoint(p.executors(), p.cores(), p.images(),
                p.wallSeconds(), p.imagesPerSecond(), p.efficiency())).toList();
        String title = "shufflespark bench cluster: " + r.model() + ", " + r.mode() + " ("
                + (last == null ? "no runs" : "charts of the last run on " + last.executors() + " executors") + ")";
        return new ReportData(title, s, stats, scaling);
    }

    public static Result run(Settings s, ProjectLayout layout, String cpu, PrintWriter log) throws IOException {
        List<Run> runs = new ArrayList<>();
        String sparkVersion = null;
        for (int round = 1; round <= s.runs(); round++) {
            for (int k : s.executors()) {
                Run r = runOnce(s, layout, k, round, log);
                runs.add(r);
                sparkVersion = org.apache.spark.package$.MODULE$.SPARK_VERSION();
                log.printf(Locale.ROOT, "executors %d, run %d: %d images in %.2f s, %.1f images/s (%.1f per core); "
                        + "busy %.2f core-s, driver overhead %.2f s (%.1f%%); app start %.1f s, setup %.1f s; %s%n",
                        k, round, r.images(), r.wallSeconds(), r.imagesPerSecond(), r.imagesPerSecondPerCore(),
                        r.executorBusySeconds(), r.driverOverheadSeconds(), 100 * r.driverOverheadShare(),
                        r.appStartSeconds(), r.setupSeconds(), shares(r.stageShares()));
                log.flush();
            }
        }
        List<Point> points = points(s.executors(), runs);
        String source = s.synthetic() > 0 ? SyntheticImages.describe()
                : Redaction.uri(String.join(",", s.inputs()));
        return new Result(s.synthetic() > 0 ? "synthetic" : "input", source, Redaction.uri(s.model()), s.batch(),
                s.master(), System.getProperty("java.version"), sparkVersion, cpu,
                Runtime.getRuntime().availableProcessors(), java.time.Instant.now().toString(), points, runs);
    }

    /** Medians per executor count; efficiency = (images/s per core) / (that of the fewest executors). */
    static List<Point> points(List<Integer> counts, List<Run> runs) {
        List<Point> points = new ArrayList<>();
        double base = -1;
        for (int k : counts.stream().sorted().distinct().toList()) {
            List<Run> mine = runs.stream().filter(r -> r.executors() == k).toList();
            double ips = Statistics.median(mine.stream().mapToDouble(Run::imagesPerSecond).toArray());
            double perCore = ips / k;
            if (base < 0) {
                base = perCore;
            }
            Map<String, Double> shares = new LinkedHashMap<>();
            for (String stage : mine.get(0).stageShares().keySet()) {
                shares.put(stage, Statistics.median(mine.stream()
                        .mapToDouble(r -> r.stageShares().getOrDefault(stage, 0.0)).toArray()));
            }
            List<String> paths = mine.stream().flatMap(r -> r.kernelPaths().stream())
                    .map(p -> p.substring(p.indexOf(": ") + 2)).distinct().sorted().toList();
            points.add(new Point(k, k, mine.size(), mine.get(0).images(),
                    Statistics.median(mine.stream().mapToDouble(Run::wallSeconds).toArray()), ips, perCore,
                    base > 0 ? perCore / base : 0,
                    Statistics.median(mine.stream().mapToDouble(Run::driverOverheadSeconds).toArray()),
                    Statistics.median(mine.stream().mapToDouble(Run::driverOverheadShare).toArray()), shares, paths));
        }
        return points;
    }

    private static Run runOnce(Settings s, ProjectLayout layout, int k, int round, PrintWriter log)
            throws IOException {
        SparkConf conf = new SparkConf().setMaster(s.master())
                .setAppName("shufflespark bench cluster, " + k + " executors, run " + round)
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", Integer.toString(k))
                .set("spark.executor.memory", s.executorMemory())
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1");
        s.sparkConf().forEach(conf::set);
        // A single-core executor's JVM sizes its GC and JIT threads for one core; otherwise one executor's
        // housekeeping runs free on idle cores and flatters the one-executor baseline.
        String opts = conf.get("spark.executor.extraJavaOptions", "");
        if (!opts.contains("ActiveProcessorCount")) {
            conf.set("spark.executor.extraJavaOptions", ("-XX:ActiveProcessorCount=1 " + opts).strip());
        }
        ClusterApp.configure(conf, layout);
        SparkSetup.apply(conf);
        long a0 = System.nanoTime();
        SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
        double appStart = (System.nanoTime() - a0) / 1e9;
        try {
            int registered = spark.sparkContext().statusTracker().getExecutorInfos().length - 1; // minus the driver
            if (registered != k) {
                log.println("warning: " + registered + " executors registered, " + k + " asked for");
            }
            int partitions = k * s.tasksPerExecutor();
            TaskTimes times = new TaskTimes();
            ShuffleNetClassifier classifier = new ShuffleNetClassifier().setModel(s.model()).setBatchSize(s.batch())
                    .setInputCol("image").setOutputCol("result");
            long p0 = System.nanoTime();
            classifier.prepare(spark);
            double setup = (System.nanoTime() - p0) / 1e9;
            if (s.warmupPerExecutor() > 0) {
                classifier.transform(synthetic(spark, (long) s.warmupPerExecutor() * k, partitions)).write()
                        .format("noop").mode("overwrite").save();
            }
            spark.sparkContext().addSparkListener(times);

            long startMillis;
            long endMillis;
            double wall;
            Work work;
            List<PartitionStats> stats = List.of(); // kept for the report in synthetic mode
            if (s.synthetic() > 0) {
                CollectionAccumulator<PartitionStats> acc = spark.sparkContext().collectionAccumulator(
                        "bench partitions");
                classifier.withStatistics(acc, spark.sparkContext().longAccumulator("bench images"));
                Dataset<Row> rows = classifier.transform(synthetic(spark, s.synthetic(), partitions));
                startMillis = System.currentTimeMillis();
                long t0 = System.nanoTime();
                rows.write().format("noop").mode("overwrite").save();
                wall = (System.nanoTime() - t0) / 1e9;
                endMillis = System.currentTimeMillis();
                stats = List.copyOf(acc.value());
                work = Work.ofStats(stats);
            } else {
                Path out = s.scratch().resolve("labels-" + k + "-" + round);
                long runStart = System.currentTimeMillis();
                try {
                    Summary summary = ClassifyJob.run(spark, JobConfig.from(Map.of(JobConfig.INPUT,
                            String.join(",", s.inputs()), JobConfig.OUTPUT, out.toUri().toString(), JobConfig.MODEL,
                            s.model(), JobConfig.BATCH_SIZE, Integer.toString(s.batch()), JobConfig.PROGRESS, "0",
                            JobConfig.MODE, "overwrite", JobConfig.MIN_PARTITIONS, Integer.toString(partitions))));
                    setup = summary.setupSeconds; // listing, model load and broadcast of this run
                    wall = summary.wallSeconds;
                    startMillis = runStart + Math.round(summary.setupSeconds * 1000);
                    endMillis = startMillis + Math.round(wall * 1000);
                    work = Work.ofRows(spark.read().parquet(out.resolve(ClassifyJob.STATISTICS_DIR).toUri().toString())
                            .collectAsList());
                } finally {
                    deleteTree(out);
                }
            }
            times.awaitJobsDone();
            return measure(k, round, partitions, appStart, setup, wall, startMillis, endMillis, times, work, stats);
        } finally {
            spark.stop();
        }
    }

    /** What the tasks of a run did, added up. */
    record Work(long images, long failed, double read, double decode, double preprocess, double infer,
                Map<String, Long> byExecutor, List<String> kernelPaths) {

        static Work ofStats(List<PartitionStats> stats) {
            Work w = new Work(0, 0, 0, 0, 0, 0, new TreeMap<>(), new ArrayList<>());
            for (PartitionStats p : stats) {
                w = w.add(p.executorId(), p.kernelPath(), p.images(), p.failed(), p.readNanos() / 1e9,
                        p.decodeNanos() / 1e9, p.preprocessNanos() / 1e9, p.inferNanos() / 1e9);
            }
            return w;
        }

        /** From the job's statistics rows (milliseconds per stage). */
        static Work ofRows(Iterable<Row> rows) {
            Work w = new Work(0, 0, 0, 0, 0, 0, new TreeMap<>(), new ArrayList<>());
            for (Row r : rows) {
                w = w.add(r.getAs("executor_id"), r.getAs("kernel_path"), r.<Long>getAs("images"),
                        r.<Long>getAs("failed"), r.<Double>getAs("read_ms") / 1e3, r.<Double>getAs("decode_ms") / 1e3,
                        r.<Double>getAs("preprocess_ms") / 1e3, r.<Double>getAs("infer_ms") / 1e3);
            }
            return w;
        }

        Work add(String executor, String kernelPath, long n, long bad, double rd, double dec, double pre, double inf) {
            Map<String, Long> by = new TreeMap<>(byExecutor);
            by.merge(executor, n, Long::sum);
            TreeSet<String> paths = new TreeSet<>(kernelPaths);
            paths.add(executor + ": " + kernelPath);
            return new Work(images + n, failed + bad, read + rd, decode + dec, preprocess + pre, infer + inf, by,
                    List.copyOf(paths));
        }
    }

    private static Run measure(int k, int round, int partitions, double appStart, double setup, double wall,
                               long startMillis, long endMillis, TaskTimes times, Work w,
                               List<PartitionStats> stats) {
        double read = w.read();
        double decode = w.decode();
        double preprocess = w.preprocess();
        double infer = w.infer();
        double busy = times.busySeconds(startMillis - 5, endMillis + 5);
        double overhead = Math.max(0, wall - busy / k);
        Map<String, Double> shares = new LinkedHashMap<>();
        double total = Math.max(busy, read + decode + preprocess + infer);
        if (total > 0) {
            shares.put("read", read / total);
            shares.put("decode", decode / total);
            shares.put("preprocess", preprocess / total);
            shares.put("infer", infer / total);
            shares.put("other", Math.max(0, total - read - decode - preprocess - infer) / total);
        }
        double ips = wall > 0 ? w.images() / wall : 0;
        return new Run(k, k, round, w.images(), w.failed(), partitions, appStart, setup, wall, ips, ips / k, busy,
                overhead, wall > 0 ? overhead / wall : 0, shares, w.byExecutor(), w.kernelPaths(), stats);
    }

    /** {@code n} synthetic images in {@code partitions} partitions: columns {@code id} and {@code image}. */
    static Dataset<Row> synthetic(SparkSession spark, long n, int partitions) {
        JavaRDD<Row> rows = spark.range(0, n, 1, partitions).javaRDD()
                .map(id -> RowFactory.create(id, SyntheticImages.image(id)));
        StructType schema = new StructType().add("id", DataTypes.LongType, false)
                .add("image", DataTypes.BinaryType, false);
        return spark.createDataFrame(rows, schema);
    }

    /** Task launch and finish times, by executor, as the driver's scheduler saw them. */
    static final class TaskTimes extends SparkListener {
        private final List<long[]> tasks = new ArrayList<>();
        private int jobsStarted;
        private int jobsEnded;

        @Override
        public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
            tasks.add(new long[] {end.taskInfo().launchTime(), end.taskInfo().finishTime()});
        }

        @Override
        public synchronized void onJobStart(SparkListenerJobStart start) {
            jobsStarted++;
        }

        @Override
        public synchronized void onJobEnd(SparkListenerJobEnd end) {
            jobsEnded++;
            notifyAll();
        }

        /** Waits (10 s at most) until the listener has seen the end of every job it saw start. */
        synchronized void awaitJobsDone() {
            long deadline = System.currentTimeMillis() + 10_000;
            while ((jobsStarted == 0 || jobsEnded < jobsStarted) && System.currentTimeMillis() < deadline) {
                try {
                    wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /** Core-seconds of tasks launched and finished within [from, to] (epoch milliseconds). */
        synchronized double busySeconds(long from, long to) {
            long ms = 0;
            for (long[] t : tasks) {
                if (t[0] >= from && t[1] <= to) {
                    ms += t[1] - t[0];
                }
            }
            return ms / 1e3;
        }
    }

    private static String shares(Map<String, Double> shares) {
        StringBuilder b = new StringBuilder("busy time: ");
        shares.forEach((k, v) -> b.append(String.format(Locale.ROOT, "%s %.0f%% ", k, 100 * v)));
        return b.toString().strip();
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
