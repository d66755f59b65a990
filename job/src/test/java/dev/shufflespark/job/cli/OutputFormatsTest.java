package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.output.LabelSchema;
import dev.shufflespark.job.output.RowFiles;
import dev.shufflespark.job.testing.Reference;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import dev.shufflespark.model.Labels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code classify} through the command line in every format, on plain files and on a tar shard, in each mode
 * (error, overwrite, resume); every output is read back with {@code spark.read} and the schema of the label
 * rows, and compared row by row with the engine's own answer for each image and across formats.
 */
class OutputFormatsTest {

    static final String MODEL = "shufflenet_v1_g3_x0_25";
    static final Pattern RUN_ID = Pattern.compile("mode \\w+, run (\\S+)\\)");

    @TempDir
    Path dir;

    private Cli classify(Path out, OutputFormat format, String mode, Path... inputs) {
        List<String> args = new ArrayList<>(List.of("classify", "--output", out.toString(), "--model", MODEL,
                "--format", format.source(), "--mode", mode, "--conf", "spark.master=local[2]",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false",
                "--conf", "progress.interval.seconds=0", "--input"));
        for (Path p : inputs) {
            args.add(p.toString());
        }
        return Cli.run(args.toArray(new String[0]));
    }

    private static String runId(Cli r) {
        Matcher m = RUN_ID.matcher(r.out());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }

    @Test
    void everyFormatWritesAndReadsBackTheSameRowsInEveryMode() throws Exception {
        TestImages.MixedSet set = new TestImages.MixedSet();
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Path tars = Files.createDirectories(dir.resolve("tars"));
        for (Map.Entry<String, byte[]> f : set.files.entrySet()) {
            Files.write((f.getKey().endsWith(".tar") ? tars : plain).resolve(f.getKey()), f.getValue());
        }
        Map<String, String> plainNames = new TreeMap<>();
        Map<String, String> tarNames = new TreeMap<>();
        set.expected.forEach((name, status) -> (name.contains("/") ? tarNames : plainNames).put(name, status));

        // Each step's output is copied aside and checked afterwards, in a session of this test's own: the command
        // line starts and stops its own.
        Map<OutputFormat, Map<String, Path>> snapshots = new LinkedHashMap<>();
        Map<OutputFormat, Map<String, String>> runIds = new LinkedHashMap<>();
        Map<OutputFormat, Map<String, List<String>>> printed = new LinkedHashMap<>();
        for (OutputFormat format : OutputFormat.values()) {
            Path out = dir.resolve("out-" + format.source());
            Map<String, Path> snaps = new LinkedHashMap<>();
            Map<String, String> ids = new LinkedHashMap<>();
            Map<String, List<String>> shown = new LinkedHashMap<>();

            Cli first = classify(out, format, "error", plain);
            assertEquals(0, first.exitCode(), first.toString());
            assertTrue(first.out().contains("NOT_AN_IMAGE"), "the labels printed: " + first);
            ids.put("plain", runId(first));
            shown.put("plain", PrintedRows.printed(first));
            snaps.put("plain", copy(out, dir.resolve("snap-" + format.source() + "-plain")));

            Map<String, String> before = digests(out);
            Cli refused = classify(out, format, "error", plain);
            assertEquals(1, refused.exitCode(), refused.toString());
            assertTrue(refused.err().contains("already exists"), refused.toString());
            assertEquals(before, digests(out), "a refused run leaves the output as it was");

            Cli overwrite = classify(out, format, "overwrite", tars);
            assertEquals(0, overwrite.exitCode(), overwrite.toString());
            ids.put("tar", runId(overwrite));
            shown.put("tar", PrintedRows.printed(overwrite));
            snaps.put("tar", copy(out, dir.resolve("snap-" + format.source() + "-tar")));

            Cli resume = classify(out, format, "resume", tars, plain);
            assertEquals(0, resume.exitCode(), resume.toString());
            ids.put("resume", runId(resume));
            shown.put("resume", PrintedRows.printed(resume));
            snaps.put("resume", out);
            snapshots.put(format, snaps);
            runIds.put(format, ids);
            printed.put(format, shown);
        }

        SparkSession spark = SparkSessions.start("local[2]", "OutputFormatsTest");
        try {
            Reference reference = new Reference(MODEL);
            String sha = LoadedModel.load(MODEL, new Configuration()).sha256();
            Map<String, Row> parquetFinal = null;
            for (OutputFormat format : OutputFormat.values()) {
                Map<String, Path> snaps = snapshots.get(format);
                Map<String, String> ids = runIds.get(format);
                Map<String, Row> plainRows = read(spark, format, snaps.get("plain"));
                check(plainRows, plainNames, Map.of(), ids.get("plain"), set, reference, sha, format);
                Map<String, Row> tarRows = read(spark, format, snaps.get("tar"));
                check(tarRows, tarNames, Map.of(), ids.get("tar"), set, reference, sha, format);
                // Resume kept the tar shard's rows (the overwrite's run) and added the plain files' (its own).
                Map<String, Row> all = read(spark, format, snaps.get("resume"));
                Map<String, String> byName = new TreeMap<>();
                tarNames.keySet().forEach(n -> byName.put(n, ids.get("tar")));
                check(all, set.expected, byName, ids.get("resume"), set, reference, sha, format);
                for (String n : tarNames.keySet()) {
                    assertRowEquals(tarRows.get(n), all.get(n), format + " " + n + " kept as it was", true);
                }
                // What each run printed is what the labels hold of its rows (the resume's: its own only).
                for (String step : snaps.keySet()) {
                    List<String> lines = printed.get(format).get(step);
                    assertEquals(step.equals("tar") ? 4 : 7, lines.size(), format + " " + step + ": " + lines);
                    assertEquals(PrintedRows.expected(spark, format, snaps.get(step), ids.get(step), true), lines,
                            format + " " + step);
                }
                if (parquetFinal == null) {
                    parquetFinal = all;
                } else {
                    for (String n : set.expected.keySet()) {
                        assertRowEquals(parquetFinal.get(n), all.get(n), format + " against parquet: " + n, false);
                    }
                }
                // Even a reader that infers the schema sees the column that is null in every row.
                if (format == OutputFormat.JSON) {
                    List<String> inferred = List.of(spark.read().json(snaps.get("plain").resolve("labels").toString())
                            .schema().fieldNames());
                    assertTrue(inferred.contains("member") && inferred.contains("class_index"), inferred.toString());
                }
            }
        } finally {
            spark.stop();
        }
    }

