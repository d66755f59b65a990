package dev.shufflespark.io.decode;

import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Decodes one image at a time so that no image can take the caller down with it. A JPEG that our own decoder
 * handles is decoded on the calling thread: that decoder is iterative, bounds every allocation by the pixel
 * limit and checks the time limit once per row of MCUs, so handing it to another thread would only cost time
 * (about half a millisecond per image, as much as decoding a small photo). Everything else (ImageIO's
 * decoders, also where our decoder leaves a file to them) runs on a worker thread of the guard's own. Either
 * way:
 * <ul>
 *   <li>an {@link Error} of the decoder (a {@link StackOverflowError} in an ImageIO plugin, an
 *       {@link OutOfMemoryError}, anything) becomes an {@link ImageException}: {@link Reason#OUT_OF_MEMORY}
 *       or {@link Reason#DECODE_FAILED};</li>
 *   <li>a decode that takes longer than {@link DecodeOptions#timeLimitSeconds()} fails as
 *       {@link Reason#TIMED_OUT}, and is told to stop: the ImageIO reader is aborted (plugins check between
 *       rows or tiles) and the worker thread interrupted (our JPEG decoder stops by itself). A decode
 *       that still runs {@link #graceNanos} later (a plugin looping without checking) cannot be stopped by Java;
 *       its thread is abandoned, a daemon left running with its decoder and its bytes, and counted
 *       ({@link #abandonedThreads()}); the next image gets a fresh thread and a fresh decoder.</li>
 * </ul>
 * After a TIMED_OUT the caller must not write into the array it passed, as an abandoned thread may still read it:
 * it takes a new buffer for the next image. What a decode returns is the caller's alone: the worker hands it over
 * and starts nothing else until the next call.
 *
 * <p>Not thread-safe: one guard per task, used by one thread at a time.
 */
public final class DecodeGuard implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DecodeGuard.class.getName());
    private static final AtomicInteger ABANDONED = new AtomicInteger();
    private static final AtomicLong THREADS = new AtomicLong();
    /** The most a decode is given to stop after its limit, before its thread is abandoned. */
    static final long MAX_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final DecodeOptions options;
    private final ImageDecoder callers;
    private final long limitNanos;
    private final long graceNanos;
    private ImageDecoder decoder;
    private Worker worker;
    private int timedOut;
    private int abandoned;

    /** A guard that decodes with a decoder of its own. */
    public DecodeGuard(DecodeOptions options) {
        this(new ImageDecoder(options), false);
    }

    /**
     * A guard that decodes with {@code decoder} (which the caller closes) until a decode of it has to be given up;
     * then with decoders of its own, which it closes.
     */
    public DecodeGuard(ImageDecoder decoder) {
        this(decoder, true);
    }

    private DecodeGuard(ImageDecoder decoder, boolean callers) {
        this.options = decoder.options();
        this.decoder = decoder;
        this.callers = callers ? decoder : null;
        this.limitNanos = options.timeLimitNanos();
        this.graceNanos = Math.min(MAX_GRACE_NANOS, limitNanos);
    }

    public DecodeOptions options() {
        return options;
    }

    /** The decoder of the last call (for benchmarks reading its timings). */
    public ImageDecoder decoder() {
        return decoder;
    }

    /**
     * {@link ImageDecoder#decode(byte[], int, int, String, int)} within the time limit: our JPEG decoder on
     * this thread, ImageIO on the worker thread; every failure is an {@link ImageException}.
     */
    public DecodedImage decode(byte[] data, int off, int len, String name, int targetShorterSide)
            throws ImageException {
        return decode(data, off, len, name, targetShorterSide, null);
    }

    /**
     * {@link #decode(byte[], int, int, String, int)} of which only {@code region} will be read (null: all of it;
     * see {@link ImageDecoder#decode(byte[], int, int, String, int, ReadRegion)}).
     */
    public DecodedImage decode(byte[] data, int off, int len, String name, int targetShorterSide, ReadRegion region)
            throws ImageException {
        DecodedImage own = decodeHere(data, off, len, name, targetShorterSide, region);
        if (own != null) {
            return own;
        }
        if (worker == null) {
            worker = new Worker();
        }
        Job job = new Job(decoder, data, off, len, name, targetShorterSide);
        worker.submit(job);
        boolean finished;
        try {
            finished = job.done.await(limitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // The task is being killed: stop the decode as for a time-out, and keep the interrupt for the caller.
            Thread.currentThread().interrupt();
            stop(job, name);
            throw new ImageException(Reason.TIMED_OUT, name + ": decoding interrupted (the task is being stopped)");
        }
        if (!finished) {
            timedOut++;
            boolean stopped = stop(job, name);
            String limit = pastLimit(name);
            throw new ImageException(Reason.TIMED_OUT, stopped ? limit + " and was stopped" : limit + "; it did not"
                    + " stop when told to, so its thread was left running (" + ABANDONED.get() + " in this JVM)");
        }
        if (job.error != null) {
            renew(); // an Error mid-decode may leave the decoder in any state
            throw failure(job.error, name);
        }
        if (job.failure != null) {
            throw job.failure;
        }
        return job.image;
    }

    /**
     * Our JPEG decoder on this thread, with the time limit as its deadline; null when the input is not a JPEG
     * that it decodes. An {@link Error} (running out of memory, say) is the image's failure, as on the worker.
     */
    private DecodedImage decodeHere(byte[] data, int off, int len, String name, int target, ReadRegion region)
            throws ImageException {
        long deadline = System.nanoTime() + limitNanos;
        try {
            return decoder.decode(data, off, len, name, target, region, ImageDecoder.Route.OWN_JPEG, deadline);
        } catch (ImageException e) {
            if (e.reason() != Reason.TIMED_OUT) {
                throw e;
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new ImageException(Reason.TIMED_OUT, name + ": decoding interrupted (the task is being stopped)");
            }
            timedOut++;
            throw new ImageException(Reason.TIMED_OUT, pastLimit(name) + " and was stopped");
        } catch (RuntimeException | Error e) { // NOPMD: every failure of a decoder becomes the image's, by design
            ImageDecoder old = decoder;
            decoder = new ImageDecoder(options); // an Error mid-decode may leave the decoder in any state
            if (old != callers) {
                old.close(); // nothing else uses it: the worker runs only while this thread waits for it
            }
            throw failure(e, name);
        }
    }

    private String pastLimit(String name) {
        return String.format(Locale.ROOT, "%s: decoding took longer than the limit of %s s (%s)", name,
                plain(options.timeLimitSeconds()), DecodeOptions.TIME_LIMIT);
    }

    /**
     * Tells the decode of {@code job} to stop and waits up to the grace time; true when it stopped, false when
     * its thread had to be abandoned. Either way the next decode gets a fresh decoder.
     */
    private boolean stop(Job job, String name) {
        job.decoder.abort();
        worker.thread.interrupt();
        boolean stopped;
        try {
            stopped = job.done.await(graceNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = job.done.getCount() == 0;
        }
        if (!stopped) {
            abandoned++;
            int total = ABANDONED.incrementAndGet();
            worker.abandon();
            worker = null;
            LOG.warning(String.format(Locale.ROOT, "%s: the decode did not stop %s s after its time limit; its "
                    + "thread %s is abandoned and keeps running (%d abandoned in this JVM)", name,
                    plain(graceNanos / 1e9), job.thread, total));
        }
        renew();
        return stopped;
    }

    /** A fresh decoder for the next image; the old one is closed unless a running thread may still use it. */
    private void renew() {
        ImageDecoder old = decoder;
        decoder = new ImageDecoder(options);
        if (old != callers && worker != null) {
            old.close();
        }
    }

    private static ImageException failure(Throwable error, String name) {
        String what = error.getClass().getSimpleName() + (error.getMessage() == null ? ""
                : ": " + error.getMessage().strip().replace('\n', ' '));
        if (error instanceof OutOfMemoryError) {
            return new ImageException(Reason.OUT_OF_MEMORY, name + ": out of memory while decoding (" + what
                    + "); lower " + DecodeOptions.MAX_PIXELS + " or give the JVM more heap", error);
        }
        return new ImageException(Reason.DECODE_FAILED, name + ": the decoder failed: " + what, error);
    }

    /** Images of this guard that timed out. */
    public int timedOut() {
        return timedOut;
    }

    /** Threads of this guard abandoned because their decode did not stop. */
    public int abandoned() {
        return abandoned;
    }

    /** Decode threads abandoned in this JVM, by every guard, since it started. */
    public static int abandonedThreads() {
        return ABANDONED.get();
    }

    /** Ends the worker thread (an abandoned one is beyond reach) and closes the decoders this guard made. */
    @Override
    public void close() {
        if (worker != null) {
            worker.abandon();
            worker = null;
        }
        if (decoder != callers) {
            decoder.close();
        }
    }

    private static String plain(double seconds) {
        return seconds == Math.rint(seconds) ? Long.toString((long) seconds)
                : String.format(Locale.ROOT, "%.3f", seconds).replaceAll("0+$", "");
    }

    /** One decode: its inputs, and what came of it once {@link #done} is counted down. */
    private static final class Job {
        final ImageDecoder decoder;
        final byte[] data;
        final int off;
        final int len;
        final String name;
        final int target;
        final CountDownLatch done = new CountDownLatch(1);
        volatile Thread thread;
        DecodedImage image;
        ImageException failure;
        Throwable error;

        Job(ImageDecoder decoder, byte[] data, int off, int len, String name, int target) {
            this.decoder = decoder;
            this.data = data;
            this.off = off;
            this.len = len;
            this.name = name;
            this.target = target;
        }

        void run() {
            try {
                image = decoder.decode(data, off, len, name, target, null, ImageDecoder.Route.IMAGEIO,
                        JpegDecoder.NO_DEADLINE);
            } catch (ImageException e) {
                failure = e;
            } catch (Throwable e) { // NOPMD: every Error of a decoder becomes the image's failure, by design
                error = e;
            } finally {
                done.countDown();
            }
        }
    }

    /** A daemon thread that runs the guard's jobs one at a time. */
    private static final class Worker implements Runnable {
        private final Thread thread;
        private Job next;
        private boolean closed;

        Worker() {
            thread = new Thread(this, "shufflespark-decode-" + THREADS.incrementAndGet());
            thread.setDaemon(true);
            thread.start();
        }

        synchronized void submit(Job job) {
            job.thread = thread;
            next = job;
            notifyAll();
        }

        /** No more jobs: the thread ends after the one it runs, if it ever returns from it. */
        synchronized void abandon() {
            closed = true;
            notifyAll();
        }

        @Override
        public void run() {
            while (true) {
                Job job;
                synchronized (this) {
                    while (next == null && !closed) {
                        try {
                            wait();
                        } catch (InterruptedException e) {
                            // an interrupt meant for a decode that had already ended: nothing to stop
                        }
                    }
                    if (closed) {
                        return;
                    }
                    job = next;
                    next = null;
                }
                Thread.interrupted(); // a stop meant for the previous job is not this one's
                job.run();
            }
        }
    }
}
