package dev.shufflespark.job.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code spark-submit} as a separate process, run as a Spark distribution's {@code bin/spark-submit} runs it:
 * Spark's launcher ({@code org.apache.spark.launcher.Main}, from {@code SPARK_HOME/jars/}) builds the command of
 * {@code org.apache.spark.deploy.SparkSubmit} (its JVM flags, the driver's options in client mode, the class path
 * of {@code SPARK_HOME/jars/} and the configuration folders), and that command runs. Nothing of this JVM's class
 * path or flags reaches it.
 */
public final class SparkSubmit {

    /** How a submission ended: the exit code and everything it printed (also in {@code log}). */
    public record Result(int exitCode, String output, Path log) {
        @Override
        public String toString() {
            return "spark-submit exited " + exitCode + "; its output (" + log + "):\n" + tail(output, 60);
        }
    }

    private final Path sparkHome;
    private final Map<String, String> env;

    /**
     * @param sparkHome a folder with {@code jars/} (and {@code conf/}) as in a Spark distribution
     * @param env       environment variables to add, e.g. {@code HADOOP_CONF_DIR}
     */
    public SparkSubmit(Path sparkHome, Map<String, String> env) {
        this.sparkHome = sparkHome;
        this.env = Map.copyOf(env);
    }

    /** Runs {@code spark-submit args}, its output in {@code log}; kills it (and its children) after {@code timeout}. */
    public Result run(List<String> args, Path log, Duration timeout) throws IOException, InterruptedException {
        List<String> command = command(args, log);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        environment(pb.environment());
        Process p = pb.start();
        p.getOutputStream().close();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("spark-submit still ran after " + timeout.toSeconds() + " s: "
                        + tail(Files.readString(log), 40));
            }
            return new Result(p.exitValue(), Files.readString(log), log);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** What Spark's launcher makes of {@code spark-submit args}: the command line of the submitting JVM. */
    List<String> command(List<String> args, Path log) throws IOException, InterruptedException {
        List<String> launcher = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx128m", "-cp", sparkHome.resolve("jars") + "/*", "org.apache.spark.launcher.Main",
                "org.apache.spark.deploy.SparkSubmit"));
        launcher.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(launcher).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        environment(pb.environment());
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("Spark's launcher failed for " + args + ": " + new String(out,
                    StandardCharsets.UTF_8) + tail(Files.readString(log), 20));
        }
        // Messages, then a NUL and a newline, then the command's words, each ending in a NUL.
        String s = new String(out, StandardCharsets.UTF_8);
        int start = s.indexOf("\0\n");
        if (start < 0) {
            throw new AssertionError("Spark's launcher printed no command: " + s);
        }
        List<String> words = new ArrayList<>(List.of(s.substring(start + 2).split("\0")));
        words.removeIf(String::isEmpty);
        return words;
    }

    private void environment(Map<String, String> e) {
        e.remove("CLASSPATH");
        e.remove("SPARK_CONF_DIR");
        e.remove("SPARK_DIST_CLASSPATH");
        e.remove("HADOOP_CONF_DIR");
        e.remove("YARN_CONF_DIR");
        e.put("SPARK_HOME", sparkHome.toString());
        e.put("SPARK_SCALA_VERSION", "2.13");
        e.put("SPARK_LOCAL_IP", "127.0.0.1");
        e.put("JAVA_HOME", System.getProperty("java.home"));
        e.putAll(env);
    }

    /** The last {@code lines} lines of {@code text}. */
    public static String tail(String text, int lines) {
        String[] all = text.split("\n");
        return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
    }
}
