package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network as a list of nodes in execution order. Values are integers: value 0 is the input image batch; every
 * node produces one new value from earlier ones. Graphs are immutable; passes return new graphs.
 *
 * <p>Besides its output, a graph may keep other values under names ({@link #keep}): each counts as one more use
 * of its value, so that no pass fuses it away or changes what it holds, and the memory planner keeps it alive to
 * the end of a run, where a session reads it ({@code Session.kept}).
 */
public final class Graph {
    public static final int INPUT = 0;
    /** The name under which a graph keeps its globally pooled features ({@link PooledFeatures}). */
    public static final String FEATURES = "features";

    /** One operation: a layer applied to earlier values, producing {@code output}. */
    public record Node(Layer layer, int[] inputs, int output) {
        @Override
        public String toString() {
            return output + " = " + layer + " " + Arrays.toString(inputs);
        }
    }

    private final List<Node> nodes;
    private final int output;
    private final int inputChannels;
    private final Map<String, Integer> kept;

    Graph(List<Node> nodes, int output, int inputChannels) {
        this(nodes, output, inputChannels, Map.of());
    }

    Graph(List<Node> nodes, int output, int inputChannels, Map<String, Integer> kept) {
        this.nodes = Collections.unmodifiableList(new ArrayList<>(nodes));
        this.output = output;
        this.inputChannels = inputChannels;
        this.kept = Collections.unmodifiableMap(new LinkedHashMap<>(kept));
        checkOrder();
    }

    public static Builder builder(int inputChannels) {
        return new Builder(inputChannels);
    }

    public List<Node> nodes() {
        return nodes;
    }

    public int output() {
        return output;
    }

    public int inputChannels() {
        return inputChannels;
    }

    /** The values kept besides the output, by name, in the order they were kept. */
    public Map<String, Integer> kept() {
        return kept;
    }

    /**
     * This graph keeping {@code value} under {@code name} as well: passes leave it as it is (it counts as a use),
     * and a compiled program keeps it alive to the end of a run. Keep before optimising: a pass may fuse away a
     * value that nothing keeps.
     */
    public Graph keep(String name, int value) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a kept value needs a name");
        }
        if (kept.containsKey(name)) {
            throw new IllegalArgumentException("the graph already keeps a value named " + name);
        }
        if (value == INPUT || value < 0 || value >= valueLimit() || producers()[value] == null) {
            throw new IllegalArgumentException("cannot keep value " + value + ": no node of the graph produces it");
        }
        Map<String, Integer> more = new LinkedHashMap<>(kept);
        more.put(name, value);
        return new Graph(nodes, output, inputChannels, more);
    }

    /** One past the largest value id. */
    public int valueLimit() {
        int max = INPUT;
        for (Node n : nodes) {
            max = Math.max(max, n.output());
        }
        return max + 1;
    }

    /** How many node inputs read each value (the graph output and each kept value count as one use). */
    public int[] useCounts() {
        int[] uses = new int[valueLimit()];
        for (Node n : nodes) {
            for (int v : n.inputs()) {
                uses[v]++;
            }
        }
        uses[output]++;
        for (int v : kept.values()) {
            uses[v]++;
        }
        return uses;
    }

    /** The node producing each value (null for the input). */
    public Node[] producers() {
        Node[] p = new Node[valueLimit()];
        for (Node n : nodes) {
            p[n.output()] = n;
        }
        return p;
    }

    /** Every value's shape for an input image of {@code height x width}. */
    public Shape[] shapes(int height, int width) {
        Shape[] shapes = new Shape[valueLimit()];
        shapes[INPUT] = new Shape(inputChannels, height, width);
        for (Node n : nodes) {
            shapes[n.output()] = n.layer().outputShape(inputShapes(n, shapes));
        }
        return shapes;
    }

    static Shape[] inputShapes(Node n, Shape[] shapes) {
        Shape[] in = new Shape[n.inputs().length];
        for (int i = 0; i < in.length; i++) {
            in[i] = shapes[n.inputs()[i]];
        }
        return in;
    }

    /** Multiply-adds of convolutions and fully connected layers for one image. */
    public long multiplyAdds(int height, int width) {
        Shape[] shapes = shapes(height, width);
        long total = 0;
        for (Node n : nodes) {
            total += n.layer().multiplyAdds(inputShapes(n, shapes));
        }
        return total;
    }

    /** Counts nodes whose layer is of the given class. */
    public int count(Class<? extends Layer> type) {
        int count = 0;
        for (Node n : nodes) {
            count += type.isInstance(n.layer()) ? 1 : 0;
        }
        return count;
    }

    private void checkOrder() {
        boolean[] defined = new boolean[valueLimit()];
        defined[INPUT] = true;
        for (Node n : nodes) {
            for (int v : n.inputs()) {
                if (!defined[v]) {
                    throw new IllegalStateException("node " + n + " reads value " + v + " before it is produced");
                }
            }
            if (defined[n.output()]) {
                throw new IllegalStateException("value " + n.output() + " is produced twice");
            }
            defined[n.output()] = true;
        }
        if (!defined[output]) {
            throw new IllegalStateException("graph output " + output + " is never produced");
        }
        kept.forEach((name, v) -> {
            if (v <= INPUT || v >= defined.length || !defined[v]) {
                throw new IllegalStateException("kept value " + name + " (" + v + ") is never produced");
            }
        });
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Node n : nodes) {
            sb.append(n).append('\n');
        }
        sb.append("output ").append(output);
        kept.forEach((name, v) -> sb.append("\nkept ").append(name).append(' ').append(v));
        return sb.toString();
    }

    /** Appends nodes in execution order. */
    public static final class Builder {
        private final List<Node> nodes = new ArrayList<>();
        private final int inputChannels;
        private int next = INPUT + 1;

        Builder(int inputChannels) {
            this.inputChannels = inputChannels;
        }

        public int input() {
            return INPUT;
        }

        public int add(Layer layer, int... inputs) {
            int out = next++;
            nodes.add(new Node(layer, inputs.clone(), out));
            return out;
        }

        public Graph build(int output) {
            return new Graph(nodes, output, inputChannels);
        }
    }

    /**
     * An edit of a graph: nodes replaced or removed by index, and values renamed. Used by passes; the result
     * reads every renamed value through the alias map.
     */
    static final class Edit {
        private final Graph graph;
        private final Node[] nodes;
        private final Map<Integer, Integer> alias = new HashMap<>();

        Edit(Graph graph) {
            this.graph = graph;
            this.nodes = graph.nodes.toArray(new Node[0]);
        }

        void replace(int index, Node node) {
            nodes[index] = node;
        }

        void remove(int index) {
            nodes[index] = null;
        }

        /** Every later read of {@code from} reads {@code to} instead. */
        void alias(int from, int to) {
            alias.put(from, to);
        }

        private int resolve(int v) {
            Integer to = alias.get(v);
            while (to != null) {
                v = to;
                to = alias.get(v);
            }
            return v;
        }

        Graph result() {
            List<Node> out = new ArrayList<>();
            for (Node n : nodes) {
                if (n != null) {
                    int[] in = n.inputs().clone();
                    for (int i = 0; i < in.length; i++) {
                        in[i] = resolve(in[i]);
                    }
                    out.add(new Node(n.layer(), in, n.output()));
                }
            }
            Map<String, Integer> kept = new LinkedHashMap<>();
            graph.kept.forEach((name, v) -> kept.put(name, resolve(v)));
            return new Graph(out, resolve(graph.output), graph.inputChannels, kept);
        }
    }
}
