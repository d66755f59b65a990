package dev.shufflespark.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FreshJvmsTest {

    @Test
    void scriptValuesAreTheKeyValueLinesTheLastOfEachKeyWinning() {
        String output = "model:        x, input 1x3x224x224\n"
                + "ours x1:      wall 3.1 (min 2.9), cpu=3.0\n"
                + "round_cpu_ms_per_image=3.100,2.900\n"
                + "cpu_ms_per_image[threads=2]=3.300\n"
                + "cpu_ms_per_image=3.000\n"
                + "WARNING: x=y\n"
                + "cpu_ms_per_image=3.050\n";
        Map<String, String> values = FreshJvms.scriptValues(output);
        assertEquals(Map.of("round_cpu_ms_per_image", "3.100,2.900", "cpu_ms_per_image[threads=2]", "3.300",
                "cpu_ms_per_image", "3.050"), values);
        FreshJvms.Run run = new FreshJvms.Run(0, values, output);
        assertEquals(3.05, run.number("cpu_ms_per_image"));
        assertTrue(Double.isNaN(run.number("ratio")));
        assertTrue(Double.isNaN(run.number("round_cpu_ms_per_image")));
    }

    @Test
    void aFreshJvmRunsTheCommandWithThisJvmsClassPathAndOptions() throws Exception {
        List<String> command = FreshJvms.command(PrintsScriptLines.class.getName(), List.of("7"));
        assertTrue(command.stream().noneMatch(o -> o.startsWith("-XX:ArchiveClassesAtExit")), command::toString);
        FreshJvms.Run run = FreshJvms.run(command);
        assertEquals(0, run.exitCode(), run::output);
        assertEquals(7.0, run.number("arg"), run::output);
        assertEquals(System.getProperty("java.version"), run.values().get("java_version"), run::output);
    }

    /** What the fresh JVM of the test above runs. */
    public static final class PrintsScriptLines {
        public static void main(String[] args) {
            System.out.println("arg=" + args[0]);
            System.out.println("java_version=" + System.getProperty("java.version"));
        }
    }
}
