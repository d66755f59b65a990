package dev.shufflespark.job;

import dev.shufflespark.io.source.InputList;
import dev.shufflespark.io.source.InputPartition;
import dev.shufflespark.io.source.InputPartitioner;
import dev.shufflespark.job.TestSeam.Point;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.output.LabelRows;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.progress.AttemptRecord;
import dev.shufflespark.job.progress.InputSpan;
import dev.shufflespark.job.progress.Json;
import dev.shufflespark.job.progress.UnitRecord;
import dev.shufflespark.job.progress.UnitSizer;
import dev.shufflespark.job.stats.PartitionStats;
import dev.shufflespark.job.stats.SampleRow;
import dev.shufflespark.job.stats.SampleRows;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.CollectionAccumulator;

/**
 * The units of one attempt: takes the inputs left a unit at a time ({@link UnitSizer}), splits each into
 * partitions, and writes each with one Spark job into {@code labels/unit=NNNNN/}, committed when its
 * {@code _SUCCESS} is there; then its record. {@link #IN_FLIGHT} units run at once, so that the next one's tasks
 * take the cores that the tail of the previous one leaves idle (Spark's FIFO scheduler runs the older job's tasks
 * first). A unit that fails cancels the others and fails the run; what it left is removed by the next resume.
 */
final class UnitRunner {

    /** Units whose Spark jobs run at once. */
    static final int IN_FLIGHT = 2;

    /** The classifier's input rows: an input's URI and its length in bytes (null: not known). */
    static final StructType INPUT_SCHEMA = new StructType()
            .add("path", DataTypes.StringType, false)
            .add("length", DataTypes.LongType, true);

    /**
     * What the units did: their records, in the order they committed, the seconds they took together, and the
     * smallest of their rows by path and member ({@link SampleRows}), to be shown.
     */
    record Work(List<UnitRecord> units, double seconds, List<SampleRow> sample) {
    }

    private final RunContext ctx;
    private final ShuffleNetClassifier classifier;
    private final ShuffleNetClassifier.Prepared prepared;
    private final AttemptLog attempt;
    /** The smallest rows of the units committed so far, merged from their partitions' (under its own lock). */
    private final SampleRows sample = new SampleRows();

    UnitRunner(RunContext ctx, ShuffleNetClassifier classifier, ShuffleNetClassifier.Prepared prepared,
               AttemptLog attempt) {
        this.ctx = ctx;
        this.classifier = classifier;
        this.prepared = prepared;
        this.attempt = attempt;
    }

    /** Classifies {@code left} in units numbered from {@code nextUnit}, partitions from {@code nextPartition}. */
    Work run(InputList left, int nextUnit, int nextPartition) {
        if (left.isEmpty()) {
            ctx.say().accept("classify: every input already has rows in " + ctx.out().shown() + "; nothing to do");
            attempt.workDone();
            return new Work(List.of(), 0, List.of());
        }
        int cores = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext()).defaultParallelism();
        UnitSizer sizer = new UnitSizer(ctx.config().units(), UnitSizer.weight(left, 0, left.size()), cores);
        boolean tars = left.anyTar();
        ExecutorService pool = Executors.newFixedThreadPool(IN_FLIGHT, RunContext.daemonThreads("shufflespark-unit"));
        ExecutorCompletionService<UnitRecord> completed = new ExecutorCompletionService<>(pool);
        Map<Future<UnitRecord>, Integer> inFlight = new HashMap<>();
        Map<Integer, Long> weights = new HashMap<>();
        List<UnitRecord> done = new ArrayList<>();
        int from = 0;
        long t0 = System.nanoTime();
        sizer.started(t0);
        attempt.workStarted();
        ScheduledExecutorService ticker = startTicker(tars ? -1 : left.size());
        try {
            while (from < left.size() || !inFlight.isEmpty()) {
                while (inFlight.size() < IN_FLIGHT && from < left.size()) {
                    int to = sizer.end(left, from, System.nanoTime());
                    UnitJob job = unitJob(nextUnit, left, from, to, nextPartition, cores);
                    weights.put(nextUnit, UnitSizer.weight(left, from, to));
                    nextPartition += job.partitions;
                    from = to;
                    inFlight.put(completed.submit(job::run), nextUnit);
                    nextUnit++;
                }
                Future<UnitRecord> f = completed.take();
                inFlight.remove(f);
                UnitRecord record = f.get();
                done.add(record);
                sizer.committed(weights.remove(record.unit()));
                attempt.committed(record);
            }
        } catch (ExecutionException e) {
            cancel(inFlight.values());
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
            cancel(inFlight.values());
            throw new JobException("interrupted", e);
        } finally {
            pool.shutdownNow();
            ticker.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        attempt.workDone();
        List<SampleRow> rows;
        synchronized (sample) {
            rows = sample.rows();
        }
        return new Work(done, seconds, rows);
    }

    private void cancel(Iterable<Integer> units) {
        for (int unit : units) {
            ctx.spark().sparkContext().cancelJobGroup(ctx.events().group(unit));
        }
    }

    /** One unit's Spark job, built on the driver's main thread, run on one of the unit threads. */
    private final class UnitJob {
        final int unit;
        final InputSpan span;
        final int firstPartition;
        final int partitions;
        final JavaRDD<InternalRow> classified;
        final CollectionAccumulator<PartitionStats> statistics;

        UnitJob(int unit, InputSpan span, int firstPartition, int partitions, JavaRDD<InternalRow> classified,
                CollectionAccumulator<PartitionStats> statistics) {
            this.unit = unit;
            this.span = span;
            this.firstPartition = firstPartition;
            this.partitions = partitions;
            this.classified = classified;
            this.statistics = statistics;
        }

