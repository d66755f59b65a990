package dev.shufflespark.job.output;

import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputCommitter;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import scala.Option;

/**
 * The committer of a run's writes, chosen once for its output folder ({@link OutputCommitter}): Spark's standard
 * one, or one of Hadoop's S3A committers bound into Spark by spark-hadoop-cloud's {@link #PROTOCOL}. With an S3A
 * committer a task's files become S3 multipart uploads that nobody sees until the job's commit completes them, and
 * the job's {@code _SUCCESS} is a JSON manifest of the files it committed: no rename and no copy of a row.
 *
 * <p>A committer is asked for in two places: the session's commit protocol and Parquet's committer (SQL settings,
 * so {@link #use} sets them for the run and puts back what was there), and S3A's committer name in the options of
 * each write. Both are always set, the standard committer's too: Spark 4.1 and later, at the start of a
 * SparkContext that can load spark-hadoop-cloud's classes, make the magic committer the session's default for
 * every {@code s3a://} write (and the cloud protocol the default for every write), so "standard" has to be said.
 */
public final class Committer {

    /** Spark's commit protocol for Hadoop's PathOutputCommitter factories (spark-hadoop-cloud). */
    public static final String PROTOCOL = "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol";
    /** Parquet's committer bound to the same factories, as Spark's cloud integration guide pairs them. */
    public static final String PARQUET_COMMITTER = "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter";
    public static final String PROTOCOL_KEY = "spark.sql.sources.commitProtocolClass";
    public static final String PARQUET_COMMITTER_KEY = "spark.sql.parquet.output.committer.class";
    /** Spark's own commit protocol and Parquet's own committer: the standard committer, by rename. */
    public static final String STANDARD_PROTOCOL =
            "org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol";
    public static final String STANDARD_PARQUET_COMMITTER = "org.apache.parquet.hadoop.ParquetOutputCommitter";
    /** S3A's choice of committer, read by its committer factory from each write's Hadoop settings. */
    public static final String S3A_COMMITTER_KEY = "fs.s3a.committer.name";
    private static final String MAGIC_CAPABILITY = "fs.s3a.capability.magic.committer";

    private final OutputCommitter kind;
    private final boolean onS3a;

    private Committer(OutputCommitter kind, boolean onS3a) {
        this.kind = kind;
        this.onS3a = onS3a;
    }

    /**
     * The committer {@code setting} means for output at {@code root} (on {@code fs}): {@code auto} is the magic
     * committer on {@code s3a://} and the standard one elsewhere. An S3A committer for output elsewhere, without
     * spark-hadoop-cloud's classes, or the magic one where S3A has it turned off, is refused, naming the setting.
     */
    public static Committer of(OutputCommitter setting, Path root, FileSystem fs) {
        String scheme = root.toUri().getScheme();
        boolean s3a = "s3a".equals(scheme);
        OutputCommitter kind = setting == OutputCommitter.AUTO ? (s3a ? OutputCommitter.MAGIC : OutputCommitter.FILE)
                : setting;
        String key = JobConfig.OUTPUT_COMMITTER + "=" + setting.label();
        if (kind == OutputCommitter.FILE) {
            return new Committer(kind, s3a);
        }
        if (!s3a) {
            throw new IllegalArgumentException(key + ": commits s3a:// output only, and the output is on " + scheme
                    + ": (use auto or file there)");
        }
        try {
            Class.forName(PROTOCOL, false, Committer.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(key + ": needs Spark's spark-hadoop-cloud classes (" + PROTOCOL
                    + "), which the job jar has and this class path has not; or set " + JobConfig.OUTPUT_COMMITTER
                    + "=file", e);
        }
        if (kind == OutputCommitter.MAGIC) {
            boolean magic;
            try {
                magic = fs.hasPathCapability(root, MAGIC_CAPABILITY);
            } catch (IOException e) {
                magic = false;
            }
            if (!magic) {
                throw new IllegalArgumentException(key + ": S3A has the magic committer turned off for this bucket"
                        + " (fs.s3a.committer.magic.enabled); turn it on, or set " + JobConfig.OUTPUT_COMMITTER
                        + "=directory or file");
            }
        }
        return new Committer(kind, true);
    }

    /** {@code file}, {@code magic} or {@code directory}. */
    public String label() {
        return kind.label();
    }

    /** True for one of the S3A committers. */
    public boolean s3a() {
        return kind != OutputCommitter.FILE;
    }

    /** Options for each write of the run: on {@code s3a://}, S3A's committer name ({@code file} included). */
    public Map<String, String> writerOptions() {
        Map<String, String> o = new LinkedHashMap<>();
        if (onS3a) {
            o.put(S3A_COMMITTER_KEY, kind.label());
        }
        return o;
    }

    /**
     * Sets the session's commit protocol and Parquet's committer for this committer; closing the returned handle
     * puts back the values that were there, so that the session's other writes are as they were.
     */
    public Use use(SparkSession spark) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(PROTOCOL_KEY, s3a() ? PROTOCOL : STANDARD_PROTOCOL);
        settings.put(PARQUET_COMMITTER_KEY, s3a() ? PARQUET_COMMITTER : STANDARD_PARQUET_COMMITTER);
        RuntimeConfig conf = spark.conf();
        Map<String, Option<String>> before = new LinkedHashMap<>();
        settings.forEach((k, v) -> {
            before.put(k, conf.getOption(k));
            conf.set(k, v);
        });
        return () -> before.forEach((k, v) -> {
            if (v.isDefined()) {
                conf.set(k, v.get());
            } else {
                conf.unset(k);
            }
        });
    }

    /** The session's settings while a run uses a committer. */
    public interface Use extends AutoCloseable {
        @Override
        void close();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case MAGIC -> "the S3A magic committer";
            case DIRECTORY -> "the S3A directory committer";
            default -> "Spark's standard committer";
        };
    }
}
