package dev.shufflespark.job.cli;

import dev.shufflespark.io.fs.PosixLocalFileSystem;
import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.preprocess.PreprocessSettings;
import dev.shufflespark.job.ClassifyJob;
import dev.shufflespark.job.JobException;
import dev.shufflespark.job.SparkSetup;
import dev.shufflespark.job.cluster.ClusterApp;
import dev.shufflespark.job.cluster.ClusterException;
import dev.shufflespark.job.cluster.ProjectLayout;
import dev.shufflespark.job.config.ConfigException;
import dev.shufflespark.job.config.JobConfig;
import dev.shufflespark.job.config.RunSettings;
import dev.shufflespark.job.config.Settings;
import dev.shufflespark.job.model.EngineCache;
import dev.shufflespark.job.model.LoadedModel;
import dev.shufflespark.job.stats.SampleRow;
import dev.shufflespark.job.stats.Summary;
import dev.shufflespark.job.stats.SummaryTable;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.kernel.Simd;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code classify}: the Spark job. Runs locally ({@code local[*]} when no master is set) or under
 * spark-submit with the job jar ({@code --class dev.shufflespark.job.cli.ClassifyCommand}, same options).
 */
@Command(name = "classify",
        description = {"Classifies images on Spark: every image of --input gets a row of labels and timings under "
                + "--output (labels/, statistics/, summary.json), and a summary is printed.",
            "Without --input and --output: the bundled samples/, into ./" + RunSettings.DEFAULT_OUTPUT
                + " (replaced on each such run).",
            "Settings: built-in defaults < conf/shufflespark.properties (or --config) < flags < --conf. Keys starting "
                + "with spark. go to Spark untouched."})
