package dev.shufflespark.model;

import dev.shufflespark.model.layer.Activation;
import dev.shufflespark.model.layer.Frame;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Step;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Program;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One thread's working memory for an {@link Engine}: every activation buffer is allocated here once, so that
 * running a batch allocates nothing. Not thread-safe: use one session per thread.
 *
 * <p>Under G1 (the JVM's default collector), when the activations take at least a quarter of a heap region, they
 * share one array that G1 never moves and in which every slot's data starts on a 64-byte boundary (a cache line,
 * one 512-bit vector), and so does every image's and every channel plane's whose stride is a multiple of 16
 * floats (28 x 28 and 56 x 56 planes): the same addresses, relative to cache lines, in every JVM and after every
 * collection. The array is padded to half a region at most. Under another collector, for smaller activations or
 * with {@code -Dshufflespark.engine.alignBuffers=false}, each slot is a plain array, whose place the JVM chooses.
 * The caller's input array and the scratch space are plain arrays either way. In both layouts each slot has a
 * few rows of free floats before and after it, so that every kernel takes the same path on every plane: an
 * image's results are the same, bit for bit, in either layout and at any place in a batch.
 */
public final class Session {
    private final Engine engine;
    private final Program program;
    private final int maxBatch;
    private final SlotLayout layout;
    private final Frame frame;
    private final float[] logits;
    private final Map<String, float[]> kept = new LinkedHashMap<>();
    /** Per image of a batch, the program's first steps bound to it ({@link Program#stepsForImage}). */
    private final Step[][] imageSteps;
    private int lastBatch;

    Session(Engine engine, Program program, int maxBatch) {
        this(engine, program, maxBatch, true);
    }

    /** With {@code alignSlots} false, every slot is a plain array whatever the collector. */
    Session(Engine engine, Program program, int maxBatch, boolean alignSlots) {
        this.engine = engine;
        this.program = program;
        this.maxBatch = maxBatch;
        int[] floats = program.slotFloats();
        long[] sizes = new long[floats.length];
        for (int s = 1; s < floats.length; s++) {
            sizes[s] = Math.multiplyExact(floats[s], maxBatch);
        }
        int margin = SlotLayout.margin(program.maxPlaneWidth());
        this.layout = alignSlots ? SlotLayout.allocate(sizes, margin) : SlotLayout.allocate(sizes, margin, -1, 0);
        this.frame = new Frame(layout.slots, layout.offsets, new float[program.scratchFloats()]);
        this.logits = new float[maxBatch * program.outputShape().channels()];
        program.kept().forEach((name, a) -> kept.put(name, new float[Math.multiplyExact(a.shape().size(), maxBatch)]));
        this.imageSteps = new Step[maxBatch][];
        for (int n = 0; n < maxBatch; n++) {
            imageSteps[n] = program.stepsForImage(n);
        }
    }

    public int maxBatch() {
        return maxBatch;
    }

    public int height() {
        return program.inputShape().height();
    }

    public int width() {
        return program.inputShape().width();
    }

    public Engine engine() {
        return engine;
    }

    /** Where each activation slot's data starts in its array (slot 0, the caller's input, at 0). */
    int[] slotOffsets() {
        return layout.offsets.clone();
    }

    /** Whether the activation slots share one array in which each slot's data is 64-byte aligned. */
    boolean alignedSlots() {
        return layout.aligned;
    }

    /** Floats of the activation slots' arrays. */
    long layoutFloats() {
        return layout.floats;
    }

    /** Floats held by this session's buffers. */
    public long bufferFloats() {
        long n = frame.scratch.length + logits.length + layout.floats;
        for (float[] k : kept.values()) {
            n += k.length;
        }
        return n;
    }

    /**
     * Runs {@code batch} images, float32 NCHW {@code [batch, 3, height, width]} from offset 0, and returns the
     * logits {@code [batch, numClasses]} in an array owned by this session, overwritten by the next call.
     */
    public float[] run(float[] input, int batch) {
        Shape in = program.inputShape();
        if (batch < 1 || batch > maxBatch) {
            throw new IllegalArgumentException("batch must be 1.." + maxBatch + " for this session, got " + batch);
        }
        if (input.length < (long) batch * in.size()) {
            throw new IllegalArgumentException("input holds " + input.length + " floats; expected shape [" + batch + ", "
                    + in.channels() + ", " + in.height() + ", " + in.width() + "] needs " + (long) batch * in.size());
        }
        frame.slots[0] = input;
        try {
            // the large planes image by image, so that one image's values stay in cache; the rest over the batch
            for (int n = 0; n < batch; n++) {
                for (Step step : imageSteps[n]) {
                    step.run(frame, 1);
                }
            }
            Step[] steps = program.steps();
            for (int i = program.imageSteps(); i < steps.length; i++) {
                steps[i].run(frame, batch);
            }
        } finally {
            frame.slots[0] = null;
        }
        lastBatch = batch;
        Activation out = program.output();
        float[] buf = out.buffer(frame);
        int[] planes = out.planes();
        int classes = planes.length;
        for (int n = 0; n < batch; n++) {
            int base = out.base(frame, n);
            for (int c = 0; c < classes; c++) {
                logits[n * classes + c] = buf[base + planes[c]];
            }
        }
        return logits;
    }

    /** Floats per image of the value the graph keeps as {@code name}, e.g. {@link Graph#FEATURES}. */
    public int keptSize(String name) {
        return keptActivation(name).shape().size();
    }

    /**
     * The value the graph keeps as {@code name} ({@link Graph#kept}; e.g. {@link Graph#FEATURES}, the pooled
     * features) for the images of the last {@link #run}: {@code [batch, keptSize(name)]}, each image's channels in
     * order (NCHW), in an array owned by this session, overwritten by the next call. Copies what the run left in
     * the session's buffers; allocates nothing.
     */
    public float[] kept(String name) {
        Activation a = keptActivation(name);
        float[] dst = kept.get(name);
        if (lastBatch == 0) {
            throw new IllegalStateException("no run yet: nothing kept");
        }
        float[] src = a.buffer(frame);
        int[] planes = a.planes();
        int hw = a.shape().planeSize();
        int size = a.shape().size();
        for (int n = 0; n < lastBatch; n++) {
            int base = a.base(frame, n);
            for (int c = 0; c < planes.length; c++) {
                System.arraycopy(src, base + planes[c], dst, n * size + c * hw, hw);
            }
        }
        return dst;
    }

    private Activation keptActivation(String name) {
        Activation a = program.kept().get(name);
        if (a == null) {
            throw new IllegalArgumentException("the engine " + engine.name() + " keeps no value named " + name
                    + (program.kept().isEmpty() ? " (it keeps none)" : "; it keeps " + program.kept().keySet()));
        }
        return a;
    }

    /** As {@link #run(float[], int)}, checking {@code shape} is {@code [N, 3, height, width]}. */
    public float[] run(float[] input, int[] shape) {
        Shape in = program.inputShape();
        String expected = "[N, " + in.channels() + ", " + in.height() + ", " + in.width() + "] with N <= " + maxBatch;
        if (shape.length != 4 || shape[1] != in.channels() || shape[2] != in.height() || shape[3] != in.width()
                || shape[0] < 1 || shape[0] > maxBatch) {
            throw new IllegalArgumentException("input shape " + Arrays.toString(shape) + " does not match the expected "
                    + expected);
        }
        return run(input, shape[0]);
    }
}
