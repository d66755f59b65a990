package dev.shufflespark.io.model;

import dev.shufflespark.model.Model;
import java.util.Arrays;

/**
 * A model as {@link ModelLoader} opened it: the engine's model, what it was opened from, and the input its file
 * declares.
 *
 * @param model         the model
 * @param kind          a built-in (seeded weights), a shufflespark model file or an ONNX file
 * @param declaredInput the input shape the file declares, {@code [N, C, H, W]} with -1 for a dynamic
 *                      dimension; null when the model declares none (built-ins and model files take any size)
 */
public record OpenedModel(Model model, Kind kind, long[] declaredInput) {

    /** What a model was opened from. */
    public enum Kind {
        /** A built-in name: seeded, untrained weights, so its labels are meaningless. */
        BUILTIN,
        /** A shufflespark model file ({@code .ssnm}). */
        MODEL_FILE,
        /** An ONNX file. */
        ONNX
    }

    public OpenedModel {
        declaredInput = declaredInput == null ? null : declaredInput.clone();
    }

    /** True for a built-in model, whose seeded weights make its labels meaningless. */
    public boolean builtin() {
        return kind == Kind.BUILTIN;
    }

    @Override
    public long[] declaredInput() {
        return declaredInput == null ? null : declaredInput.clone();
    }

    @Override
    public String toString() {
        return "OpenedModel[" + model.name() + ", " + kind + (declaredInput == null ? ""
                : ", input " + Arrays.toString(declaredInput)) + "]";
    }
}
