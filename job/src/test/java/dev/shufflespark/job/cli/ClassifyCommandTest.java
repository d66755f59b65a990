package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shufflespark.job.config.OutputFormat;
import dev.shufflespark.job.testing.SparkSessions;
import dev.shufflespark.job.testing.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code shufflespark classify}: settings and their precedence, usage errors, and one real local run and its resume,
 * with the label rows they print.
 */
class ClassifyCommandTest {

    @TempDir
    Path dir;

    @Test
    void printsEffectiveSettingsWithTheirSourcesAndMasksCredentials() throws Exception {
        Path file = Files.writeString(dir.resolve("job.properties"),
                "top.k = 3\nbatch.size = 16\nformat = json\nspark.executor.memory = 2g\n");
        Cli r = Cli.run("classify", "--print-config", "--config", file.toString(), "--input", "/data/a", "/data/b",
                "--output", "s3a://bucket/out", "--top-k", "7", "--conf", "batch.size=32",
                "--conf", "spark.hadoop.fs.s3a.secret.key=SuperSecretValue",
                "--conf", "spark.hadoop.fs.s3a.access.key=AKIAEXAMPLEKEY");
        assertEquals(0, r.exitCode(), r.toString());
        String out = r.out();
        assertTrue(out.contains("top.k") && out.matches("(?s).*top\\.k\\s+= 7\\s+\\(--top-k\\).*"), out);
        assertTrue(out.matches("(?s).*batch\\.size\\s+= 32\\s+\\(--conf\\).*"), out);
        assertTrue(out.matches("(?s).*format\\s+= json\\s+\\(file " + java.util.regex.Pattern.quote(file.toString())
                + "\\).*"), out);
        assertTrue(out.matches("(?s).*model\\s+= shufflenet_v1_g3_x1_0\\s+\\(default\\).*"), out);
        assertTrue(out.matches("(?s).*input\\s+= /data/a,/data/b\\s+\\(--input\\).*"), out);
        assertTrue(out.matches("(?s).*spark\\.executor\\.memory\\s+= 2g\\s+\\(file .*"), out);
        assertFalse(out.contains("SuperSecretValue"), out);
        assertFalse(out.contains("AKIAEXAMPLEKEY"), out);
        assertTrue(out.contains("spark.hadoop.fs.s3a.secret.key = *****"), out);
    }

    @Test
    void badValuesAreUsageErrorsNamingTheOptionAndValue() {
        Cli batch = Cli.run("classify", "--input", "x", "--output", "y", "--batch-size", "0");
        assertEquals(2, batch.exitCode(), batch.toString());
        assertTrue(batch.err().contains("--batch-size (batch.size): '0' must be 1..4096"), batch.toString());
        Cli format = Cli.run("classify", "--input", "x", "--output", "y", "--format", "xml");
        assertEquals(2, format.exitCode(), format.toString());
        assertTrue(format.err().contains("--format (format): 'xml' must be parquet, json or csv"), format.toString());
        Cli conf = Cli.run("classify", "--input", "x", "--output", "y", "--conf", "nonsense");
        assertEquals(2, conf.exitCode(), conf.toString());
        assertTrue(conf.err().contains("--conf nonsense: expected KEY=VALUE"), conf.toString());
        Cli unknown = Cli.run("classify", "--input", "x", "--output", "y", "--conf", "batch.sise=4");
        assertEquals(2, unknown.exitCode(), unknown.toString());
        assertTrue(unknown.err().contains("unknown setting 'batch.sise' (from --conf)"), unknown.toString());
    }

