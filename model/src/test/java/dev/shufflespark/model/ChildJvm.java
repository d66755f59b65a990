package dev.shufflespark.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A main class run in a fresh JVM from this JVM's java.home with this JVM's class path (through the CLASSPATH
 * environment variable) and only the given JVM options.
 */
public final class ChildJvm {

    /** The child's exit status and everything it printed, stdout and stderr together. */
    public record Result(int exit, String output) {
    }

    private ChildJvm() {
    }

    /** Runs {@code main} with {@code args}; fails when the child has not ended after {@code timeoutSeconds}. */
    public static Result run(List<String> jvmOptions, Class<?> main, List<String> args, int timeoutSeconds)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add(main.getName());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("CLASSPATH", System.getProperty("java.class.path"));
        // Options the launcher would pick up on its own must not sneak in beside the given ones.
        env.remove("JDK_JAVA_OPTIONS");
        env.remove("JAVA_TOOL_OPTIONS");
        env.remove("_JAVA_OPTIONS");
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
