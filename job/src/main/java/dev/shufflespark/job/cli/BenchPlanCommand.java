package dev.shufflespark.job.cli;

import dev.shufflespark.job.bench.Machine;
import dev.shufflespark.job.bench.PlanBench;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bench plan}: the driver's listing and planning of many inputs named by list files ({@link PlanBench}). */
@Command(name = "plan",
        description = {"Time and heap of the driver's listing and planning of a run whose inputs are list files "
                + "naming --inputs paths (synthetic; the files need not exist): listing, units, partitions "
                + "serialized as they travel to tasks, and a resume's split. Run it with the heap to check, e.g. "
                + "SHUFFLESPARK_JAVA_OPTS=-Xmx2g."})
final class BenchPlanCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--inputs", defaultValue = "1000000", paramLabel = "N",
            description = "Paths named by the list files. Default: ${DEFAULT-VALUE}.")
    long inputs;

    @Option(names = "--lists", defaultValue = "10", paramLabel = "N",
            description = "List files the paths are spread over. Default: ${DEFAULT-VALUE}.")
    int lists;

    @Option(names = "--cores", defaultValue = "64", paramLabel = "N",
            description = "The cluster's cores, which size the units and their partitions. Default: "
                    + "${DEFAULT-VALUE}.")
    int cores;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where the list files are written (kept and reused). Default: a folder named after "
                    + "--inputs and --lists in the temporary folder.")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (inputs < 1 || inputs > Integer.MAX_VALUE - 8 || lists < 1 || lists > inputs || cores < 1) {
            throw new ParameterException(spec.commandLine(), "--inputs must be 1.." + (Integer.MAX_VALUE - 8)
                    + ", --lists 1..inputs and --cores at least 1");
        }
        Path where = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"),
                "shufflespark-bench-plan-" + inputs + "x" + lists);
        PrintWriter out = spec.commandLine().getOut();
        PlanBench.Result r = PlanBench.run(new PlanBench.Settings(inputs, lists, cores, where), out);
        out.println(r.describe());
        out.printf(Locale.ROOT, "java:  %s, heap limit %.0f MB%ncpu:   %s, %d cores; load %s%n", Machine.jdk(),
                r.maxHeapBytes() / 1e6, Machine.cpuModel(), Machine.cores(), Machine.loadAverage());
        out.flush();
        return 0;
    }
}
