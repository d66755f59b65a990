package dev.shufflespark.io.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.Map;

/** ONNX Runtime on one model, for the tests: float32 in, the first output as float32 out. */
final class OrtRunner implements AutoCloseable {
    private final OrtEnvironment env = OrtEnvironment.getEnvironment();
    private final OrtSession session;
    final String inputName;

    OrtRunner(byte[] model) {
        try {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(1);
            session = env.createSession(model, options);
            inputName = session.getInputNames().iterator().next();
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime cannot load the model: " + e.getMessage(), e);
        }
    }

    float[] run(float[] input, long... shape) {
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input), shape);
             OrtSession.Result r = session.run(Map.of(inputName, x))) {
            FloatBuffer out = ((OnnxTensor) r.get(0)).getFloatBuffer();
            float[] a = new float[out.remaining()];
            out.get(a);
            return a;
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new AssertionError(e);
        }
    }
}
