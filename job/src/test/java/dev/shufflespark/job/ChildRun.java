package dev.shufflespark.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KilledRun} in a child JVM (this JVM's java, class path and module flags, 1 GB of heap), which the test
 * waits for to hold at its point and then kills with SIGKILL.
 */
final class ChildRun implements AutoCloseable {

    /** How long a child may take to reach its point on a loaded machine before the test gives up. */
    private static final long REACH_SECONDS = 600;

    private final Process process;
    private final StringBuffer stderr = new StringBuffer();
    private final Thread reader;
    private volatile String held;

    private ChildRun(Process process) {
        this.process = process;
        this.reader = new Thread(this::readStderr, "child-stderr");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code KilledRun point unit classify args...}; its stdout goes to {@code stdout}. */
    static ChildRun start(String point, int unit, List<String> classifyArgs, Path stdout) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("--add-") || a.startsWith("-XX:") && !a.startsWith("-XX:+HeapDump")) {
                cmd.add(a);
            }
        }
        cmd.add("-Xmx1g");
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(KilledRun.class.getName());
        cmd.add(point);
        cmd.add(Integer.toString(unit));
        cmd.add("classify");
        cmd.addAll(classifyArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(stdout.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        return new ChildRun(pb.start());
    }

    private void readStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                stderr.append(line).append('\n');
                if (line.startsWith(KilledRun.HELD)) {
                    synchronized (this) {
                        held = line.substring(KilledRun.HELD.length());
                        notifyAll();
                    }
                }
            }
        } catch (IOException e) {
            stderr.append("(stderr: ").append(e).append(")\n");
        }
    }

    /** Waits until the child holds at its point (a line on its stderr) and returns what it printed there. */
    String awaitHeld() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(REACH_SECONDS);
        synchronized (this) {
            while (held == null) {
                long left = deadline - System.nanoTime();
                if (!process.isAlive() && held == null) {
                    reader.join(10_000);
                    if (held == null) {
                        fail("the child ended (exit " + process.exitValue() + ") before its point:\n" + tail());
                    }
                }
                if (left <= 0) {
                    fail("the child did not reach its point in " + REACH_SECONDS + " s:\n" + tail());
                }
                wait(Math.min(1000, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            }
            return held;
        }
    }

    /** Kills the child with SIGKILL and checks that the signal ended it. */
    void kill() throws InterruptedException {
        process.destroyForcibly(); // SIGKILL on Linux and macOS
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            fail("the child survived SIGKILL");
        }
        assertEquals(128 + 9, process.exitValue(), "ended by SIGKILL");
    }

    private String tail() {
        String s = stderr.toString();
        return s.length() > 8000 ? s.substring(s.length() - 8000) : s;
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
