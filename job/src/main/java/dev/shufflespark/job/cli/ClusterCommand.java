package dev.shufflespark.job.cli;

import dev.shufflespark.job.cluster.ClusterException;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.job.cluster.StandaloneCluster;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cluster start|stop|status}: a Spark standalone cluster on 127.0.0.1 from this build's Spark jars. */
@Command(name = "cluster",
        description = {"A Spark standalone cluster on 127.0.0.1 (a Master and N Workers, each its own JVM) from this "
                + "build's Spark jars; 'classify --master URL' runs on it."},
        subcommands = {ClusterCommand.Start.class, ClusterCommand.Stop.class, ClusterCommand.Status.class})
final class ClusterCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command: start, stop or status");
    }

    /** {@code --dir}, shared by the three commands. */
    static final class DirOption {
        @Option(names = "--dir", paramLabel = "DIR",
                description = "The cluster's folder: state, logs, work folders, Spark home. Default: target/cluster "
                        + "under the repository.")
        Path dir;

        Path resolve() {
            return dir != null ? dir : ProjectLayout.find().defaultClusterDir();
        }
    }

    @Command(name = "start", description = "Starts a Master and --workers Workers, waits until all have registered "
            + "and prints the master URL.")
    static final class Start implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Mixin
        DirOption dir;

        @Option(names = "--workers", defaultValue = "2", paramLabel = "N", description = "Default: ${DEFAULT-VALUE}.")
        int workers;

        @Option(names = "--cores", defaultValue = "1", paramLabel = "C",
                description = "Cores each Worker offers. Default: ${DEFAULT-VALUE}.")
        int cores;

        @Option(names = "--memory", defaultValue = "2g", paramLabel = "M",
                description = "Memory each Worker offers to executors (512m, 2g). Default: ${DEFAULT-VALUE}.")
        String memory;

        @Override
        public Integer call() {
            StandaloneCluster.Options options;
            try {
                options = new StandaloneCluster.Options(workers, cores, memory);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            StandaloneCluster c;
            try {
                c = StandaloneCluster.start(ProjectLayout.find(), dir.resolve(), options);
            } catch (ClusterException e) {
                throw new CliFailure(e.getMessage(), e);
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("started " + c);
            for (StandaloneCluster.Member m : c.members()) {
                out.printf("  %-10s pid %-8d web UI http://%s:%d  log %s%n", m.name(), m.pid(), StandaloneCluster.HOST,
                        m.webUiPort(), m.log());
            }
            out.println("master URL: " + c.masterUrl());
            out.println("run on it:  shufflespark classify --master " + c.masterUrl() + " --input ... --output ...");
            out.flush();
            return 0;
        }
    }

    @Command(name = "stop", description = "Ends the processes 'cluster start' started, and their executors.")
    static final class Stop implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Mixin
        DirOption dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path d = dir.resolve();
            Optional<StandaloneCluster> c = StandaloneCluster.read(d);
            List<ProcessHandle> ended;
            try {
                if (c.isEmpty()) {
                    // No state (never started, or lost): still end whatever runs from the folder.
                    ended = StandaloneCluster.stopLeftovers(d);
                    out.println(ended.isEmpty() ? "no cluster in " + d.toAbsolutePath()
                            : "no cluster state in " + d.toAbsolutePath() + ", but " + ended.size()
                            + " processes of a cluster there ran; ended " + pids(ended));
                    out.flush();
                    return 0;
                }
                ended = c.get().stop();
            } catch (ClusterException e) {
                throw new CliFailure(e.getMessage(), e);
            }
            out.println("stopped " + c.get().masterUrl() + ": " + ended.size() + " processes ended " + pids(ended)
                    + "; logs kept in " + d.resolve("logs"));
            out.flush();
            return 0;
        }

        private static List<Long> pids(List<ProcessHandle> processes) {
            return processes.stream().map(ProcessHandle::pid).toList();
        }
    }

    @Command(name = "status", description = "Says whether each process of the cluster runs, and what the Master "
            + "knows. Exit code 0 when all run, 1 otherwise.")
    static final class Status implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Mixin
        DirOption dir;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path d = dir.resolve();
            Optional<StandaloneCluster> c = StandaloneCluster.read(d);
            if (c.isEmpty()) {
                throw new CliFailure("no cluster in " + d.toAbsolutePath() + "; start one with 'shufflespark cluster "
                        + "start'");
            }
            StandaloneCluster.Status s = c.get().status();
            out.println("master URL:  " + s.masterUrl());
            out.println("web UI:      " + c.get().masterWebUi());
            for (StandaloneCluster.Member m : c.get().members()) {
                out.printf("  %-10s pid %-8d %s%n", m.name(), m.pid(),
                        Boolean.TRUE.equals(s.alive().get(m.name())) ? "running" : "NOT RUNNING");
            }
            if (s.problem() != null) {
                out.println("problem:     " + s.problem());
            } else {
                out.printf("workers:     %d alive, %d cores (%d in use), %d running applications%n", s.aliveWorkers(),
                        s.cores(), s.coresUsed(), s.activeApps());
            }
            out.println("executors:   " + (s.executorPids().isEmpty() ? "none" : "pids " + s.executorPids()));
            out.flush();
            boolean all = s.alive().values().stream().allMatch(Boolean::booleanValue) && s.problem() == null;
            return all ? 0 : 1;
        }
    }
}
