package dev.shufflespark.io.onnx;

import dev.shufflespark.model.layer.Shape;
import java.util.Arrays;

/** The attributes that Conv and the pools share: kernel shape, dilations, and explicit or automatic pads. */
final class WindowAttributes {
    private WindowAttributes() {
    }

    static void checkKernelShape(OnnxNode n, long[] fromWeight) {
        long[] k = n.attrInts("kernel_shape");
        if (k != null && !Arrays.equals(k, fromWeight)) {
            throw n.error("kernel_shape " + Arrays.toString(k) + " differs from the weight's "
                    + Arrays.toString(fromWeight));
        }
    }

    static void checkDilations(OnnxNode n, int spatial) {
        for (long d : n.attrInts("dilations", spatial, 1)) {
            if (d != 1) {
                throw n.error("dilations " + Arrays.toString(n.attrInts("dilations")) + " are not supported (only 1)");
            }
        }
    }

    /**
     * Explicit or automatic padding as {top, left, bottom, right}; a 1-D operator pads only the left and right.
     * Automatic padding with a stride needs the input's size, which {@code spatialKnown} says is declared.
     */
    static int[] pads(OnnxNode n, int spatial, Shape in, int[] kernel, int[] stride, boolean spatialKnown) {
        String auto = n.attrString("auto_pad", "NOTSET");
        int[] p = new int[4];
        if (auto.equals("NOTSET") || auto.isEmpty()) {
            long[] pads = n.attrInts("pads", 2 * spatial, 0);
            for (long v : pads) {
                if (v < 0) {
                    throw n.error("negative pads " + Arrays.toString(pads) + " are not supported");
                }
            }
            if (spatial == 2) {
                p = new int[] {(int) pads[0], (int) pads[1], (int) pads[2], (int) pads[3]};
            } else {
                p = new int[] {0, (int) pads[0], 0, (int) pads[1]};
            }
            return p;
        }
        if (auto.equals("VALID")) {
            return p;
        }
        if (!auto.equals("SAME_UPPER") && !auto.equals("SAME_LOWER")) {
            throw n.error("auto_pad " + auto + " is not supported");
        }
        int[] size = {in.height(), in.width()};
        for (int axis = 2 - spatial; axis < 2; axis++) {
            int k = kernel[axis];
            int s = stride[axis];
            if (!spatialKnown && s != 1) {
                throw n.error("auto_pad " + auto + " with stride " + s + " needs the input's height and width, "
                        + "which the model leaves dynamic");
            }
            int out = (size[axis] + s - 1) / s;
            int total = Math.max(0, (out - 1) * s + k - size[axis]);
            int small = total / 2;
            int begin = auto.equals("SAME_UPPER") ? small : total - small;
            p[axis] = begin;
            p[axis + 2] = total - begin;
        }
        return p;
    }
}
