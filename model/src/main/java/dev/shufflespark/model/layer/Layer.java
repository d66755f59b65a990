package dev.shufflespark.model.layer;

/**
 * One operation of a network: its hyper-parameters and weights, shape inference, and a forward pass bound to
 * concrete addresses by {@link #compile}. A layer does not know where its weights came from. Layers are
 * immutable and shared by every thread.
 */
public interface Layer {

    /** A unique label within the graph, e.g. {@code stage2.0.conv1}. */
    String name();

    /** The output shape; throws {@link IllegalArgumentException} naming the expected shape when an input does not fit. */
    Shape outputShape(Shape[] inputs);

    /** Binds the forward pass to the inputs' and output's addresses. Not called for view layers. */
    Step compile(Activation[] inputs, Activation output);

    /** Multiply-adds per image (convolutions and fully connected layers; 0 for the rest). */
    default long multiplyAdds(Shape[] inputs) {
        return 0;
    }

    /** Floats of scratch space one forward call needs. */
    default int scratchFloats(Shape[] inputs) {
        return 0;
    }

    /**
     * For a layer that only re-indexes channels of its single input (a view): output channel c is input channel
     * {@code map[c]}. Null for layers that compute.
     */
    default int[] viewMap(Shape[] inputs) {
        return null;
    }

    static IllegalArgumentException badInput(Layer layer, String expected, Shape[] inputs) {
        StringBuilder got = new StringBuilder();
        for (Shape s : inputs) {
            got.append(got.length() == 0 ? "" : ", ").append(s);
        }
        return new IllegalArgumentException(layer.getClass().getSimpleName() + " '" + layer.name() + "' expects "
                + expected + ", got " + got);
    }
}
