package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.source.InputPartitioner;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench plan} on a small synthetic listing: what it counts adds up, and tasks carry their own paths only. */
class PlanBenchTest {

    @TempDir
    Path dir;

    @Test
    void listsPlansAndCountsEveryInputOnce() throws Exception {
        StringWriter log = new StringWriter();
        PlanBench.Settings s = new PlanBench.Settings(25_000, 3, 4, dir);
        PlanBench.Result r = PlanBench.run(s, new PrintWriter(log, true));
        assertEquals(25_000, r.inputs());
        List<String> lines = Files.readAllLines(dir.resolve("list-002.txt"));
        assertEquals(25_000 - 2 * 8334, lines.size());
        assertEquals("2024/camera-01/d000016/IMG_000016668.jpg", lines.get(0));
        // every path qualified: file:<dir>/ before the line
        long lineBytes = 0;
        for (int l = 0; l < 3; l++) {
            for (String line : Files.readAllLines(dir.resolve("list-00" + l + ".txt"))) {
                lineBytes += line.length();
            }
        }
        long prefix = ("file:" + dir.toAbsolutePath() + "/").length();
        assertEquals(lineBytes + 25_000 * prefix, r.pathBytes());
        // Partitions of at most the default 1000 inputs, every input in one.
        assertTrue(r.partitions() >= 25 && r.units() >= 1 && r.units() <= r.partitions(), r.describe());
        assertTrue(r.maxTaskInputs() <= InputPartitioner.DEFAULT_MAX_FILES, r.describe());
        // A task carries its own paths (packed: 13 bytes per input besides the path), never the listing's.
        double perInput = (double) r.pathBytes() / r.inputs();
        assertTrue(r.maxTaskBytes() < r.maxTaskInputs() * (perInput + 13) + 1000, r.describe());
        assertTrue(r.taskBytes() < r.inputs() * (perInput + 13) + 1000L * r.partitions(), r.describe());
        assertTrue(r.retainedBytes() > 0 && r.peakHeapBytes() >= r.retainedBytes(), r.describe());
        assertTrue(log.toString().contains("wrote 3 list files of 25,000 paths"), log.toString());

        // The list files are kept for the next run with the same settings.
        StringWriter again = new StringWriter();
        assertEquals(25_000, PlanBench.run(s, new PrintWriter(again, true)).inputs());
        assertTrue(!again.toString().contains("wrote"), again.toString());
    }
}
