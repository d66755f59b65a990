package dev.shufflespark.job.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.testing.SparkSessions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.mapred.FileAlreadyExistsException;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ParquetRows} writes the files that Spark's DataFrame writer writes for the same rows (the same Parquet
 * schema, Spark schema and compression, the same rows read back), commits them with a {@code _SUCCESS}, and refuses
 * a folder that exists; {@link LabelRows} takes each label column from its place in the classifier's output.
 */
class ParquetRowsTest {

    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "ParquetRowsTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** Label rows with features: nulls, empty text, arrays and a failed image among them. */
    static List<Row> labelRows() {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < RowFilesTest.AWKWARD.size(); i++) {
            String text = RowFilesTest.AWKWARD.get(i);
            boolean failed = i % 3 == 2;
            rows.add(new GenericRowWithSchema(new Object[] {"file:/photos/" + text + ".jpg",
                    i % 2 == 0 ? null : text, 1000L + i, 640, 480, "jpeg", failed ? "CORRUPT" : "OK",
                    failed ? "bad marker: " + text : null,
                    failed ? null : new int[] {i, 7, 3}, failed ? null : new String[] {text, "tabby cat", ""},
                    failed ? null : new float[] {0.5f, 0.25f + i / 1024f, 1e-7f}, "shufflenet_v1_g3_x1_0",
                    "0".repeat(64), i == 0 ? null : "driver", i, 0.5, 1.25 * i, 0.125, 3.0, "run " + i,
                    failed ? null : new float[] {i, -0.0f, Float.MIN_VALUE, 3.5f}}, LabelSchema.rows(true)));
        }
        return rows;
    }

    static List<InternalRow> internal(List<Row> rows, StructType schema) {
        scala.Function1<Object, Object> convert = CatalystTypeConverters.createToCatalystConverter(schema);
        List<InternalRow> out = new ArrayList<>();
        for (Row r : rows) {
            out.add((InternalRow) convert.apply(r));
        }
        return out;
    }

    @Test
    void writesWhatTheDataFrameWriterWritesAndRefusesAFolderThatExists() throws IOException {
        StructType schema = LabelSchema.rows(true);
        List<Row> rows = labelRows();
        String byFrame = dir.resolve("frame").toString();
        String direct = dir.resolve("direct").toString();
        spark.createDataFrame(rows, schema).repartition(1).write().parquet(byFrame);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        ParquetRows.write(spark, jsc.parallelize(internal(rows, schema), 2), schema, direct, Map.of());

        assertTrue(Files.exists(Path.of(direct, "_SUCCESS")));
        List<String> names;
        try (Stream<Path> files = Files.list(Path.of(direct))) {
            names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".parquet")).sorted().toList();
        }
        assertEquals(2, names.size(), names.toString());
        assertTrue(names.get(0).matches("part-00000-[0-9a-f-]{36}-c000\\.snappy\\.parquet"), names.get(0));
        assertEquals(names.get(0).replace("part-00000", "part-00001"), names.get(1), "the write's id in both");
        assertEquals(texts(RowFiles.readLabels(spark, OutputFormat.PARQUET, true, byFrame).collectAsList()),
                texts(RowFiles.readLabels(spark, OutputFormat.PARQUET, true, direct).collectAsList()));

        List<ParquetMetadata> frameFooters = footers(byFrame);
        List<ParquetMetadata> directFooters = footers(direct);
        assertEquals(1, frameFooters.size());
        assertEquals(2, directFooters.size(), "one file per partition");
        MessageType expected = frameFooters.get(0).getFileMetaData().getSchema();
        String sparkSchema = frameFooters.get(0).getFileMetaData().getKeyValueMetaData()
                .get("org.apache.spark.sql.parquet.row.metadata");
        long written = 0;
        for (ParquetMetadata f : directFooters) {
            assertEquals(expected, f.getFileMetaData().getSchema());
            assertEquals(sparkSchema, f.getFileMetaData().getKeyValueMetaData()
                    .get("org.apache.spark.sql.parquet.row.metadata"));
            for (var block : f.getBlocks()) {
                written += block.getRowCount();
                for (ColumnChunkMetaData c : block.getColumns()) {
                    assertEquals(CompressionCodecName.SNAPPY, c.getCodec(), c.getPath().toString());
                }
            }
        }
        assertEquals(rows.size(), written);

        Map<String, Long> before = listing(direct);
        RuntimeException refused = assertThrows(RuntimeException.class, () -> ParquetRows.write(spark,
                jsc.parallelize(internal(rows, schema), 1), schema, direct, Map.of()));
        assertTrue(causes(refused, FileAlreadyExistsException.class), refused.toString());
        assertEquals(before, listing(direct), "the folder that was there is as it was");
    }

    @Test
    void labelRowsTakeEachColumnFromItsPlace() {
        StructType struct = LabelSchema.classifier();
        StructType classified = new StructType().add("path", DataTypes.StringType, false)
                .add("length", DataTypes.LongType, true).add("result", struct, false)
                .add("embedding", LabelSchema.FEATURES_TYPE, true);
        List<Row> labels = labelRows();
        StructType labelSchema = LabelSchema.rows(true);
        List<Row> in = new ArrayList<>();
        for (Row l : labels) {
            Object[] fields = new Object[struct.size()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = l.get(labelSchema.fieldIndex(struct.fields()[i].name()));
            }
            in.add(RowFactory.create(l.get(0), 12345L, RowFactory.create(fields), l.get(l.length() - 1)));
        }
        List<InternalRow> classifiedRows = internal(in, classified);
        scala.Function1<Object, Object> back = CatalystTypeConverters.createToScalaConverter(labelSchema);
        for (int k = 0; k < labels.size(); k++) {
            Row l = labels.get(k);
            LabelRows with = new LabelRows(classified, "result", "embedding", true, l.getString(11), l.getString(12),
                    l.getString(19));
            Row got = (Row) back.apply(with.call(classifiedRows.get(k)));
            assertEquals(RowFilesTest.text(l), RowFilesTest.text(got), "row " + k);

            LabelRows without = new LabelRows(classified, "result", "", false, "m", "s", "r");
            Row plain = (Row) CatalystTypeConverters.createToScalaConverter(LabelSchema.rows(false))
                    .apply(without.call(classifiedRows.get(k)));
            assertEquals(LabelSchema.rows(false).size(), plain.length());
            assertEquals(l.getString(0), plain.getString(0));
            assertEquals("m", plain.getString(11));
            assertEquals("r", plain.getString(19));
        }
        assertNull(((Row) back.apply(new LabelRows(classified, "result", "embedding", true, "m", "s", "r")
                .call(classifiedRows.get(2)))).get(labelSchema.fieldIndex("class_index")), "a failed image's classes");
    }

    private static List<ParquetMetadata> footers(String folder) throws IOException {
        List<ParquetMetadata> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(folder))) {
            for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".parquet")).sorted().toList()) {
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(
                        new org.apache.hadoop.fs.Path(p.toUri()), new Configuration()))) {
                    out.add(r.getFooter());
                }
            }
        }
        return out;
    }

    private static Map<String, Long> listing(String folder) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> files = Files.walk(Path.of(folder))) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                out.put(Path.of(folder).relativize(p).toString(), Files.size(p));
            }
        }
        return out;
    }

    private static boolean causes(Throwable t, Class<?> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    /** Rows as text ({@link RowFilesTest#text}), sorted. */
    private static List<String> texts(List<Row> rows) {
        List<String> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(RowFilesTest.text(r));
        }
        out.sort(null);
        return out;
    }

}