        UnitRecord run() {
            OutputFolder out = ctx.out();
            SparkContext sc = ctx.spark().sparkContext();
            String runId = ctx.runId();
            sc.setJobGroup(ctx.events().group(unit), "shufflespark run " + runId + ", unit " + unit,
                    false);
            long submitted = System.currentTimeMillis();
            try {
                write(classified, out.unit(unit).toString());
            } finally {
                sc.clearJobGroup();
            }
            long committed = System.currentTimeMillis();
            ClassifyJob.seam.reached(Point.UNIT_COMMITTED, unit);
            // One per partition: Spark merges no update of a failed task attempt (one denied the commit of its
            // files included), and the update of one successful attempt only. So each partition's sample rows are
            // of the attempt whose statistics the record keeps, whose files were committed.
            List<PartitionStats> partitionStats = statistics.value();
            List<PartitionStats> stats = new ArrayList<>();
            long images = 0;
            for (PartitionStats p : partitionStats) {
                stats.add(p.withPartition(firstPartition + p.partition()));
                images += p.images();
            }
            synchronized (sample) {
                for (PartitionStats p : partitionStats) {
                    sample.offerAll(p.sample());
                }
            }
            stats.sort(Comparator.comparingInt(PartitionStats::partition));
            UnitRecord record = new UnitRecord(unit, runId, span, images, firstPartition, partitions, submitted,
                    committed, false, stats);
            out.write(out.unitRecord(unit), Json.write(record));
            ClassifyJob.seam.reached(Point.UNIT_RECORDED, unit);
            return record;
        }
    }

    private UnitJob unitJob(int unit, InputList left, int from, int to, int firstPartition, int cores) {
        InputList inputs = left.subList(from, to);
        int minPartitions = ctx.config().minPartitions() > 0 ? ctx.config().minPartitions() : 2 * cores;
        InputPartitioner.Plan plan = InputPartitioner.plan(inputs, InputPartitioner.Options.from(
                ctx.config().ioOptions()::get, minPartitions));
        CollectionAccumulator<PartitionStats> statistics = ctx.spark().sparkContext().collectionAccumulator(
                "shufflespark unit " + unit);
        classifier.withStatistics(statistics, ctx.imagesDone()).withPartitionOffset(firstPartition);
        JavaRDD<InternalRow> classified = ClassifyJob.seam.rows(unit, firstPartition, classified(plan.partitions()));
        ctx.say().accept("classify: unit " + unit + ": " + plan.describe());
        return new UnitJob(unit, InputSpan.of(left, from, to), firstPartition, plan.partitions().size(), classified,
                statistics);
    }

    /**
     * The classifier's output rows of some partitions ({@link ShuffleNetClassifier#classify}). Each task gets its own
     * partition's paths only (an {@link InputList} serializes its own inputs, packed), never the unit's or the
     * listing's.
     */
    private JavaRDD<InternalRow> classified(List<InputPartition> parts) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(ctx.spark().sparkContext());
        // One InputPartition per Spark partition: parallelize slices n elements into n slices of one.
        JavaRDD<Row> rows = jsc.parallelize(parts, parts.size()).flatMap(p -> {
            InputList files = p.files();
            List<Row> r = new ArrayList<>(files.size());
            for (int i = 0; i < files.size(); i++) {
                r.add(inputRow(files, i));
            }
            return r.iterator();
        });
        return classifier.classify(ctx.spark(), rows, INPUT_SCHEMA);
    }

    /**
     * Writes a unit's label rows, the classifier's output flattened, the model and the run added ({@link LabelRows}),
     * into {@code folder}, which must not exist.
     */
    private void write(JavaRDD<InternalRow> classified, String folder) {
        boolean features = ctx.config().features();
        LabelRows labels = new LabelRows(classifier.transformSchema(INPUT_SCHEMA), classifier.getOutputCol(),
                classifier.getFeaturesCol(), features, prepared.model().name(), prepared.model().sha256(),
                ctx.runId());
        RowFiles.write(ctx.spark(), classified.map(labels), LabelSchema.rows(features), ctx.config().format(), folder,
                ctx.committer().writerOptions());
    }

    /** Input {@code i} of {@code files} as an input row ({@link #INPUT_SCHEMA}). */
    static Row inputRow(InputList files, int i) {
        long length = files.length(i);
        return RowFactory.create(files.uri(i), length >= 0 ? length : null);
    }

    /** Progress lines every {@code progress.interval.seconds}, the attempt's heartbeat every 10 s. */
    private ScheduledExecutorService startTicker(long total) {
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                RunContext.daemonThreads("shufflespark-progress"));
        long beat = AttemptRecord.HEARTBEAT_SECONDS * 1000L;
        ticker.scheduleAtFixedRate(attempt::heartbeat, beat, beat, TimeUnit.MILLISECONDS);
        if (ctx.config().progressSeconds() > 0) {
            long start = System.nanoTime();
            long every = Math.max(1, Math.round(ctx.config().progressSeconds() * 1000));
            ticker.scheduleAtFixedRate(() -> {
                long n = ctx.imagesDone().value();
                double s = (System.nanoTime() - start) / 1e9;
                String count = total >= 0 ? n + "/" + total : Long.toString(n);
                ctx.say().accept(String.format(Locale.ROOT, "classify: %s images, %d units committed, %.1f images/s",
                        count, attempt.unitsCommitted(), s > 0 ? n / s : 0));
            }, every, every, TimeUnit.MILLISECONDS);
        }
        return ticker;
    }
}
