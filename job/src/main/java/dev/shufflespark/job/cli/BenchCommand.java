package dev.shufflespark.job.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench",
        description = "Benchmarks. Speed is measured here (and in the JMH module), never asserted in tests.",
        subcommands = {BenchEngineCommand.class, BenchDecodeCommand.class, BenchJobCommand.class,
            BenchClusterCommand.class, BenchPlanCommand.class})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing benchmark: engine, decode, job, cluster or plan");
    }
}
