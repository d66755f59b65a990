package dev.shufflespark.model;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The named tensors of a model, in a stable order. Names follow PyTorch's {@code state_dict}
 * conventions (torchvision's for ShuffleNet V2), so that trained weights map one to one.
 */
public final class Weights {
    private final Map<String, Tensor> tensors;

    public Weights(Map<String, Tensor> tensors) {
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** The tensor called {@code name}, checked against the shape the architecture expects. */
    public Tensor get(String name, int... expectedShape) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelException("missing tensor '" + name + "' (expected shape "
                    + Arrays.toString(expectedShape) + ")");
        }
        if (!t.hasShape(expectedShape)) {
            throw new ModelException("tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + Arrays.toString(expectedShape));
        }
        return t;
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new ModelException("missing tensor '" + name + "'");
        }
        return t;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public Map<String, Tensor> asMap() {
        return tensors;
    }

    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors.values()) {
            n += t.size();
        }
        return n;
    }

    /** Checks that these weights hold exactly the given names and shapes, naming the first difference. */
    public void checkAgainst(Map<String, int[]> expected) {
        for (Map.Entry<String, int[]> e : expected.entrySet()) {
            get(e.getKey(), e.getValue());
        }
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                throw new ModelException("unexpected tensor '" + name + "' " + tensors.get(name));
            }
        }
    }
}
