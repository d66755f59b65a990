package dev.shufflespark.job.model;

import dev.shufflespark.model.Engine;
import dev.shufflespark.model.Session;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
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
 */
public final class EngineCache {

    private static final int MAX_ENGINES = 4;
    private static final Map<String, Entry> ENGINES = new LinkedHashMap<>(8, 0.75f, true);
    private static final AtomicLong BUILDS = new AtomicLong();

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

    /** Engines built in this JVM since it started (for tests: one per model, however many tasks ran). */
    public static long builds() {
        return BUILDS.get();
    }
}
