package dev.shufflespark.io.onnx;

/**
 * A value of an ONNX graph as the importer holds it: known when the model loads ({@link Constant}: an
 * initializer, a Constant node or a folded shape computation), or computed by the engine from the image input
 * ({@link Activation}).
 */
sealed interface OnnxValue permits Constant, Activation {
}
