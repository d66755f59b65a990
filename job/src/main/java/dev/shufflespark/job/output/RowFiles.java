package dev.shufflespark.job.output;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.to_json;

import dev.shufflespark.job.config.OutputFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Rows in an {@link OutputFormat}, written and read back the same way: the reader is given the schema (never
 * inferred), so what comes back has the columns and types that were written.
 * <ul>
 *   <li>Parquet: as is.</li>
 *   <li>JSON Lines: null values are written ({@code "member":null}), so that even a reader that infers the
 *       schema sees every column.</li>
 *   <li>CSV: a header; array columns as their JSON text; quotes doubled as RFC 4180 has them; values may span
 *       lines (an error message with a line break); spaces at either end of a value are kept;
 *       empty text (outside an array) reads back as null.</li>
 * </ul>
 */
public final class RowFiles {

    private RowFiles() {
    }

    /**
     * Writes {@code rows}, Spark SQL's internal rows of {@code schema}, in {@code format} into the folder {@code dir},
     * which must not exist, with Hadoop settings {@code options}; returns when the write is committed. Parquet
     * without a Spark SQL query ({@link ParquetRows}); JSON Lines and CSV through the DataFrame writer.
     */
    public static void write(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema, OutputFormat format,
                             String dir, Map<String, String> options) {
        if (format == OutputFormat.PARQUET) {
            ParquetRows.write(spark, rows, schema, dir, options);
            return;
        }
        writer(frame(spark, rows, schema), format).options(options).mode(SaveMode.ErrorIfExists)
                .option("mapreduce.fileoutputcommitter.marksuccessfuljobs", "true").save(dir);
    }

    /**
     * Spark SQL's internal rows of {@code schema} as a DataFrame: the plan that {@code createDataFrame} of external
     * rows makes, without its row encoder. That encoder's serializer is generated code whose first compilation in a
     * JVM starts Scala's runtime reflection (its {@code Invoke} expressions look up method names through it): in a
     * local run, 0.4-0.5 s of one core in the first task, while the other first task waited on the same lock, then
     * the serializer's own compilation. {@code internalCreateDataFrame} is {@code private[sql]} in Scala (public to
     * Java): a Spark upgrade may move it.
     */
    public static Dataset<Row> frame(SparkSession spark, JavaRDD<InternalRow> rows, StructType schema) {
        return ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows.rdd(), schema, false);
    }

    /** A writer of {@code rows} in {@code format} (its save mode and path left to the caller). */
    public static DataFrameWriter<Row> writer(Dataset<Row> rows, OutputFormat format) {
        return encode(rows, format).write().format(format.source()).options(options(format));
    }

    /**
     * Rows of {@code schema} in {@code format} under {@code paths}, with exactly that schema: the columns that
     * Spark adds from folder names ({@code unit=00017}) are left out.
     */
    public static Dataset<Row> read(SparkSession spark, OutputFormat format, StructType schema, String... paths) {
        Dataset<Row> stored = spark.read().format(format.source()).options(options(format))
                .schema(LabelSchema.stored(schema, format)).load(paths);
        return decode(stored, schema, format);
    }

    /** The label rows of {@code paths} (folders of them) of a run without features ({@link LabelSchema#rows()}). */
    public static Dataset<Row> readLabels(SparkSession spark, OutputFormat format, String... paths) {
        return readLabels(spark, format, false, paths);
    }

    /**
     * The label rows of {@code paths} (folders of them), with {@link LabelSchema#rows(boolean)}: {@code features}
     * says whether the run wrote the features column (its manifest says so).
     */
    public static Dataset<Row> readLabels(SparkSession spark, OutputFormat format, boolean features,
                                          String... paths) {
        return read(spark, format, LabelSchema.rows(features), paths);
    }

    /** The data source options of {@code format}, for writing and for reading. */
    public static Map<String, String> options(OutputFormat format) {
        Map<String, String> o = new LinkedHashMap<>();
        switch (format) {
            case CSV -> {
                o.put("header", "true");
                o.put("escape", "\"");
                o.put("multiLine", "true");
                // Spark's CSV writer trims spaces at both ends of every value unless told not to.
                o.put("ignoreLeadingWhiteSpace", "false");
                o.put("ignoreTrailingWhiteSpace", "false");
                o.put("mode", "FAILFAST");
            }
            case JSON -> {
                o.put("ignoreNullFields", "false");
                o.put("mode", "FAILFAST");
            }
            case PARQUET -> {
            }
        }
        return o;
    }

    private static Dataset<Row> encode(Dataset<Row> rows, OutputFormat format) {
        if (format != OutputFormat.CSV) {
            return rows;
        }
        List<Column> cols = new ArrayList<>();
        for (StructField f : rows.schema().fields()) {
            cols.add(f.dataType() instanceof ArrayType ? to_json(col(f.name())).as(f.name()) : col(f.name()));
        }
        return rows.select(cols.toArray(new Column[0]));
    }

    private static Dataset<Row> decode(Dataset<Row> stored, StructType schema, OutputFormat format) {
        List<Column> cols = new ArrayList<>();
        for (StructField f : schema.fields()) {
            Column c = col(f.name());
            boolean text = format == OutputFormat.CSV && f.dataType() instanceof ArrayType;
            cols.add(text ? from_json(c, f.dataType(), Map.of()).as(f.name()) : c);
        }
        return stored.select(cols.toArray(new Column[0]));
    }
}
