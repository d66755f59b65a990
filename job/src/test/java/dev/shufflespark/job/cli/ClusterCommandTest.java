package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster commands' and --master's handling of arguments, without starting a cluster. */
class ClusterCommandTest {

    @TempDir
    Path dir;

    @Test
    void masterFlagSetsSparkMasterUnderConf() {
        Cli r = Cli.run("classify", "--print-config", "--input", "/data/a", "--output", "/data/out", "--master",
                "spark://127.0.0.1:7077");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().matches("(?s).*spark\\.master\\s+= spark://127\\.0\\.0\\.1:7077\\s+\\(--master\\).*"),
                r.out());
        Cli over = Cli.run("classify", "--print-config", "--input", "/data/a", "--output", "/data/out", "--master",
                "spark://127.0.0.1:7077", "--conf", "spark.master=local[1]");
        assertTrue(over.out().matches("(?s).*spark\\.master\\s+= local\\[1\\]\\s+\\(--conf\\).*"), over.out());
    }

    @Test
    void statusAndStopOfAFolderWithoutACluster() {
        Cli status = Cli.run("cluster", "status", "--dir", dir.toString());
        assertEquals(1, status.exitCode(), status.toString());
        assertTrue(status.err().contains("no cluster in " + dir), status.err());
        Cli stop = Cli.run("cluster", "stop", "--dir", dir.toString());
        assertEquals(0, stop.exitCode(), stop.toString());
        assertTrue(stop.out().contains("no cluster in " + dir), stop.out());
    }

    @Test
    void badValuesAreUsageErrors() {
        Cli workers = Cli.run("cluster", "start", "--dir", dir.toString(), "--workers", "0");
        assertEquals(2, workers.exitCode(), workers.toString());
        assertTrue(workers.err().contains("--workers: 0 must be 1..64"), workers.err());
        Cli bench = Cli.run("bench", "cluster", "--synthetic", "10", "--master", "local[2]");
        assertEquals(2, bench.exitCode(), bench.toString());
        assertTrue(bench.err().contains("--master: 'local[2]' is not a standalone master URL"), bench.err());
        Cli both = Cli.run("bench", "cluster", "--synthetic", "10", "--input", "/x");
        assertEquals(2, both.exitCode(), both.toString());
    }
}
