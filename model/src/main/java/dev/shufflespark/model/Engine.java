package dev.shufflespark.model;

import dev.shufflespark.model.kernel.Simd;
import dev.shufflespark.model.plan.Graph;
import dev.shufflespark.model.plan.Program;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A runnable model: an (optimised) graph and its compiled programs, one per input size. Immutable after
 * construction and shared by every thread of a JVM; each thread runs it through its own {@link Session}.
 */
public final class Engine {
    private final String name;
    private final Graph graph;
    private volatile int numClasses = -1;
    private final ConcurrentMap<Long, Program> programs = new ConcurrentHashMap<>();

    public Engine(String name, Graph graph) {
        this.name = name;
        this.graph = graph;
    }

    public String name() {
        return name;
    }

    public Graph graph() {
        return graph;
    }

    /** Output channels for a 224x224 image (computed on first use: a graph of 1x1 inputs has no 224x224 shape). */
    public int numClasses() {
        int n = numClasses;
        if (n < 0) {
            n = graph.shapes(224, 224)[graph.output()].channels();
            numClasses = n;
        }
        return n;
    }

    /** Which kernels run, e.g. {@code vector 512-bit (16 float lanes)} or {@code scalar (...)}. */
    public String kernelPath() {
        return Simd.description();
    }

    /** The compiled program for {@code height x width} images; compiled once per size. */
    public Program program(int height, int width) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("input must be [N, " + graph.inputChannels() + ", H, W] with H, W >= 1; got H="
                    + height + ", W=" + width);
        }
        return programs.computeIfAbsent(((long) height << 32) | width, k -> compile(height, width));
    }

    private Program compile(int height, int width) {
        try {
            return Program.compile(graph, height, width);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("input [N, " + graph.inputChannels() + ", " + height + ", " + width
                    + "] does not fit model " + name + ": " + e.getMessage(), e);
        }
    }

    /** A session with buffers for up to {@code maxBatch} images of {@code height x width}; one per thread. */
    public Session newSession(int maxBatch, int height, int width) {
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be >= 1, got " + maxBatch);
        }
        return new Session(this, program(height, width), maxBatch);
    }
}
