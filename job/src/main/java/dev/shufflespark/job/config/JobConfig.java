package dev.shufflespark.job.config;

import dev.shufflespark.io.ConfigValues;
import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.io.source.InputPartitioner;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.job.progress.UnitSizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one {@code classify} run, checked. Built from layered {@link Settings} (the command line) or
 * from a plain map (tests, programs); every bad value fails here, on the driver, naming the key and the value.
 *
 * @param inputs          files, folders, globs, tar shards or list files, on any Hadoop file system
 * @param output          the output folder: {@code labels/}, {@code statistics/} and {@code summary.json}
 * @param model           a built-in model name, or the URI of a {@code .ssnm} or ONNX file
 * @param labels          the URI of a class-names file, or null for the model's default names
 * @param topK            classes kept per image
 * @param batchSize       images per engine call
 * @param format          how rows are written
 * @param committer       who commits each unit's rows ({@code auto}: the S3A magic committer on {@code s3a://})
 * @param mode            what to do with an existing output folder
 * @param features        add the features column: each image's globally pooled features
 * @param progressSeconds seconds between progress lines; 0 for none
 * @param minPartitions   split the input into at least this many partitions; 0 for twice Spark's default
 *                        parallelism
 * @param units           how much work a unit commits at once
 * @param ioOptions       decoding, preprocessing, listing and partitioning settings of the io module
 */
