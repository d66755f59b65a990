package dev.shufflespark.job.cli;

import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.decode.ImageException;
import dev.shufflespark.io.model.OpenedModel;
import dev.shufflespark.io.output.TopK;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.Session;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "demo",
        description = {"Classifies images (by default the bundled samples/) and prints the most probable classes.",
            "Preprocessing: shorter side to 256, centre crop 224, ImageNet mean and std (torchvision's)."})
final class DemoCommand implements Callable<Integer> {

    private static final int CHUNK = 8;

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--top", defaultValue = "5", paramLabel = "K",
            description = "Classes to print per image. Default: ${DEFAULT-VALUE}.")
    int top;

    @Parameters(arity = "0..*", paramLabel = "IMAGE",
            description = "JPEG, PNG, GIF, BMP, WebP or TIFF files. Default: samples/.")
    List<Path> images = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        if (top < 1) {
            throw new ParameterException(spec.commandLine(), "--top must be at least 1, got " + top);
        }
        model.check();
        List<Path> files = images.isEmpty() ? bundledSamples() : images;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new CliFailure("image " + f + ": no such file");
            }
        }
        long start = System.nanoTime();
        OpenedModel opened = model.open();
        Model m = opened.model();
        Labels labels = m.numClasses() == Labels.imagenet().size() ? Labels.imagenet() : null;
        Preprocessor preprocessor = new Preprocessor(PreprocessSettings.imagenet());
        PreprocessSettings settings = preprocessor.settings();
        ImageDecoder decoder = new ImageDecoder();
        int chunk = Math.min(CHUNK, files.size());
        Session session = m.engine().newSession(chunk, settings.cropHeight(), settings.cropWidth());
        int imageFloats = preprocessor.outputLength();
        float[] input = new float[chunk * imageFloats];

        PrintWriter out = spec.commandLine().getOut();
        if (opened.builtin()) {
            out.println(m.name() + ": seeded weights, not trained: labels are meaningless");
        } else {
            out.println(m.name());
        }
        int classes = m.numClasses();
        for (int first = 0; first < files.size(); first += chunk) {
            int count = Math.min(chunk, files.size() - first);
            int[][] sizes = new int[count][];
            for (int i = 0; i < count; i++) {
                Path file = files.get(first + i);
                byte[] bytes = Files.readAllBytes(file);
                DecodedImage image;
                try {
                    image = decoder.decode(bytes, 0, bytes.length, file.toString(), preprocessor.resizeTarget());
                } catch (ImageException e) {
                    throw new CliFailure("image " + e.getMessage() + " (" + e.reason() + ")", e);
                }
                sizes[i] = new int[] {image.width(), image.height()};
                preprocessor.apply(image, input, i * imageFloats);
            }
            float[] logits = session.run(input, count);
            for (int i = 0; i < count; i++) {
                Path file = files.get(first + i);
                out.printf(Locale.ROOT, "%n%s (%dx%d)%n", images.isEmpty() ? file.getFileName() : file,
                        sizes[i][0], sizes[i][1]);
                for (TopK.Prediction p : TopK.of(logits, i * classes, classes, top, m.outputsProbabilities())) {
                    String name = labels != null ? labels.name(p.index()) : "class " + p.index();
                    out.printf(Locale.ROOT, "  %.4f  %s (%d)%n", p.probability(), name, p.index());
                }
            }
        }
        out.printf(Locale.ROOT, "%n%d images in %.2f s (model load included)%n", files.size(),
                (System.nanoTime() - start) / 1e9);
        out.flush();
        return 0;
    }

    /** samples/*.png|jpg|jpeg of the repository, sorted by name. */
    private static List<Path> bundledSamples() throws IOException {
        Path dir = ProjectLayout.samples().orElseThrow(() -> new CliFailure("cannot find the bundled samples/ folder; "
                + "name image files, or set -D" + ProjectLayout.HOME_PROPERTY + " to the repository root"));
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = files
                    .filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.(png|jpe?g)"))
                    .sorted()
                    .toList();
            if (found.isEmpty()) {
                throw new CliFailure("no images in " + dir);
            }
            return found;
        }
    }
}
