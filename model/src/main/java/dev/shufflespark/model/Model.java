package dev.shufflespark.model;

import java.nio.file.Path;

/** STUB: API being written. */
public final class Model {
    /** A built-in model (seeded, untrained weights) by torchvision-style name, e.g. shufflenet_v1_g3_x1_0. */
    public static Model builtin(String name) { throw new UnsupportedOperationException("in progress"); }
    /** A built-in name, or a path to a model file of ours. */
    public static Model open(String nameOrPath) { throw new UnsupportedOperationException("in progress"); }
    public static Model load(Path file) { throw new UnsupportedOperationException("in progress"); }
    public String name() { throw new UnsupportedOperationException("in progress"); }
    public Architecture architecture() { throw new UnsupportedOperationException("in progress"); }
    public Weights weights() { throw new UnsupportedOperationException("in progress"); }
    public int numClasses() { throw new UnsupportedOperationException("in progress"); }
    public long parameterCount() { throw new UnsupportedOperationException("in progress"); }
    /** Multiply-adds of conv and fully connected layers for one image of the given size. */
    public long multiplyAdds(int height, int width) { throw new UnsupportedOperationException("in progress"); }
    /** The optimised engine (built once per model, shared by all threads). */
    public Engine engine() { throw new UnsupportedOperationException("in progress"); }
}
