package dev.shufflespark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.io.source.InputPartitioner;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.TestSeam.Point;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.Settings;
import dev.shufflespark.job.config.WriteMode;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.progress.AttemptRecord;
import dev.shufflespark.job.progress.DoneInputs;
import dev.shufflespark.job.progress.InputSpan;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.RunManifest;
import dev.shufflespark.job.progress.UnitRecord;
import dev.shufflespark.job.progress.UnitSizer;
import dev.shufflespark.job.report.HtmlReport;
import dev.shufflespark.job.report.ReportData;
import dev.shufflespark.job.stats.PartitionRecorder;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.RunEvents;
import dev.shufflespark.job.stats.Summary;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

/**
 * The classification job: lists the inputs, runs {@link ShuffleNetClassifier} over them in units of work, each
 * committed on its own, and describes the whole run when every unit is in. Under the output folder
 * ({@link OutputFolder} has the layout):
 * <ul>
 *   <li>{@code manifest.json}: what makes the rows what they are (model SHA-256, top-k, class names, format,
 *       decoding and preprocessing), written before the first unit; a resume must match it;</li>
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
     * Units whose Spark jobs run at once: the next unit's tasks take the cores that the tail of the previous
     * one leaves idle (Spark's FIFO scheduler runs the older job's tasks first).
     */
    static final int UNITS_IN_FLIGHT = 2;

    /** Tests only ({@link TestSeam}); {@link TestSeam#NONE} otherwise. */
    static volatile TestSeam seam = TestSeam.NONE;

    private ClassifyJob() {
    }

    /** Runs the job; progress lines (when {@link JobConfig#progressSeconds()} is positive) go to {@code progress}. */
    public static Summary run(SparkSession spark, JobConfig config, PrintWriter progress) {
        return new Run(spark, config, progress).run();
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

    /** What earlier attempts left: the committed units and the inputs still to do. */
    private record Resume(boolean fresh, SortedMap<Integer, UnitRecord> units, List<InputFile> left, long inputsDone,
                          int nextUnit, int nextPartition, int removedUnits) {

        static Resume fresh(List<InputFile> listing) {
            return new Resume(true, new TreeMap<>(), listing, 0, 0, 0, 0);
        }
    }

    /** What this attempt's units did. */
    private record Work(List<UnitRecord> units, double seconds) {
    }

    /** One run's state. */
    private static final class Run {
        private final SparkSession spark;
        private final JobConfig config;
        private final PrintWriter progress;
        private final Configuration conf;
        private final String runId;
        private final long startedNanos = System.nanoTime();
        private final RunEvents events;
        private final LongAccumulator imagesDone;
        private OutputFolder out;
        private boolean existed;
        /** Driver time before the first unit: listing, model load and checks, broadcast, resume. */
        private double setupSeconds;
        private Attempt attempt;

        Run(SparkSession spark, JobConfig config, PrintWriter progress) {
            this.spark = spark;
            this.config = config;
            this.progress = progress;
            this.conf = spark.sparkContext().hadoopConfiguration();
            this.runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
                    + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
            this.events = new RunEvents(runId);
            this.imagesDone = spark.sparkContext().longAccumulator("shufflespark images");
        }

        Summary run() {
            // Output target and mode, inputs, model, identity and resume: everything that can be wrong fails here,
            // before any task runs and before anything under the output folder changes.
            target();
            List<InputFile> listing = inputs();
            ShuffleNetClassifier classifier = classifier();
            ShuffleNetClassifier.Prepared prepared = prepare(classifier);
            RunManifest manifest = RunManifest.of(runId, prepared.model().name(), prepared.model().sha256(),
                    prepared.broadcast().value().labels(), config.topK(), config.format(), prepared.preprocess(),
                    prepared.decode(), prepared.listing());
            Resume resume = resume(manifest, listing);

            spark.sparkContext().addSparkListener(events);
            try {
                begin(manifest, resume);
                Work work = units(classifier, prepared, resume);
                return finish(prepared, resume, work);
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
            if (existed && config.mode() == WriteMode.ERROR) {
                throw new JobException(JobConfig.describeKey(JobConfig.OUTPUT) + ": '" + shown + "' already exists;"
                        + " name another folder, or pass --mode overwrite to replace it or --mode resume to add the"
                        + " images it has no rows for");
            }
        }

        // --- Input selection ---

        private List<InputFile> inputs() {
            Map<String, String> io = config.ioOptions();
            ListingOptions listing = ListingOptions.from(io::get);
            List<InputFile> files;
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
            for (InputFile f : files) {
                if (f.uri().equals(outPrefix) || f.uri().startsWith(outPrefix + "/")) {
                    throw new JobException(JobConfig.describeKey(JobConfig.INPUT) + ": '" + f.uri() + "' is inside the"
                            + " output folder " + out.shown());
                }
            }
            return files;
        }

        private ShuffleNetClassifier classifier() {
            return new ShuffleNetClassifier()
                    .setModel(config.model())
                    .setLabels(config.labels())
                    .setTopK(config.topK())
                    .setBatchSize(config.batchSize())
                    .setOptions(config.ioOptions())
                    .setInputCol("path")
                    .setLengthCol("length")
                    .setOutputCol("result");
        }

        private ShuffleNetClassifier.Prepared prepare(ShuffleNetClassifier classifier) {
            try {
                return classifier.prepare(spark);
            } catch (RuntimeException e) {
                throw new JobException(e.getMessage(), e);
            }
        }

        // --- Resume: the identity, the committed units, what a killed attempt left, the inputs still to do ---

        private Resume resume(RunManifest manifest, List<InputFile> listing) {
            if (!existed || config.mode() != WriteMode.RESUME) {
                return Resume.fresh(listing);
            }
            String flag = "--mode resume: " + out.shown();
            if (!out.exists(out.manifest())) {
                if (out.exists(out.labels())) {
                    throw new JobException(flag + " has labels/ but no " + MANIFEST_FILE + ": it was not written by"
                            + " this version of shufflespark, so what its rows are cannot be checked; name another"
                            + " folder, or pass --mode overwrite to replace it");
                }
                return Resume.fresh(listing); // an attempt that died before writing anything, or an empty folder
            }
            RunManifest was = Json.read(out.read(out.manifest()), RunManifest.class,
                    Redaction.uri(out.manifest().toString()));
            List<String> differences = was.differences(manifest);
            if (!differences.isEmpty()) {
                throw new JobException(flag + " was written with other settings, and its rows would not answer the"
                        + " same question: " + String.join("; ", differences) + ". Resume with the settings it has,"
                        + " name another folder, or pass --mode overwrite to replace it");
            }

            // Units: those committed keep their rows; a killed attempt's others are removed, their numbers not reused.
            SortedMap<Integer, Boolean> folders = out.units();
            List<Integer> recorded = out.unitRecords();
            int removed = 0;
            for (Map.Entry<Integer, Boolean> u : folders.entrySet()) {
                if (!u.getValue()) {
                    out.delete(out.unit(u.getKey()));
                    removed++;
                }
            }
            List<Integer> committed = new ArrayList<>();
            folders.forEach((n, done) -> {
                if (done) {
                    committed.add(n);
                }
            });
            List<Integer> withRecord = new ArrayList<>();
            for (int n : recorded) {
                if (committed.contains(n)) {
                    withRecord.add(n);
                } else {
                    out.delete(out.unitRecord(n)); // its rows are gone: the record says nothing true
                }
            }
            SortedMap<Integer, UnitRecord> units = new TreeMap<>(readAll(withRecord, n -> Json.read(
                    out.read(out.unitRecord(n)), UnitRecord.class, Redaction.uri(out.unitRecord(n).toString()))));
            for (int n : committed) {
                if (!units.containsKey(n)) {
                    units.put(n, rebuild(n, listing));
                }
            }
            DoneInputs.Split split = DoneInputs.split(listing, units.values(), this::rowPaths);
            int nextUnit = 0;
            if (!folders.isEmpty()) {
                nextUnit = folders.lastKey() + 1;
            }
            if (!recorded.isEmpty()) {
                nextUnit = Math.max(nextUnit, recorded.get(recorded.size() - 1) + 1);
            }
            int nextPartition = 0;
            for (UnitRecord u : units.values()) {
                nextPartition = Math.max(nextPartition, u.firstPartition() + u.partitions());
            }
            say(String.format(Locale.ROOT, "classify: resuming %s: %d units committed (%d inputs), %d left by a"
                    + " killed attempt removed, %d inputs to do", out.shown(), units.size(), split.done(), removed,
                    split.left().size()));
            return new Resume(false, units, split.left(), split.done(), nextUnit, nextPartition, removed);
        }

        /**
         * The record of a unit whose rows were committed by an attempt that died before writing the record: its
         * inputs are the listing's inputs that have rows in it, its statistics are computed from the rows.
         */
        private UnitRecord rebuild(int unit, List<InputFile> listing) {
            List<Row> rows = RowFiles.readLabels(spark, config.format(), out.unit(unit).toString())
                    .select("path", "status", "bytes", "read_ms", "decode_ms", "preprocess_ms", "infer_ms",
                            "executor_id", "partition_id", "run_id").collectAsList();
            long committed = out.modified(new Path(out.unit(unit), OutputFolder.SUCCESS));
            TreeMap<Integer, PartitionRecorder> partitions = new TreeMap<>();
            Set<String> paths = new HashSet<>();
            String madeBy = runId;
            for (Row r : rows) {
                paths.add(r.getString(0));
                madeBy = r.getString(9);
                int partition = r.getInt(8);
                String status = r.getString(1);
                partitions.computeIfAbsent(partition, p -> new PartitionRecorder(p, 0, r.getString(7), null, null))
                        .record(status, "OK".equals(status), r.getLong(2), nanos(r.getDouble(3)), nanos(r.getDouble(4)),
                                nanos(r.getDouble(5)), nanos(r.getDouble(6)));
            }
            List<PartitionStats> stats = new ArrayList<>();
            partitions.values().forEach(p -> stats.add(p.finish(0, committed)));
            List<InputFile> held = new ArrayList<>();
            for (InputFile f : listing) {
                if (paths.contains(f.uri())) {
                    held.add(f);
                }
            }
            InputSpan span = held.isEmpty() ? new InputSpan(0, 0, "", "", "") : InputSpan.of(held, 0, held.size());
            int first = partitions.isEmpty() ? 0 : partitions.firstKey();
            int last = partitions.isEmpty() ? -1 : partitions.lastKey();
            UnitRecord record = new UnitRecord(unit, madeBy, span, rows.size(), first, last - first + 1, committed,
                    committed, true, stats);
            out.write(out.unitRecord(unit), Json.write(record));
            return record;
        }

        private static long nanos(double ms) {
            return Math.round(ms * 1e6);
        }

        /** The distinct paths of the rows of {@code units} (read only for units not found by their span). */
        private Set<String> rowPaths(Collection<UnitRecord> units) {
            String[] dirs = units.stream().map(u -> out.unit(u.unit()).toString()).toArray(String[]::new);
            Set<String> paths = new HashSet<>();
            for (Row r : RowFiles.readLabels(spark, config.format(), dirs).select("path").distinct().collectAsList()) {
                paths.add(r.getString(0));
            }
            return paths;
        }

        // --- The attempt begins: nothing changed under the output folder before this point ---

        private void begin(RunManifest manifest, Resume resume) {
            if (existed && config.mode() == WriteMode.OVERWRITE) {
                out.delete(out.root());
            }
            if (resume.fresh()) {
                out.write(out.manifest(), Json.write(manifest));
            } else if (!resume.left().isEmpty()) {
                // The run is not done any more: its end markers come back when it is.
                out.delete(out.labelsDone());
                out.delete(out.summary());
            }
            attempt = new Attempt(resume.inputsDone(), resume.left().size());
            attempt.write();
            seam.reached(Point.STARTED, -1);
        }

        // --- Units of work ---

        private Work units(ShuffleNetClassifier classifier, ShuffleNetClassifier.Prepared prepared, Resume resume) {
            List<InputFile> left = resume.left();
            if (left.isEmpty()) {
                say("classify: every input already has rows in " + out.shown() + "; nothing to do");
                setupSeconds = (System.nanoTime() - startedNanos) / 1e9;
                attempt.workDone();
                return new Work(List.of(), 0);
            }
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int cores = jsc.defaultParallelism();
            long totalBytes = 0;
            for (InputFile f : left) {
                totalBytes += f.length();
            }
            UnitSizer sizer = new UnitSizer(config.units(), totalBytes, cores);
            boolean tars = left.stream().anyMatch(f -> f.kind() == InputFile.Kind.TAR);
            ScheduledExecutorService ticker = startTicker(tars ? -1 : left.size());
            ExecutorService pool = Executors.newFixedThreadPool(UNITS_IN_FLIGHT, daemonThreads("shufflespark-unit"));
            ExecutorCompletionService<UnitRecord> completed = new ExecutorCompletionService<>(pool);
            Map<Future<UnitRecord>, Integer> inFlight = new HashMap<>();
            List<UnitRecord> done = new ArrayList<>();
            int nextUnit = resume.nextUnit();
            int nextPartition = resume.nextPartition();
            int from = 0;
            long t0 = System.nanoTime();
            setupSeconds = (t0 - startedNanos) / 1e9;
            sizer.started(t0);
            attempt.workStarted();
            try {
                while (from < left.size() || !inFlight.isEmpty()) {
                    while (inFlight.size() < UNITS_IN_FLIGHT && from < left.size()) {
                        int to = sizer.end(left, from, System.nanoTime());
                        UnitJob job = unitJob(classifier, prepared, nextUnit, left, from, to, nextPartition, cores);
                        nextPartition += job.partitions;
                        from = to;
                        inFlight.put(completed.submit(job::run), nextUnit);
                        nextUnit++;
                    }
                    Future<UnitRecord> f = completed.take();
                    inFlight.remove(f);
                    UnitRecord record = f.get();
                    done.add(record);
                    sizer.committed(record.inputs().bytes());
                    attempt.committed(record);
                }
            } catch (ExecutionException e) {
                for (int unit : inFlight.values()) {
                    spark.sparkContext().cancelJobGroup(events.group(unit));
                }
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                if (cause instanceof Error err) {
                    throw err;
                }
                throw new JobException("a unit failed: " + cause, cause);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                for (int unit : inFlight.values()) {
                    spark.sparkContext().cancelJobGroup(events.group(unit));
                }
                throw new JobException("interrupted", e);
            } finally {
                pool.shutdownNow();
                if (ticker != null) {
                    ticker.shutdownNow();
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            attempt.workDone();
            return new Work(done, seconds);
        }

        /** One unit's Spark job, built on the driver's main thread, run on one of the unit threads. */
        private final class UnitJob {
            final int unit;
            final InputSpan span;
            final int firstPartition;
            final int partitions;
            final Dataset<Row> rows;
            final CollectionAccumulator<PartitionStats> statistics;

            UnitJob(int unit, InputSpan span, int firstPartition, int partitions, Dataset<Row> rows,
                    CollectionAccumulator<PartitionStats> statistics) {
                this.unit = unit;
                this.span = span;
                this.firstPartition = firstPartition;
                this.partitions = partitions;
                this.rows = rows;
                this.statistics = statistics;
            }

            UnitRecord run() {
                SparkContext sc = spark.sparkContext();
                sc.setJobGroup(events.group(unit), "shufflespark run " + runId + ", unit " + unit, false);
                long submitted = System.currentTimeMillis();
                try {
                    RowFiles.writer(rows, config.format()).mode(SaveMode.ErrorIfExists)
                            .option("mapreduce.fileoutputcommitter.marksuccessfuljobs", "true")
                            .save(out.unit(unit).toString());
                } finally {
                    sc.clearJobGroup();
                }
                long committed = System.currentTimeMillis();
                seam.reached(Point.UNIT_COMMITTED, unit);
                List<PartitionStats> stats = new ArrayList<>();
                long images = 0;
                for (PartitionStats p : statistics.value()) {
                    stats.add(p.withPartition(firstPartition + p.partition()));
                    images += p.images();
                }
                stats.sort(Comparator.comparingInt(PartitionStats::partition));
                UnitRecord record = new UnitRecord(unit, runId, span, images, firstPartition, partitions, submitted,
                        committed, false, stats);
                out.write(out.unitRecord(unit), Json.write(record));
                seam.reached(Point.UNIT_RECORDED, unit);
                return record;
            }
        }

        private UnitJob unitJob(ShuffleNetClassifier classifier, ShuffleNetClassifier.Prepared prepared, int unit,
                                List<InputFile> left, int from, int to, int firstPartition, int cores) {
            List<InputFile> inputs = left.subList(from, to);
            int minPartitions = config.minPartitions() > 0 ? config.minPartitions() : 2 * cores;
            InputPartitioner.Plan plan = InputPartitioner.plan(inputs, InputPartitioner.Options.from(
                    config.ioOptions()::get, minPartitions));
            CollectionAccumulator<PartitionStats> statistics = spark.sparkContext().collectionAccumulator(
                    "shufflespark unit " + unit);
            classifier.withStatistics(statistics, imagesDone);
            Dataset<Row> rows = seam.rows(unit, firstPartition, rows(classifier, prepared, plan.partitions(),
                    firstPartition));
            say("classify: unit " + unit + ": " + plan.describe());
            return new UnitJob(unit, InputSpan.of(left, from, to), firstPartition, plan.partitions().size(), rows,
                    statistics);
        }

        /** The label rows of some partitions: the classifier's output flattened, the model and the run added. */
        private Dataset<Row> rows(ShuffleNetClassifier classifier, ShuffleNetClassifier.Prepared prepared,
                                  List<InputPartition> parts, int firstPartition) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            // One InputPartition per Spark partition: parallelize slices n elements into n slices of one.
            JavaRDD<Row> rows = jsc.parallelize(parts, parts.size()).flatMap(p -> {
                List<Row> r = new ArrayList<>(p.files().size());
                for (InputFile f : p.files()) {
                    r.add(RowFactory.create(f.uri(), f.length()));
                }
                return r.iterator();
            });
            StructType inputSchema = new StructType()
                    .add("path", DataTypes.StringType, false)
                    .add("length", DataTypes.LongType, false);
            Dataset<Row> result = classifier.transform(spark.createDataFrame(rows, inputSchema));
            List<Column> cols = new ArrayList<>();
            for (StructField f : LabelSchema.rows().fields()) {
                String n = f.name();
                Column c = switch (n) {
                    case "path" -> col("path");
                    case "model" -> lit(prepared.model().name());
                    case "model_sha256" -> lit(prepared.model().sha256());
                    case "run_id" -> lit(runId);
                    case "partition_id" -> col("result.partition_id").plus(lit(firstPartition));
                    default -> col("result." + n);
                };
                cols.add(c.as(n));
            }
            return result.select(cols.toArray(new Column[0]));
        }

        // --- Summary: the whole run, every attempt ---

        private Summary finish(ShuffleNetClassifier.Prepared prepared, Resume resume, Work work) {
            long finishStart = System.nanoTime();
            SortedMap<Integer, UnitRecord> units = new TreeMap<>(resume.units());
            for (UnitRecord u : work.units()) {
                units.put(u.unit(), u);
            }
            List<AttemptRecord> attempts = new ArrayList<>(readAll(out.attemptRecords(), p -> Json.read(out.read(p),
                    AttemptRecord.class, Redaction.uri(p.toString()))).values());
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

            Summary summary = new Summary();
            summary.runId = runId;
            summary.model = prepared.model().name();
            summary.modelSha256 = prepared.model().sha256();
            summary.builtinModel = prepared.model().builtin();
            summary.weightsNote = prepared.model().builtin() ? WEIGHTS_NOTE : null;
            summary.output = out.shown();
            summary.format = config.format().source();
            summary.mode = config.mode().label();
            summary.partitioning = partitioning(units.values());
            summary.inputsSkipped = resume.inputsDone();
            summary.sparkVersion = spark.version();
            summary.javaVersion = System.getProperty("java.version");
            summary.topK = config.topK();
            summary.batchSize = config.batchSize();
            summary.configuration.putAll(effectiveConfiguration());
            summary.units = units.size();
            Map<String, long[]> byAttempt = new HashMap<>(); // run id: units, images
            for (UnitRecord u : units.values()) {
                long[] a = byAttempt.computeIfAbsent(u.runId(), k -> new long[2]);
                a[0]++;
                a[1] += u.images();
                summary.unitsRebuilt += u.rebuilt() ? 1 : 0;
            }
            double workSeconds = 0;
            for (AttemptRecord a : attempts) {
                long[] made = byAttempt.getOrDefault(a.runId(), new long[2]);
                boolean killed = !a.finished() && !a.runId().equals(runId); // this one is not done, not killed
                double lost = killed ? a.lostSeconds() : 0;
                long lostImages = killed ? a.lostImages() : 0;
                summary.attempts.add(new Summary.AttemptSummary(a.runId(), a.mode(),
                        Instant.ofEpochMilli(a.startedMillis()).toString(), a.workSeconds(), (int) made[0], made[1],
                        a.inputsDone(), killed, lost, lostImages, a.lostExecutors(), a.failedTasks().size()));
                summary.timeLostSeconds += lost;
                summary.imagesLost += lostImages;
                workSeconds += a.runId().equals(runId) ? work.seconds() : a.workSeconds();
            }
            int cores = JavaSparkContext.fromSparkContext(spark.sparkContext()).defaultParallelism();
            summary.addPartitions(stats, workSeconds, cores);
            summary.setupSeconds = setupSeconds;
            summary.finishSeconds = (System.nanoTime() - finishStart) / 1e9;

            out.write(out.report(), HtmlReport.render(new ReportData("shufflespark classify: " + summary.model
                    + ", run " + runId, summary, stats, List.of())));
            seam.reached(Point.SUMMARY, -1);
            out.write(out.summary(), summary.toJson());
            out.touch(out.labelsDone());
            out.removeTemporaryFiles();
            attempt.finished();
            return summary;
        }

        /** How the units split the inputs, for the summary. */
        private static String partitioning(Collection<UnitRecord> units) {
            long inputs = 0;
            long bytes = 0;
            int partitions = 0;
            for (UnitRecord u : units) {
                inputs += u.inputs().count();
                bytes += u.inputs().bytes();
                partitions += u.partitions();
            }
            return String.format(Locale.ROOT, "%d inputs (%.1f MB) in %d units of %d partitions", inputs, bytes / 1e6,
                    units.size(), partitions);
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
            RowFiles.writer(spark.createDataFrame(rows, statisticsSchema()).coalesce(1), config.format())
                    .mode(SaveMode.Overwrite).save(out.statistics().toString());
        }

        /** Reads each of {@code keys} with {@code read}, a few at once (records on S3 are a request each). */
        private <K, V> Map<K, V> readAll(List<K> keys, Function<K, V> read) {
            Map<K, V> values = new HashMap<>();
            if (keys.isEmpty()) {
                return values;
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, keys.size()),
                    daemonThreads("shufflespark-read"));
            try {
                Map<K, Future<V>> futures = new HashMap<>();
                for (K k : keys) {
                    futures.put(k, pool.submit(() -> read.apply(k)));
                }
                for (Map.Entry<K, Future<V>> f : futures.entrySet()) {
                    values.put(f.getKey(), f.getValue().get());
                }
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                throw new JobException(String.valueOf(e.getCause()), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobException("interrupted", e);
            } finally {
                pool.shutdownNow();
            }
            return values;
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
            m.put(JobConfig.UNIT_SECONDS, Double.toString(config.units().seconds()));
            m.put(JobConfig.UNIT_SHARE, Double.toString(config.units().share()));
            m.put(JobConfig.UNIT_INPUTS, Integer.toString(config.units().inputs()));
            config.ioOptions().forEach((k, v) -> m.put(k, Settings.mask(k, v)));
            for (scala.Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
                m.put(kv._1(), Settings.mask(kv._1(), kv._2()));
            }
            return m;
        }

        /** Progress lines every {@link JobConfig#progressSeconds()}, the attempt's heartbeat every 10 s. */
        private ScheduledExecutorService startTicker(long total) {
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                    daemonThreads("shufflespark-progress"));
            long beat = AttemptRecord.HEARTBEAT_SECONDS * 1000L;
            ticker.scheduleAtFixedRate(attempt::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
            if (progress != null && config.progressSeconds() > 0) {
                long start = System.nanoTime();
                long every = Math.max(1, Math.round(config.progressSeconds() * 1000));
                ticker.scheduleAtFixedRate(() -> {
                    long n = imagesDone.value();
                    double s = (System.nanoTime() - start) / 1e9;
                    String count = total >= 0 ? n + "/" + total : Long.toString(n);
                    say(String.format(Locale.ROOT, "classify: %s images, %d units committed, %.1f images/s", count,
                            attempt.unitsCommitted(), s > 0 ? n / s : 0));
                }, every, every, TimeUnit.MILLISECONDS);
            }
            return ticker;
        }

        private void say(String line) {
            if (progress != null) {
                synchronized (progress) {
                    progress.println(line);
                    progress.flush();
                }
            }
        }

        /** This attempt's record, kept up to date under {@code progress/}. */
        private final class Attempt {
            private final long startedMillis = System.currentTimeMillis();
            private final long inputsDone;
            private final long inputsLeft;
            private long workStartedMillis;
            private long workEndedMillis;
            private long finishedMillis;
            private long imagesCommitted;
            private int units;
            private long lastCommitMillis;
            private boolean heartbeatFailed;

            Attempt(long inputsDone, long inputsLeft) {
                this.inputsDone = inputsDone;
                this.inputsLeft = inputsLeft;
            }

            synchronized void workStarted() {
                workStartedMillis = System.currentTimeMillis();
                write();
            }

            synchronized void committed(UnitRecord u) {
                units++;
                imagesCommitted += u.images();
                lastCommitMillis = u.committedMillis();
                write();
            }

            synchronized void workDone() {
                long now = System.currentTimeMillis();
                if (workStartedMillis == 0) {
                    workStartedMillis = now;
                }
                workEndedMillis = now;
                write();
            }

            /** The run is described (summary, {@code labels/_SUCCESS}): this attempt ended. */
            synchronized void finished() {
                finishedMillis = System.currentTimeMillis();
                write();
            }

            synchronized int unitsCommitted() {
                return units;
            }

            synchronized void heartbeat() {
                try {
                    write();
                } catch (RuntimeException e) {
                    if (!heartbeatFailed) {
                        heartbeatFailed = true;
                        say("classify: cannot update " + Redaction.uri(out.attemptRecord(runId).toString()) + " ("
                                + e.getMessage() + "); the run goes on");
                    }
                }
            }

            synchronized void write() {
                AttemptRecord r = new AttemptRecord(runId, config.mode().label(), startedMillis, workStartedMillis,
                        workEndedMillis, System.currentTimeMillis(), finishedMillis, inputsDone, inputsLeft,
                        imagesDone.value(), imagesCommitted, units, lastCommitMillis, events.lostExecutors(),
                        events.failedTasks());
                out.write(out.attemptRecord(runId), Json.write(r));
            }
        }
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