public final class ClassifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    @Option(names = "--input", arity = "1..*", paramLabel = "URI",
            description = "Image files, folders, globs, tar shards (.tar, .tgz) or list files (.txt), on any Hadoop "
                    + "file system (file:, hdfs:, s3a:). Default: the bundled samples/.")
    List<String> inputs;

    @Option(names = "--output", paramLabel = "URI",
            description = "The output folder, on any Hadoop file system. Default: ./" + RunSettings.DEFAULT_OUTPUT + ".")
    String output;

    @Option(names = "--model", paramLabel = "NAME|URI",
            description = "A built-in model name (see 'shufflespark models'; seeded, untrained weights), or a .ssnm "
                    + "model file or an ONNX file on any Hadoop file system. Default: " + ModelLoader.DEFAULT_MODEL + ".")
    String model;

    @Option(names = "--labels", paramLabel = "URI",
            description = "Class names, one per line; as many as the model has classes. Default: the ImageNet "
                    + "names for 1000-class models.")
    String labels;

    @Option(names = "--top-k", paramLabel = "K", description = "Classes kept per image. Default: 5.")
    String topK;

    @Option(names = "--batch-size", paramLabel = "N", description = "Images per engine call. Default: 8.")
    String batchSize;

    @Option(names = "--format", paramLabel = "FORMAT", description = "parquet (default), json or csv.")
    String format;

    @Option(names = "--mode", paramLabel = "MODE",
            description = "When the output exists: error (default: refuse, leave it intact), overwrite (replace it) "
                    + "or resume (classify only the inputs without rows).")
    String mode;

    @Option(names = "--features",
            description = "Add a features column to the label rows: each image's embedding, the globally pooled "
                    + "features before the classifier (960 floats for shufflenet_v1_g3_x1_0, 1024 for V2 1.0x), for "
                    + "near-duplicate detection and search. Default: off.")
    boolean features;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark's master (spark.master): local[N], or spark://HOST:PORT of a standalone cluster (see "
                    + "'shufflespark cluster start'). Default: local[*], or what spark-submit sets.")
    String master;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A properties file of settings. Default: " + ProjectLayout.CONF_FILE + " when it exists.")
    Path configFile;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A setting, over everything else: a job key (see --print-config) or a spark.* key.")
    List<String> conf = new ArrayList<>();

    @Option(names = "--print-config",
            description = "Print the effective settings and where each came from (credentials masked), and exit.")
    boolean printConfig;

    /** The entry point for spark-submit: the same options as {@code shufflespark classify}. */
    public static void main(String[] args) {
        String[] all = new String[args.length + 1];
        all[0] = "classify";
        System.arraycopy(args, 0, all, 1, args.length);
        int code = Main.commandLine().execute(all);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws IOException {
        Settings settings = settings();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (printConfig) {
            out.print(settings.describe());
            out.flush();
            return 0;
        }
        JobConfig config;
        try {
            config = JobConfig.from(settings);
        } catch (IllegalArgumentException e) { // ConfigException, and the io module's checks
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }

        SparkConf sparkConf = new SparkConf(); // spark-submit's settings arrive as system properties
        settings.spark().forEach(sparkConf::set);
        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[*]");
        }
        sparkConf.setIfMissing("spark.app.name", "shufflespark classify");
        // A local run warms up the kernels only (EngineCache.KERNELS: random images of 32 pixels, then of the tasks'
        // size, while Spark starts; the decoder's and the resize's vector passes on narrow rows on a thread of their
        // own), not the full warm-up and the rehearsal of the first tasks, unless -Dshufflespark.warmup says
        // otherwise. Paired runs of 2000 small JPEGs and 300 of 12 MP (docs/performance.md, "The kernel warm-up by
        // default in local runs"):
        // the classification job 10.5-12.0 s against 12.0-14.6 s without it, and 11.0-14.2 against 13.1-15.7, its
        // first tasks 3.5-4.6 s against 5.4-7.2 and 1.4-1.9 against 2.4-3.4. The full warm-up did no better in the
        // same runs. (The measurement that had turned warm-ups off in local runs, slower kernels after them, was made
        // before the JIT flags of conf/jvm.options.)
        boolean local = ClusterApp.isLocal(sparkConf.get("spark.master"));
        boolean warmUpUnset = local && System.getProperty(EngineCache.WARMUP_PROPERTY) == null;
        if (local) {
            localSettings(sparkConf);
        }
        if (warmUpUnset) {
            System.setProperty(EngineCache.WARMUP_PROPERTY, EngineCache.KERNELS);
        }
        try {
            return classify(config, sparkConf, out, err);
        } finally {
            if (warmUpUnset) {
                System.clearProperty(EngineCache.WARMUP_PROPERTY);
            }
        }
    }

    /** The run, once the settings are checked and Spark's configured. */
    private Integer classify(JobConfig config, SparkConf sparkConf, PrintWriter out, PrintWriter err) {
        if (ClusterApp.isStandalone(sparkConf.get("spark.master")) && !sparkConf.contains("spark.jars")) {
            // Started from this source tree, not by spark-submit: executors need the job jar and our JVM flags.
            try {
                ClusterApp.configure(sparkConf, ProjectLayout.find());
            } catch (ClusterException e) {
                throw new CliFailure(e.getMessage(), e);
            }
        }
        prefetchModel(config, sparkConf);
        try {
            SparkSetup.apply(sparkConf);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        if (!Simd.enabled()) {
            // Not a failure: the engine runs on its scalar path. A driver that a standalone Worker starts in cluster
            // mode gets no JVM flag from Spark; the executors report their own kernel path.
            err.println("classify: kernel path of this driver JVM: " + Simd.description() + "; executors report "
                    + "theirs in " + ClassifyJob.STATISTICS_DIR + "/ and the summary");
            err.flush();
        }
        SparkSession spark = session(sparkConf);
        try {
            ClassifyJob.Result result;
            try {
                result = ClassifyJob.classify(spark, config, err);
            } catch (JobException | ModelException e) {
                throw new CliFailure(e.getMessage(), e);
            }
            Summary summary = result.summary();
            printSome(summary, result.sample(), out);
            SummaryTable.print(summary, out);
            out.println("  details        " + summary.output + "/" + ClassifyJob.SUMMARY_FILE + ", "
                    + ClassifyJob.LABELS_DIR + "/ and " + ClassifyJob.STATISTICS_DIR + "/");
            out.flush();
        } finally {
            spark.stop();
        }
        return 0;
    }

    /**
     * Settings for a run in this JVM (local mode), where start-up weighs on the whole run; each only where the
     * user set nothing: the local file system sets permissions without starting a process per file
     * ({@link PosixLocalFileSystem}); the session's artifacts (jars and classes added to a session, which the
     * command line never adds) are not isolated per session. Isolated, every task runs under a class loader of the
     * session's own whose misses are asked of the driver's RPC file server, one round trip per name. The first
     * task compiles Spark's generated code again under that loader, and janino looks up names that do not exist
     * while it resolves them: 114 ms against 32 ms without the isolation (docs/performance.md). And no web UI:
     * its Jetty server and pages cost about 1.3 of the 26 CPU seconds of a run of 2000 small images, on cores the
     * tasks need; the job prints its own progress.
     */
    private static void localSettings(SparkConf sparkConf) {
        sparkConf.setIfMissing("spark.hadoop.fs.file.impl", PosixLocalFileSystem.class.getName());
        sparkConf.setIfMissing("spark.sql.artifact.isolation.enabled", "false");
        sparkConf.setIfMissing("spark.ui.enabled", "false");
    }

    /**
     * The session. In local mode, without Scala's runtime reflection, which starting Spark would otherwise set up
     * for two things the job does not need, together about a fifth of the driver's work in starting Spark: finding
     * the classic session's builder by reflection (it is named here instead), and Spark ML's session extension,
     * which registers SQL functions on ML vectors that the job never calls ({@link SessionClassLoader}).
     */
    private static SparkSession session(SparkConf sparkConf) {
        if (!ClusterApp.isLocal(sparkConf.get("spark.master"))) {
            return SparkSession.builder().config(sparkConf).getOrCreate();
        }
        Thread thread = Thread.currentThread();
        ClassLoader loader = thread.getContextClassLoader();
        thread.setContextClassLoader(new SessionClassLoader(loader != null ? loader
                : ClassifyCommand.class.getClassLoader()));
        try {
            return org.apache.spark.sql.classic.SparkSession.builder().config(sparkConf).getOrCreate();
        } finally {
            thread.setContextClassLoader(loader);
        }
    }

    /**
     * Starts loading the model (read, import, optimisation) on a thread of its own while Spark starts on this one;
     * the job takes it when it loads the model (see {@link LoadedModel#prefetch}). In local mode, where this JVM
     * runs the tasks too, the engine's JIT warm-up then starts at once, overlapping the driver's listing and
     * planning instead of the first tasks' first batches ({@link EngineCache#warmUp}); the warm-up of the decoder's
     * and the resize's passes, which needs no model, starts now ({@link EngineCache#warmUpPixelPassesUntilWork}).
     */
    private static void prefetchModel(JobConfig config, SparkConf sparkConf) {
        Configuration hadoop = new Configuration();
        for (scala.Tuple2<String, String> kv : sparkConf.getAll()) {
            if (kv._1().startsWith("spark.hadoop.")) {
                hadoop.set(kv._1().substring("spark.hadoop.".length()), kv._2());
            }
        }
        Consumer<LoadedModel> then = null;
        if (ClusterApp.isLocal(sparkConf.get("spark.master"))) {
            EngineCache.warmUpPixelPassesUntilWork();
            PreprocessSettings pre = PreprocessSettings.resolve(Map.of(), config.ioOptions()::get).settings();
            then = m -> m.warmUp(config.batchSize(), pre.cropHeight(), pre.cropWidth(), config.features());
        }
        LoadedModel.prefetch(config.model(), hadoop, then);
    }

    /** Defaults, then the configuration file, then the flags, then --conf. */
    Settings settings() throws IOException {
        List<RunSettings.Flag> flags = List.of(
                new RunSettings.Flag(JobConfig.INPUT, inputs == null ? null : String.join(",", inputs), "--input"),
                new RunSettings.Flag(JobConfig.OUTPUT, output, "--output"),
                new RunSettings.Flag(JobConfig.MODEL, model, "--model"),
                new RunSettings.Flag(JobConfig.LABELS, labels, "--labels"),
                new RunSettings.Flag(JobConfig.TOP_K, topK, "--top-k"),
                new RunSettings.Flag(JobConfig.BATCH_SIZE, batchSize, "--batch-size"),
                new RunSettings.Flag(JobConfig.FORMAT, format, "--format"),
                new RunSettings.Flag(JobConfig.MODE, mode, "--mode"),
                new RunSettings.Flag(JobConfig.FEATURES, features ? "true" : null, "--features"),
                new RunSettings.Flag("spark.master", master, "--master"));
        try {
            return RunSettings.layer(configFile, ProjectLayout.launched().flatMap(ProjectLayout::confFile), flags,
                    conf, () -> ProjectLayout.samples().orElseThrow(() -> new CliFailure("cannot find the bundled "
                            + "samples/ folder; pass --input, or set -D" + ProjectLayout.HOME_PROPERTY
                            + " to the repository root")));
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    /**
     * A few label rows of this run (its run id), the first by path and member: path, status and the most probable
     * class. The tasks kept them as they wrote them ({@link ClassifyJob.Result#sample()}): the labels are not read
     * back.
     */
    private static void printSome(Summary summary, List<SampleRow> rows, PrintWriter out) {
        if (summary.images == 0) {
            return;
        }
        if (rows.isEmpty()) {
            return; // a resume that had nothing left to do
        }
        out.println();
        if (summary.builtinModel) {
            out.println("Labels of " + summary.model + ", seeded weights, NOT ImageNet-trained: they are meaningless.");
        } else {
            out.println("Labels of " + summary.model + ":");
        }
        for (SampleRow r : rows) {
            String name = r.path() + (r.member() == null ? "" : "/" + r.member());
            String shown = name.length() > 60 ? "..." + name.substring(name.length() - 57) : name;
            if ("OK".equals(r.status())) {
                out.printf(Locale.ROOT, "  %-60s %.4f  %s%n", shown, (double) r.probability(), r.className());
            } else {
                out.printf(Locale.ROOT, "  %-60s %s: %s%n", shown, r.status(), r.error());
            }
        }
        long ofThisRun = summary.attempts.isEmpty() ? summary.images
                : summary.attempts.get(summary.attempts.size() - 1).images();
        if (ofThisRun > rows.size()) {
            out.println("  ... " + (ofThisRun - rows.size()) + " more");
        }
    }
}
