package dev.shufflespark.job.model;

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
 * code. {@link #warmUp} has one daemon thread of low priority run an engine a few times on a batch of one
 * constant image at the tasks' input size, so that this happens before or while the tasks read and decode their
 * first images. When the engine for a broadcast is built for the first task of a JVM, its warm-up starts by
 * itself, unless an earlier one (on the driver, in local mode) already ran for the same model and size. The
 * warm-up has its own session and input and never touches a task's; the kernels compute the same values
 * compiled or not, so it changes no result. {@code -Dshufflespark.warmup=false} turns it off.
 */
public final class EngineCache {

    private static final int MAX_ENGINES = 4;
    private static final Map<String, Entry> ENGINES = new LinkedHashMap<>(8, 0.75f, true);
    private static final AtomicLong BUILDS = new AtomicLong();
    /** System property that turns the JIT warm-up off ({@code false}). */
    public static final String WARMUP_PROPERTY = "shufflespark.warmup";
    /** Model and input sizes warmed up (or being warmed up) in this JVM. */
    private static final Set<String> WARMUPS = new HashSet<>();
    /** A warm-up stops after this many runs, or this long, or once a run is within 1.25x of the fastest before it. */
    private static final int WARMUP_MAX_RUNS = 64;
    private static final int WARMUP_MIN_RUNS = 4;
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
        warmUp(e.engine, height, width);
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
     * Starts the JIT warm-up of {@code engine} for {@code height x width} images on a daemon thread, unless the
     * warm-up is off or one for the same model and size was started in this JVM already. Returns that thread, or
     * null when none was started.
     */
    public static Thread warmUp(Engine engine, int height, int width) {
        if (!warmUpEnabled()) {
            return null;
        }
        String id = engine.name() + "@" + height + "x" + width;
        Thread t;
        synchronized (WARMUPS) {
            if (!WARMUPS.add(id)) {
                return null;
            }
            t = new Thread(() -> runWarmUp(engine, height, width), "shufflespark-warmup-" + id);
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
        }
        t.start();
        return t;
    }

    /** False when {@code -Dshufflespark.warmup=false}. */
    public static boolean warmUpEnabled() {
        return !"false".equalsIgnoreCase(System.getProperty(WARMUP_PROPERTY, "true").strip());
    }

    /** Runs {@code engine} on one constant image until its run time settles; returns the runs made. */
    static int runWarmUp(Engine engine, int height, int width) {
        Session session = engine.newSession(1, height, width);
        float[] image = new float[3 * height * width];
        Arrays.fill(image, 0.5f);
        long start = System.nanoTime();
        long fastest = Long.MAX_VALUE;
        int runs = 0;
        while (runs < WARMUP_MAX_RUNS && System.nanoTime() - start < WARMUP_MAX_NANOS) {
            long t0 = System.nanoTime();
            session.run(image, 1);
            long t = System.nanoTime() - t0;
            runs++;
            if (runs >= WARMUP_MIN_RUNS && t * 4 <= fastest * 5) {
                break;
            }
            fastest = Math.min(fastest, t);
        }
        return runs;
    }

    /** Engines built in this JVM since it started (for tests: one per model, however many tasks ran). */
    public static long builds() {
        return BUILDS.get();
    }
}
