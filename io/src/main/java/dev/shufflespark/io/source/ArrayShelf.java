package dev.shufflespark.io.source;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Large arrays kept in an executor JVM from one image, or one task, to the next: the buffer a camera photo's
 * encoded bytes are read into (several megabytes) and a task's batch of input tensors (4.8 MB at batch 8). Made
 * afresh for every image or task, such arrays are G1 humongous allocations, each a young collection's trigger
 * and megabytes of new pages to zero; kept here, a job of thousands of photos allocates a few of them in all.
 *
 * <p>What the shelf holds is bounded: no array above {@link #LARGEST_KEPT} bytes, and {@link #BYTES_KEPT} bytes
 * in all; an array put on a full shelf is left to the collector. An array taken is the taker's alone until it
 * puts it back; one that another thread may still read (a decode abandoned past its time limit) must never be
 * put back. Contents are not cleared: the taker writes before it reads.
 */
public final class ArrayShelf {

    /** The largest array kept, in bytes (32 MiB). */
    static final long LARGEST_KEPT = 32L << 20;
    /** The most bytes kept in all (256 MiB): a few arrays per core on any executor. */
    static final long BYTES_KEPT = 256L << 20;

    private static final ConcurrentLinkedQueue<byte[]> BYTES = new ConcurrentLinkedQueue<>();
    private static final ConcurrentLinkedQueue<float[]> FLOATS = new ConcurrentLinkedQueue<>();
    private static final AtomicLong KEPT = new AtomicLong();

    private ArrayShelf() {
    }

    /** A byte array of at least {@code minLength}: a kept one when the next on the shelf is long enough. */
    public static byte[] bytes(int minLength) {
        byte[] a = BYTES.poll();
        if (a != null) {
            KEPT.addAndGet(-a.length);
            if (a.length >= minLength) {
                return a;
            }
        }
        return new byte[minLength];
    }

    /** A float array of exactly {@code length}: a kept one when the next on the shelf has that length. */
    public static float[] floats(int length) {
        float[] a = FLOATS.poll();
        if (a != null) {
            KEPT.addAndGet(-4L * a.length);
            if (a.length == length) {
                return a;
            }
        }
        return new float[length];
    }

    /** Gives {@code a} back for a later {@link #bytes}; the caller must not touch it again. */
    public static void put(byte[] a) {
        if (reserve(a.length)) {
            BYTES.offer(a);
        }
    }

    /** Gives {@code a} back for a later {@link #floats}; the caller must not touch it again. */
    public static void put(float[] a) {
        if (reserve(4L * a.length)) {
            FLOATS.offer(a);
        }
    }

    /** Bytes on the shelf now. */
    static long kept() {
        return KEPT.get();
    }

    /** Empties the shelf (tests). */
    static void clear() {
        for (byte[] a; (a = BYTES.poll()) != null; ) {
            KEPT.addAndGet(-a.length);
        }
        for (float[] a; (a = FLOATS.poll()) != null; ) {
            KEPT.addAndGet(-4L * a.length);
        }
    }

    private static boolean reserve(long bytes) {
        if (bytes > LARGEST_KEPT) {
            return false;
        }
        while (true) {
            long now = KEPT.get();
            if (now + bytes > BYTES_KEPT) {
                return false;
            }
            if (KEPT.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }
}
