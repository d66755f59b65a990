package dev.shufflespark.job.cli;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.InputLister;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.io.source.PartitionReader;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Writes the tensor the pipeline would feed the model, so that users can compare it with their training
 * pipeline: every input image read, decoded and preprocessed exactly as the Spark job does it.
 */
@Command(name = "preprocess",
        description = {"Writes the model input our pipeline makes from images, as little-endian float32 NCHW.",
            "Inputs are files, folders, globs, list files or tar shards on any Hadoop file system "
                    + "(file://, hdfs://, s3a://). Default preprocessing: torchvision's ImageNet pipeline "
                    + "(resize 256, centre crop 224, RGB / 255, ImageNet mean and std)."})
final class PreprocessCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Mixin
    ModelOption model;

    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "URI",
            description = "Images: files, folders, globs, list files (.txt) or tar shards.")
    List<String> inputs;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "Where to write [N,3,H,W] float32, little-endian, in listing order.")
    Path output;

    @Option(names = "--resize", paramLabel = "N", description = "Shorter side after resizing. Default: 256.")
    Integer resize;

    @Option(names = "--crop", paramLabel = "N|H,W", description = "Centre crop. Default: 224.")
    String crop;

    @Option(names = "--mean", paramLabel = "R,G,B", description = "Per-channel mean. Default: 0.485,0.456,0.406.")
    String mean;

    @Option(names = "--std", paramLabel = "R,G,B", description = "Per-channel std. Default: 0.229,0.224,0.225.")
    String std;

    @Option(names = "--range", paramLabel = "unit|byte",
            description = "Pixel values before normalising: unit (v/255, torchvision) or byte (v, Caffe). Default: unit.")
    String range;

    @Option(names = "--channels", paramLabel = "rgb|bgr", description = "Order of the output planes. Default: rgb.")
    String channels;

    @Option(names = "--no-exif", description = "Do not apply the EXIF orientation (torchvision's loader does not).")
    boolean noExif;

    @Option(names = "--no-subsample", description = "Always decode every pixel (no fast path: no DCT-domain "
            + "scaling of JPEGs, no subsampling of other formats); bit-exact with torchvision.")
    boolean noSubsample;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A setting: Hadoop (fs.s3a.endpoint=...) or ours (decode.max.pixels=..., "
                    + "preprocess.mean=..., input.extensions=...). Flags above win over it.")
    List<String> conf = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        model.check();
        Configuration hadoop = new Configuration();
        Map<String, String> settings = new LinkedHashMap<>();
        for (String kv : conf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ParameterException(spec.commandLine(), "--conf needs KEY=VALUE, got '" + kv + "'");
            }
            hadoop.set(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
            settings.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        putIf(settings, PreprocessSettings.RESIZE, resize == null ? null : resize.toString());
        putIf(settings, PreprocessSettings.CROP, crop);
        putIf(settings, PreprocessSettings.MEAN, mean);
        putIf(settings, PreprocessSettings.STD, std);
        putIf(settings, PreprocessSettings.RANGE, range);
        putIf(settings, PreprocessSettings.CHANNELS, channels);
        if (noExif) {
            settings.put(DecodeOptions.EXIF_ORIENTATION, "false");
        }
        if (noSubsample) {
            settings.put(DecodeOptions.SUBSAMPLE, "false");
        }
        PreprocessSettings.Resolved resolved;
        DecodeOptions decodeOptions;
        ListingOptions listing;
        try {
            // Built-in models and model files carry no preprocessing metadata yet: configuration and defaults.
            resolved = PreprocessSettings.resolve(Map.of(), settings::get);
            decodeOptions = DecodeOptions.from(settings::get);
            listing = ListingOptions.from(settings::get);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            throw new CliFailure("--output " + output + ": no such folder " + parent);
        }

        List<InputFile> files = InputLister.list(inputs, hadoop, listing);
        Preprocessor preprocessor = new Preprocessor(resolved.settings());
        int floats = preprocessor.outputLength();
        List<float[]> tensors = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long nanos = 0;
        try (ImageDecoder decoder = new ImageDecoder(decodeOptions);
             PartitionReader reader = new PartitionReader(hadoop, files, decoder, preprocessor, listing)) {
            float[] out = new float[floats];
            for (ImageResult r; (r = reader.next(out, 0)) != null; ) {
                nanos += r.totalNanos();
                if (r.ok()) {
                    tensors.add(out.clone());
                } else {
                    failures.add(r.status() + " " + r.message());
                }
            }
        }
        if (!failures.isEmpty()) {
            throw new CliFailure(failures.size() + " of " + (failures.size() + tensors.size())
                    + " images failed, nothing written:\n  " + String.join("\n  ", failures));
        }
        if (tensors.isEmpty()) {
            throw new CliFailure("no images in " + Redaction.uri(String.join(", ", inputs)));
        }
        ByteBuffer buf = ByteBuffer.allocate(floats * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        try (OutputStream o = Files.newOutputStream(output)) {
            for (float[] t : tensors) {
                buf.clear();
                buf.asFloatBuffer().put(t);
                o.write(buf.array());
            }
        }
        PreprocessSettings s = resolved.settings();
        PrintWriter err = spec.commandLine().getErr();
        err.printf(Locale.ROOT, "wrote %d,3,%d,%d float32 (little-endian, NCHW, planes %s) to %s in %.1f ms%n",
                tensors.size(), s.cropHeight(), s.cropWidth(), s.channels(), output, nanos / 1e6);
        for (String line : resolved.toString().split("\n")) {
            err.println("  " + line);
        }
        err.flush();
        return 0;
    }

    private static void putIf(Map<String, String> m, String key, String value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
