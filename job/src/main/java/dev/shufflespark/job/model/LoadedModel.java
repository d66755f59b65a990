package dev.shufflespark.job.model;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.model.ModelLoader;
import dev.shufflespark.io.model.OpenedModel;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.NoFeaturesException;
import dev.shufflespark.model.format.ModelFile;
import dev.shufflespark.model.plan.Graph;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A model as the driver loads it, once per job: what {@link ModelLoader} makes of the name, with a model file
 * first copied from its Hadoop file system (so a model on HDFS or S3 is read like a local one) and hashed on the
 * way. {@link #checkInput} checks it for the input size and {@link #payload} is what gets broadcast.
 */
public final class LoadedModel {

    /** Model files larger than this are refused before they are copied (the ONNX importer's own limit). */
    private static final long MAX_BYTES = Integer.MAX_VALUE;

    private final String spec;
    private final OpenedModel opened;
    private final String sha256;
    /** The file as it was loaded (qualified path, length, modification time); "builtin" for a built-in model. */
    private final String source;

    /** A prefetched model not yet taken by {@link #load}, or the thread still loading it. */
    private static final Object PREFETCH_LOCK = new Object();
    private static String prefetchSpec;
    private static Thread prefetchThread;
    private static LoadedModel prefetched;

    private LoadedModel(String spec, OpenedModel opened, String sha256, String source) {
        this.spec = spec;
        this.opened = opened;
        this.sha256 = sha256;
        this.source = source;
    }

    /**
     * Starts loading {@code spec} on a daemon thread, so that the driver's model import and optimisation overlap
     * its other start-up work (the SparkSession's); the next {@link #load} of the same spec in this JVM waits for
     * it and takes the result if the file is still the same (path, length and modification time), else loads
     * again. A failure here is dropped: that {@code load} fails the same way, with the message. {@code then}
     * (may be null) gets the model on that thread when it loaded.
     */
    public static void prefetch(String spec, Configuration conf, Consumer<LoadedModel> then) {
        if (spec == null || spec.isBlank()) {
            return;
        }
        Thread t = new Thread(() -> {
            LoadedModel m = null;
            try {
                m = loadNow(spec, conf);
            } catch (RuntimeException e) {
                // reported by the load that would have taken it
            }
            synchronized (PREFETCH_LOCK) {
                if (prefetchThread == Thread.currentThread()) {
                    prefetched = m;
                }
            }
            if (m != null && then != null) {
                then.accept(m);
            }
        }, "shufflespark-model-prefetch");
        t.setDaemon(true);
        synchronized (PREFETCH_LOCK) {
            prefetchSpec = spec;
            prefetchThread = t;
            prefetched = null;
        }
        t.start();
    }

    /**
     * Loads what {@code spec} names: a built-in name, or a model file on any Hadoop file system. Errors name the
     * value (credentials masked): a missing file, an unreadable one, or one that is no model we can run.
     */
    public static LoadedModel load(String spec, Configuration conf) {
        LoadedModel early = spec == null ? null : takePrefetched(spec);
        if (early != null && (early.source.equals(BUILTIN) || early.source.equals(source(spec, conf)))) {
            return early;
        }
        return loadNow(spec, conf);
    }

    private static final String BUILTIN = "builtin";

    /** The prefetched model of {@code spec} (waiting for it), or null; either way the prefetch is used up. */
    private static LoadedModel takePrefetched(String spec) {
        Thread t;
        synchronized (PREFETCH_LOCK) {
            if (prefetchThread == null || !spec.equals(prefetchSpec)) {
                return null;
            }
            t = prefetchThread;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        synchronized (PREFETCH_LOCK) {
            LoadedModel m = prefetchThread == t ? prefetched : null;
            if (prefetchThread == t) {
                prefetchThread = null;
                prefetchSpec = null;
                prefetched = null;
            }
            return m;
        }
    }

    /** What {@link #source} of a model loaded from {@code spec} now would be, or null if it cannot tell. */
    private static String source(String spec, Configuration conf) {
        try {
            Path path = new Path(spec);
            FileSystem fs = path.getFileSystem(conf);
            return describe(fs, fs.getFileStatus(path));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String describe(FileSystem fs, FileStatus st) {
        return fs.makeQualified(st.getPath()) + " " + st.getLen() + " " + st.getModificationTime();
    }

    private static LoadedModel loadNow(String spec, Configuration conf) {
        if (spec == null || spec.isBlank() || ModelLoader.isBuiltin(spec)) {
            OpenedModel m = ModelLoader.open(spec);
            return new LoadedModel(spec, m, builtinSha256(m.model()), BUILTIN);
        }
        Path path = new Path(spec);
        String shown = Redaction.uri(spec);
        java.nio.file.Path local;
        String sha;
        String source;
        try {
            FileSystem fs = path.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(path);
            } catch (FileNotFoundException e) {
                throw ModelLoader.notFound(shown);
            }
            if (!st.isFile()) {
                throw ModelLoader.folder(shown);
            }
            if (st.getLen() > MAX_BYTES) {
                throw new ModelException("model " + shown + ": " + st.getLen() + " bytes, more than 2 GiB");
            }
            source = describe(fs, st);
            // Copied to a local file of the same name (ONNX models are named after their file), hashed on the way.
            java.nio.file.Path dir = Files.createTempDirectory("shufflespark-model");
            local = dir.resolve(path.getName());
            MessageDigest digest = newDigest();
            try (InputStream in = fs.open(path);
                 OutputStream out = new DigestOutputStream(Files.newOutputStream(local), digest)) {
                in.transferTo(out);
            }
            sha = HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new ModelException("model " + shown + ": cannot read it: "
                    + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
        }
        try {
            return new LoadedModel(spec, ModelLoader.read(local, shown), sha, source);
        } finally {
            deleteQuietly(local);
        }
    }

    /** What the user named. */
    public String spec() {
        return spec;
    }

    public Model model() {
        return opened.model();
    }

    public String name() {
        return model().name();
    }

    public String sha256() {
        return sha256;
    }

    /** Built-in models have seeded, untrained weights: their labels are meaningless. */
    public boolean builtin() {
        return opened.builtin();
    }

    public int numClasses() {
        return model().numClasses();
    }

    /** The graph after the load-time passes. */
    public Graph optimisedGraph() {
        return model().engine().graph();
    }

    /**
     * Checks that the model runs on {@code height x width} images (compiling its program) and that a model
     * declaring a fixed input size declares this one.
     */
    public void checkInput(int height, int width) {
        long[] declared = opened.declaredInput();
        if (declared != null && declared.length == 4) {
            long h = declared[2];
            long w = declared[3];
            if ((h > 0 && h != height) || (w > 0 && w != width)) {
                throw new ModelException("model " + Redaction.uri(spec) + " takes " + h + "x" + w
                        + " images, but the preprocessing crops " + height + "x" + width
                        + " (set preprocess.crop to match)");
            }
        }
        try {
            model().engine().program(height, width);
        } catch (IllegalArgumentException e) {
            throw new ModelException("model " + Redaction.uri(spec) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Starts the JIT warm-up ({@link EngineCache#warmUp}) of this model's engine for batches of up to
     * {@code maxBatch} images of {@code height x width} in this JVM: for local mode, where the driver's JVM runs the
     * tasks too, until the tasks' own code begins ({@link EngineCache#warmUpUntilWork}). With {@code features}, of
     * the engine that keeps the pooled features (optimised here, off the driver's path), when the model has them.
     */
    public void warmUp(int maxBatch, int height, int width, boolean features) {
        boolean kept = features && model().featureCount().isPresent();
        EngineCache.warmUpUntilWork(model().engine(kept), maxBatch, height, width);
    }

    /** The broadcast value, with these class names (already checked against the model's classes). */
    public ModelPayload payload(List<String> labels) {
        return payload(labels, false);
    }

    /**
     * The broadcast value, with these class names; with {@code features}, its graph also keeps each image's
     * globally pooled features ({@link Graph#FEATURES}).
     *
     * @throws NoFeaturesException naming the model when {@code features} is asked for and the model has none
     */
    public ModelPayload payload(List<String> labels, boolean features) {
        Graph graph;
        try {
            graph = model().engine(features).graph();
        } catch (NoFeaturesException e) {
            throw new NoFeaturesException(Redaction.uri(spec) + ": " + e.getMessage(), e);
        }
        return new ModelPayload(name(), sha256, graph, numClasses(), model().outputsProbabilities(), labels);
    }

    /** SHA-256 of the model file a built-in model saves as (its seeded weights). */
    private static String builtinSha256(Model m) {
        MessageDigest digest = newDigest();
        try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), digest)) {
            ModelFile.write(m.architecture().orElseThrow(), m.weights().orElseThrow(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private static void deleteQuietly(java.nio.file.Path file) {
        try {
            Files.deleteIfExists(file);
            java.nio.file.Path dir = file.getParent();
            if (dir != null && dir.getFileName().toString().startsWith("shufflespark-model")) {
                Files.deleteIfExists(dir);
            }
        } catch (IOException ignored) {
            // a temporary file left behind costs nothing but space
        }
    }
}
