package dev.shufflespark.io.onnx;

/**
 * The operators of one family that run on activations ({@link ConvolutionOperators}, {@link PoolingOperators},
 * {@link ReshapeOperators}, {@link ArithmeticOperators}). Each turns a node into engine layers, or into a new view
 * of a value it already has, in the {@link ImportContext} it was made with.
 */
interface OperatorFamily {
    /** Imports node {@code n}, whose first input is the activation {@code x}. */
    void apply(OnnxNode n, Activation x, NodeInputs in);
}
