package dev.shufflespark.job.cli;

import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.job.JobException;
import dev.shufflespark.job.bench.JobBench;
import dev.shufflespark.job.bench.Machine;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bench job}: the Spark job against a plain loop on the same images and cores ({@link JobBench}). */
@Command(name = "job",
        description = {"Images/s of the Spark job (local[threads]) against a plain thread-per-core loop of the io "
                + "module and the engine on the same images, in one JVM; the ratio is the job's overhead."})
final class BenchJobCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--input", required = true, paramLabel = "DIR",
            description = "A folder of images (any Hadoop file system).")
    String input;

    @Option(names = "--copies", defaultValue = "1", paramLabel = "K",
            description = "Copy each image of a local --input K times into a temporary folder first (a larger "
                    + "set from a few images). Default: ${DEFAULT-VALUE}.")
    int copies;

    @Option(names = "--model", defaultValue = ModelLoader.DEFAULT_MODEL, paramLabel = "NAME|URI",
            description = "A built-in model name, or a .ssnm model file or an ONNX file on any Hadoop file system. "
                    + "Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--threads", defaultValue = "2", paramLabel = "N",
            description = "Threads of the loop, and cores of the job (local[N]). Default: ${DEFAULT-VALUE}.")
    int threads;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N",
            description = "Images per engine call, in both. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--rounds", defaultValue = "2", paramLabel = "N",
            description = "Measured rounds of each (loop, job, loop, job, ...); the best of each is reported. "
                    + "Default: ${DEFAULT-VALUE}.")
    int rounds;

    @Override
    public Integer call() throws Exception {
        if (threads < 1 || batch < 1 || copies < 1 || rounds < 1) {
            throw new ParameterException(spec.commandLine(), "--threads, --batch, --copies and --rounds must be >= 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        JobBench.Result r;
        try {
            r = JobBench.run(new JobBench.Settings(input, copies, model, threads, batch, rounds), out);
        } catch (JobException e) {
            throw new CliFailure(e.getMessage(), e);
        }
        double loop = r.best(JobBench.Round::loop);
        double job = r.best(JobBench.Round::job);
        double whole = r.best(JobBench.Round::whole);
        double loopCpu = r.best(JobBench.Round::loopPerCpuSecond);
        double wholeCpu = r.best(JobBench.Round::wholePerCpuSecond);
        out.printf(Locale.ROOT, "best: loop %.1f images/s, job %.1f images/s (%.0f%% of the loop), whole run %.1f "
                + "images/s (%.0f%%)%n", loop, job, 100 * job / loop, whole, 100 * whole / loop);
        out.printf(Locale.ROOT, "per CPU-second of this JVM (other load on the machine does not count): loop %.1f "
                + "images, whole job run %.1f images (%.0f%%)%n", loopCpu, wholeCpu, 100 * wholeCpu / loopCpu);
        out.printf(Locale.ROOT, "kernel path:  %s%njava:         %s (%s)%ncpu:          %s, %d cores%n",
                r.kernelPath(), System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Machine.cpuModel(), Machine.cores());
        out.printf(Locale.ROOT, "job_vs_loop=%.3f%n", job / loop);
        out.flush();
        return 0;
    }
}
