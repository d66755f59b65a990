package dev.shufflespark.job.ml;

import dev.shufflespark.io.source.ArrayShelf;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.plan.Graph;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Runs the images of one partition through a session in batches: images are read into the batch array until
 * it holds {@code session.maxBatch()} of them (or the partition ends), then one {@code Session.run} classifies
 * them all. Outcomes come out in input order, failures included, each exactly once; with {@code features}, each
 * OK image's globally pooled features come with it (the session's engine must keep them). Not thread-safe: one
 * per task.
 */
final class BatchInference implements Iterator<Classified> {

    /** Failures waiting behind an unfilled batch are let out once this many outcomes are pending. */
    private static final int MAX_PENDING = 256;

    /**
     * The task thread's CPU clock, read around each batch's inference; null where the JVM has none. Next to the
     * wall time it shows how much of an inference the thread spent waiting for a core (other tasks, the JIT's
     * compiler threads, other processes on the host).
     */
    private static final ThreadMXBean CPU = cpuClock();

    private static ThreadMXBean cpuClock() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled() ? threads : null;
    }

    private final ImageStream source;
    private final Session session;
    private final int imageFloats;
    private final int classes;
    private final int topK;
    private final boolean probabilities;
    private final boolean features;
    private float[] batch; // from the shelf, and back there at close
    private final List<Object> tags = new ArrayList<>();
    private final List<ImageResult> results = new ArrayList<>();
    private final ArrayDeque<Classified> ready = new ArrayDeque<>();
    private boolean exhausted;

    BatchInference(ImageStream source, Session session, int imageFloats, int classes, int topK,
                   boolean probabilities, boolean features) {
        this.source = source;
        this.session = session;
        this.imageFloats = imageFloats;
        this.classes = classes;
        this.topK = topK;
        this.probabilities = probabilities;
        this.features = features;
        this.batch = ArrayShelf.floats(session.maxBatch() * imageFloats);
    }

    /**
     * Puts the batch array back on the shelf for the next task; call it once the last outcome is out (outcomes
     * hold no reference to it). Nothing may be read after it.
     */
    void close() {
        if (batch != null) {
            ArrayShelf.put(batch);
            batch = null;
            exhausted = true;
        }
    }

    @Override
    public boolean hasNext() {
        if (ready.isEmpty() && !exhausted) {
            fill();
        }
        return !ready.isEmpty();
    }

    @Override
    public Classified next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.poll();
    }

    /** Reads until the batch is full, the pending list is long, or the input ends; then classifies. */
    private void fill() {
        int filled = 0;
        int max = session.maxBatch();
        while (filled < max && results.size() < MAX_PENDING) {
            ImageResult r = source.next(batch, filled * imageFloats);
            if (r == null) {
                exhausted = true;
                break;
            }
            tags.add(source.tag());
            results.add(r);
            if (r.ok()) {
                filled++;
            }
        }
        float[] logits = null;
        float[] pooled = null;
        int width = 0;
        long perImage = 0;
        long cpuPerImage = -1;
        if (filled > 0) {
            // the CPU clock read inside the wall-clock interval, so that a batch's CPU time never exceeds its wall time
            long t0 = System.nanoTime();
            long c0 = CPU == null ? -1 : CPU.getCurrentThreadCpuTime();
            logits = session.run(batch, filled);
            long c1 = CPU == null ? -1 : CPU.getCurrentThreadCpuTime();
            perImage = (System.nanoTime() - t0) / filled;
            if (c0 >= 0 && c1 >= c0) {
                cpuPerImage = (c1 - c0) / filled;
            }
            if (features) {
                pooled = session.kept(Graph.FEATURES);
                width = session.keptSize(Graph.FEATURES);
            }
        }
        int slot = 0;
        for (int i = 0; i < results.size(); i++) {
            ImageResult r = results.get(i);
            if (r.ok()) {
                TopClasses top = TopClasses.of(logits, slot * classes, classes, topK, probabilities);
                float[] f = pooled == null ? null : Arrays.copyOfRange(pooled, slot * width, (slot + 1) * width);
                slot++;
                ready.add(new Classified(tags.get(i), r, top.index, top.probability, perImage, cpuPerImage, f));
            } else {
                ready.add(new Classified(tags.get(i), r, null, null, 0, 0, null));
            }
        }
        tags.clear();
        results.clear();
    }
}
