package dev.shufflespark.job.output;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.testing.SparkSessions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Label rows written and read back by {@link RowFiles} in every format come back exactly as they were: text
 * with spaces at either end, quotes, commas, line breaks and empty text, arrays of such text, and nulls (except
 * that empty text outside an array comes back from CSV as null).
 */
class RowFilesTest {

    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "RowFilesTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Text a CSV writer or reader could change: every string column of a row takes one in turn. */
    static final List<String> AWKWARD = List.of(" leading space", "trailing space ", "  both  ", "\ttab\t",
            "a \"quoted\" word, and a comma", "two\nlines ", "", "plain");

    @Test
    void everyFormatGivesBackTheRowsItWasGiven() {
        StructType schema = LabelSchema.rows();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < AWKWARD.size(); i++) {
            String text = AWKWARD.get(i);
            String other = AWKWARD.get((i + 1) % AWKWARD.size());
            boolean failed = i % 2 == 1;
            rows.add(RowFactory.create(
                    "file:/photos/" + text + ".jpg", // path
                    i % 3 == 0 ? null : text, // member
                    1000L + i, 640, 480, // bytes, width, height
                    text, // format
                    failed ? "CORRUPT" : "OK", // status
                    failed ? other : null, // error
                    failed ? null : new int[] {i, 7, 3}, // class_index
                    failed ? null : new String[] {text, other, "tabby cat"}, // class_name
                    failed ? null : new float[] {0.5f, 0.25f + i / 1024f, 1e-7f}, // probability
                    "model " + text, "0".repeat(64), // model, model_sha256
                    i == 0 ? null : text, i, // executor_id, partition_id
                    0.5, 1.25 * i, 0.125, 3.0, // read_ms, decode_ms, preprocess_ms, infer_ms
                    "run " + other)); // run_id
        }
        List<Row> expected = sorted(spark.createDataFrame(rows, schema).collectAsList());
        for (OutputFormat format : OutputFormat.values()) {
            String path = dir.resolve(format.source()).toString();
            RowFiles.writer(spark.createDataFrame(rows, schema).repartition(2), format).mode(SaveMode.ErrorIfExists)
                    .save(path);
            List<Row> back = sorted(RowFiles.readLabels(spark, format, path).collectAsList());
            assertEquals(expected.size(), back.size(), format.source());
            for (int i = 0; i < expected.size(); i++) {
                String want = text(expected.get(i));
                if (format == OutputFormat.CSV) {
                    // CSV has one empty field for empty text and for null; Spark reads it as null.
                    want = want.replace("=<>\n", "=null\n");
                }
                assertEquals(want, text(back.get(i)), format.source() + " row " + i);
            }
        }
    }

    private static List<Row> sorted(List<Row> rows) {
        List<Row> s = new ArrayList<>(rows);
        s.sort(Comparator.comparingInt(r -> r.getInt(r.fieldIndex("partition_id"))));
        return s;
    }

    /**
     * A row's values as text, arrays (Scala sequences or Java arrays) element by element, so that two rows compare by
     * what they hold.
     */
    static String text(Row r) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < r.length(); i++) {
            Object v = r.get(i);
            if (v instanceof scala.collection.Seq<?> seq) {
                v = Arrays.toString(scala.jdk.javaapi.CollectionConverters.asJava(seq).toArray());
            } else if (v instanceof int[] a) {
                v = Arrays.toString(a);
            } else if (v instanceof float[] a) {
                v = Arrays.toString(a);
            } else if (v instanceof Object[] a) {
                v = Arrays.toString(a);
            }
            s.append(r.schema().fields()[i].name()).append('=').append(v == null ? "null" : "<" + v + ">")
                    .append('\n');
        }
        return s.toString();
    }
}
