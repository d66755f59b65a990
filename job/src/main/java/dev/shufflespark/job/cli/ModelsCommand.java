package dev.shufflespark.job.cli;

import dev.shufflespark.model.Architecture;
import dev.shufflespark.model.Model;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "models",
        description = "Lists the built-in models: parameters and multiply-adds per 224x224 image, in millions.")
final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        String row = "%-24s %12s %22s%n";
        out.printf(Locale.ROOT, row, "model", "params (M)", "multiply-adds@224 (M)");
        for (String name : Architecture.builtinNames()) {
            Model model = Model.builtin(name);
            out.printf(Locale.ROOT, row, name,
                    String.format(Locale.ROOT, "%.3f", model.parameterCount() / 1e6),
                    String.format(Locale.ROOT, "%.1f", model.multiplyAdds(224, 224) / 1e6));
        }
        out.println("Built-in models have seeded weights, not trained ones.");
        out.flush();
        return 0;
    }
}
