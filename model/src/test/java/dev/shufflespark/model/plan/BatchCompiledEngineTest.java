package dev.shufflespark.model.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine compiles to allocation-free code whatever order C2 compiles it in. With {@code -Xbatch} every
 * compilation happens when the code first gets hot, in a fixed order, with profiles still young; on JDK 17 under
 * C2's default trap limit that order made the v1 depthwise kernels lose their intrinsics (boxed vectors) in six
 * JVMs of six, while in ordinary JVMs it happened now and then. The child JVM gets this JVM's flags (the project's,
 * from Surefire), so this checks them too.
 */
class BatchCompiledEngineTest {

    @Test
    void batchCompiledModelsRunWithoutAllocating() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-Xbatch");
        command.add(BatchCompiledMain.class.getName());
        command.add("shufflenet_v1_g3_x1_0");
        command.add("shufflenet_v2_x1_0");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("CLASSPATH", System.getProperty("java.class.path"));
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child JVM timed out");
        }
        String output = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("shufflenet_v1_g3_x1_0 0\n"), output);
        assertTrue(output.contains("shufflenet_v2_x1_0 0\n"), output);
    }
}
