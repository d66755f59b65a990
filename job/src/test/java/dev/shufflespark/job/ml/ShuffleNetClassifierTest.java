package dev.shufflespark.job.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.testing.Reference;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transformer in a plain DataFrame pipeline: image bytes or paths in, one struct per image out. */
class ShuffleNetClassifierTest {

    static final String MODEL = "shufflenet_v2_x0_5";
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "ShuffleNetClassifierTest");
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void classifiesImageBytesKeepingInputColumnsAndOrder() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        List<String> names = List.of("a.png", "notes.jpg", "b.jpg", "empty.jpg", "c.png", "trunc.jpg");
        List<Row> rows = new ArrayList<>();
        for (String n : names) {
            rows.add(RowFactory.create(n, set.files.get(n)));
        }
        rows.add(RowFactory.create("null", null));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType);
        Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(1);

        ShuffleNetClassifier c = new ShuffleNetClassifier().setModel(MODEL).setInputCol("image")
                .setOutputCol("prediction").setTopK(3).setBatchSize(2);
        List<Row> out = c.transform(in).collectAsList();
        assertEquals(rows.size(), out.size());
        Reference reference = new Reference(MODEL);
        Map<String, String> expected = Map.of("a.png", "OK", "notes.jpg", "NOT_AN_IMAGE", "b.jpg", "OK",
                "empty.jpg", "EMPTY", "c.png", "OK", "trunc.jpg", "TRUNCATED", "null", "EMPTY");
        for (int i = 0; i < out.size(); i++) {
            Row r = out.get(i);
            String id = r.getString(0);
            assertEquals(rows.get(i).getString(0), id, "order kept");
            Row p = r.getStruct(2);
            assertEquals(expected.get(id), p.getAs("status"), id);
            if ("OK".equals(p.getAs("status"))) {
                Reference.Expected x = reference.classify(set.files.get(id), 3);
                int[] got = p.<Integer>getList(p.fieldIndex("class_index")).stream().mapToInt(Integer::intValue)
                        .toArray();
                assertArrayEquals(x.index(), got, id);
                assertEquals(x.width(), p.<Integer>getAs("width").intValue());
                assertEquals(0.0, p.<Double>getAs("read_ms"), "bytes are not read from a file");
            }
        }
    }

    @Test
    void pathsOfFilesAndTarShardsGiveARowPerImage() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }
        List<Row> rows = List.of(RowFactory.create(dir.resolve("a.png").toString()),
                RowFactory.create(dir.resolve("shard.tar").toString()),
                RowFactory.create(dir.resolve("missing.png").toString()));
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType));
        List<Row> out = new ShuffleNetClassifier().setModel(MODEL).setInputCol("path").transform(in)
                .selectExpr("path", "prediction.member", "prediction.status").orderBy("path", "member")
                .collectAsList();
        List<String> got = new ArrayList<>();
        for (Row r : out) {
            String file = Path.of(r.getString(0)).getFileName().toString();
            got.add(file + (r.isNullAt(1) ? "" : "/" + r.getString(1)) + " " + r.getString(2));
        }
        assertEquals(List.of("a.png OK", "missing.png NOT_FOUND", "shard.tar/bad.png NOT_AN_IMAGE",
                "shard.tar/m1.png OK", "shard.tar/sub/m2.jpg OK"), got);
    }

    @Test
    void anRddOfInputRowsGivesTheRowsOfItsDataFrameAndARehearsalChangesNone() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(dir.resolve(f.getKey()), f.getValue());
        }
        List<Row> rows = new ArrayList<>();
        for (String n : List.of("a.png", "b.jpg", "shard.tar", "notes.jpg", "missing.png", "c.png")) {
            rows.add(RowFactory.create(dir.resolve(n).toString(), n.equals("missing.png") ? null : 1L));
        }
        StructType schema = new StructType().add("path", DataTypes.StringType).add("length", DataTypes.LongType);
        ShuffleNetClassifier c = new ShuffleNetClassifier().setModel(MODEL).setInputCol("path").setTopK(2)
                .setBatchSize(3);
        String[] cols = {"path", "prediction.member", "prediction.status", "prediction.class_index",
            "prediction.probability", "prediction.error"};
        // The same two slices either way: an image's scores can differ in the last bit with its batch's make-up.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Row> viaFrame = c.transform(spark.createDataFrame(jsc.parallelize(rows, 2), schema)).selectExpr(cols)
                .orderBy("path", "member").collectAsList();

        Thread rehearsal = c.rehearse(spark, schema, rows);
        assertTrue(rehearsal != null && rehearsal.isDaemon());
        rehearsal.join(120_000);
        List<Row> viaRdd = c.toDataFrame(spark, c.classify(spark, jsc.parallelize(rows, 2), schema), schema)
                .selectExpr(cols)
                .orderBy("path", "member").collectAsList();
        assertEquals(8, viaFrame.size());
        assertEquals(viaFrame, viaRdd);
        int passes = ShuffleNetClassifier.rehearse(c.partitionFunction(spark, schema, null, null), rows);
        assertTrue(passes >= 1 && passes <= 6, "passes: " + passes);
    }

    @Test
    void savesAndLoadsItsParameters() throws Exception {
        ShuffleNetClassifier c = new ShuffleNetClassifier().setModel(MODEL).setInputCol("bytes")
                .setOutputCol("labels").setTopK(2).setBatchSize(4).setLabels("hdfs:///x/labels.txt")
                .setOptions(Map.of("preprocess.resize", "232"));
        String path = dir.resolve("classifier").toString();
        c.write().save(path);
        ShuffleNetClassifier back = ShuffleNetClassifier.load(path);
        assertEquals(c.uid(), back.uid());
        assertEquals(MODEL, back.getModel());
        assertEquals("bytes", back.getInputCol());
        assertEquals("labels", back.getOutputCol());
        assertEquals(2, back.getTopK());
        assertEquals(4, back.getBatchSize());
        assertEquals("hdfs:///x/labels.txt", back.getLabels());
        assertEquals(Map.of("preprocess.resize", "232"), back.getOptions());
    }

    @Test
    void checksItsParametersAndInputColumn() {
        StructType schema = new StructType().add("image", DataTypes.IntegerType);
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
                () -> new ShuffleNetClassifier().transformSchema(schema));
        assertTrue(type.getMessage().contains("inputCol image must be binary"), type.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new ShuffleNetClassifier().setInputCol("img").transformSchema(schema));
        assertTrue(missing.getMessage().contains("inputCol img: no such column"), missing.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> new ShuffleNetClassifier()
                .setTopK(0).transformSchema(new StructType().add("image", DataTypes.BinaryType)));
        assertEquals("topK must be at least 1, got 0", k.getMessage());
    }
}
