package dev.shufflespark.io.onnx;

import dev.shufflespark.model.ModelException;

/**
 * An ONNX model that cannot be imported or exported: not an ONNX file, truncated, an unsupported operator or
 * opset, a missing initializer, a shape that does not check. The message says which, and where.
 */
public class OnnxException extends ModelException {
    public OnnxException(String message) {
        super(message);
    }

    public OnnxException(String message, Throwable cause) {
        super(message, cause);
    }
}
