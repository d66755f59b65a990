package dev.shufflespark.job.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.shufflespark.job.bench.BatchTimer;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/**
 * The ONNX Runtime side of {@code bench engine --vs-onnxruntime}: one session with {@code threads} intra-op
 * threads, run on a seeded random batch from one caller thread, warmed up and then timed like the engine.
 * This class is the only one that touches ONNX Runtime; it is loaded only for that flag, and ONNX Runtime is on
 * the class path only then (bin/shufflespark adds job/target/onnxruntime/ for it).
 */
final class OnnxRuntimeBench {
    /** Median and minimum ms per image, and what ran. */
    record Result(double medianMsPerImage, double minMsPerImage, int batches, String version) {
    }

    private OnnxRuntimeBench() {
    }

    /**
     * Times ONNX Runtime on {@code model} and prints its figures and, last, {@code ratio=<ours/ort>}; returns the
     * ratio. Takes and returns only JDK types, so that the caller's class never names an ONNX Runtime type.
     */
    static double compare(PrintWriter out, byte[] model, int threads, int batch, int height, int width, long seed,
                          double warmupSeconds, double seconds, double oursMsPerImage) {
        Result r = run(model, threads, batch, height, width, seed, warmupSeconds, seconds);
        double ratio = oursMsPerImage / r.medianMsPerImage();
        out.printf(Locale.ROOT, "onnxruntime:  %s, same file, intra-op threads %d, batch %d; %d batches timed%n",
                r.version(), threads, batch, r.batches());
        out.printf(Locale.ROOT, "ort ms/image: median %.3f, min %.3f%n", r.medianMsPerImage(), r.minMsPerImage());
        out.printf(Locale.ROOT, "ours/ort:     %.3f (median ms per image; below 1 means the engine is faster)%n", ratio);
        out.printf(Locale.ROOT, "ort_ms_per_image=%.3f%n", r.medianMsPerImage());
        out.printf(Locale.ROOT, "ratio=%.3f%n", ratio);
        out.flush();
        return ratio;
    }

    static Result run(byte[] model, int threads, int batch, int height, int width, long seed, double warmupSeconds,
                      double seconds) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model, options)) {
                String input = session.getInputNames().iterator().next();
                float[] x = BatchTimer.seededInput(batch * 3 * height * width, seed);
                try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x),
                        new long[] {batch, 3, height, width})) {
                    Map<String, OnnxTensor> feed = Map.of(input, tensor);
                    // One caller thread: ONNX Runtime spreads each batch over its own intra-op threads.
                    BatchTimer.Result timed = BatchTimer.time(1, t -> () -> runOnce(session, feed), warmupSeconds,
                            seconds, "bench-onnxruntime");
                    return new Result(timed.medianNanos() / batch / 1e6, timed.minNanos() / (double) batch / 1e6,
                            timed.batches(), env.getVersion());
                }
            }
        } catch (OrtException e) {
            throw new CliFailure("ONNX Runtime failed: " + e.getMessage(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OrtException o) {
                throw new CliFailure("ONNX Runtime failed: " + o.getMessage(), o);
            }
            throw e.getCause() instanceof CliFailure f ? f
                    : new CliFailure("benchmark thread failed: " + Main.describe(e.getCause()), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure("interrupted", e);
        }
    }

    private static float runOnce(OrtSession session, Map<String, OnnxTensor> feed) throws OrtException {
        try (OrtSession.Result r = session.run(feed)) {
            if (r.size() < 1) {
                throw new CliFailure("ONNX Runtime gave no output");
            }
            return r.size();
        }
    }
}
