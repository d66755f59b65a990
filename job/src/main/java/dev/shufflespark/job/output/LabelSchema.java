package dev.shufflespark.job.output;

import dev.shufflespark.job.config.OutputFormat;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The label rows' columns, defined once: the job writes them in this order and reads them back with this
 * schema in every format, and the classifier's output struct is the subset it computes. Nothing infers it from
 * the files, so a column that is null in every row (no tar member in the run, no error) is still there. The
 * last column, {@code features}, is there only in a run that asks for it ({@code --features}); the run's
 * manifest says which, so that a resume reads and writes the same columns.
 */
public final class LabelSchema {

    /** Who gives a column its value. */
    public enum Origin {
        /** The input row: the path. */
        INPUT,
        /** The classifier, per image ({@link dev.shufflespark.job.ml.ClassifierOutput}). */
        CLASSIFIER,
        /** The run: the model and the run id, the same in every row of a run. */
        RUN,
        /** The classifier's features column ({@code featuresCol}): only in a run that asks for features. */
        FEATURES
    }

    /** One column. */
    public record Column(String name, DataType type, boolean nullable, Origin origin) {
    }

    private static final DataType INTS = DataTypes.createArrayType(DataTypes.IntegerType, false);
    private static final DataType STRINGS = DataTypes.createArrayType(DataTypes.StringType, false);
    private static final DataType FLOATS = DataTypes.createArrayType(DataTypes.FloatType, false);

    /** The features column's name in the label rows. */
    public static final String FEATURES = "features";
    /** The type of a features column: one float per channel of the pooled features. */
    public static final DataType FEATURES_TYPE = FLOATS;

    /**
     * {@code path} (the input: an image file or a tar shard), {@code member} (the tar member, else null),
     * {@code bytes} (-1 when unknown), {@code width} and {@code height} (as displayed; -1 when not decoded),
     * {@code format}, {@code status} ({@code OK} or a reason code of the io module), {@code error} (null when
     * OK), {@code class_index}, {@code class_name}, {@code probability} (top-k, most probable first; null when
     * not OK), {@code model} and {@code model_sha256}, {@code executor_id}, {@code partition_id},
     * {@code read_ms}, {@code decode_ms}, {@code preprocess_ms}, {@code infer_ms} (this image's share of its
     * batch), {@code run_id}; and when asked for, {@code features} (the globally pooled features before the
     * classifier, 960 or 1024 floats for the usual ShuffleNets; null when not OK).
     */
    public static final List<Column> COLUMNS = List.of(
            new Column("path", DataTypes.StringType, false, Origin.INPUT),
            new Column("member", DataTypes.StringType, true, Origin.CLASSIFIER),
            new Column("bytes", DataTypes.LongType, false, Origin.CLASSIFIER),
            new Column("width", DataTypes.IntegerType, false, Origin.CLASSIFIER),
            new Column("height", DataTypes.IntegerType, false, Origin.CLASSIFIER),
            new Column("format", DataTypes.StringType, true, Origin.CLASSIFIER),
            new Column("status", DataTypes.StringType, false, Origin.CLASSIFIER),
            new Column("error", DataTypes.StringType, true, Origin.CLASSIFIER),
            new Column("class_index", INTS, true, Origin.CLASSIFIER),
            new Column("class_name", STRINGS, true, Origin.CLASSIFIER),
            new Column("probability", FLOATS, true, Origin.CLASSIFIER),
            new Column("model", DataTypes.StringType, false, Origin.RUN),
            new Column("model_sha256", DataTypes.StringType, false, Origin.RUN),
            new Column("executor_id", DataTypes.StringType, true, Origin.CLASSIFIER),
            new Column("partition_id", DataTypes.IntegerType, false, Origin.CLASSIFIER),
            new Column("read_ms", DataTypes.DoubleType, false, Origin.CLASSIFIER),
            new Column("decode_ms", DataTypes.DoubleType, false, Origin.CLASSIFIER),
            new Column("preprocess_ms", DataTypes.DoubleType, false, Origin.CLASSIFIER),
            new Column("infer_ms", DataTypes.DoubleType, false, Origin.CLASSIFIER),
            new Column("run_id", DataTypes.StringType, false, Origin.RUN),
            new Column(FEATURES, FEATURES_TYPE, true, Origin.FEATURES));

    private LabelSchema() {
    }

    /** The label rows of a run without features, as the job makes them and {@link RowFiles#read} reads them. */
    public static StructType rows() {
        return rows(false);
    }

    /** The label rows as the job makes them and as {@link RowFiles#read} gives them back, in every format. */
    public static StructType rows(boolean features) {
        StructType t = new StructType();
        for (Column c : COLUMNS) {
            if (c.origin() != Origin.FEATURES || features) {
                t = t.add(c.name(), c.type(), c.nullable());
            }
        }
        return t;
    }

    /** The classifier's output struct: its columns, in the same order. */
    public static StructType classifier() {
        return struct(Origin.CLASSIFIER);
    }

    /** The names of the classifier's columns, in order. */
    public static List<String> classifierNames() {
        List<String> names = new ArrayList<>();
        for (Column c : COLUMNS) {
            if (c.origin() == Origin.CLASSIFIER) {
                names.add(c.name());
            }
        }
        return names;
    }

    private static StructType struct(Origin only) {
        StructType t = new StructType();
        for (Column c : COLUMNS) {
            if (c.origin() == only) {
                t = t.add(c.name(), c.type(), c.nullable());
            }
        }
        return t;
    }

    /**
     * A schema as stored in {@code format}: the same, except that CSV, which has no arrays, holds each array as
     * its JSON text ({@code [281,282]}, {@code ["tabby","tiger cat"]}), which any class name survives.
     */
    public static StructType stored(StructType schema, OutputFormat format) {
        if (format != OutputFormat.CSV) {
            return schema;
        }
        StructType t = new StructType();
        for (StructField f : schema.fields()) {
            DataType type = f.dataType() instanceof ArrayType ? DataTypes.StringType : f.dataType();
            t = t.add(f.name(), type, f.nullable());
        }
        return t;
    }
}
