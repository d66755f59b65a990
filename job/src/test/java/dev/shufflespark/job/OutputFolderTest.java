package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the end of a run sweeps from {@code labels/}: unit folders without {@code _SUCCESS}, and nothing else. */
class OutputFolderTest {

    @TempDir
    Path dir;

    @Test
    void theEndOfARunRemovesUnitFoldersThatNoCommitFinished() throws Exception {
        Path labels = dir.resolve("out").resolve("labels");
        Path committed = Files.createDirectories(labels.resolve("unit=00000"));
        Files.writeString(committed.resolve("part-00000.parquet"), "rows");
        Files.writeString(committed.resolve("_SUCCESS"), "");
        // What a killed attempt's task wrote after the resume had removed that attempt's folders.
        Path late = Files.createDirectories(labels.resolve("unit=00001").resolve("__magic_job-1"));
        Files.writeString(late.resolve("part-00003.parquet.pending"), "upload");
        Path other = Files.createDirectories(labels.resolve("notes"));

        OutputFolder out = OutputFolder.at(dir.resolve("out").toUri().toString(), new Configuration());
        assertEquals(Map.of(0, true, 1, false), out.units());
        assertEquals(1, out.removeUncommittedUnits());

        assertFalse(Files.exists(labels.resolve("unit=00001")));
        assertTrue(Files.exists(committed.resolve("part-00000.parquet")));
        assertTrue(Files.exists(committed.resolve("_SUCCESS")));
        assertTrue(Files.exists(other), "only unit folders are swept");
        assertEquals(0, out.removeUncommittedUnits());
    }
}
