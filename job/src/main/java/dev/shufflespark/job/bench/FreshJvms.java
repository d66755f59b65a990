package dev.shufflespark.job.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command of this program in a fresh JVM started like this one (the same java, JVM options and class
 * path), and reads the {@code key=value} lines it prints for scripts: a benchmark run in N such JVMs, one after
 * another, shows whether JVMs differ (what the JIT compiled, where code and data were placed) by more than the
 * rounds inside one JVM do.
 */
public final class FreshJvms {
    private FreshJvms() {
    }

    /** One JVM's exit code, its script values (the last of each key), and all it printed (stdout and stderr). */
    public record Run(int exitCode, Map<String, String> values, String output) {

        /** The value of {@code key} as a number, or NaN when the run did not print it. */
        public double number(String key) {
            String v = values.get(key);
            try {
                return v == null ? Double.NaN : Double.parseDouble(v);
            } catch (NumberFormatException e) {
                return Double.NaN;
            }
        }
    }

    private static final Pattern SCRIPT_LINE = Pattern.compile("(?m)^([a-z_]+(?:\\[[^\\]\\s]*\\])?)=(\\S+)$");

    /**
     * The command that starts {@code mainClass} with {@code args} in a JVM like this one: this JVM's java and its
     * options, less one that writes a class data archive at exit (two JVMs must not write the same file).
     */
    public static List<String> command(String mainClass, List<String> args) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> command = new ArrayList<>();
        command.add(java);
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (!option.startsWith("-XX:ArchiveClassesAtExit")) {
                command.add(option);
            }
        }
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * Runs {@code command} to its end with this JVM's class path (through the environment, as
     * {@code bin/shufflespark} passes it) and this JVM's working directory.
     */
    public static Run run(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process process = builder.start();
        try {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int exitCode = process.waitFor();
            return new Run(exitCode, scriptValues(output), output);
        } finally {
            process.destroy();
        }
    }

    /** The {@code key=value} and {@code key[threads=T]=value} lines of a command's output; a later one wins. */
    public static Map<String, String> scriptValues(String output) {
        Map<String, String> values = new LinkedHashMap<>();
        Matcher m = SCRIPT_LINE.matcher(output);
        while (m.find()) {
            values.put(m.group(1), m.group(2));
        }
        return values;
    }
}
