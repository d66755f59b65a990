package dev.shufflespark.job.model;

import dev.shufflespark.model.layer.Add;
import dev.shufflespark.model.layer.BatchNorm2d;
import dev.shufflespark.model.layer.ChannelShuffle;
import dev.shufflespark.model.layer.ChannelView;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.GlobalAvgPool;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Relu;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A graph as plain arrays, the form in which the broadcast model travels: one name per node, one {@code int[]} of
 * structure and hyper-parameters, and the weights as {@code float[]}s. Any serializer carries them without
 * reflection into JDK classes (Java serialization as it is, Kryo with its array serializers), so the job needs
 * no JVM flag for them.
 *
 * <p>{@code code} holds, for each node in order: the layer kind, the number of inputs, the input value ids, the
 * output value id, then the kind's parameters (floats as their raw bits, booleans as 0/1, a weight array as its
 * index in {@code tensors}, -1 for none). Reading rebuilds the graph with {@link Graph#builder}, which numbers
 * values afresh; the old ids are mapped, so every edge is kept.
 *
 * @param inputChannels the graph's input channels
 * @param output        the value id of the graph's output
 * @param names         each node's layer name
 * @param code          structure and parameters, as described above
 * @param tensors       weight arrays, referred to by index from {@code code}
 * @param keptNames     the names of the values the graph keeps besides its output ({@link Graph#kept})
 * @param keptValues    their value ids, in the same order
 */
public record GraphArrays(int inputChannels, int output, String[] names, int[] code, float[][] tensors,
                          String[] keptNames, int[] keptValues) {

    /** A graph that keeps nothing besides its output. */
    public GraphArrays(int inputChannels, int output, String[] names, int[] code, float[][] tensors) {
        this(inputChannels, output, names, code, tensors, new String[0], new int[0]);
    }

    /** The layers a graph may hold, each with its kind number (its index here). */
    static final List<Class<? extends Layer>> LAYERS = List.of(Add.class, BatchNorm2d.class, ChannelShuffle.class,
            ChannelView.class, Clip.class, Concat.class, Conv2d.class, Flatten.class, GlobalAvgPool.class,
            Linear.class, Pool2d.class, Relu.class, Softmax.class);

    /** Value ids are below this (passes leave gaps where they removed nodes, so ids may exceed the node count). */
    static final int MAX_VALUE_ID = 1 << 20;

    /** The arrays of {@code graph}. Layers are not copied: their weight arrays are referred to as they are. */
    public static GraphArrays of(Graph graph) {
        Writer w = new Writer();
        List<String> names = new ArrayList<>();
        for (Graph.Node node : graph.nodes()) {
            Layer layer = node.layer();
            names.add(layer.name());
            int kind = LAYERS.indexOf(layer.getClass());
            if (kind < 0) {
                throw new IllegalArgumentException("layer " + layer.name() + " (" + layer.getClass().getName()
                        + ") has no broadcast form; add it to " + GraphArrays.class.getName());
            }
            w.add(kind);
            w.add(node.inputs().length);
            for (int v : node.inputs()) {
                w.add(v);
            }
            w.add(node.output());
            w.layer(layer);
        }
        String[] keptNames = graph.kept().keySet().toArray(new String[0]);
        int[] keptValues = graph.kept().values().stream().mapToInt(Integer::intValue).toArray();
        return new GraphArrays(graph.inputChannels(), graph.output(), names.toArray(new String[0]), w.code(),
                w.tensors.toArray(new float[0][]), keptNames, keptValues);
    }

    /** The graph again; a damaged form fails with an {@link IllegalArgumentException} naming what is wrong. */
    public Graph graph() {
        Reader r = new Reader(this);
        Graph.Builder builder = Graph.builder(inputChannels);
        List<Integer> ids = new ArrayList<>(); // old value id -> new value id (-1: not produced yet)
        put(ids, Graph.INPUT, builder.input());
        for (int node = 0; node < names.length; node++) {
            r.node = node;
            int kind = r.next();
            if (kind < 0 || kind >= LAYERS.size()) {
                throw r.bad("unknown layer kind " + kind);
            }
            int[] inputs = new int[r.count(16)];
            for (int i = 0; i < inputs.length; i++) {
                inputs[i] = lookup(ids, r.next(), r);
            }
            int out = r.next();
            if (out <= Graph.INPUT || out >= MAX_VALUE_ID) {
                throw r.bad("output value " + out + " out of range 1.." + (MAX_VALUE_ID - 1));
            }
            if (out < ids.size() && ids.get(out) >= 0) {
                throw r.bad("output value " + out + " is produced twice");
            }
            Layer layer;
            try {
                layer = r.layer(LAYERS.get(kind), names[node]);
            } catch (IllegalArgumentException e) {
                throw r.bad(e.getMessage());
            }
            put(ids, out, builder.add(layer, inputs));
        }
        if (r.pos != code.length) {
            throw new IllegalArgumentException("broadcast model: " + (code.length - r.pos) + " values after the last node");
        }
        Graph graph;
        try {
            graph = builder.build(lookup(ids, output, r));
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("broadcast model: " + e.getMessage(), e);
        }
        if (keptNames == null || keptValues == null || keptNames.length != keptValues.length) {
            throw new IllegalArgumentException("broadcast model: the kept values' names and ids do not pair up");
        }
        for (int k = 0; k < keptNames.length; k++) {
            try {
                graph = graph.keep(keptNames[k], lookup(ids, keptValues[k], r));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("broadcast model: kept value " + keptNames[k] + ": "
                        + e.getMessage(), e);
            }
        }
        return graph;
    }

    private static void put(List<Integer> ids, int old, int id) {
        while (ids.size() <= old) {
            ids.add(-1);
        }
        ids.set(old, id);
    }

    private static int lookup(List<Integer> ids, int old, Reader r) {
        int id = old >= 0 && old < ids.size() ? ids.get(old) : -1;
        if (id < 0) {
            throw r.bad("reads value " + old + " before it is produced");
        }
        return id;
    }

    /** Parameters in {@code code} order, for each layer kind. */
    private static final class Writer {
        private int[] code = new int[256];
        private int size;
        final List<float[]> tensors = new ArrayList<>();

        void add(int v) {
            if (size == code.length) {
                code = Arrays.copyOf(code, size * 2);
            }
            code[size++] = v;
        }

        void add(boolean b) {
            add(b ? 1 : 0);
        }

        void add(float f) {
            add(Float.floatToRawIntBits(f));
        }

        void tensor(float[] values) {
            if (values == null) {
                add(-1);
            } else {
                add(tensors.size());
                tensors.add(values);
            }
        }

        int[] code() {
            return Arrays.copyOf(code, size);
        }

        void layer(Layer layer) {
            if (layer instanceof Add a) {
                add(a.relu());
            } else if (layer instanceof BatchNorm2d b) {
                add(b.eps());
                tensor(b.gamma());
                tensor(b.beta());
                tensor(b.mean());
                tensor(b.var());
            } else if (layer instanceof ChannelShuffle s) {
                add(s.channels());
                add(s.groups());
            } else if (layer instanceof ChannelView v) {
                add(v.inChannels());
                int[] map = v.map();
                add(map.length);
                for (int c : map) {
                    add(c);
                }
            } else if (layer instanceof Clip c) {
                add(c.min());
                add(c.max());
            } else if (layer instanceof Concat c) {
                add(c.inPlace());
            } else if (layer instanceof Conv2d c) {
                add(c.inChannels());
                add(c.outChannels());
                add(c.kernelHeight());
                add(c.kernelWidth());
                add(c.strideHeight());
                add(c.strideWidth());
                add(c.padTop());
                add(c.padLeft());
                add(c.padBottom());
                add(c.padRight());
                add(c.groups());
                tensor(c.weight());
                tensor(c.bias());
                add(c.relu());
                add(c.residual());
            } else if (layer instanceof Linear l) {
                add(l.inFeatures());
                add(l.outFeatures());
                tensor(l.weight());
                tensor(l.bias());
            } else if (layer instanceof Pool2d p) {
                add(p.kind().ordinal());
                add(p.kernel());
                add(p.stride());
                add(p.padding());
                add(p.padBottom());
                add(p.padRight());
                add(p.countIncludePad());
                add(p.relu());
            }
            // Flatten, GlobalAvgPool, Relu and Softmax have nothing but their name.
        }
    }

    /** Reads {@code code} back, checking every index and count against what is there. */
    private static final class Reader {
        private final GraphArrays a;
        int pos;
        int node;

        Reader(GraphArrays a) {
            this.a = a;
        }

        IllegalArgumentException bad(String what) {
            String name = node < a.names.length ? a.names[node] : "?";
            return new IllegalArgumentException("broadcast model: node " + node + " (" + name + "): " + what);
        }

        int next() {
            if (pos >= a.code.length) {
                throw bad("ends early");
            }
            return a.code[pos++];
        }

        int count(int max) {
            int n = next();
            if (n < 0 || n > max) {
                throw bad("count " + n + " out of range 0.." + max);
            }
            return n;
        }

        boolean flag() {
            int v = next();
            if (v != 0 && v != 1) {
                throw bad("flag " + v + " is neither 0 nor 1");
            }
            return v == 1;
        }

        float real() {
            return Float.intBitsToFloat(next());
        }

        float[] tensor(boolean optional) {
            int i = next();
            if (i == -1 && optional) {
                return null;
            }
            if (i < 0 || i >= a.tensors.length || a.tensors[i] == null) {
                throw bad("weight array " + i + " out of range 0.." + (a.tensors.length - 1));
            }
            return a.tensors[i];
        }

        Layer layer(Class<? extends Layer> type, String name) {
            if (type == Add.class) {
                return new Add(name, flag());
            } else if (type == BatchNorm2d.class) {
                float eps = real();
                return new BatchNorm2d(name, tensor(false), tensor(false), tensor(false), tensor(false), eps);
            } else if (type == ChannelShuffle.class) {
                return new ChannelShuffle(name, next(), next());
            } else if (type == ChannelView.class) {
                int in = next();
                int[] map = new int[count(a.code.length - pos)];
                for (int i = 0; i < map.length; i++) {
                    map[i] = next();
                }
                return new ChannelView(name, in, map);
            } else if (type == Clip.class) {
                return new Clip(name, real(), real());
            } else if (type == Concat.class) {
                return new Concat(name, flag());
            } else if (type == Conv2d.class) {
                int cin = next();
                int cout = next();
                int kh = next();
                int kw = next();
                int sh = next();
                int sw = next();
                int pt = next();
                int pl = next();
                int pb = next();
                int pr = next();
                int groups = next();
                float[] weight = tensor(false);
                float[] bias = tensor(true);
                return new Conv2d(name, cin, cout, kh, kw, sh, sw, pt, pl, pb, pr, groups, weight, bias, flag(),
                        flag());
            } else if (type == Linear.class) {
                int in = next();
                int out = next();
                return new Linear(name, in, out, tensor(false), tensor(true));
            } else if (type == Pool2d.class) {
                int kind = next();
                if (kind < 0 || kind >= Pool2d.Kind.values().length) {
                    throw bad("unknown pool kind " + kind);
                }
                return new Pool2d(name, Pool2d.Kind.values()[kind], next(), next(), next(), next(), next(), flag(),
                        flag());
            } else if (type == Flatten.class) {
                return new Flatten(name);
            } else if (type == GlobalAvgPool.class) {
                return new GlobalAvgPool(name);
            } else if (type == Relu.class) {
                return new Relu(name);
            } else if (type == Softmax.class) {
                return new Softmax(name);
            }
            throw bad("no reader for " + type.getName());
        }
    }
}
