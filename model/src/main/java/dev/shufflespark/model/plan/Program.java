package dev.shufflespark.model.plan;

import dev.shufflespark.model.layer.Activation;
import dev.shufflespark.model.layer.Concat;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Layer;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A graph compiled for one input size: every value's address, the buffers they share, and the steps to run.
 *
 * <p>Memory planning happens in three moves. Views (channel re-indexings) get their input's planes, re-ordered.
 * Inputs of in-place concatenations are given planes of the concatenation's output before they are produced, so
 * their producers write there directly. A convolution that adds a residual which nothing reads after it writes
 * its output over that residual ({@link #residualsInPlace}): ShuffleNet v1's stride-1 units, whose input and
 * output (0.75 MB an image at 28 x 28) then take one buffer instead of two. Then every buffer's live range (first write to last read, over all
 * values that alias it) is known, and buffers whose ranges do not overlap share a slot; a session allocates each
 * slot once. Slot 0 is bound to the caller's input array. The output and the values the graph keeps
 * ({@link Graph#kept}) live to the end of the run, so that a session reads them after it.
 *
 * <p>One fusion happens here rather than in a pass over the graph, because it is about steps, not layers (the
 * graph keeps its layers, which is the form a model is shipped in): a convolution that only a max pool reads,
 * the stem of both ShuffleNets, runs with the pool as one step ({@link Conv2d#compileWithMaxPool}), and its
 * output gets no buffer ({@link #maxPoolsAfterConvolutions}).
 */
public final class Program {
    private final Shape inputShape;
    private final Step[] steps;
    private final String[] stepNames;
    private final int[] slotFloats;
    private final int scratchFloats;
    private final Activation output;
    private final Map<String, Activation> kept;
    private final int concatCopies;
    private final int residualsInPlace;
    private final Graph graph;
    private final Shape[] shapes;
    private final boolean[] pooled;
    private final Activation[] acts;
    private final boolean[] imageLocal;
    private final int[] imageStepNodes;

    private Program(Graph graph, Shape[] shapes, boolean[] pooled, Activation[] acts, boolean[] imageLocal,
                    int[] imageStepNodes, Step[] steps, String[] stepNames, int[] slotFloats, int scratchFloats,
                    int concatCopies, int residualsInPlace) {
        this.residualsInPlace = residualsInPlace;
        this.graph = graph;
        this.shapes = shapes;
        this.pooled = pooled;
        this.acts = acts;
        this.imageLocal = imageLocal;
        this.imageStepNodes = imageStepNodes;
        Shape inputShape = shapes[Graph.INPUT];
        Activation output = acts[graph.output()];
        Map<String, Activation> kept = new LinkedHashMap<>();
        graph.kept().forEach((name, v) -> kept.put(name, acts[v]));
        this.kept = Collections.unmodifiableMap(kept);
        this.concatCopies = concatCopies;
        this.inputShape = inputShape;
        this.steps = steps;
        this.stepNames = stepNames;
        this.slotFloats = slotFloats;
        this.scratchFloats = scratchFloats;
        this.output = output;
    }

    public Shape inputShape() {
        return inputShape;
    }

    public Shape outputShape() {
        return output.shape();
    }

    public Step[] steps() {
        return steps;
    }

    public String[] stepNames() {
        return stepNames;
    }

    /** Floats per image of each slot (slot 0, the caller's input, needs none). */
    public int[] slotFloats() {
        return slotFloats.clone();
    }

    /** The widest plane of any value the steps read or write (the input's included). */
    public int maxPlaneWidth() {
        int w = 0;
        for (Shape s : shapes) {
            if (s != null) {
                w = Math.max(w, s.width());
            }
        }
        return w;
    }

    public int scratchFloats() {
        return scratchFloats;
    }

    public Activation output() {
        return output;
    }

    /** Where each value the graph keeps lives, by name. */
    public Map<String, Activation> kept() {
        return kept;
    }

    /** Channel planes per image that concatenations copy (those not written in place by their producers). */
    public int concatCopies() {
        return concatCopies;
    }

    /** Convolutions that write their output over the residual they add (see {@link #compile}). */
    public int residualsInPlace() {
        return residualsInPlace;
    }

    /**
     * How many of the first {@link #steps} a session runs image by image ({@link #stepsForImage}), the rest over
     * the whole batch; 0 when every step runs over the batch.
     */
    public int imageSteps() {
        return imageStepNodes.length;
    }

    /**
     * The first {@link #imageSteps} steps bound to image {@code image} of a batch, to run with a batch of 1. They
     * read the input and write every value that a later step reads at that image's place; a value that only they
     * use stays at image 0's place, so that each image's pass reuses the same memory. Compiles new steps (it
     * allocates): a session asks once per image, when it is created.
     */
    public Step[] stepsForImage(int image) {
        if (image == 0) {
            return Arrays.copyOf(steps, imageStepNodes.length);
        }
        Activation[] at = new Activation[acts.length];
        for (int v = 0; v < acts.length; v++) {
            Activation a = acts[v];
            if (a != null) {
                at[v] = imageLocal[v] ? a : new Activation(a.slot(), a.imageStride(),
                        offsetBy(a.planes(), Math.multiplyExact(image, a.imageStride())), a.shape());
            }
        }
        Step[] s = new Step[imageStepNodes.length];
        for (int j = 0; j < s.length; j++) {
            s[j] = compileStep(graph.nodes(), imageStepNodes[j], at, shapes, pooled);
        }
        return s;
    }

    /** A buffer of planes that some values share (through views and in-place concatenation). */
    private static final class Buffer {
        final int planes;
        final int planeSize;
        int firstWrite = Integer.MAX_VALUE;
        int lastRead = -1;
        int slot = -1;

        Buffer(int planes, int planeSize) {
            this.planes = planes;
            this.planeSize = planeSize;
        }

        int floats() {
            return planes * planeSize;
        }
    }

    public static Program compile(Graph graph, int height, int width) {
        return compile(graph, height, width, IMAGE_BY_IMAGE_PLANE);
    }

    /**
     * Planes of at least this many pixels (28 x 28) are read image by image ({@link #compile(Graph, int, int,
     * int)}). One ShuffleNet image's values at 56 x 56 and 28 x 28 take 0.5-1 MB, about a core's L2: a batch of
     * them, layer by layer, streams from L3 at every layer, where one image's pass keeps them in L2. The later
     * layers (14 x 14, 7 x 7, the classifier) gain from the batch: their tail pixels are gathered across images
     * and the classifier's weights are read once per batch.
     */
    static final int IMAGE_BY_IMAGE_PLANE = 28 * 28;

    /**
     * Compiles {@code graph} for {@code height x width} images. Every node up to the last one that reads a plane
     * of at least {@code imageByImagePlane} pixels runs image by image ({@link #stepsForImage}), the rest over the
     * batch; {@link Integer#MAX_VALUE} runs every step over the batch. The values those first nodes pass to the
     * rest are planned to live from the start of the run, so that the next image's pass does not reuse their
     * memory; so {@link #steps} also run over a whole batch, layer by layer, on the same buffers.
     */
    static Program compile(Graph graph, int height, int width, int imageByImagePlane) {
        Shape[] shapes = graph.shapes(height, width);
        List<Graph.Node> nodes = graph.nodes();
        Graph.Node[] producers = graph.producers();
        int values = graph.valueLimit();
        List<Buffer> buffers = new ArrayList<>();
        int[] bufferOf = new int[values];
        int[][] planeOf = new int[values][];

        Buffer input = new Buffer(shapes[Graph.INPUT].channels(), shapes[Graph.INPUT].planeSize());
        input.slot = 0;
        buffers.add(input);
        bufferOf[Graph.INPUT] = 0;
        planeOf[Graph.INPUT] = identity(input.planes);

        // In-place concatenations claim planes for their inputs, outermost first.
        int[] claimedBuffer = new int[values];
        int[][] claimedPlanes = new int[values][];
        Arrays.fill(claimedBuffer, -1);
        boolean[] pooled = maxPoolsAfterConvolutions(graph);
        for (int i = nodes.size() - 1; i >= 0; i--) {
            Graph.Node node = nodes.get(i);
            if (!(node.layer() instanceof Concat concat) || !concat.inPlace()) {
                continue;
            }
            int out = node.output();
            if (claimedBuffer[out] < 0) {
                claimedBuffer[out] = newBuffer(buffers, shapes[out]);
                claimedPlanes[out] = identity(shapes[out].channels());
            }
            int offset = 0;
            for (int v : node.inputs()) {
                int c = shapes[v].channels();
                Graph.Node p = producers[v];
                boolean placeable = p != null && claimedBuffer[v] < 0 && v != graph.output()
                        && !graph.kept().containsValue(v) && p.layer().viewMap(Graph.inputShapes(p, shapes)) == null;
                if (placeable) {
                    claimedBuffer[v] = claimedBuffer[out];
                    claimedPlanes[v] = Arrays.copyOfRange(claimedPlanes[out], offset, offset + c);
                }
                offset += c;
            }
        }

        // Every value's buffer and planes, and each buffer's live range.
        int[] lastUse = new int[values];
        Arrays.fill(lastUse, -1);
        for (int i = 0; i < nodes.size(); i++) {
            for (int v : nodes.get(i).inputs()) {
                lastUse[v] = Math.max(lastUse[v], pooled[i] ? i + 1 : i);
            }
        }
        int residualsInPlace = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            int out = node.output();
            if (pooled[i]) {
                // its output only exists in the fused step's scratch; its inputs are read by that step, next
                for (int v : node.inputs()) {
                    Buffer b = buffers.get(bufferOf[v]);
                    b.lastRead = Math.max(b.lastRead, i + 1);
                }
                continue;
            }
            int[] map = node.layer().viewMap(Graph.inputShapes(node, shapes));
            if (map != null) {
                int in = node.inputs()[0];
                bufferOf[out] = bufferOf[in];
                planeOf[out] = new int[map.length];
                for (int c = 0; c < map.length; c++) {
                    planeOf[out][c] = planeOf[in][map[c]];
                }
            } else if (claimedBuffer[out] >= 0) {
                bufferOf[out] = claimedBuffer[out];
                planeOf[out] = claimedPlanes[out];
            } else if (residualInPlace(graph, i, lastUse, bufferOf, planeOf)) {
                // written over the residual it adds, which nothing reads after this node
                int res = node.inputs()[1];
                bufferOf[out] = bufferOf[res];
                planeOf[out] = planeOf[res];
                residualsInPlace++;
            } else {
                bufferOf[out] = newBuffer(buffers, shapes[out]);
                planeOf[out] = identity(shapes[out].channels());
            }
            for (int v : node.inputs()) {
                if (planeOf[v] == null) {
                    continue; // a fused convolution's output
                }
                Buffer b = buffers.get(bufferOf[v]);
                b.lastRead = Math.max(b.lastRead, i);
            }
            if (map == null) {
                Buffer b = buffers.get(bufferOf[out]);
                b.firstWrite = Math.min(b.firstWrite, i);
                b.lastRead = Math.max(b.lastRead, i);
            }
        }
        buffers.get(bufferOf[graph.output()]).lastRead = nodes.size();
        for (Map.Entry<String, Integer> k : graph.kept().entrySet()) {
            if (bufferOf[k.getValue()] == 0) {
                throw new IllegalArgumentException("kept value " + k.getKey() + " is a view of the input, which a "
                        + "session does not hold after a run");
            }
            buffers.get(bufferOf[k.getValue()]).lastRead = nodes.size();
        }

        // Nodes [0, split) run image by image: a value they pass on must outlive every image's pass.
        int split = 0;
        for (int i = 0; i < nodes.size(); i++) {
            for (Shape in : Graph.inputShapes(nodes.get(i), shapes)) {
                if (in.planeSize() >= imageByImagePlane) {
                    split = i + 1;
                }
            }
        }
        if (split > 0 && split < nodes.size() && pooled[split - 1]) {
            split++; // a fused convolution and its pool stay together
        }
        boolean[] localBuffer = new boolean[buffers.size()];
        for (int b = 1; b < buffers.size(); b++) {
            Buffer buffer = buffers.get(b);
            localBuffer[b] = buffer.lastRead < split;
            if (buffer.firstWrite < split && buffer.lastRead >= split) {
                buffer.firstWrite = 0;
            }
        }

        int[] slotFloats = assignSlots(buffers);

        Activation[] acts = new Activation[values];
        boolean[] imageLocal = new boolean[values];
        for (int v = 0; v < values; v++) {
            if (planeOf[v] == null) {
                continue;
            }
            imageLocal[v] = localBuffer[bufferOf[v]];
            Buffer b = buffers.get(bufferOf[v]);
            int[] offsets = new int[planeOf[v].length];
            for (int c = 0; c < offsets.length; c++) {
                offsets[c] = planeOf[v][c] * b.planeSize;
            }
            acts[v] = new Activation(b.slot, b.floats(), offsets, shapes[v]);
        }

        List<Step> steps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Integer> imageStepNodes = new ArrayList<>();
        int scratch = 0;
        int concatCopies = 0;
        for (int i = 0; i < nodes.size(); i++) {
            Graph.Node node = nodes.get(i);
            Shape[] in = Graph.inputShapes(node, shapes);
            Layer layer = node.layer();
            if (layer.viewMap(in) != null || pooled[i]) {
                continue;
            }
            steps.add(compileStep(nodes, i, acts, shapes, pooled));
            if (i < split) {
                imageStepNodes.add(i);
            }
            if (i > 0 && pooled[i - 1]) {
                Graph.Node convNode = nodes.get(i - 1);
                Conv2d conv = (Conv2d) convNode.layer();
                Pool2d pool = (Pool2d) layer;
                names.add(conv.name() + "+" + pool.name());
                scratch = Math.max(scratch, conv.scratchFloatsWithMaxPool(Graph.inputShapes(convNode, shapes), pool));
                continue;
            }
            if (layer instanceof Concat) {
                concatCopies += Concat.planesToCopy(inputActivations(node, acts), acts[node.output()]);
            }
            names.add(layer.name());
            scratch = Math.max(scratch, layer.scratchFloats(in));
        }
        return new Program(graph, shapes, pooled, acts, imageLocal,
                imageStepNodes.stream().mapToInt(Integer::intValue).toArray(), steps.toArray(new Step[0]),
                names.toArray(new String[0]), slotFloats, scratch, concatCopies, residualsInPlace);
    }

    /** The step of node {@code i} (neither a view nor a convolution fused into the pool after it) on {@code acts}. */
    private static Step compileStep(List<Graph.Node> nodes, int i, Activation[] acts, Shape[] shapes,
                                    boolean[] pooled) {
        Graph.Node node = nodes.get(i);
        if (i > 0 && pooled[i - 1]) {
            Graph.Node convNode = nodes.get(i - 1);
            Conv2d conv = (Conv2d) convNode.layer();
            return conv.compileWithMaxPool(acts[convNode.inputs()[0]], (Pool2d) node.layer(), acts[node.output()]);
        }
        return node.layer().compile(inputActivations(node, acts), acts[node.output()]);
    }

    private static Activation[] inputActivations(Graph.Node node, Activation[] acts) {
        Activation[] in = new Activation[node.inputs().length];
        for (int k = 0; k < in.length; k++) {
            in[k] = acts[node.inputs()[k]];
        }
        return in;
    }

    private static int[] offsetBy(int[] offsets, int by) {
        int[] a = new int[offsets.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = Math.addExact(offsets[i], by);
        }
        return a;
    }

    /**
     * Whether node {@code i}, a convolution that adds a residual, writes its output over that residual: no value
     * in the residual's buffer is read after this node, kept or the output, and the convolution's own input
     * lives elsewhere. The kernel reads each residual value just before it writes the output there.
     */
    private static boolean residualInPlace(Graph graph, int i, int[] lastUse, int[] bufferOf, int[][] planeOf) {
        Graph.Node node = graph.nodes().get(i);
        if (!(node.layer() instanceof Conv2d conv) || !conv.residual()) {
            return false;
        }
        int res = node.inputs()[1];
        if (planeOf[res] == null || planeOf[node.inputs()[0]] == null || bufferOf[res] == 0
                || bufferOf[node.inputs()[0]] == bufferOf[res]) {
            return false;
        }
        for (int u = 0; u < planeOf.length; u++) {
            if (planeOf[u] != null && bufferOf[u] == bufferOf[res]
                    && (lastUse[u] > i || u == graph.output() || graph.kept().containsValue(u))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Per node, whether it is a convolution that runs fused with the max pool after it: the pool is the next
     * node and the only reader of the convolution's output, which is neither the graph's output nor kept.
     */
    static boolean[] maxPoolsAfterConvolutions(Graph graph) {
        List<Graph.Node> nodes = graph.nodes();
        int[] uses = graph.useCounts();
        boolean[] pooled = new boolean[nodes.size()];
        for (int i = 0; i + 1 < nodes.size(); i++) {
            Graph.Node conv = nodes.get(i);
            Graph.Node pool = nodes.get(i + 1);
            int v = conv.output();
            pooled[i] = conv.layer() instanceof Conv2d c && c.fusesMaxPool(pool.layer()) && uses[v] == 1
                    && pool.inputs().length == 1 && pool.inputs()[0] == v && v != graph.output()
                    && !graph.kept().containsValue(v);
        }
        return pooled;
    }

    /** Greedy interval colouring: a buffer reuses a slot whose last occupant was read before it is first written. */
    private static int[] assignSlots(List<Buffer> buffers) {
        List<Buffer> order = new ArrayList<>(buffers.subList(1, buffers.size()));
        order.sort(Comparator.comparingInt(b -> b.firstWrite));
        List<int[]> slots = new ArrayList<>(); // {floats, lastRead of the current occupant}
        slots.add(new int[] {0, Integer.MAX_VALUE}); // slot 0: the input, never reused
        for (Buffer b : order) {
            int best = -1;
            for (int s = 1; s < slots.size(); s++) {
                int[] slot = slots.get(s);
                if (slot[1] < b.firstWrite && (best < 0 || fitsBetter(slot[0], slots.get(best)[0], b.floats()))) {
                    best = s;
                }
            }
            if (best < 0) {
                slots.add(new int[] {0, 0});
                best = slots.size() - 1;
            }
            int[] slot = slots.get(best);
            slot[0] = Math.max(slot[0], b.floats());
            slot[1] = b.lastRead;
            b.slot = best;
        }
        int[] floats = new int[slots.size()];
        for (int s = 0; s < floats.length; s++) {
            floats[s] = slots.get(s)[0];
        }
        return floats;
    }

    /** Prefer the smallest slot that already fits, else the largest (least growth). */
    private static boolean fitsBetter(int candidate, int current, int need) {
        boolean candidateFits = candidate >= need;
        boolean currentFits = current >= need;
        if (candidateFits != currentFits) {
            return candidateFits;
        }
        return candidateFits ? candidate < current : candidate > current;
    }

    private static int newBuffer(List<Buffer> buffers, Shape shape) {
        buffers.add(new Buffer(shape.channels(), shape.planeSize()));
        return buffers.size() - 1;
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }
}
