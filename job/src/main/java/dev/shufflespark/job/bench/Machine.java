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

    /**
     * The load averages over 1, 5 and 15 minutes as {@code uptime} prints them (from /proc/loadavg), or
     * {@code unknown} where there is none: on a shared machine, what every figure should be read beside.
     */
    public static String loadAverage() {
        Path loadavg = Path.of("/proc/loadavg");
        try {
            String[] f = Files.readString(loadavg).strip().split("\\s+");
            if (f.length >= 3) {
                return f[0] + ", " + f[1] + ", " + f[2];
            }
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return "unknown";
    }

    /**
     * CPU time so far of this JVM's JIT compiler threads (named {@code C1 CompilerThread..} and
     * {@code C2 CompilerThread..}), from Linux's per-thread scheduler statistics, or -1 where they cannot be read.
     * They are not Java threads, so {@code ThreadMXBean} does not see them.
     */
    public static long compilerCpuNanos() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long sum = 0;
        try (var list = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) list::iterator) {
                String name;
                String schedstat;
                try {
                    name = Files.readString(task.resolve("comm"));
                    if (!name.startsWith("C1 Compiler") && !name.startsWith("C2 Compiler")) {
                        continue;
                    }
                    schedstat = Files.readString(task.resolve("schedstat"));
                } catch (java.nio.file.NoSuchFileException e) {
                    continue; // a thread that ended meanwhile
                }
                sum += Long.parseLong(schedstat.strip().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return sum;
    }
}