    /** The label rows under {@code out}, by file name or {@code shard.tar/member}, one each. */
    private static Map<String, Row> read(SparkSession spark, OutputFormat format, Path out) {
        // spark.read with the schema as stored, the arrays of CSV decoded: exactly the schema of the rows.
        List<Row> rows = RowFiles.readLabels(spark, format, out.resolve("labels").toString()).collectAsList();
        Map<String, Row> byName = new TreeMap<>();
        for (Row r : rows) {
            assertEquals(LabelSchema.rows().fieldNames().length, r.length());
            String path = r.getAs("path");
            String member = r.getAs("member");
            String name = path.substring(path.lastIndexOf('/') + 1) + (member == null ? "" : "/" + member);
            assertNull(byName.put(name, r), format + ": two rows for " + name);
        }
        return byName;
    }

    private static void check(Map<String, Row> rows, Map<String, String> expected, Map<String, String> keptRunIds,
                              String runId, TestImages.MixedSet set, Reference reference, String sha,
                              OutputFormat format) throws Exception {
        assertEquals(expected.keySet(), rows.keySet(), format.source());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            String what = format.source() + " " + e.getKey();
            Row r = rows.get(e.getKey());
            assertEquals(e.getValue(), r.getAs("status"), what);
            assertEquals(e.getKey().contains("/") ? e.getKey().substring(e.getKey().indexOf('/') + 1) : null,
                    r.getAs("member"), what);
            byte[] bytes = set.bytesOf(e.getKey());
            assertEquals(bytes.length, r.<Long>getAs("bytes").longValue(), what);
            assertEquals(MODEL, r.getAs("model"), what);
            assertEquals(sha, r.getAs("model_sha256"), what);
            assertEquals(keptRunIds.getOrDefault(e.getKey(), runId), r.getAs("run_id"), what);
            assertEquals("driver", r.getAs("executor_id"), what);
            assertNotNull(r.getAs("partition_id"), what);
            if (e.getValue().equals("OK")) {
                assertNull(r.getAs("error"), what);
                Reference.Expected x = reference.classify(bytes, 5);
                assertEquals(x.width(), r.<Integer>getAs("width").intValue(), what);
                assertEquals(x.height(), r.<Integer>getAs("height").intValue(), what);
                List<Integer> index = r.getList(r.fieldIndex("class_index"));
                List<String> names = r.getList(r.fieldIndex("class_name"));
                List<Float> p = r.getList(r.fieldIndex("probability"));
                float[] got = new float[p.size()];
                for (int i = 0; i < got.length; i++) {
                    got[i] = p.get(i);
                    assertEquals(Labels.imagenet().name(index.get(i)), names.get(i), what);
                }
                assertArrayEquals(x.index(), index.stream().mapToInt(Integer::intValue).toArray(), what);
                assertArrayEquals(x.probability(), got, 1e-6f, what);
                assertTrue(r.<Double>getAs("infer_ms") > 0, what);
            } else {
                assertTrue(r.<String>getAs("error").contains(e.getKey().substring(e.getKey().indexOf('/') + 1)),
                        what + ": " + r.getAs("error"));
                assertNull(r.getAs("class_index"), what);
                assertNull(r.getAs("class_name"), what);
                assertNull(r.getAs("probability"), what);
            }
        }
    }

    /** Equal in every column; {@code all} false leaves out what differs between runs (timings, run id). */
    private static void assertRowEquals(Row a, Row b, String what, boolean all) {
        for (StructField f : LabelSchema.rows().fields()) {
            String n = f.name();
            if (!all && (n.endsWith("_ms") || n.equals("run_id") || n.equals("partition_id"))) {
                continue;
            }
            Object x = a.getAs(n);
            Object y = b.getAs(n);
            if (x instanceof scala.collection.Seq<?> || y instanceof scala.collection.Seq<?>) {
                x = x == null ? null : a.getList(a.fieldIndex(n));
                y = y == null ? null : b.getList(b.fieldIndex(n));
            }
            assertEquals(x, y, what + ": " + n);
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    /** Every file under {@code root} and the SHA-256 of its bytes. */
    private static Map<String, String> digests(Path root) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p).toString(), HexFormat.of().formatHex(MessageDigest.getInstance(
                            "SHA-256").digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }
}
