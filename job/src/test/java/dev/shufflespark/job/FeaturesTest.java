package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.onnx.OnnxExporter;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.ml.ShuffleNetClassifier;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.stats.SummaryTable;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.NoFeaturesException;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.plan.Graph;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.apache.hadoop.conf.Configuration;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The features column ({@code --features}, the transformer's {@code featuresCol}): each image's globally pooled
 * features as the engine computes them, in every output format, kept apart from runs without it, refused on
 * the driver for a model that has none, and close for two copies of one photo.
 */
class FeaturesTest {

    /** The repository's sample photos. */
    static final List<String> PHOTOS = List.of("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg");
    /** Other images of the io module's fixtures (camera-like JPEGs and PNGs of assorted sizes). */
    static final List<String> OTHERS = List.of("jpeg/420.jpg", "jpeg/420-odd-q75.jpg", "jpeg/420-whole-mcus.jpg",
            "jpeg/444-q100.jpg", "jpeg/gray.jpg", "decode/rgb.jpg", "preprocess/wide-997x211.jpg",
            "preprocess/gray-301x257.jpg", "preprocess/small-100x75.png", "preprocess/tall-173x611.png");
    static final String SMALL = "shufflenet_v2_x0_5";

    static SparkSession spark;
    static SparkSessions.Activity activity;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSessions.start("local[2]", "FeaturesTest");
        activity = SparkSessions.Activity.on(spark);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    static Path repository() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().getParent();
    }

    static Path onnxFixture() {
        return repository().resolve("io/src/test/resources/onnx/shufflenet_v2_x0_5_opset11.onnx");
    }

    /** The photos of the repository and some of the io fixtures, by name. */
    static Map<String, byte[]> images() throws IOException {
        Map<String, byte[]> m = new LinkedHashMap<>();
        for (String p : PHOTOS) {
            m.put(p, Files.readAllBytes(repository().resolve("samples").resolve(p)));
        }
        for (String o : OTHERS) {
            m.put(o, Files.readAllBytes(repository().resolve("io/src/test/resources/fixtures").resolve(o)));
        }
        return m;
    }

    /**
     * The transformer's features column, for the built-in models the issue names and a model imported from
     * PyTorch's ONNX: each OK image's row equals what the optimised engine keeps for that image run alone, and
     * what the graph as built (no pass) computes at its global pool.
     */
    @ParameterizedTest(name = "{0}: {1} floats")
    @CsvSource({"shufflenet_v1_g3_x1_0, 960", "shufflenet_v2_x1_0, 1024", "onnx, 1024"})
    void theColumnHoldsTheEnginesPooledActivations(String name, int count) throws Exception {
        boolean builtin = !name.equals("onnx");
        String spec = builtin ? name : onnxFixture().toString();
        Model model = LoadedModel.load(spec, new Configuration()).model();
        Map<String, byte[]> images = images();
        List<Row> rows = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : images.entrySet()) {
            rows.add(RowFactory.create(e.getKey(), e.getValue()));
        }
        rows.add(2, RowFactory.create("notes.jpg", TestImages.text()));
        StructType schema = new StructType().add("id", DataTypes.StringType).add("image", DataTypes.BinaryType);
        Dataset<Row> in = spark.createDataFrame(rows, schema).repartition(2);

        ShuffleNetClassifier c = new ShuffleNetClassifier().setModel(spec).setInputCol("image").setBatchSize(3)
                .setFeaturesCol("embedding");
        Dataset<Row> out = c.transform(in);
        assertEquals(DataTypes.createArrayType(DataTypes.FloatType, false), out.schema().apply("embedding").dataType());
        assertEquals(List.of("id", "image", "prediction", "embedding"), List.of(out.schema().fieldNames()));

        Session optimised = model.engine(true).newSession(1, 224, 224);
        Session asBuilt = new Engine("as built", model.graphWithFeatures()).newSession(1, 224, 224);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        int checked = 0;
        List<float[]> seen = new ArrayList<>();
        for (Row r : out.select("id", "prediction.status", "embedding").collectAsList()) {
            String id = r.getString(0);
            if (id.equals("notes.jpg")) {
                assertEquals("NOT_AN_IMAGE", r.getString(1));
                assertTrue(r.isNullAt(2), "no features for an image that is not OK");
                continue;
            }
            assertEquals("OK", r.getString(1), id);
            float[] got = floats(r.getList(2));
            assertEquals(count, got.length, id);
            float[] input = preprocess(pre, images.get(id));
            optimised.run(input, 1);
            float[] expected = optimised.kept(Graph.FEATURES);
            float scale = Math.max(1f, maxAbs(expected));
            assertTrue(maxAbsDiff(expected, got) <= 1e-5f * scale,
                    id + ": against the engine alone, max |diff| " + maxAbsDiff(expected, got));
            asBuilt.run(input, 1);
            float[] built = asBuilt.kept(Graph.FEATURES);
            assertTrue(maxAbsDiff(built, got) <= 1e-4f * scale,
                    id + ": against the graph as built, max |diff| " + maxAbsDiff(built, got));
            // (The PyTorch fixture's weights, initialised but never trained, give nearly the same features for
            // every image: within 2e-6 of 0.5. The built-in models' do not.)
            for (float[] s : seen) {
                assertTrue(!builtin || maxAbsDiff(s, got) > 1e-3f * maxAbs(got),
                        id + ": each image has features of its own");
            }
            seen.add(got);
            checked++;
        }
        assertEquals(images.size(), checked);
    }

    /**
     * Near duplicates: each sample photo saved as a JPEG at quality 90 and at quality 50 gives two rows whose
     * features are nearer to each other (Euclidean and cosine distance) than either is to any other image of the
     * set, the other photos at both qualities and the fixtures included. Through the whole job.
     */
    @ParameterizedTest
    @ValueSource(strings = {"shufflenet_v1_g3_x1_0", "shufflenet_v2_x1_0"})
    void twoJpegQualitiesOfOnePhotoAreNearerToEachOtherThanToAnyOtherImage(String model) throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        for (Map.Entry<String, byte[]> e : images().entrySet()) {
            String file = e.getKey().replace('/', '-');
            if (PHOTOS.contains(e.getKey())) {
                String stem = file.substring(0, file.lastIndexOf('.'));
                Files.write(in.resolve(stem + "-q90.jpg"), jpeg(e.getValue(), 0.9f));
                Files.write(in.resolve(stem + "-q50.jpg"), jpeg(e.getValue(), 0.5f));
            } else {
                Files.write(in.resolve(file), e.getValue());
            }
        }
        String out = dir.resolve("out").toUri().toString();
        Summary s = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                JobConfig.MODEL, model, JobConfig.FEATURES, "true")));
        assertEquals(PHOTOS.size() * 2 + OTHERS.size(), s.ok);
        Map<String, float[]> features = new TreeMap<>();
        for (Row r : RowFiles.readLabels(spark, OutputFormat.PARQUET, true, out + "/labels")
                .select("path", "features").collectAsList()) {
            String path = r.getString(0);
            features.put(path.substring(path.lastIndexOf('/') + 1), floats(r.getList(1)));
        }
        assertEquals(s.ok, features.size());
        for (String photo : PHOTOS) {
            String stem = photo.substring(0, photo.lastIndexOf('.'));
            float[] hi = features.get(stem + "-q90.jpg");
            float[] lo = features.get(stem + "-q50.jpg");
            for (boolean cosine : new boolean[] {false, true}) {
                double pair = distance(hi, lo, cosine);
                String nearest = null;
                double other = Double.MAX_VALUE;
                for (Map.Entry<String, float[]> e : features.entrySet()) {
                    if (e.getKey().startsWith(stem + "-")) {
                        continue;
                    }
                    double d = Math.min(distance(hi, e.getValue(), cosine), distance(lo, e.getValue(), cosine));
                    if (d < other) {
                        other = d;
                        nearest = e.getKey();
                    }
                }
                String what = String.format(Locale.ROOT, "%s %s %s: the two qualities %.6g apart, the nearest other "
                        + "image (%s) %.6g", model, photo, cosine ? "cosine" : "Euclidean", pair, nearest, other);
                assertTrue(pair < other, what);
            }
        }
    }

    /**
     * The column in every format, written through {@link LabelSchema} and read back with it: the same floats in
     * parquet, JSON Lines and CSV (as JSON text), null for images that are not OK; off by default, when no file
     * has the column at all.
     */
    @Test
    void theColumnIsWrittenAndReadBackInEveryFormatAndIsOffByDefault() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = write(dir.resolve("in"), set);
        Model model = Model.builtin(SMALL);
        Session alone = model.engine(true).newSession(1, 224, 224);
        Preprocessor pre = new Preprocessor(PreprocessSettings.imagenet());
        Map<String, float[]> first = null;
        for (OutputFormat format : OutputFormat.values()) {
            String out = dir.resolve("out-" + format.source()).toUri().toString();
            Summary s = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                    JobConfig.MODEL, SMALL, JobConfig.FORMAT, format.source(), JobConfig.FEATURES, "true")));
            assertEquals(Integer.valueOf(1024), s.features);
            Dataset<Row> read = RowFiles.readLabels(spark, format, true, out + "/labels");
            assertEquals(List.of(LabelSchema.rows(true).fieldNames()), List.of(read.schema().fieldNames()));
            assertEquals(LabelSchema.FEATURES_TYPE.simpleString(),
                    read.schema().apply(LabelSchema.FEATURES).dataType().simpleString());
            assertEquals(LabelSchema.FEATURES, read.schema().fieldNames()[read.schema().size() - 1]);
            Map<String, float[]> byName = new TreeMap<>();
            for (Row r : read.collectAsList()) {
                String name = name(r);
                boolean ok = "OK".equals(r.getAs("status"));
                assertEquals(set.expected.get(name), r.getAs("status"), name);
                if (!ok) {
                    assertTrue(r.isNullAt(r.fieldIndex(LabelSchema.FEATURES)), format + " " + name);
                    continue;
                }
                float[] f = floats(r.getList(r.fieldIndex(LabelSchema.FEATURES)));
                alone.run(preprocess(pre, set.bytesOf(name)), 1);
                float[] expected = alone.kept(Graph.FEATURES);
                assertTrue(maxAbsDiff(expected, f) <= 1e-5f * Math.max(1f, maxAbs(expected)), format + " " + name);
                byName.put(name, f);
            }
            assertEquals(5, byName.size());
            if (first == null) {
                first = byName;
            } else {
                for (Map.Entry<String, float[]> e : first.entrySet()) {
                    assertArrayEquals(e.getValue(), byName.get(e.getKey()), format + " " + e.getKey()
                            + ": the same floats as parquet, to the last bit");
                }
            }
            // The summary says what the column costs.
            StringWriter table = new StringWriter();
            SummaryTable.print(s, new PrintWriter(table));
            assertTrue(table.toString().contains("1024 floats per image"), table.toString());
            assertTrue(Files.readString(Path.of(java.net.URI.create(out + "/summary.json")))
                    .matches("(?s).*\"features\"\\s*:\\s*1024.*"));
        }

        // Off by default: no column in the files, none in the summary.
        String plain = dir.resolve("plain").toUri().toString();
        Summary s = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, plain,
                JobConfig.MODEL, SMALL)));
        assertNull(s.features);
        assertFalse(List.of(spark.read().parquet(plain + "/labels").schema().fieldNames())
                .contains(LabelSchema.FEATURES));
        assertEquals(List.of(LabelSchema.rows().fieldNames()),
                List.of(RowFiles.readLabels(spark, OutputFormat.PARQUET, plain + "/labels").schema().fieldNames()));
    }

    /** A resume never mixes rows with and without features: refused before any task, naming the difference. */
    @Test
    void resumeRefusesToMixRunsWithAndWithoutFeatures() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path in = write(dir.resolve("in"), set);
        String without = dir.resolve("without").toUri().toString();
        String with = dir.resolve("with").toUri().toString();
        ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, without,
                JobConfig.MODEL, SMALL)));
        ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, with,
                JobConfig.MODEL, SMALL, JobConfig.FEATURES, "true")));
        Files.write(in.resolve("d.png"), TestImages.png(70, 50, 9));
        int jobs = idleJobCount();

        JobException adding = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, without, JobConfig.MODEL, SMALL,
                JobConfig.MODE, "resume", JobConfig.FEATURES, "true"))));
        assertTrue(adding.getMessage().contains("features: false in the output, true now"), adding.getMessage());
        JobException dropping = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, with, JobConfig.MODEL, SMALL,
                JobConfig.MODE, "resume"))));
        assertTrue(dropping.getMessage().contains("features: true in the output, false now"), dropping.getMessage());
        assertEquals(jobs, idleJobCount(), "no Spark job started");

        // With the same setting, the resume reads the rows it has (features included) and adds the new image's.
        Summary resumed = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, with,
                JobConfig.MODEL, SMALL, JobConfig.MODE, "resume", JobConfig.FEATURES, "true")));
        assertEquals(1, resumed.attempts.get(resumed.attempts.size() - 1).images());
        assertEquals(set.files.size(), resumed.inputsSkipped);
        Map<String, Row> rows = new TreeMap<>();
        for (Row r : RowFiles.readLabels(spark, OutputFormat.PARQUET, true, with + "/labels").collectAsList()) {
            rows.put(name(r), r);
        }
        assertEquals(set.expected.size() + 1, rows.size());
        assertEquals(1024, rows.get("d.png").getList(rows.get("d.png").fieldIndex(LabelSchema.FEATURES)).size());
    }

    /**
     * A model with nothing globally pooled before its classifier (a Gemm on a flattened map) has no features to
     * give: the driver refuses it naming the setting and the model, before any task; without features it runs.
     */
    @Test
    void aModelWithoutPooledFeaturesIsRefusedOnTheDriver() throws Exception {
        Random random = new Random(7);
        Graph.Builder b = Graph.builder(3);
        int conv = b.add(new Conv2d("conv", 3, 2, 32, 32, 0, 1, gaussian(random, 2 * 3 * 32 * 32, 0.02f), null),
                b.input());
        int flat = b.add(new Flatten("flatten"), conv);
        int fc = b.add(new Linear("fc", 2 * 7 * 7, 10, gaussian(random, 98 * 10, 0.1f), new float[10]), flat);
        Path onnx = dir.resolve("flat-classifier.onnx");
        OnnxExporter.write(Model.ofGraph("flat-classifier", b.build(fc), 0, false), onnx);
        Path in = write(dir.resolve("in"), new TestImages.MixedSet());
        String out = dir.resolve("out").toUri().toString();
        int jobs = idleJobCount();

        JobException e = assertThrows(JobException.class, () -> ClassifyJob.run(spark, config(Map.of(
                JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out, JobConfig.MODEL, onnx.toString(),
                JobConfig.FEATURES, "true"))));
        String m = e.getMessage();
        assertTrue(m.startsWith("--features (features): "), m);
        assertTrue(m.contains(onnx.toString()) && m.contains("has no globally pooled features"), m);
        assertTrue(m.contains("Flatten flatten -> Linear fc"), m);
        assertEquals(jobs, idleJobCount(), "no Spark job started");

        NoFeaturesException direct = assertThrows(NoFeaturesException.class, () -> new ShuffleNetClassifier()
                .setModel(onnx.toString()).setInputCol("path").setFeaturesCol("f")
                .transform(spark.createDataFrame(List.of(RowFactory.create(in.resolve("a.png").toString())),
                        new StructType().add("path", DataTypes.StringType))));
        assertTrue(direct.getMessage().contains("has no globally pooled features"), direct.getMessage());
        assertEquals(jobs, idleJobCount(), "no Spark job started");

        Summary plain = ClassifyJob.run(spark, config(Map.of(JobConfig.INPUT, in.toString(), JobConfig.OUTPUT, out,
                JobConfig.MODEL, onnx.toString())));
        assertEquals(5, plain.ok);
    }

    @Test
    void theTransformerChecksItsFeaturesColumnAndSavesIt() throws Exception {
        StructType schema = new StructType().add("image", DataTypes.BinaryType).add("f", DataTypes.StringType);
        IllegalArgumentException same = assertThrows(IllegalArgumentException.class, () -> new ShuffleNetClassifier()
                .setFeaturesCol("prediction").transformSchema(schema));
        assertEquals("featuresCol prediction is also the outputCol", same.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> new ShuffleNetClassifier()
                .setFeaturesCol("f").transformSchema(schema));
        assertEquals("featuresCol f already exists in the input", taken.getMessage());
        assertEquals(List.of("image", "f", "prediction"),
                List.of(new ShuffleNetClassifier().transformSchema(schema).fieldNames()), "off by default");

        ShuffleNetClassifier c = new ShuffleNetClassifier().setModel(SMALL).setFeaturesCol("embedding");
        String path = dir.resolve("classifier").toString();
        c.write().save(path);
        assertEquals("embedding", ShuffleNetClassifier.load(path).getFeaturesCol());
    }

    private static JobConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>(extra);
        m.putIfAbsent(JobConfig.PROGRESS, "0");
        return JobConfig.from(m);
    }

    private static Path write(Path folder, TestImages.MixedSet set) throws IOException {
        Files.createDirectories(folder);
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write(folder.resolve(f.getKey()), f.getValue());
        }
        return folder;
    }

    private static String name(Row r) {
        String path = r.getAs("path");
        String member = r.getAs("member");
        return path.substring(path.lastIndexOf('/') + 1) + (member == null ? "" : "/" + member);
    }

    private static float[] preprocess(Preprocessor pre, byte[] bytes) throws Exception {
        float[] input = new float[pre.outputLength()];
        try (ImageDecoder d = new ImageDecoder()) {
            DecodedImage image = d.decode(bytes, 0, bytes.length, "reference", pre.resizeTarget());
            pre.apply(image, input, 0);
        }
        return input;
    }

    /** {@code photo} (any format ImageIO reads) as a baseline JPEG of this quality (0..1). */
    static byte[] jpeg(byte[] photo, float quality) throws IOException {
        BufferedImage read = ImageIO.read(new ByteArrayInputStream(photo));
        BufferedImage rgb = new BufferedImage(read.getWidth(), read.getHeight(), BufferedImage.TYPE_INT_RGB);
        rgb.getGraphics().drawImage(read, 0, 0, null);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam p = writer.getDefaultWriteParam();
        p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        p.setCompressionQuality(quality);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            writer.write(null, new IIOImage(rgb, null, null), p);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static float[] floats(List<Object> list) {
        float[] f = new float[list.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (Float) list.get(i);
        }
        return f;
    }

    private static float[] gaussian(Random r, int n, float scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian() * scale;
        }
        return f;
    }

    private static double distance(float[] a, float[] b, boolean cosine) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        double sq = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            double d = (double) a[i] - b[i];
            sq += d * d;
        }
        return cosine ? 1 - dot / Math.sqrt(na * nb) : Math.sqrt(sq);
    }

    private static float maxAbs(float[] a) {
        float m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }

    private static float maxAbsDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        float m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    private static int idleJobCount() throws Exception {
        spark.sparkContext().listenerBus().waitUntilEmpty();
        return activity.jobs.get();
    }
}
