package dev.shufflespark.io.onnx;

import dev.shufflespark.model.Model;
import java.util.Arrays;

/**
 * An imported ONNX model: the engine's {@link Model} and what the file says about its input and output.
 *
 * @param model       the model, as fast as a built-in one once its engine is built
 * @param inputName   the graph input's name, e.g. {@code input} or {@code gpu_0/data_0}
 * @param inputShape  the declared input shape, -1 for a dynamic dimension (e.g. {@code [-1, 3, 224, 224]})
 * @param outputName  the graph output's name
 * @param opset       the version of the default ("ai.onnx") operator set
 * @param producer    the producer recorded in the file, e.g. {@code pytorch 1.13.1}, or empty
 */
public record OnnxModel(Model model, String inputName, long[] inputShape, String outputName, long opset,
                        String producer) {

    /** True when the output is already a softmax (the engine does not apply another). */
    public boolean outputsProbabilities() {
        return model.outputsProbabilities();
    }

    /** True when the batch dimension of the input is dynamic. */
    public boolean dynamicBatch() {
        return inputShape.length > 0 && inputShape[0] < 0;
    }

    @Override
    public long[] inputShape() {
        return inputShape.clone();
    }

    @Override
    public String toString() {
        return "OnnxModel[" + model.name() + ", input " + inputName + " " + Arrays.toString(inputShape) + ", output "
                + outputName + (outputsProbabilities() ? " (softmax)" : "") + ", opset " + opset + "]";
    }
}
