package dev.shufflespark.job;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.source.InputList;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.Resumption.Resume;
import dev.shufflespark.job.TestSeam.Point;
import dev.shufflespark.job.UnitRunner.Work;
import dev.shufflespark.job.cluster.ClusterApp;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.Settings;
import dev.shufflespark.job.config.WriteMode;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.model.EngineCache;
import dev.shufflespark.job.output.Committer;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.progress.AttemptRecord;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.RunManifest;
import dev.shufflespark.job.progress.UnitRecord;
import dev.shufflespark.job.report.HtmlReport;
import dev.shufflespark.job.report.ReportData;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.RunEvents;
import dev.shufflespark.job.stats.SampleRow;
import dev.shufflespark.job.stats.SampleRows;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.model.NoFeaturesException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The classification job: lists the inputs, runs {@link ShuffleNetClassifier} over them in units of work, each
 * committed on its own, and describes the whole run when every unit is in. Under the output folder
 * ({@link OutputFolder} has the layout):
 * <ul>
 *   <li>{@code manifest.json}: what makes the rows what they are (model SHA-256, top-k, class names, format,
 *       features or not, decoding and preprocessing), written before the first unit; a resume must match it;</li>
 *   <li>{@code labels/unit=NNNNN/}: one row per image ({@link LabelSchema}), each unit written by one Spark job
 *       through Spark's commit protocol (a retried task leaves no duplicate) and committed iff its
 *       {@code _SUCCESS} exists; {@code labels/_SUCCESS} once every unit is;</li>
 *   <li>{@code progress/}: a record of each committed unit (its inputs, its partitions' statistics) and of each
 *       attempt (the first run, each resume);</li>
 *   <li>{@code statistics/}: one row per partition of every unit; {@code summary.json}: totals, failures by
 *       reason, images/s, percentiles per stage, the slowest partitions, kernel paths, versions, and every
 *       attempt with what a crash cost; {@code report.html}: the same as one page ({@link HtmlReport}).</li>
 * </ul>
 * A crash loses the units in flight and nothing else: {@code --mode resume} removes what they left, keeps every
 * committed unit and classifies the inputs none holds. Everything a user can get wrong (inputs, output, model,
 * labels, settings, a resume with other settings) fails on the driver before any task runs, naming the setting
 * and its value.
 */
public final class ClassifyJob {

    public static final String LABELS_DIR = OutputFolder.LABELS;
    public static final String STATISTICS_DIR = OutputFolder.STATISTICS;
    public static final String SUMMARY_FILE = OutputFolder.SUMMARY;
    public static final String REPORT_FILE = OutputFolder.REPORT;
    public static final String MANIFEST_FILE = OutputFolder.MANIFEST;
    public static final String PROGRESS_DIR = OutputFolder.PROGRESS;
    /** Said wherever labels of a built-in model are shown. */
    public static final String WEIGHTS_NOTE = "built-in models have seeded, untrained weights, not ImageNet-trained"
            + " ones: their labels are meaningless. For real labels pass an ImageNet-trained ONNX file, e.g."
            + " --model shufflenet_v2_x1_0.onnx";

    /**
     * Images of a local run's rehearsal of its first tasks (the bundled JPEGs over and over): two batches of the
     * default size and one of a single image, which takes other branches in the kernels.
     */
    static final int REHEARSAL_IMAGES = 17;

    /** Tests only ({@link TestSeam}); {@link TestSeam#NONE} otherwise. */
    static volatile TestSeam seam = TestSeam.NONE;

    private ClassifyJob() {
    }

    /**
     * What a run returns: its summary, and the smallest label rows of this attempt (its run id) by path and member,
     * at most {@link SampleRows#SIZE}, in that order: what {@code orderBy("path", "member").limit(10)} of its rows
     * would give, kept by the tasks that wrote them instead of read back (empty when the attempt had nothing to do).
     */
    public record Result(Summary summary, List<SampleRow> sample) {
        public Result {
            sample = List.copyOf(sample);
        }
    }

    /** Runs the job; progress lines (when {@link JobConfig#progressSeconds()} is positive) go to {@code progress}. */
    public static Result classify(SparkSession spark, JobConfig config, PrintWriter progress) {
        return new Run(spark, config, progress).run();
    }

    /** Runs the job; progress lines (when {@link JobConfig#progressSeconds()} is positive) go to {@code progress}. */
    public static Summary run(SparkSession spark, JobConfig config, PrintWriter progress) {
        return classify(spark, config, progress).summary();
    }

    public static Summary run(SparkSession spark, JobConfig config) {
        return run(spark, config, null);
    }

    /** The schema of the statistics rows. */
    public static StructType statisticsSchema() {
        return new StructType()
                .add("partition_id", DataTypes.IntegerType, false)
                .add("unit", DataTypes.IntegerType, false)
                .add("attempt", DataTypes.IntegerType, false)
                .add("executor_id", DataTypes.StringType, true)
                .add("host", DataTypes.StringType, true)
                .add("kernel_path", DataTypes.StringType, true)
                .add("images", DataTypes.LongType, false)
                .add("failed", DataTypes.LongType, false)
                .add("failures", DataTypes.StringType, false)
                .add("bytes", DataTypes.LongType, false)
                .add("read_ms", DataTypes.DoubleType, false)
                .add("decode_ms", DataTypes.DoubleType, false)
                .add("preprocess_ms", DataTypes.DoubleType, false)
                .add("infer_ms", DataTypes.DoubleType, false)
                .add("wall_ms", DataTypes.DoubleType, false)
                .add("images_per_s", DataTypes.DoubleType, false)
                .add("start_ms", DataTypes.LongType, false)
                .add("run_id", DataTypes.StringType, false);
    }

    /** One attempt at a run. */
    private static final class Run {
        private final SparkSession spark;
        private final JobConfig config;
        private final PrintWriter progress;
        private final Configuration conf;
        private final String runId;
        private final long startedNanos = System.nanoTime();
        private final RunEvents events;
        private OutputFolder out;
        private Committer committer;
        private boolean existed;
        private RunContext ctx;

        Run(SparkSession spark, JobConfig config, PrintWriter progress) {
            this.spark = spark;
            this.config = config;
            this.progress = progress;
            this.conf = spark.sparkContext().hadoopConfiguration();
            this.runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
                    + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
            this.events = new RunEvents(runId);
        }

        /**
         * The phases: the output target and mode, the inputs, the model, the run's identity and what earlier
         * attempts left (everything that can be wrong fails in these, before any task runs and before anything
         * under the output folder changes); then the attempt begins, its units run, and the summary describes
         * the whole run.
         */
        Result run() {
            target();
            InputList listing = inputs();
            ShuffleNetClassifier classifier = classifier();
            ShuffleNetClassifier.Prepared prepared = prepare(classifier);
            rehearse(classifier);
            RunManifest manifest = RunManifest.of(runId, prepared.model().name(), prepared.model().sha256(),
                    prepared.broadcast().value().labels(), config.topK(), config.format(), config.features(),
                    prepared.preprocess(), prepared.decode(), prepared.listing());
            ctx = new RunContext(spark, config, out, committer, runId, events,
                    spark.sparkContext().longAccumulator("shufflespark images"), this::say);
            Resume resume = existed && config.mode() == WriteMode.RESUME ? Resumption.of(ctx, manifest, listing)
                    : Resume.fresh(listing);

            spark.sparkContext().addSparkListener(events);
            try (Committer.Use commits = committer.use(spark)) {
                AttemptLog attempt = begin(manifest, resume);
                double setupSeconds = (System.nanoTime() - startedNanos) / 1e9;
                Work work = new UnitRunner(ctx, classifier, prepared, attempt).run(resume.left(), resume.nextUnit(),
                        resume.nextPartition());
                return finish(prepared, resume, work, attempt, setupSeconds);
            } finally {
                spark.sparkContext().removeSparkListener(events);
            }
        }

        // --- Output target and mode ---

        private void target() {
            String shown = Redaction.uri(config.output());
            try {
                out = OutputFolder.at(config.output(), conf);
                existed = out.exists(out.root());
            } catch (IOException | RuntimeException e) {
                throw new JobException(JobConfig.describeKey(JobConfig.OUTPUT) + ": '" + shown + "' cannot be "
                        + "reached: " + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
            }
            try {
                committer = Committer.of(config.committer(), out.root(), out.root().getFileSystem(conf));
            } catch (IOException | IllegalArgumentException e) {
                throw new JobException(e.getMessage(), e);
            }
            if (existed && config.mode() == WriteMode.ERROR) {
                throw new JobException(JobConfig.describeKey(JobConfig.OUTPUT) + ": '" + shown + "' already exists;"
                        + " name another folder, or pass --mode overwrite to replace it or --mode resume to add the"
                        + " images it has no rows for");
            }
        }

        // --- Input selection ---

        private InputList inputs() {
            Map<String, String> io = config.ioOptions();
            ListingOptions listing = ListingOptions.from(io::get);
            InputList files;
            long t0 = System.nanoTime();
            try {
                files = InputLister.list(config.inputs(), conf, listing);
            } catch (IOException e) {
                throw new JobException(JobConfig.describeKey(JobConfig.INPUT) + ": " + e.getMessage(), e);
            }
            if (files.isEmpty()) {
                throw new JobException(JobConfig.describeKey(JobConfig.INPUT) + ": no images or tar shards in "
                        + Redaction.uri(String.join(", ", config.inputs())) + " (image extensions: "
                        + String.join(",", listing.imageExtensions()) + ")");
            }
            String outPrefix = Redaction.uri(out.root().toString());
            byte[] below = (outPrefix + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            for (int i = 0; i < files.size(); i++) {
                if (files.startsWith(i, below) || files.uriEquals(i, outPrefix)) {
                    throw new JobException(JobConfig.describeKey(JobConfig.INPUT) + ": '" + files.uri(i) + "' is inside"
                            + " the output folder " + out.shown());
                }
            }
            say(String.format(Locale.ROOT, "classify: %d inputs listed in %.1f s (%d of unknown length)",
                    files.size(), (System.nanoTime() - t0) / 1e9, files.unknownLengths()));
            return files;
        }

        // --- The model ---

        private ShuffleNetClassifier classifier() {
            return new ShuffleNetClassifier()
                    .setModel(config.model())
                    .setLabels(config.labels())
                    .setTopK(config.topK())
                    .setBatchSize(config.batchSize())
                    .setOptions(config.ioOptions())
                    .setInputCol("path")
                    .setLengthCol("length")
                    .setOutputCol("result")
                    .setFeaturesCol(config.features() ? LabelSchema.FEATURES : "");
        }

        private ShuffleNetClassifier.Prepared prepare(ShuffleNetClassifier classifier) {
            try {
                return classifier.prepare(spark);
            } catch (NoFeaturesException e) {
                throw new JobException(JobConfig.describeKey(JobConfig.FEATURES) + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                throw new JobException(e.getMessage(), e);
            }
        }

        /**
         * In local mode, the tasks' code run on the bundled JPEG photographs while the driver gets the units ready
         * ({@link ShuffleNetClassifier#rehearse}), so that the first tasks do not run it cold. Never on the user's
         * own inputs: one that makes a decoder hang or spin would cost its time limit, or an abandoned thread,
         * twice. Without the bundled samples (a job jar under spark-submit), or with the warm-up off (the default of a
         * local run), there is no rehearsal, and the samples are not listed.
         */
        private void rehearse(ShuffleNetClassifier classifier) {
            if (!ClusterApp.isLocal(spark.sparkContext().master()) || !EngineCache.warmUpEnabled()) {
                return;
            }
            Optional<Path> samples = ProjectLayout.samples();
            if (samples.isEmpty()) {
                return;
            }
            List<Row> jpegs = new ArrayList<>();
            try (var files = Files.list(samples.get())) {
                files.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.jpe?g"))
                        .sorted().forEach(f -> jpegs.add(RowFactory.create(f.toUri().toString(), f.toFile().length())));
            } catch (IOException e) {
                return; // unreadable samples: no rehearsal
            }
            List<Row> rows = new ArrayList<>();
            for (int i = 0; !jpegs.isEmpty() && rows.size() < REHEARSAL_IMAGES; i++) {
                rows.add(jpegs.get(i % jpegs.size()));
            }
            classifier.rehearse(spark, UnitRunner.INPUT_SCHEMA, rows);
        }

        // --- The attempt begins: nothing under the output folder changed before this point ---

        private AttemptLog begin(RunManifest manifest, Resume resume) {
            if (existed && config.mode() == WriteMode.OVERWRITE) {
                out.deleteWithUploads(out.root());
            }
            if (resume.fresh()) {
                out.write(out.manifest(), Json.write(manifest));
            } else if (!resume.left().isEmpty()) {
                // The run is not done any more: its end markers come back when it is.
                out.delete(out.labelsDone());
                out.delete(out.summary());
            }
            AttemptLog attempt = new AttemptLog(ctx, resume.inputsDone(), resume.left().size());
            seam.reached(Point.STARTED, -1);
            return attempt;
        }

        // --- Summary: the whole run, every attempt ---

        private Result finish(ShuffleNetClassifier.Prepared prepared, Resume resume, Work work, AttemptLog attempt,
                              double setupSeconds) {
            long finishStart = System.nanoTime();
            SortedMap<Integer, UnitRecord> units = new TreeMap<>(resume.units());
            for (UnitRecord u : work.units()) {
                units.put(u.unit(), u);
            }
            List<AttemptRecord> attempts = new ArrayList<>(ctx.readAll(out.attemptRecords(), p -> Json.read(
                    out.read(p), AttemptRecord.class, Redaction.uri(p.toString()))).values());
            attempts.sort(Comparator.comparingLong(AttemptRecord::startedMillis));
            List<PartitionStats> stats = new ArrayList<>();
            Map<Integer, UnitRecord> unitOfPartition = new HashMap<>();
            for (UnitRecord u : units.values()) {
                for (PartitionStats p : u.statistics()) {
                    stats.add(p);
                    unitOfPartition.put(p.partition(), u);
                }
            }
            stats.sort(Comparator.comparingInt(PartitionStats::partition));
            writeStatistics(stats, unitOfPartition);

            double workSeconds = 0;
            for (AttemptRecord a : attempts) {
                workSeconds += a.runId().equals(runId) ? work.seconds() : a.workSeconds();
            }
            int cores = JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism();
            Summary summary = new Summary(describe(prepared, units.values()), Summary.Totals.of(stats, workSeconds,
                    cores), history(resume, units.values(), attempts), setupSeconds,
                    (System.nanoTime() - finishStart) / 1e9);

            out.write(out.report(), HtmlReport.render(new ReportData("shufflespark classify: " + summary.model
                    + ", run " + runId, summary, stats, List.of())));
            seam.reached(Point.SUMMARY, -1);
            out.write(out.summary(), summary.toJson());
            out.removeUncommittedUnits();
            out.touch(out.labelsDone());
            out.removeTemporaryFiles();
            attempt.finished();
            return new Result(summary, work.sample());
        }

        /** What the run is, for its summary. */
        private Summary.Run describe(ShuffleNetClassifier.Prepared prepared, Collection<UnitRecord> units) {
            long inputs = 0;
            long bytes = 0;
            int partitions = 0;
            for (UnitRecord u : units) {
                inputs += u.inputs().count();
                bytes += u.inputs().bytes();
                partitions += u.partitions();
            }
            String partitioning = String.format(Locale.ROOT, "%d inputs (%.1f MB) in %d units of %d partitions",
                    inputs, bytes / 1e6, units.size(), partitions);
            boolean builtin = prepared.model().builtin();
            return new Summary.Run(runId, prepared.model().name(), prepared.model().sha256(), builtin,
                    builtin ? WEIGHTS_NOTE : null, out.shown(), config.format().source(), config.mode().label(),
                    prepared.broadcast().value().featureCount(prepared.preprocess().cropHeight(),
                            prepared.preprocess().cropWidth()), partitioning, spark.version(),
                    System.getProperty("java.version"), config.topK(), config.batchSize(), effectiveConfiguration());
        }

        /** Every attempt: what its units hold, and for a killed one what the crash cost. */
        private Summary.History history(Resume resume, Collection<UnitRecord> units, List<AttemptRecord> attempts) {
            Map<String, long[]> byAttempt = new HashMap<>(); // run id: units, images
            int rebuilt = 0;
            for (UnitRecord u : units) {
                long[] a = byAttempt.computeIfAbsent(u.runId(), k -> new long[2]);
                a[0]++;
                a[1] += u.images();
                rebuilt += u.rebuilt() ? 1 : 0;
            }
            List<Summary.AttemptSummary> out = new ArrayList<>();
            for (AttemptRecord a : attempts) {
                long[] made = byAttempt.getOrDefault(a.runId(), new long[2]);
                boolean killed = !a.finished() && !a.runId().equals(runId); // this one has not ended yet
                out.add(new Summary.AttemptSummary(a.runId(), a.mode(), Instant.ofEpochMilli(a.startedMillis())
                        .toString(), a.workSeconds(), (int) made[0], made[1], a.inputsDone(), killed,
                        killed ? a.lostSeconds() : 0, killed ? a.lostImages() : 0, a.lostExecutors(),
                        a.failedTasks().size()));
            }
            return new Summary.History(resume.inputsDone(), units.size(), rebuilt, out);
        }

        private void writeStatistics(List<PartitionStats> stats, Map<Integer, UnitRecord> unitOf) {
            List<Row> rows = new ArrayList<>();
            for (PartitionStats p : stats) {
                StringBuilder failures = new StringBuilder();
                p.failures().forEach((r, n) -> failures.append(failures.length() == 0 ? "" : ",").append(r)
                        .append('=').append(n));
                UnitRecord u = unitOf.get(p.partition());
                rows.add(RowFactory.create(p.partition(), u.unit(), p.attempt(), p.executorId(), p.host(),
                        p.kernelPath(), p.images(), p.failed(), failures.toString(), p.bytes(), p.readNanos() / 1e6,
                        p.decodeNanos() / 1e6, p.preprocessNanos() / 1e6, p.inferNanos() / 1e6, p.wallNanos() / 1e6,
                        p.imagesPerSecond(), p.startMillis(), u.runId()));
            }
            // In one file, written as the units' rows are; what an earlier attempt wrote is replaced.
            StructType schema = statisticsSchema();
            List<InternalRow> internal = new ArrayList<>(rows.size());
            scala.Function1<Object, Object> toInternal = CatalystTypeConverters.createToCatalystConverter(schema);
            for (Row r : rows) {
                internal.add((InternalRow) toInternal.apply(r));
            }
            out.deleteWithUploads(out.statistics());
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            RowFiles.write(spark, jsc.parallelize(internal, 1), schema, config.format(), out.statistics().toString(),
                    committer.writerOptions());
        }

        /** The job's settings and Spark's, credentials masked. */
        private Map<String, String> effectiveConfiguration() {
            Map<String, String> m = new TreeMap<>();
            m.put(JobConfig.INPUT, Redaction.uri(String.join(",", config.inputs())));
            m.put(JobConfig.OUTPUT, Redaction.uri(config.output()));
            m.put(JobConfig.MODEL, Redaction.uri(config.model()));
            if (config.labels() != null) {
                m.put(JobConfig.LABELS, Redaction.uri(config.labels()));
            }
            m.put(JobConfig.TOP_K, Integer.toString(config.topK()));
            m.put(JobConfig.BATCH_SIZE, Integer.toString(config.batchSize()));
            m.put(JobConfig.FORMAT, config.format().source());
            m.put(JobConfig.MODE, config.mode().label());
            m.put(JobConfig.FEATURES, Boolean.toString(config.features()));
            m.put(JobConfig.OUTPUT_COMMITTER, committer.label());
            m.put(JobConfig.UNIT_SECONDS, Double.toString(config.units().seconds()));
            m.put(JobConfig.UNIT_SHARE, Double.toString(config.units().share()));
            m.put(JobConfig.UNIT_INPUTS, Integer.toString(config.units().inputs()));
            config.ioOptions().forEach((k, v) -> m.put(k, Settings.mask(k, v)));
            for (scala.Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
                m.put(kv._1(), Settings.mask(kv._1(), kv._2()));
            }
            return m;
        }

        private void say(String line) {
            if (progress != null) {
                synchronized (progress) {
                    progress.println(line);
                    progress.flush();
                }
            }
        }
    }
}
