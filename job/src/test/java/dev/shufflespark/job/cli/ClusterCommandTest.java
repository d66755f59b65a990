package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.job.cluster.StandaloneCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

    /**
     * A cluster folder whose state file is gone while its processes run (a daemon with the marker flag, an executor
     * whose Worker died): stop still ends them, and leaves alone a process that merely names the folder.
     */
    @Test
    void stopWithoutStateEndsWhatRunsFromTheFolder() throws Exception {
        Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars"));
        String jvm = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String testClasses = Path.of(Sleeper.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toString();
        List<Process> started = new ArrayList<>();
        try {
            Process daemon = start(started, jvm, "-Dshufflespark.cluster=" + dir.toAbsolutePath().normalize(), "-cp",
                    testClasses, Sleeper.class.getName());
            Process executor = start(started, jvm, "-cp", sparkHome.getParent().resolve("conf") + "/:" + testClasses,
                    Sleeper.class.getName());
            Files.writeString(dir.resolve("log.txt"), "x");
            Process reader = start(started, "tail", "-f", dir.resolve("log.txt").toString());
            awaitArguments(daemon, executor, reader);
            assertEquals(Stream.of(daemon.pid(), executor.pid()).sorted().toList(),
                    StandaloneCluster.leftovers(dir).stream().map(ProcessHandle::pid).sorted().toList());

            Cli stop = Cli.run("cluster", "stop", "--dir", dir.toString());
            assertEquals(0, stop.exitCode(), stop.toString());
            assertTrue(stop.out().contains("2 processes of a cluster there ran"), stop.out());
            assertTrue(daemon.waitFor(10, TimeUnit.SECONDS) && executor.waitFor(10, TimeUnit.SECONDS),
                    "both ended");
            assertTrue(reader.isAlive(), "a tail of a log in the folder is not the cluster's");
            assertEquals(List.of(), StandaloneCluster.leftovers(dir));
        } finally {
            for (Process p : started) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A JVM that waits (for the stop test). */
    public static final class Sleeper {
        public static void main(String[] args) throws InterruptedException {
            Thread.sleep(120_000);
        }
    }

    private static Process start(List<Process> started, String... command) throws java.io.IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove("CLASSPATH");
        Process p = pb.start();
        started.add(p);
        return p;
    }

    /** Waits until each process's command line can be read (it has exec'd). */
    private static void awaitArguments(Process... processes) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (Process p : processes) {
            while (p.toHandle().info().arguments().map(a -> a.length).orElse(0) < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        }
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