public record JobConfig(List<String> inputs, String output, String model, String labels, int topK, int batchSize,
                        OutputFormat format, OutputCommitter committer, WriteMode mode, boolean features,
                        double progressSeconds, int minPartitions, UnitSizer.Options units,
                        Map<String, String> ioOptions) {

    public static final String INPUT = "input";
    public static final String OUTPUT = "output";
    public static final String MODEL = "model";
    public static final String LABELS = "labels";
    public static final String TOP_K = "top.k";
    public static final String BATCH_SIZE = "batch.size";
    public static final String FORMAT = "format";
    public static final String MODE = "mode";
    /** Who commits each unit's rows: auto, file, magic or directory ({@link OutputCommitter}). */
    public static final String OUTPUT_COMMITTER = "output.committer";
    /** Whether the label rows get the features column (the globally pooled features before the classifier). */
    public static final String FEATURES = "features";
    public static final String PROGRESS = "progress.interval.seconds";
    public static final String MIN_PARTITIONS = "input.partition.min";
    /** Seconds of the cluster's work a unit may hold (a crash loses the units in flight). */
    public static final String UNIT_SECONDS = "commit.unit.seconds";
    /** Share of the run's input bytes a unit may hold, when that is more than {@link #UNIT_SECONDS} of work. */
    public static final String UNIT_SHARE = "commit.unit.share";
    /** A fixed number of inputs per unit instead; 0 to size units by the two above. */
    public static final String UNIT_INPUTS = "commit.unit.inputs";

    /** The flag of each key that has one, for messages. */
    private static final Map<String, String> FLAGS = Map.of(INPUT, "--input", OUTPUT, "--output", MODEL, "--model",
            LABELS, "--labels", TOP_K, "--top-k", BATCH_SIZE, "--batch-size", FORMAT, "--format", MODE, "--mode",
            FEATURES, "--features");

    public JobConfig {
        inputs = List.copyOf(inputs);
        ioOptions = Map.copyOf(ioOptions);
    }

    /** Built-in defaults of the job's own keys and of the io module's, as a settings layer. */
    public static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put(MODEL, ModelLoader.DEFAULT_MODEL);
        d.put(TOP_K, "5");
        d.put(BATCH_SIZE, "8");
        d.put(FORMAT, "parquet");
        d.put(MODE, "error");
        d.put(OUTPUT_COMMITTER, OutputCommitter.AUTO.label());
        d.put(FEATURES, "false");
        d.put(PROGRESS, "10");
        d.put(MIN_PARTITIONS, "0");
        UnitSizer.Options units = UnitSizer.Options.defaults();
        d.put(UNIT_SECONDS, plain(units.seconds()));
        d.put(UNIT_SHARE, plain(units.share()));
        d.put(UNIT_INPUTS, Integer.toString(units.inputs()));
        d.put(ListingOptions.IMAGE_EXTENSIONS, ListingOptions.DEFAULT_IMAGE_EXTENSIONS);
        d.put(ListingOptions.TAR_EXTENSIONS, ListingOptions.DEFAULT_TAR_EXTENSIONS);
        d.put(ListingOptions.LIST_EXTENSIONS, ListingOptions.DEFAULT_LIST_EXTENSIONS);
        d.put(InputPartitioner.MAX_FILES, Integer.toString(InputPartitioner.DEFAULT_MAX_FILES));
        d.put(InputPartitioner.MAX_BYTES, Long.toString(InputPartitioner.DEFAULT_MAX_BYTES));
        DecodeOptions dec = DecodeOptions.defaults();
        d.put(DecodeOptions.MAX_PIXELS, Long.toString(dec.maxPixels()));
        d.put(DecodeOptions.MAX_BYTES, Long.toString(dec.maxBytes()));
        d.put(DecodeOptions.EXIF_ORIENTATION, Boolean.toString(dec.exifOrientation()));
        d.put(DecodeOptions.SUBSAMPLE, Boolean.toString(dec.subsample()));
        d.put(DecodeOptions.SUBSAMPLE_HEADROOM, Double.toString(dec.subsampleHeadroom()));
        d.put(DecodeOptions.TIME_LIMIT, plain(dec.timeLimitSeconds()));
        d.putAll(PreprocessSettings.imagenet().toMap());
        return d;
    }

    /** Every key the job knows (besides {@code spark.*}). */
    public static Set<String> knownKeys() {
        Set<String> keys = new LinkedHashSet<>(List.of(INPUT, OUTPUT, LABELS));
        keys.addAll(defaults().keySet());
        return keys;
    }

    /** True for the io module's keys, which go to decoding, preprocessing, listing and partitioning. */
    static boolean isIoKey(String key) {
        return key.startsWith("decode.") || key.startsWith("preprocess.") || key.startsWith("input.")
                && !key.equals(INPUT) && !key.equals(MIN_PARTITIONS);
    }

    /** The key with its flag, e.g. {@code --batch-size (batch.size)}. */
    public static String describeKey(String key) {
        String flag = FLAGS.get(key);
        return flag == null ? key : flag + " (" + key + ")";
    }

    /** A configuration from a plain map over the built-in defaults. */
    public static JobConfig from(Map<String, String> values) {
        return from(new Settings().layer("default", defaults()).layer("map", values));
    }

    /** Checks every value; unknown keys (other than {@code spark.*}) are errors too. */
    public static JobConfig from(Settings s) {
        for (String key : s.values().keySet()) {
            if (!key.startsWith("spark.") && !knownKeys().contains(key)) {
                throw new ConfigException("unknown setting '" + key + "' (from " + s.source(key) + "); known settings: "
                        + String.join(", ", knownKeys()) + ", and spark.*");
            }
        }
        List<String> inputs = new ArrayList<>();
        String in = s.get(INPUT);
        if (in != null) {
            for (String part : in.split(",")) {
                if (!part.isBlank()) {
                    inputs.add(part.strip());
                }
            }
        }
        if (inputs.isEmpty()) {
            throw new ConfigException(describeKey(INPUT) + ": no input given");
        }
        String output = ConfigValues.trimmed(s::get, OUTPUT);
        if (output == null) {
            throw new ConfigException(describeKey(OUTPUT) + ": no output folder given");
        }
        String model = ConfigValues.trimmed(s::get, MODEL);
        if (model == null) {
            throw new ConfigException(describeKey(MODEL) + ": no model given");
        }
        int topK = intIn(s, TOP_K, 1, 1000);
        int batch = intIn(s, BATCH_SIZE, 1, 4096);
        OutputFormat format = OutputFormat.parse(FORMAT, s.get(FORMAT));
        WriteMode mode = WriteMode.parse(MODE, s.get(MODE));
        OutputCommitter committer = OutputCommitter.parse(OUTPUT_COMMITTER, s.get(OUTPUT_COMMITTER));
        boolean features = bool(s, FEATURES);
        double progress = number(s, PROGRESS);
        if (progress < 0) {
            throw new ConfigException(PROGRESS, s.get(PROGRESS), "must be 0 (off) or more seconds");
        }
        int minPartitions = intIn(s, MIN_PARTITIONS, 0, 1_000_000);
        double unitSeconds = number(s, UNIT_SECONDS);
        if (!(unitSeconds > 0) || unitSeconds > 1e7) {
            throw new ConfigException(UNIT_SECONDS, s.get(UNIT_SECONDS), "must be more than 0 seconds");
        }
        double unitShare = number(s, UNIT_SHARE);
        if (!(unitShare > 0 && unitShare <= 1)) {
            throw new ConfigException(UNIT_SHARE, s.get(UNIT_SHARE), "must be a share of the run, more than 0 and"
                    + " at most 1 (0.02 is 2%)");
        }
        int unitInputs = intIn(s, UNIT_INPUTS, 0, Integer.MAX_VALUE);

        Map<String, String> io = new LinkedHashMap<>();
        s.values().forEach((k, v) -> {
            if (isIoKey(k)) {
                io.put(k, v.value());
            }
        });
        // The io module checks its own values; its messages name the key and the value.
        PreprocessSettings.resolve(Map.of(), io::get);
        DecodeOptions.from(io::get);
        ListingOptions.from(io::get);
        InputPartitioner.Options.from(io::get, 1);
        return new JobConfig(inputs, output, model, ConfigValues.trimmed(s::get, LABELS), topK, batch, format, committer,
                mode, features, progress, minPartitions, new UnitSizer.Options(unitSeconds, unitShare, unitInputs), io);
    }

    /** A number as the defaults show it: {@code 60}, {@code 0.02}. */
    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static int intIn(Settings s, String key, int min, int max) {
        String v = s.get(key);
        long n;
        try {
            n = Long.parseLong(v.strip().replace("_", ""));
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException(key, String.valueOf(v), "is not an integer");
        }
        if (n < min || n > max) {
            throw new ConfigException(key, v, "must be " + min + ".." + max);
        }
        return (int) n;
    }

    private static boolean bool(Settings s, String key) {
        String v = s.get(key);
        String t = v == null ? "" : v.strip().toLowerCase(java.util.Locale.ROOT);
        if (!t.equals("true") && !t.equals("false")) {
            throw new ConfigException(key, String.valueOf(v), "must be true or false");
        }
        return t.equals("true");
    }

    private static double number(Settings s, String key) {
        String v = s.get(key);
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException | NullPointerException e) {
            throw new ConfigException(key, String.valueOf(v), "is not a number");
        }
    }

    public JobConfig withMode(WriteMode m) {
        return new JobConfig(inputs, output, model, labels, topK, batchSize, format, committer, m, features,
                progressSeconds, minPartitions, units, ioOptions);
    }
}
