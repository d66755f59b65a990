package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code shufflespark classify}: settings and their precedence, usage errors, and one real local run. */
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

    @Test
    void runsLocallyAndPrintsTheSummaryUnderTheWeightsWarning() throws Exception {
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.write(in.resolve("a.png"), TestImages.png(64, 48, 1));
        Files.write(in.resolve("notes.jpg"), TestImages.text());
        Path out = dir.resolve("out");
        Cli r = Cli.run("classify", "--input", in.toString(), "--output", out.toString(), "--model",
                "shufflenet_v2_x0_5", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "progress.interval.seconds=0", "--conf", "spark.ui.showConsoleProgress=false");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("seeded weights, NOT ImageNet-trained"), r.out());
        assertTrue(r.out().contains("NOTE: built-in models have seeded, untrained weights"), r.out());
        assertTrue(r.out().matches("(?s).*images\\s+2 \\(1 OK, 1 failed\\).*"), r.out());
        assertTrue(r.out().contains("NOT_AN_IMAGE 1"), r.out());
        assertTrue(r.out().contains("kernel path    driver: "), r.out());
        assertTrue(Files.exists(out.resolve("summary.json")));
        assertTrue(Files.exists(out.resolve("labels/_SUCCESS")));

        Cli again = Cli.run("classify", "--input", in.toString(), "--output", out.toString(), "--model",
                "shufflenet_v2_x0_5", "--conf", "spark.master=local[2]", "--conf", "spark.ui.enabled=false");
        assertEquals(1, again.exitCode(), again.toString());
        assertTrue(again.err().contains("already exists"), again.toString());
    }
}
