package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.SampleRow;
import dev.shufflespark.job.stats.SampleRows;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.testing.OutputCheck;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task whose first attempt fails after it has handed a row to the writer is retried ({@code local[2,2]}: two
 * threads, two attempts per task); the output still has every image exactly once, and the rows the run shows at its
 * end are each there once, as the labels hold them.
 */
class RetryTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2,2]", "RetryTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** The mixed set classified into {@code out} while the first attempt of partition 1 fails. */
    private record Retried(TestImages.MixedSet set, String out, ClassifyJob.Result result) {
    }

    /**
     * Classifies the mixed set while the first attempt of partition 1 passes rows to the writer and then fails:
     * after its first row, or ({@code atEnd}) after its last, when its statistics and sample rows are made.
     */
    private Retried classifyFailingOnce(boolean atEnd) throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = Files.createDirectories(dir.resolve("in"));
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(in.resolve(f.getKey()), f.getValue());
        }
        String out = dir.resolve("out").toUri().toString().replaceAll("/$", "");
        ClassifyJob.seam = new TestSeam() {
            @Override
            public JavaRDD<InternalRow> rows(int unit, int firstPartition, JavaRDD<InternalRow> rows) {
                return rows.mapPartitions(new FailFirstAttempt(1 - firstPartition, atEnd));
            }
        };
        try {
            return new Retried(set, out, ClassifyJob.classify(spark, JobConfig.from(Map.of(JobConfig.INPUT,
                    in.toString(), JobConfig.OUTPUT, out, JobConfig.MODEL, MODEL, JobConfig.PROGRESS, "0")), null));
        } finally {
            ClassifyJob.seam = TestSeam.NONE;
        }
    }

    @Test
    void aFailedFirstAttemptLeavesNoDuplicateAndNoGap() throws Exception {
        Retried run = classifyFailingOnce(false);
        String out = run.out();
        Summary summary = run.result().summary();

        OutputCheck.checkMixedRun(spark, out, run.set(), MODEL,
                LoadedModel.load(MODEL, new Configuration()).sha256(), summary);
        List<Row> stats = spark.read().parquet(out + "/statistics").where("partition_id = 1").collectAsList();
        assertEquals(1, stats.size());
        assertEquals(1, stats.get(0).<Integer>getAs("attempt").intValue(), "partition 1 succeeded on its retry");
        assertEquals(0L, spark.read().parquet(out + "/statistics").where("partition_id <> 1 and attempt <> 0").count());
        assertTrue(spark.read().parquet(out + "/labels").where("partition_id = 1").count() >= 1);
        assertEquals(1, summary.attempts.get(0).failedTasks(), "the failed attempt is in the summary");
    }

    @Test
    void aFirstAttemptThatFailsAfterItsLastRowLeavesNoDuplicateSampleRow() throws Exception {
        Retried run = classifyFailingOnce(true);
        String out = run.out();
        assertEquals(1, run.result().summary().attempts.get(0).failedTasks(), "the failed attempt is in the summary");
        assertEquals(1, spark.read().parquet(out + "/statistics").where("partition_id = 1").first()
                .<Integer>getAs("attempt").intValue(), "partition 1 succeeded on its retry");

        List<Row> labels = spark.read().parquet(out + "/labels").orderBy("path", "member").collectAsList();
        assertEquals(run.set().expected.size(), labels.size());
        List<SampleRow> expected = new ArrayList<>();
        for (Row r : labels.subList(0, Math.min(SampleRows.SIZE, labels.size()))) {
            List<String> names = r.isNullAt(r.fieldIndex("class_name")) ? null : r.getList(r.fieldIndex("class_name"));
            List<Float> p = r.isNullAt(r.fieldIndex("probability")) ? null : r.getList(r.fieldIndex("probability"));
            expected.add(new SampleRow(r.getAs("path"), r.getAs("member"), r.getAs("status"),
                    names == null ? null : names.get(0), p == null ? 0 : p.get(0), r.getAs("error")));
        }
        assertEquals(expected, run.result().sample());
    }

    /** The first attempt of one partition (of a unit's job) fails after passing on its first row, or its last. */
    static final class FailFirstAttempt implements FlatMapFunction<Iterator<InternalRow>, InternalRow> {
        private static final long serialVersionUID = 1L;
        private final int partition;
        private final boolean atEnd;

        FailFirstAttempt(int partition, boolean atEnd) {
            this.partition = partition;
            this.atEnd = atEnd;
        }

        @Override
        public Iterator<InternalRow> call(Iterator<InternalRow> rows) {
            TaskContext task = TaskContext.get();
            if (task == null || task.partitionId() != partition || task.attemptNumber() > 0) {
                return rows;
            }
            return new Iterator<>() {
                private int passed;

                @Override
                public boolean hasNext() {
                    if (atEnd ? passed > 0 && !rows.hasNext() : passed > 0) {
                        throw new IllegalStateException("injected failure of the first attempt of partition "
                                + partition);
                    }
                    return rows.hasNext();
                }

                @Override
                public InternalRow next() {
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
