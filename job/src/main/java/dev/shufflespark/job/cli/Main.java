package dev.shufflespark.job.cli;

import dev.shufflespark.model.ModelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code shufflespark} command. Exit codes: 0 success, 1 failure (a message on stderr; the stack trace
 * too with {@code --verbose}), 2 usage error (an unknown option or a bad value).
 */
@Command(name = "shufflespark",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "ShuffleNet image classification with a pure-Java engine.",
        subcommands = {ModelsCommand.class, InferCommand.class, BenchCommand.class, DemoCommand.class,
            ExportCommand.class, PreprocessCommand.class, ClassifyCommand.class, ClusterCommand.class})
public final class Main implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
            description = "Print the stack trace of an error.")
    boolean verbose;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with this project's error handling; tests call {@code execute} on it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setParameterExceptionHandler(Main::usageError)
                .setExecutionExceptionHandler(Main::failure);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing command");
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static int failure(Exception e, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + describe(e));
        if (verbose(parsed)) {
            e.printStackTrace(err);
        }
        err.flush();
        return cmd.getCommandSpec().exitCodeOnExecutionException();
    }

    private static boolean verbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** A one-line message: ours as they are, the JDK's file errors spelled out, anything else with its type. */
    static String describe(Throwable e) {
        if (e instanceof UncheckedIOException && e.getCause() != null && e.getMessage() == null) {
            e = e.getCause();
        }
        if (e instanceof NoSuchFileException n) {
            return "no such file: " + n.getFile();
        }
        if (e instanceof AccessDeniedException a) {
            return "permission denied: " + a.getFile();
        }
        if (e instanceof CliFailure || e instanceof ModelException
                || e instanceof IOException || e instanceof UncheckedIOException) {
            return e.getMessage();
        }
        return e.toString();
    }

    /** {@code --version}: ours, and the JVM's. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {
                "shufflespark " + p.getProperty("version", "unknown"),
                "java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
