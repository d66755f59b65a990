package dev.shufflespark.model;

import dev.shufflespark.model.layer.Activation;
import dev.shufflespark.model.layer.Frame;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Step;
import dev.shufflespark.model.plan.Program;
import java.util.Arrays;

/**
 * One thread's working memory for an {@link Engine}: every activation buffer is allocated here once, so that
 * running a batch allocates nothing. Not thread-safe: use one session per thread.
 */
public final class Session {
    private final Engine engine;
    private final Program program;
    private final int maxBatch;
    private final Frame frame;
    private final float[] logits;

    Session(Engine engine, Program program, int maxBatch) {
        this.engine = engine;
        this.program = program;
        this.maxBatch = maxBatch;
        int[] floats = program.slotFloats();
        float[][] slots = new float[floats.length][];
        for (int s = 1; s < floats.length; s++) {
            slots[s] = new float[Math.multiplyExact(floats[s], maxBatch)];
        }
        this.frame = new Frame(slots, new float[program.scratchFloats()]);
        this.logits = new float[maxBatch * program.outputShape().channels()];
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

    /** Floats held by this session's buffers. */
    public long bufferFloats() {
        long n = frame.scratch.length + logits.length;
        for (float[] s : frame.slots) {
            n += s == null ? 0 : s.length;
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
            for (Step step : program.steps()) {
                step.run(frame, batch);
            }
        } finally {
            frame.slots[0] = null;
        }
        Activation out = program.output();
        float[] buf = out.buffer(frame);
        int[] planes = out.planes();
        int classes = planes.length;
        for (int n = 0; n < batch; n++) {
            int base = out.base(n);
            for (int c = 0; c < classes; c++) {
                logits[n * classes + c] = buf[base + planes[c]];
            }
        }
        return logits;
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
