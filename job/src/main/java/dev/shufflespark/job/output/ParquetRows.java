package dev.shufflespark.job.output;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.OutputCommitter;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.lib.output.PathOutputCommitter;
import org.apache.hadoop.mapreduce.lib.output.PathOutputCommitterFactory;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Rows written as Parquet files into a folder from an RDD of Spark SQL's internal rows, without a Spark SQL plan:
 * the files are Spark's own ({@link ParquetWriteSupport}, the row writer of {@code DataFrame.write().parquet},
 * with the session's Parquet settings), committed as an RDD's Hadoop output is
 * ({@code saveAsNewAPIHadoopDataset}: each task's file committed once, by one attempt, and the folder's
 * {@code _SUCCESS} at the job's commit) by the committer that Hadoop's committer factories give for the folder's
 * file system: the standard one by rename, or on {@code s3a://} the S3A committer named in the options.
 *
 * <p>Why not the DataFrame writer: its first write in a JVM plans, optimises and compiles a query through Spark
 * SQL's analyser, optimiser and code generator, all cold, on the driver's path to the first task: in a local run of
 * 2000 small JPEGs on 2 cores, from 3.5 to 5.9 s of the run (docs/performance.md, "The units' rows without a Spark
 * SQL query").
 * Readers see no difference: the same Parquet schema (a column that cannot be null is required, as the DataFrame
 * writer has it), the same Spark schema in the footer, the same compression, files named the same way.
 */
public final class ParquetRows {

    /** The session's settings that Spark's Parquet row writer reads from the write's Hadoop configuration. */
    private static final List<String> WRITER_SETTINGS = List.of(SQLConf.PARQUET_WRITE_LEGACY_FORMAT().key(),
            SQLConf.PARQUET_OUTPUT_TIMESTAMP_TYPE().key(), SQLConf.PARQUET_FIELD_ID_WRITE_ENABLED().key(),
            SQLConf.PARQUET_ANNOTATE_VARIANT_LOGICAL_TYPE().key());
    /** The S3A committers' setting for the id of a write; also the write's id in its files' names. */
    private static final String S3A_JOB_UUID = "fs.s3a.committer.uuid";

    private ParquetRows() {
    }

    /**
     * Writes {@code rows} (of {@code schema}) into the folder {@code dir}, which must not exist yet, with Hadoop
     * settings {@code options} on top of the session's; returns when the write is committed.
     */
    public static void write(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema, String dir,
                             Map<String, String> options) {
        Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
        options.forEach(conf::set);
        for (String key : WRITER_SETTINGS) {
            conf.set(key, spark.conf().get(key));
        }
        conf.set(ParquetOutputFormat.COMPRESSION, spark.conf().get(SQLConf.PARQUET_COMPRESSION().key()));
        conf.setBoolean("mapreduce.fileoutputcommitter.marksuccessfuljobs", true);
        // The write's own id: in its files' names, and for the S3A committers, which the job's commit and every
        // task's read from this configuration (as the DataFrame writer gives its writes one).
        conf.set(S3A_JOB_UUID, UUID.randomUUID().toString());
        ParquetWriteSupport.setSchema(schema, conf);
        Job job;
        try {
            job = Job.getInstance(conf);
        } catch (IOException e) {
            throw new IllegalStateException("cannot set up the write of " + dir + ": " + e, e);
        }
        job.setOutputKeyClass(Void.class);
        job.setOutputValueClass(InternalRow.class);
        job.setOutputFormatClass(Format.class);
        ParquetOutputFormat.setWriteSupportClass(job, ParquetWriteSupport.class);
        FileOutputFormat.setOutputPath(job, new Path(dir));
        try {
            rows.mapToPair(r -> new Tuple2<Void, InternalRow>(null, r))
                    .saveAsNewAPIHadoopDataset(job.getConfiguration());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // Scala code throws checked exceptions undeclared: a folder that exists already is Hadoop's
            // FileAlreadyExistsException, an IOException.
            if (e instanceof IOException io) {
                throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), io);
            }
            throw new IllegalStateException("cannot write " + dir + ": " + e, e);
        }
    }

    /**
     * Parquet's output format with the committer that Hadoop's committer factories give for the output folder
     * ({@link FileOutputFormat}'s own choice), not Parquet's committer, which always renames (and writes summary
     * files that Spark does not): so that an S3A committer commits the files where one is configured.
     */
    public static final class Format extends ParquetOutputFormat<InternalRow> {
        private PathOutputCommitter committer;

        @Override
        public OutputCommitter getOutputCommitter(TaskAttemptContext context) throws IOException {
            return committer(context);
        }

        /** A task's file, named as Spark SQL names it: {@code part-00003-<the write's id>-c000.snappy.parquet}. */
        @Override
        public Path getDefaultWorkFile(TaskAttemptContext context, String extension) throws IOException {
            return new Path(committer(context).getWorkPath(), String.format(Locale.ROOT, "part-%05d-%s-c000%s",
                    context.getTaskAttemptID().getTaskID().getId(), context.getConfiguration().get(S3A_JOB_UUID),
                    extension));
        }

        private synchronized PathOutputCommitter committer(TaskAttemptContext context) throws IOException {
            if (committer == null) {
                committer = PathOutputCommitterFactory.createCommitter(getOutputPath(context), context);
            }
            return committer;
        }
    }
}