    @Test
    void featuresAreOffUnlessAskedFor() {
        Cli off = Cli.run("classify", "--print-config", "--input", "x", "--output", "y");
        assertEquals(0, off.exitCode(), off.toString());
        assertTrue(off.out().matches("(?s).*\\bfeatures\\s+= false\\s+\\(default\\).*"), off.out());
        Cli on = Cli.run("classify", "--print-config", "--input", "x", "--output", "y", "--features");
        assertEquals(0, on.exitCode(), on.toString());
        assertTrue(on.out().matches("(?s).*\\bfeatures\\s+= true\\s+\\(--features\\).*"), on.out());
        Cli bad = Cli.run("classify", "--input", "x", "--output", "y", "--conf", "features=yes");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("--features (features): 'yes' must be true or false"), bad.toString());
    }

    private static Cli classify(Path in, Path out, String mode, String... conf) {
        List<String> args = new ArrayList<>(List.of("classify", "--input", in.toString(), "--output",
                out.toString(), "--model", "shufflenet_v2_x0_5", "--mode", mode, "--conf", "spark.master=local[2]",
                "--conf", "progress.interval.seconds=0", "--conf", "spark.ui.showConsoleProgress=false"));
        for (String c : conf) {
            args.addAll(List.of("--conf", c));
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** The Spark settings of the run that wrote {@code out}'s summary, as it records them. */
    private static JsonNode sparkSettings(Path out) throws IOException {
        return new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("configuration");
    }

    private static String runId(Cli r) {
        Matcher m = Pattern.compile("mode \\w+, run (\\S+)\\)").matcher(r.out());
        assertTrue(m.find(), r.toString());
        return m.group(1);
    }

    @Test
    void runsLocallyAndPrintsTheSummaryUnderTheWeightsWarning() throws Exception {
        // Thirteen rows, in files and tar members that do not come in the order of their paths, some failed: the
        // ten printed are the first by path and member, as the labels hold them, then how many more.
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.write(in.resolve("a.png"), TestImages.png(64, 48, 1));
        Files.write(in.resolve("notes.jpg"), TestImages.text());
        Files.write(in.resolve("Z.png"), TestImages.png(40, 30, 2));
        Files.write(in.resolve("b \u00e9t\u00e9.jpg"), TestImages.jpeg(50, 40, 3));
        Files.write(in.resolve("c.png"), TestImages.png(33, 17, 4));
        Files.write(in.resolve("d.jpg"), TestImages.jpeg(20, 60, 5));
        Files.write(in.resolve("e.png"), TestImages.png(64, 64, 6));
        Files.write(in.resolve("empty.jpg"), new byte[0]);
        Files.write(in.resolve("trunc.jpg"), TestImages.truncatedJpeg(120, 90, 7));
        Map<String, byte[]> members = new LinkedHashMap<>();
        members.put("z.png", TestImages.png(50, 50, 8));
        members.put("b.png", TestImages.png(30, 40, 9));
        members.put("sub/a.jpg", TestImages.jpeg(80, 60, 10));
        members.put("bad.png", TestImages.text());
        Files.write(in.resolve("a.tar"), TestImages.tar(members));
        Path out = dir.resolve("out");
        Cli r = classify(in, out, "error");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("seeded weights, NOT ImageNet-trained"), r.out());
        assertTrue(r.out().contains("NOTE: built-in models have seeded, untrained weights"), r.out());
        assertTrue(r.out().matches("(?s).*images\\s+13 \\(9 OK, 4 failed\\).*"), r.out());
        assertTrue(r.out().contains("NOT_AN_IMAGE 2"), r.out());
        assertTrue(r.out().contains("kernel path    driver: "), r.out());
        assertTrue(Files.exists(out.resolve("labels/_SUCCESS")));
        // A local run's own settings, none of which the command line above set.
        JsonNode settings = sparkSettings(out);
        assertEquals("false", settings.path("spark.ui.enabled").asText(), settings::toString);
        assertEquals("false", settings.path("spark.sql.artifact.isolation.enabled").asText(), settings::toString);
        assertEquals("dev.shufflespark.io.fs.PosixLocalFileSystem",
                settings.path("spark.hadoop.fs.file.impl").asText(), settings::toString);
        List<String> printed = PrintedRows.printed(r);
        assertEquals(12, printed.size(), r.out());
        assertEquals("  ... 3 more", printed.get(11), r.out());

        // A resume prints its own rows only, not those of the run before.
        Files.write(in.resolve("0.png"), TestImages.png(24, 24, 11));
        Files.write(in.resolve("f.jpg"), TestImages.jpeg(24, 32, 12));
        Files.write(in.resolve("g.jpg"), TestImages.text());
        Cli resumed = classify(in, out, "resume", "spark.hadoop.fs.file.impl=org.apache.hadoop.fs.LocalFileSystem");
        assertEquals(0, resumed.exitCode(), resumed.toString());
        // What the user sets is kept.
        assertEquals("org.apache.hadoop.fs.LocalFileSystem",
                sparkSettings(out).path("spark.hadoop.fs.file.impl").asText());
        List<String> printedOnResume = PrintedRows.printed(resumed);
        assertEquals(4, printedOnResume.size(), resumed.out());

        SparkSession spark = SparkSessions.start("local[2]", "ClassifyCommandTest");
        try {
            assertEquals(PrintedRows.expected(spark, OutputFormat.PARQUET, out, runId(r), true), printed);
            assertEquals(PrintedRows.expected(spark, OutputFormat.PARQUET, out, runId(resumed), true),
                    printedOnResume);
        } finally {
            spark.stop();
        }

        Cli again = Cli.run("classify", "--input", in.toString(), "--output", out.toString(), "--model",
                "shufflenet_v2_x0_5", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.err().contains("already exists"), again.toString());
    }
}
