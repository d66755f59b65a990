package dev.shufflespark.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.io.source.InputPartitioner;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.Settings;
import dev.shufflespark.job.config.WriteMode;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.report.HtmlReport;
import dev.shufflespark.job.report.ReportData;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.Summary;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
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
 * The classification job: lists the inputs, splits them into partitions by file count and bytes, runs
 * {@link ShuffleNetClassifier} over them and writes, under the output folder:
 * <ul>
 *   <li>{@code labels/}: one row per image (path, tar member, size, status and error, top-k classes, model
 *       and its SHA-256, executor and partition, per-stage milliseconds, run id), through Spark's commit
 *       protocol, so that a retried task leaves no duplicate and {@code _SUCCESS} appears only when all is
 *       written;</li>
 *   <li>{@code statistics/}: one row per partition (executor, host, kernel path, images, failures, bytes, time
 *       per stage, images/s);</li>
 *   <li>{@code summary.json}: totals, failures by reason, images/s overall, per executor and per core,
 *       percentiles per stage, the slowest partitions, kernel paths and versions;</li>
 *   <li>{@code report.html}: the same as charts and tables, one self-contained page
 *       ({@link HtmlReport}).</li>
 * </ul>
 * Everything a user can get wrong (inputs, output, model, labels, settings) fails here on the driver before
 * any task runs, naming the setting and its value.
 */
public final class ClassifyJob {

    public static final String LABELS_DIR = "labels";
    public static final String STATISTICS_DIR = "statistics";
    public static final String SUMMARY_FILE = "summary.json";
    public static final String REPORT_FILE = "report.html";
    /** Said wherever labels of a built-in model are shown. */
    public static final String WEIGHTS_NOTE = "built-in models have seeded, untrained weights, not ImageNet-trained"
            + " ones: their labels are meaningless. For real labels pass an ImageNet-trained ONNX file, e.g."
            + " --model shufflenet_v2_x1_0.onnx";

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

    /** One run's state. */
    private static final class Run {
        private final SparkSession spark;
        private final JobConfig config;
        private final PrintWriter progress;
        private final Configuration conf;
        private final String runId;

