package dev.shufflespark.job.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks say about the machine they ran on. */
public final class Machine {
    private Machine() {
    }

    /** The first "model name" of /proc/cpuinfo, or the architecture when there is none. */
    public static String cpuModel() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        if (Files.isReadable(cpuinfo)) {
            try {
                for (String line : Files.readAllLines(cpuinfo)) {
                    int colon = line.indexOf(':');
                    if (colon > 0 && line.substring(0, colon).strip().equals("model name")) {
                        return line.substring(colon + 1).strip();
                    }
                }
            } catch (IOException | RuntimeException e) {
                // fall through to the architecture
            }
        }
        return "unknown " + System.getProperty("os.arch") + " CPU";
    }

    /** The JVM, e.g. {@code OpenJDK 64-Bit Server VM 17.0.15}. */
    public static String jdk() {
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
    }

    /** The cores available to this JVM. */
    public static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }
}
