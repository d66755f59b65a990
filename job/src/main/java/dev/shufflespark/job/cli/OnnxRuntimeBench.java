package dev.shufflespark.job.cli;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.shufflespark.job.bench.BatchTimer;
import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The ONNX Runtime side of {@code bench engine --vs-onnxruntime}: one session with a given number of intra-op
 * threads, run on a seeded random batch from one caller thread. This class is the only one that touches ONNX
 * Runtime; it is loaded only for that flag, and ONNX Runtime is on the class path only then (bin/shufflespark
 * adds job/target/onnxruntime/ for it). Its methods take and return only JDK types and ours, so that the
 * caller's class never names an ONNX Runtime type.
 */
final class OnnxRuntimeBench {

    /**
     * An open session and its input, ready to time.
     *
     * @param version ONNX Runtime's version
     * @param batch   one {@code run} of the session on the batch, on the calling thread
     */
    record Opened(String version, BatchTimer.Batch batch, AutoCloseable resources) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }
    }

    private OnnxRuntimeBench() {
    }

    /**
     * A session of {@code model} with {@code threads} intra-op threads (with one, ONNX Runtime runs each call on
     * the calling thread; with more, on a pool of its own that the calling thread joins) and one inter-op thread,
     * every graph optimisation on, fed a seeded random batch.
     */
    static Opened open(byte[] model, int threads, int batch, int height, int width, long seed) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            OrtSession session = env.createSession(model, options);
            try {
                String input = session.getInputNames().iterator().next();
                float[] x = BatchTimer.seededInput(batch * 3 * height * width, seed);
                OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x),
                        new long[] {batch, 3, height, width});
                Map<String, OnnxTensor> feed = Map.of(input, tensor);
                return new Opened(env.getVersion(), () -> runOnce(session, feed), () -> {
                    tensor.close();
                    session.close();
                });
            } catch (OrtException | RuntimeException e) {
                session.close();
                throw e;
            }
        } catch (OrtException e) {
            throw new CliFailure("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    private static float runOnce(OrtSession session, Map<String, OnnxTensor> feed) {
        try (OrtSession.Result r = session.run(feed)) {
            if (r.size() < 1) {
                throw new CliFailure("ONNX Runtime gave no output");
            }
            return r.size();
        } catch (OrtException e) {
            throw new CliFailure("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }
}
