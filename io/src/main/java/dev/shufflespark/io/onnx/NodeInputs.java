package dev.shufflespark.io.onnx;

/**
 * The inputs of one node, each a {@link Constant}, an {@link Activation} or absent (an omitted optional input),
 * with the checks every operator needs: errors name the node and which input is wrong.
 */
final class NodeInputs {
    private final OnnxNode node;
    private final OnnxValue[] values;

    NodeInputs(OnnxNode node, OnnxValue[] values) {
        this.node = node;
        this.values = values;
    }

    int size() {
        return values.length;
    }

    /** Input i, or null when it is absent. */
    OnnxValue get(int i) {
        return i < values.length ? values[i] : null;
    }

    boolean present(int i) {
        return get(i) != null;
    }

    boolean anyActivation() {
        for (OnnxValue v : values) {
            if (v instanceof Activation) {
                return true;
            }
        }
        return false;
    }

    /** Input i, which must be known at load time; fails naming {@code what} when it is absent or computed. */
    Constant constant(int i, String what) {
        OnnxValue v = get(i);
        if (v == null) {
            throw node.error("has no " + what);
        }
        if (!(v instanceof Constant c)) {
            throw node.error("its " + what + " must be known at load time (an initializer or a constant), "
                    + "but it is computed from the input");
        }
        return c;
    }

    /** Input i when it is given (it must then be known at load time), else null. */
    Constant optionalConstant(int i, String what) {
        return present(i) ? constant(i, what) : null;
    }

    /** The inputs after the data input as constants, as {@link Folding} takes them; the data input is null. */
    Constant[] arguments() {
        Constant[] c = new Constant[values.length];
        for (int i = 1; i < values.length; i++) {
            if (values[i] != null) {
                c[i] = constant(i, "input " + i);
            }
        }
        return c;
    }

    /** Every input, when none is an activation (absent ones null). */
    Constant[] constants() {
        Constant[] c = new Constant[values.length];
        for (int i = 0; i < values.length; i++) {
            c[i] = (Constant) values[i];
        }
        return c;
    }
}