        Run(SparkSession spark, JobConfig config, PrintWriter progress) {
            this.spark = spark;
            this.config = config;
            this.progress = progress;
            this.conf = spark.sparkContext().hadoopConfiguration();
            this.runId = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT))
                    + "-" + String.format("%04x", ThreadLocalRandom.current().nextInt(0x10000));
        }

        Summary run() {
            long started = System.nanoTime();
            // --- Everything that can be wrong is checked before any task runs. ---
            Path out = new Path(config.output());
            String outShown = Redaction.uri(config.output());
            FileSystem outFs;
            boolean exists;
            try {
                outFs = out.getFileSystem(conf);
                out = outFs.makeQualified(out);
                exists = outFs.exists(out);
            } catch (IOException | RuntimeException e) {
                throw new JobException(JobConfig.describeKey(JobConfig.OUTPUT) + ": '" + outShown + "' cannot be "
                        + "reached: " + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
            }
            if (exists && config.mode() == WriteMode.ERROR) {
                throw new JobException(JobConfig.describeKey(JobConfig.OUTPUT) + ": '" + outShown + "' already exists;"
                        + " name another folder, or pass --mode overwrite to replace it or --mode resume to add the"
                        + " images it has no rows for");
            }
            Path labelsDir = new Path(out, LABELS_DIR);
            Path statsDir = new Path(out, STATISTICS_DIR);

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
            String outPrefix = Redaction.uri(out.toString());
            for (InputFile f : files) {
                if (f.uri().equals(outPrefix) || f.uri().startsWith(outPrefix + "/")) {
                    throw new JobException(JobConfig.describeKey(JobConfig.INPUT) + ": '" + f.uri() + "' is inside the"
                            + " output folder " + outShown);
                }
            }
            boolean resume = exists && config.mode() == WriteMode.RESUME;
            long skipped = 0;
            if (resume) {
                Set<String> done = donePaths(outFs, labelsDir);
                List<InputFile> left = new ArrayList<>();
                for (InputFile f : files) {
                    if (!done.contains(f.uri())) {
                        left.add(f);
                    }
                }
                skipped = files.size() - left.size();
                files = left;
            }

            ShuffleNetClassifier classifier = new ShuffleNetClassifier()
                    .setModel(config.model())
                    .setLabels(config.labels())
                    .setTopK(config.topK())
                    .setBatchSize(config.batchSize())
                    .setOptions(io)
                    .setInputCol("path")
                    .setLengthCol("length")
                    .setOutputCol("result");
            ShuffleNetClassifier.Prepared prepared;
            try {
                prepared = classifier.prepare(spark);
            } catch (RuntimeException e) {
                throw new JobException(e.getMessage(), e);
            }

            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int cores = jsc.defaultParallelism();
            int minPartitions = config.minPartitions() > 0 ? config.minPartitions() : 2 * cores;
            InputPartitioner.Plan plan = InputPartitioner.plan(files, InputPartitioner.Options.from(io::get,
                    minPartitions));
            say("classify: " + plan.describe());

            if (exists && config.mode() == WriteMode.OVERWRITE) {
                try {
                    outFs.delete(out, true);
                } catch (IOException e) {
                    throw new JobException("cannot delete the output folder " + outShown + ": "
                            + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
                }
            }

            Summary summary = new Summary();
            summary.runId = runId;
            summary.model = prepared.model().name();
            summary.modelSha256 = prepared.model().sha256();
            summary.builtinModel = prepared.model().builtin();
            summary.weightsNote = prepared.model().builtin() ? WEIGHTS_NOTE : null;
            summary.output = Redaction.uri(out.toString());
            summary.format = config.format().source();
            summary.mode = config.mode().label();
            summary.partitioning = plan.describe();
            summary.inputsSkipped = skipped;
            summary.sparkVersion = spark.version();
            summary.javaVersion = System.getProperty("java.version");
            summary.topK = config.topK();
            summary.batchSize = config.batchSize();
            summary.configuration.putAll(effectiveConfiguration());

            SaveMode saveMode = resume ? SaveMode.Append : SaveMode.ErrorIfExists;
            double wallSeconds = 0;
            List<PartitionStats> stats = new ArrayList<>();
            if (!files.isEmpty()) {
                CollectionAccumulator<PartitionStats> acc = spark.sparkContext().collectionAccumulator(
                        "shufflespark partitions");
                LongAccumulator done = spark.sparkContext().longAccumulator("shufflespark images");
                classifier.withStatistics(acc, done);

                Dataset<Row> labels = labels(classifier, plan, prepared);
                boolean tars = files.stream().anyMatch(f -> f.kind() == InputFile.Kind.TAR);
                ScheduledExecutorService ticker = startProgress(done, acc, tars ? -1 : files.size(),
                        plan.partitions().size());
                long t0 = System.nanoTime();
                summary.setupSeconds = (t0 - started) / 1e9;
                try {
                    writer(labels, saveMode).save(labelsDir.toString());
                } finally {
                    if (ticker != null) {
                        ticker.shutdownNow();
                    }
                }
                wallSeconds = (System.nanoTime() - t0) / 1e9;
                stats.addAll(acc.value());
                stats.sort(Comparator.comparingInt(PartitionStats::partition));
                writeStatistics(stats, statsDir, saveMode);
                summary.addPartitions(stats, wallSeconds, cores);
            } else {
                summary.addPartitions(stats, 0, cores);
                say("classify: every input already has rows in " + outShown + "; nothing to do");
            }
            summary.finishSeconds = (System.nanoTime() - started) / 1e9 - summary.setupSeconds - wallSeconds;
            writeSummary(outFs, new Path(out, SUMMARY_FILE), summary);
            writeText(outFs, new Path(out, REPORT_FILE), HtmlReport.render(new ReportData(
                    "shufflespark classify: " + summary.model + ", run " + runId, summary, stats, List.of())));
            return summary;
        }

        /** The label rows: the classifier's output flattened, the model and the run added. */
        private Dataset<Row> labels(ShuffleNetClassifier classifier, InputPartitioner.Plan plan,
                                    ShuffleNetClassifier.Prepared prepared) {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            List<InputPartition> parts = plan.partitions();
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
                    default -> col("result." + n);
                };
                cols.add(c.as(n));
            }
            Dataset<Row> labels = result.select(cols.toArray(new Column[0]));
            if (config.failPartition() >= 0) {
                labels = labels.mapPartitions(new FailFirstAttempt(config.failPartition()),
                        Encoders.row(labels.schema()));
            }
            return labels;
        }

        private org.apache.spark.sql.DataFrameWriter<Row> writer(Dataset<Row> rows, SaveMode mode) {
            return RowFiles.writer(rows, config.format()).mode(mode);
        }

        /** The paths that already have label rows (resume). */
        private Set<String> donePaths(FileSystem fs, Path labelsDir) {
            try {
                if (!fs.exists(labelsDir)) {
                    return Set.of();
                }
            } catch (IOException e) {
                throw new JobException("cannot read " + Redaction.uri(labelsDir.toString()) + ": " + e.getMessage(), e);
            }
            Set<String> done = new HashSet<>();
            Dataset<Row> existing = RowFiles.readLabels(spark, config.format(), labelsDir.toString());
            for (Row r : existing.select("path").distinct().collectAsList()) {
                done.add(r.getString(0));
            }
            return done;
        }

        private void writeStatistics(List<PartitionStats> stats, Path dir, SaveMode mode) {
            List<Row> rows = new ArrayList<>();
            for (PartitionStats p : stats) {
                StringBuilder failures = new StringBuilder();
                p.failures().forEach((r, n) -> failures.append(failures.length() == 0 ? "" : ",").append(r)
                        .append('=').append(n));
                rows.add(RowFactory.create(p.partition(), p.attempt(), p.executorId(), p.host(), p.kernelPath(),
                        p.images(), p.failed(), failures.toString(), p.bytes(), p.readNanos() / 1e6,
                        p.decodeNanos() / 1e6, p.preprocessNanos() / 1e6, p.inferNanos() / 1e6, p.wallNanos() / 1e6,
                        p.imagesPerSecond(), p.startMillis(), runId));
            }
            writer(spark.createDataFrame(rows, statisticsSchema()).coalesce(1), mode).save(dir.toString());
        }

        private void writeSummary(FileSystem fs, Path file, Summary summary) {
            writeText(fs, file, summary.toJson());
        }

        private void writeText(FileSystem fs, Path file, String text) {
            try (OutputStream o = fs.create(file, true)) {
                o.write(text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new JobException("cannot write " + Redaction.uri(file.toString()) + ": "
                        + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
            }
        }

        /** The job's settings and Spark's, credentials masked. */
        private Map<String, String> effectiveConfiguration() {
            Map<String, String> m = new java.util.TreeMap<>();
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
            config.ioOptions().forEach((k, v) -> m.put(k, Settings.mask(k, v)));
            for (scala.Tuple2<String, String> kv : spark.sparkContext().getConf().getAll()) {
                m.put(kv._1(), Settings.mask(kv._1(), kv._2()));
            }
            return m;
        }

        private ScheduledExecutorService startProgress(LongAccumulator done, CollectionAccumulator<PartitionStats> acc,
                                                       long total, int partitions) {
            if (progress == null || config.progressSeconds() <= 0) {
                return null;
            }
            long start = System.nanoTime();
            ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "shufflespark-progress");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(1, Math.round(config.progressSeconds() * 1000));
            ticker.scheduleAtFixedRate(() -> {
                long n = done.value();
                double s = (System.nanoTime() - start) / 1e9;
                String count = total >= 0 ? n + "/" + total : Long.toString(n);
                say(String.format(Locale.ROOT, "classify: %s images, %d/%d tasks done, %.1f images/s", count,
                        acc.value().size(), partitions, s > 0 ? n / s : 0));
            }, every, every, TimeUnit.MILLISECONDS);
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
    }

    /** The test hook: the first attempt of one partition fails after passing on its first row. */
    static final class FailFirstAttempt implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final int partition;

        FailFirstAttempt(int partition) {
            this.partition = partition;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TaskContext task = TaskContext.get();
            if (task == null || task.partitionId() != partition || task.attemptNumber() > 0) {
                return rows;
            }
            return new Iterator<>() {
                private int passed;

                @Override
                public boolean hasNext() {
                    if (passed > 0) {
                        throw new IllegalStateException("injected failure of the first attempt of partition "
                                + partition + " (" + JobConfig.FAIL_PARTITION + ")");
                    }
                    return rows.hasNext();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    passed++;
                    return rows.next();
                }
            };
        }
    }
}
