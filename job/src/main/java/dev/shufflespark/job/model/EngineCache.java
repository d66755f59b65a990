package dev.shufflespark.job.model;

import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The engines of one executor JVM, one per broadcast model, keyed by the application and the broadcast's id
 * (broadcast ids restart with each SparkContext, and one JVM may see several): the first task that needs a
 * model builds its engine from the broadcast value, every later task of the JVM (any thread) shares
 * it. Engines are read-only; each task borrows a {@link Session} of its own and returns it when done, so that
 * the next task on the same thread reuses its buffers instead of allocating them again.
 *
 * <p>A few engines are kept (a long-lived JVM may run several jobs); the least recently used goes first.
 *
 * <p>JIT warm-up: a new JVM runs the first batches of a model far slower than later ones (on JDK 17, several
 * seconds for the first batch), as the JIT profiles the kernels' branches, deoptimises on each one taken for the
 * first time and compiles them again, while the Vector API runs its slow Java fallback outside C2-compiled
 * code. {@link #warmUp} has one daemon thread of low priority run an engine on constant images at the tasks'
 * batch size and input size, so that this happens before or while the tasks read and decode their first images.
 * The kernels take other branches for one image than for several (a batch's plane tails are gathered), so the
 * warm-up runs full batches, a partial one and single images in turn: code compiled for full batches only would
 * be thrown away at a partition's last, smaller batch. When the engine for a broadcast is built for the first
 * task of a JVM, its warm-up starts by itself, unless an earlier one (on the driver, in local mode) already ran
 * for the same model, batch and size. The warm-up has its own session and input and never touches a task's; the
 * kernels compute the same values compiled or not, so it changes no result. {@code -Dshufflespark.warmup=false}
 * turns it off; {@code -Dshufflespark.warmup=kernels} runs a short one on random images instead, a few small ones
 * and then some at the tasks' size ({@link #runKernelWarmUp}). A local run also warms up the decoder's and the
 * resize's Vector API passes while Spark starts ({@link #warmUpPixelPassesUntilWork}).
 */
public final class EngineCache {

    private static final int MAX_ENGINES = 4;
    private static final Map<String, Entry> ENGINES = new LinkedHashMap<>(8, 0.75f, true);
    private static final AtomicLong BUILDS = new AtomicLong();
    /** Starts of the tasks' work in this JVM ({@link #workBegins}). */
    private static final AtomicLong WORK = new AtomicLong();
    /** System property that turns the JIT warm-up off ({@code false}). */
    public static final String WARMUP_PROPERTY = "shufflespark.warmup";
    /** {@link #WARMUP_PROPERTY} value for the kernel warm-up only ({@link #kernelWarmUp}). */
    public static final String KERNELS = "kernels";
    /** Calls of each Vector API pass of the decoder and the resize ({@link #warmUpPixelPassesUntilWork}). */
    private static final int PIXEL_WARMUP_CALLS = 2500;
    /**
     * The kernel warm-up's input sides (for a 224-pixel crop) and runs at each. After a phase of 40 runs at 96
     * pixels, the first batches at 224 threw out C2's code of most kernels (branches that 96 pixels never take):
     * 517-697 ms for the first 12 batches of eight, against 352-393 ms after 9 runs at 224, which also took the
     * warm-up less CPU (v1 g3 and V2 in fresh JVMs; docs/performance.md, "The kernel warm-up at the tasks' size").
     */
    private static final int[][] KERNEL_WARMUP_SIDES = {{32, 6}, {224, 9}};
    /** Models, batch and input sizes warmed up (or being warmed up) in this JVM. */
    private static final Set<String> WARMUPS = new HashSet<>();
    /**
     * A warm-up stops after this many full batches, or this long, or once the full batches stopped getting faster:
     * the fastest of the last {@link #WARMUP_SETTLED} is no more than 10% faster than the fastest before them.
     */
    private static final int WARMUP_MAX_RUNS = 96;
    private static final int WARMUP_SETTLED = 4;
    private static final long WARMUP_MAX_NANOS = 60_000_000_000L;

    private EngineCache() {
    }

    /** One engine and its idle sessions. */
    private static final class Entry {
        final Engine engine;
        final Deque<Session> idle = new ArrayDeque<>();

        Entry(Engine engine) {
            this.engine = engine;
        }
    }

    /** The key of a broadcast model: the application's id and the broadcast's. */
    public static String key(String applicationId, long broadcastId) {
        return applicationId + "/" + broadcastId;
    }

    /** The engine for broadcast {@code key}, built with {@code payload} by the first caller in this JVM. */
    public static Engine engine(String key, Supplier<ModelPayload> payload) {
        return entry(key, payload).engine;
    }

    private static Entry entry(String key, Supplier<ModelPayload> payload) {
        synchronized (ENGINES) {
            Entry e = ENGINES.get(key);
            if (e == null) {
                e = new Entry(payload.get().newEngine());
                BUILDS.incrementAndGet();
                ENGINES.put(key, e);
                Iterator<String> oldest = ENGINES.keySet().iterator();
                while (ENGINES.size() > MAX_ENGINES) {
                    oldest.next();
                    oldest.remove();
                }
            }
            return e;
        }
    }

    /** A session of the engine for broadcast {@code key}, for one task; give it back with {@link #release}. */
    public static Session borrow(String key, Supplier<ModelPayload> payload, int maxBatch, int height, int width) {
        Entry e = entry(key, payload);
        warmUp(e.engine, maxBatch, height, width);
        synchronized (e.idle) {
            for (Iterator<Session> it = e.idle.iterator(); it.hasNext(); ) {
                Session s = it.next();
                if (s.maxBatch() == maxBatch && s.height() == height && s.width() == width) {
                    it.remove();
                    return s;
                }
            }
        }
        return e.engine.newSession(maxBatch, height, width);
    }

    /** Returns a session borrowed for broadcast {@code key}; kept for the next task while its engine is cached. */
    public static void release(String key, Session session) {
        Entry e;
        synchronized (ENGINES) {
            e = ENGINES.get(key);
        }
        if (e != null && e.engine == session.engine()) {
            synchronized (e.idle) {
                if (e.idle.size() < Runtime.getRuntime().availableProcessors()) {
                    e.idle.push(session);
                }
            }
        }
    }

    /**
     * Starts the JIT warm-up of {@code engine} for batches of up to {@code maxBatch} images of {@code height x width}
     * on a daemon thread, unless the warm-up is off or one for the same model and sizes was started in this JVM
     * already. Returns that thread, or null when none was started.
     */
    public static Thread warmUp(Engine engine, int maxBatch, int height, int width) {
        return warmUp(engine, maxBatch, height, width, Long.MAX_VALUE);
    }

    /**
     * As {@link #warmUp(Engine, int, int, int)}, for the driver of a local run: the warm-up also stops as soon as
     * the tasks' own code begins to run ({@link #workBegins}), which from then on compiles what it needs itself;
     * constant images on a third thread would only take a core from it.
     */
    public static Thread warmUpUntilWork(Engine engine, int maxBatch, int height, int width) {
        return warmUp(engine, maxBatch, height, width, WORK.get());
    }

    private static Thread warmUp(Engine engine, int maxBatch, int height, int width, long stopAfterWork) {
        if (warmUpOff()) {
            return null;
        }
        boolean kernels = kernelWarmUp();
        String id = engine.name() + "@" + maxBatch + "x" + height + "x" + width;
        Thread t;
        synchronized (WARMUPS) {
            if (!WARMUPS.add(id)) {
                return null;
            }
            t = warmUpThread(kernels ? () -> runKernelWarmUp(engine, maxBatch, height, width, stopAfterWork)
                    : () -> runWarmUp(engine, maxBatch, height, width, stopAfterWork),
                    "shufflespark-warmup-" + id);
        }
        t.start();
        return t;
    }

    /**
     * For a local run, while Spark starts: the JIT warm-up of the decoder's and the resize's Vector API passes
     * ({@link ImageDecoder#warmUpVectorPasses}, {@link Preprocessor#warmUpVectorPasses}: narrow synthetic rows, no
     * model needed) on a daemon thread of its own, until the tasks' work begins. Returns that thread, or null when
     * the warm-up is off. The kernel warm-up needs the model, so it starts later, on its own thread.
     */
    public static Thread warmUpPixelPassesUntilWork() {
        if (warmUpOff()) {
            return null;
        }
        long stopAfterWork = WORK.get();
        BooleanSupplier workBegan = () -> WORK.get() > stopAfterWork;
        Thread t = warmUpThread(() -> {
            ImageDecoder.warmUpVectorPasses(PIXEL_WARMUP_CALLS, workBegan);
            Preprocessor.warmUpVectorPasses(PIXEL_WARMUP_CALLS, workBegan);
        }, "shufflespark-warmup-pixels");
        t.start();
        return t;
    }

    /** A warm-up's thread, not started: a daemon of the lowest priority. */
    private static Thread warmUpThread(Runnable work, String name) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    }

    /** True when {@code -Dshufflespark.warmup=false}: neither the full warm-up nor the kernels' runs. */
    private static boolean warmUpOff() {
        return !warmUpEnabled() && !kernelWarmUp();
    }

    /**
     * Counts the start of the tasks' work in this JVM (a task's partition, or a local run's rehearsal of it);
     * returns the count, this one included.
     */
    public static long workBegins() {
        return WORK.incrementAndGet();
    }

    /** How many times {@link #workBegins} was called in this JVM. */
    public static long work() {
        return WORK.get();
    }

    /** False when {@code -Dshufflespark.warmup=false} or {@code kernels} (the full warm-up and the rehearsal off). */
    public static boolean warmUpEnabled() {
        String v = System.getProperty(WARMUP_PROPERTY, "true").strip();
        return !"false".equalsIgnoreCase(v) && !KERNELS.equalsIgnoreCase(v);
    }

    /**
     * True when {@code -Dshufflespark.warmup=kernels} ({@link #KERNELS}): the short warm-up of a local run, which
     * runs the engine on random images only, small ones and then some at the tasks' size, so that the kernels reach
     * C2 before the tasks' first batches.
     */
    public static boolean kernelWarmUp() {
        return KERNELS.equalsIgnoreCase(System.getProperty(WARMUP_PROPERTY, "").strip());
    }

    /**
     * The kernel warm-up: the engine on random images of {@link #KERNEL_WARMUP_SIDES} (sides relative to a
     * 224-pixel crop, each with a run count) at the tasks' batch size, one image and a partial batch in turn, until
     * the tasks' work began more than {@code stopAfterWork} times; returns the runs made. The smallest size gets
     * every kernel compiled at the least cost of the Vector API's Java fallback; the tasks' size then takes the
     * branches of full vectors and their tails, and the kernels made for its plane sizes, that the tasks take, so
     * that C2's code is not thrown away on the tasks' first batches.
     */
    static int runKernelWarmUp(Engine engine, int maxBatch, int height, int width, long stopAfterWork) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(1);
        int runs = 0;
        for (int[] phase : KERNEL_WARMUP_SIDES) {
            int h = Math.max(1, height * phase[0] / 224);
            int w = Math.max(1, width * phase[0] / 224);
            Session session = engine.newSession(maxBatch, h, w);
            float[] images = new float[maxBatch * 3 * h * w];
            for (int i = 0; i < images.length; i++) {
                images[i] = (float) random.nextDouble(-2.0, 2.5); // about the range of normalised pixels
            }
            for (int i = 0; i < phase[1] && WORK.get() <= stopAfterWork; i++) {
                session.run(images, i % 3 == 0 ? maxBatch : i % 3 == 1 ? 1 : partialBatch(maxBatch));
                runs++;
            }
        }
        return runs;
    }

    /**
     * Runs {@code engine} on constant images until its full batches stop getting faster, or until the tasks' work
     * began more than {@code stopAfterWork} times; returns the full batches run. Every fourth run is a smaller
     * batch: one image, then half a batch plus one, in turn.
     */
    static int runWarmUp(Engine engine, int maxBatch, int height, int width, long stopAfterWork) {
        Session session = engine.newSession(maxBatch, height, width);
        float[] images = new float[maxBatch * 3 * height * width];
        Arrays.fill(images, 0.5f);
        long start = System.nanoTime();
        long[] times = new long[WARMUP_MAX_RUNS];
        int runs = 0;
        for (int i = 0; runs < WARMUP_MAX_RUNS && System.nanoTime() - start < WARMUP_MAX_NANOS
                && WORK.get() <= stopAfterWork; i++) {
            if (i % 4 == 3) {
                session.run(images, (i / 4) % 2 == 0 ? 1 : partialBatch(maxBatch));
                continue;
            }
            long t0 = System.nanoTime();
            session.run(images, maxBatch);
            times[runs++] = System.nanoTime() - t0;
            if (runs >= 2 * WARMUP_SETTLED && settled(times, runs)) {
                break;
            }
        }
        return runs;
    }

    /**
     * The partial batch both warm-ups run beside full ones and single images, half a batch plus one: a task's last
     * batch takes the kernels' branches for a batch that is neither.
     */
    private static int partialBatch(int maxBatch) {
        return Math.min(maxBatch, maxBatch / 2 + 1);
    }

    /** True when the fastest of the last {@link #WARMUP_SETTLED} of {@code times[0, n)} gained at most 10%. */
    static boolean settled(long[] times, int n) {
        long before = Long.MAX_VALUE;
        long last = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            if (i < n - WARMUP_SETTLED) {
                before = Math.min(before, times[i]);
            } else {
                last = Math.min(last, times[i]);
            }
        }
        return last * 10 >= before * 9;
    }

    /** Engines built in this JVM since it started (for tests: one per model, however many tasks ran). */
    public static long builds() {
        return BUILDS.get();
    }
}
