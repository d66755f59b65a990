package dev.shufflespark.io.onnx;

import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.NodeProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorShapeProto;
import dev.shufflespark.io.onnx.proto.Onnx.ValueInfoProto;
import dev.shufflespark.model.Model;
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
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one ONNX graph into an engine {@link Graph} built from the engine's layers, so that the standard passes
 * (BatchNorm folding, fused ReLU, folded shuffles, in-place concatenation) apply as to a built-in model.
 *
 * <p>Every ONNX value is either known at load time (a {@link Constant}) or an activation ({@link Act}) that the
 * engine computes. The engine holds an activation per image as {@code [C, H, W]} planes, so an activation's ONNX
 * shape is its batch dimension followed by its per-image dims: {@code [N, C, H, W]}, {@code [N, C, L]} (held as
 * {@code [C, 1, L]}), {@code [N, F]} (held as {@code [F, 1, 1]}) or {@code [N]}. Operators that only re-label
 * dims (Reshape to {@code [N, C]} after a pool, Squeeze, Flatten of 1x1 planes, Identity, Dropout) produce no
 * layer. A Reshape to {@code [N, g, C/g, H, W]}, a Transpose of its two group axes and a Reshape back are one
 * {@link ChannelShuffle}. A Pad is held until the Conv or pool after it, and merged into that layer's padding
 * when that gives the same result.
 */
final class GraphImporter {
    /** Operators that run on activations; with {@link Folding#OPERATORS}, every operator the importer accepts. */
    static final Set<String> ACTIVATION_OPERATORS = Set.of("Conv", "BatchNormalization", "Relu", "Clip", "MaxPool",
            "AveragePool", "GlobalAveragePool", "ReduceMean", "Pad", "Reshape", "Transpose", "Flatten", "Squeeze",
            "Unsqueeze", "Concat", "Add", "Sum", "Gemm", "MatMul", "Softmax", "Split", "Slice", "Dropout",
            "Identity", "Cast", "Shape");
    static final int MIN_OPSET = 1;
    static final int MAX_OPSET = 21;
    /** Height and width used to check shapes when the model's are dynamic. */
    private static final int NOMINAL_SIZE = 224;

    /** How an activation relates to the engine value that holds it. */
    private enum Kind {
        /** The value itself, with ONNX dims {@code [N, dims...]}. */
        PLAIN,
        /** The value's channels viewed as {@code [a, b]} (a Reshape that starts a channel shuffle). */
        GROUPED,
        /** A {@link #GROUPED} value with its two group axes transposed. */
        GROUPED_T,
        /** The value with zero padding that the next Conv or pool takes over. */
        PADDED
    }

    /**
     * An activation: an engine value, its per-image ONNX dims, and for the held forms the channel grouping
     * ({@code groups = a}) or the pending pads ({@code top, left, bottom, right}).
     */
    private record Act(int value, long[] dims, Kind kind, int groups, long[] baseDims, int[] pads) {
        static Act plain(int value, long[] dims) {
            return new Act(value, dims, Kind.PLAIN, 0, null, null);
        }

        int rank() {
            return dims.length + 1;
        }
    }

    private final ModelProto model;
    private final String name;
    private final long opset;
    private final GraphProto graph;
    private final Map<String, Constant> constants = new HashMap<>();
    private final Map<String, Act> acts = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    // The engine graph as it is built: layer i produces value i + 1; value 0 is the input.
    private final List<Layer> layers = new ArrayList<>();
    private final List<int[]> layerInputs = new ArrayList<>();
    private final List<Shape> shapes = new ArrayList<>();
    private final List<Integer> consumers = new ArrayList<>();
    private final Set<Integer> nonNegative = new HashSet<>();
    private final Set<String> layerNames = new HashSet<>();
    private long batch = -1; // the declared batch size, or -1 when dynamic
    private boolean spatialKnown = true;
    private String inputName;
    private long[] inputShape;
    private long parameterCount;
    private OnnxNode current;

    private GraphImporter(ModelProto model, String name, long opset) {
        this.model = model;
        this.name = name;
        this.opset = opset;
        this.graph = model.getGraph();
    }

    static OnnxModel importModel(ModelProto model, String name) {
        if (model.getIrVersion() <= 0 || !model.hasGraph()) {
            throw new OnnxException(name + " is not an ONNX model: " + (model.getIrVersion() <= 0
                    ? "it has no IR version" : "it has no graph"));
        }
        long opset = opsetOf(model);
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw new OnnxException(name + ": " + (opset < 0 ? "no version of the default (ai.onnx) operator set"
                    : "operator set version " + opset) + " is not supported; supported versions are " + MIN_OPSET
                    + " to " + MAX_OPSET);
        }
        if (model.getUnknownFields().hasField(25)) {
            throw new OnnxException(name + " defines model-local functions, which are not supported");
        }
        GraphImporter importer = new GraphImporter(model, name, opset);
        try {
            return importer.run();
        } catch (OnnxException e) {
            throw new OnnxException(name + ": " + e.getMessage(), e);
        }
    }

    /** The version of the default operator set, or -1 when the model does not say. */
    static long opsetOf(ModelProto model) {
        long opset = -1;
        for (var o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                opset = o.getVersion();
            }
        }
        if (opset < 0 && model.getOpsetImportCount() == 0 && model.getIrVersion() < 3) {
            opset = 1; // IR versions before 3 had no opset_import: operator set 1
        }
        return opset;
    }

    private OnnxModel run() {
        readInitializers();
        declareInput();
        nodes();
        return finish();
    }

    /**
     * Evaluates a graph that has no input at load time, as the importer folds shape computations: the value of
     * each graph output, by name. (The ONNX conformance tests of the shape operators run through this.)
     */
    static Map<String, Constant> evaluate(ModelProto model, long opset) {
        GraphImporter importer = new GraphImporter(model, "constant graph", opset);
        importer.readInitializers();
        importer.nodes();
        Map<String, Constant> out = new java.util.LinkedHashMap<>();
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            Constant c = importer.constants.get(v.getName());
            if (c == null) {
                throw new OnnxException("output '" + v.getName() + "' is not known at load time");
            }
            out.put(v.getName(), c);
        }
        return out;
    }

    private void readInitializers() {
        if (graph.getUnknownFields().hasField(15)) {
            throw new OnnxException("the graph has sparse initializers, which are not supported");
        }
        for (TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), Tensors.read(t, "initializer '" + t.getName() + "'"));
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                uses.merge(in, 1, Integer::sum);
            }
        }
        for (ValueInfoProto out : graph.getOutputList()) {
            uses.merge(out.getName(), 1, Integer::sum);
        }
    }

    private void nodes() {
        int index = 0;
        for (NodeProto n : graph.getNodeList()) {
            current = new OnnxNode(n, index++);
            node(current);
        }
        current = null;
    }

    // ---------------------------------------------------------------------------------------------------------
    // the input and the output

    private void declareInput() {
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            List<String> names = new ArrayList<>();
            for (ValueInfoProto v : inputs) {
                names.add(v.getName());
            }
            throw new OnnxException(inputs.isEmpty() ? "the graph has no input (every input has an initializer)"
                    : "the graph has " + inputs.size() + " inputs " + names + "; the engine takes one image input");
        }
        ValueInfoProto in = inputs.get(0);
        inputName = in.getName();
        if (!in.getType().hasTensorType()) {
            throw new OnnxException("input '" + inputName + "' is not a tensor");
        }
        int type = in.getType().getTensorType().getElemType();
        if (type != Tensors.FLOAT) {
            throw new OnnxException("input '" + inputName + "' has element type " + Tensors.typeName(type)
                    + "; the engine takes float32 input");
        }
        if (!in.getType().getTensorType().hasShape()) {
            throw new OnnxException("input '" + inputName + "' has no declared shape; expected [N, C, H, W]");
        }
        List<TensorShapeProto.Dimension> dims = in.getType().getTensorType().getShape().getDimList();
        inputShape = new long[dims.size()];
        for (int i = 0; i < inputShape.length; i++) {
            inputShape[i] = dims.get(i).hasDimValue() && dims.get(i).getDimValue() > 0 ? dims.get(i).getDimValue() : -1;
        }
        if (inputShape.length < 1 || inputShape.length > 4) {
            throw new OnnxException("input '" + inputName + "' has shape " + Arrays.toString(inputShape)
                    + "; expected [N, C, H, W] (or [N, F], [N, C, L])");
        }
        if (inputShape.length > 1 && inputShape[1] < 0) {
            throw new OnnxException("input '" + inputName + "' has a dynamic channel dimension: "
                    + Arrays.toString(inputShape));
        }
        batch = inputShape[0];
        long[] perImage = new long[inputShape.length - 1];
        for (int i = 1; i < inputShape.length; i++) {
            perImage[i - 1] = inputShape[i];
            if (inputShape[i] < 0) {
                spatialKnown = false;
                perImage[i - 1] = NOMINAL_SIZE;
            }
        }
        Shape shape = storage(perImage);
        shapes.add(shape);
        consumers.add(0);
        acts.put(inputName, Act.plain(0, perImage));
    }

    private OnnxModel finish() {
        if (graph.getOutputCount() != 1) {
            List<String> names = new ArrayList<>();
            for (ValueInfoProto v : graph.getOutputList()) {
                names.add(v.getName());
            }
            throw new OnnxException("the graph has " + graph.getOutputCount() + " outputs " + names
                    + "; the engine gives one (the logits or probabilities)");
        }
        String outputName = graph.getOutput(0).getName();
        Act out = acts.get(outputName);
        if (out == null) {
            throw new OnnxException("output '" + outputName + "' is " + (constants.containsKey(outputName)
                    ? "known at load time (it does not depend on the input)" : "not produced by any node"));
        }
        out = plain(out, "the graph output");
        int value = out.value();
        boolean probabilities = value > 0 && layers.get(value - 1) instanceof Softmax;
        if (shapes.get(value).planeSize() > 1) {
            value = emit(new Flatten(uniqueName("output.flatten")), value);
        }
        if (value == 0 || layers.get(value - 1).viewMap(new Shape[] {shapes.get(layerInputs.get(value - 1)[0])}) != null) {
            // The output is the input, or a view of it: the session reads the output after the input is gone, so
            // copy it (a clip without bounds is the identity).
            value = emit(new Clip(uniqueName("output.copy"), Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY), value);
        }
        return new OnnxModel(Model.ofGraph(name, build(value), parameterCount, probabilities), inputName,
                inputShape, outputName, opset, (model.getProducerName() + " " + model.getProducerVersion()).strip());
    }

    /** The engine graph of the layers the output depends on, in order. */
    private Graph build(int output) {
        boolean[] live = new boolean[layers.size() + 1];
        live[output] = true;
        for (int v = layers.size(); v >= 1; v--) {
            if (live[v]) {
                for (int in : layerInputs.get(v - 1)) {
                    live[in] = true;
                }
            }
        }
        Graph.Builder b = Graph.builder(shapes.get(0).channels());
        int[] id = new int[layers.size() + 1];
        for (int v = 1; v <= layers.size(); v++) {
            if (!live[v]) {
                continue;
            }
            int[] in = layerInputs.get(v - 1).clone();
            for (int i = 0; i < in.length; i++) {
                in[i] = id[in[i]];
            }
            Layer layer = layers.get(v - 1);
            parameterCount += parameters(layer);
            id[v] = b.add(layer, in);
        }
        return b.build(id[output]);
    }

    private static long parameters(Layer layer) {
        if (layer instanceof Conv2d c) {
            return c.weight().length + (c.bias() == null ? 0 : c.bias().length);
        }
        if (layer instanceof BatchNorm2d bn) {
            return 4L * bn.channels();
        }
        if (layer instanceof Linear l) {
            return l.weight().length + (l.bias() == null ? 0 : l.bias().length);
        }
        return 0;
    }

    // ---------------------------------------------------------------------------------------------------------
    // nodes

    private void node(OnnxNode n) {
        String domain = n.proto.getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw unsupported(n, domain + ":" + n.op);
        }
        if (n.op.equals("Constant")) {
            define(n, 0, constantValue(n));
            return;
        }
        Object[] in = new Object[n.inputCount()];
        boolean anyAct = false;
        for (int i = 0; i < in.length; i++) {
            String v = n.input(i);
            if (v.isEmpty()) {
                continue;
            }
            if (constants.containsKey(v)) {
                in[i] = constants.get(v);
            } else if (acts.containsKey(v)) {
                in[i] = acts.get(v);
                anyAct = true;
            } else {
                throw n.error("input '" + v + "' is not an initializer, the graph input or the output of an earlier "
                        + "node (a missing initializer, or nodes out of order)");
            }
        }
        if (!anyAct) {
            Constant[] c = new Constant[in.length];
            for (int i = 0; i < in.length; i++) {
                c[i] = (Constant) in[i];
            }
            Constant[] out = ACTIVATION_OPERATORS.contains(n.op) || Folding.OPERATORS.contains(n.op)
                    ? Folding.fold(n, c, opset) : null;
            if (out == null) {
                if (ACTIVATION_OPERATORS.contains(n.op)) {
                    throw n.error("runs on values known at load time, which is supported only for "
                            + new TreeSet<>(Folding.OPERATORS));
                }
                throw unsupported(n, n.op);
            }
            for (int i = 0; i < out.length && i < n.outputs().size(); i++) {
                if (out[i] != null) {
                    define(n, i, out[i]);
                }
            }
            return;
        }
        if (!ACTIVATION_OPERATORS.contains(n.op)) {
            throw unsupported(n, n.op);
        }
        if (!(in[0] instanceof Act)) {
            throw n.error("its first input must be the activation; got a value known at load time");
        }
        Act x = (Act) in[0];
        switch (n.op) {
            case "Conv" -> conv(n, x, in);
            case "BatchNormalization" -> batchNorm(n, x, in);
            case "Relu" -> relu(n, x);
            case "Clip" -> clip(n, x, in);
            case "MaxPool", "AveragePool" -> pool(n, x);
            case "GlobalAveragePool" -> globalAveragePool(n, x, true);
            case "ReduceMean" -> reduceMean(n, x, in);
            case "Pad" -> pad(n, x, in);
            case "Reshape" -> reshape(n, x, in);
            case "Transpose" -> transpose(n, x);
            case "Flatten" -> flatten(n, x);
            case "Squeeze", "Unsqueeze" -> squeeze(n, x, in);
            case "Concat" -> concat(n, in);
            case "Add", "Sum" -> add(n, in);
            case "Gemm" -> gemm(n, x, in);
            case "MatMul" -> matMul(n, x, in);
            case "Softmax" -> softmax(n, x);
            case "Split" -> split(n, x, in);
            case "Slice" -> slice(n, x, in);
            case "Dropout" -> dropout(n, x, in);
            case "Identity" -> define(n, 0, x);
            case "Cast" -> cast(n, x);
            case "Shape" -> shapeOf(n, x);
            default -> throw unsupported(n, n.op);
        }
    }

    static List<String> supportedOperators() {
        TreeSet<String> all = new TreeSet<>(ACTIVATION_OPERATORS);
        all.addAll(Folding.OPERATORS);
        all.add("Constant");
        return new ArrayList<>(all);
    }

    private static OnnxException unsupported(OnnxNode n, String op) {
        return n.error("operator " + op + " is not supported; supported operators are "
                + String.join(", ", supportedOperators()));
    }

    private Constant constantValue(OnnxNode n) {
        if (n.has("value")) {
            return Tensors.read(n.attr("value").getT(), n.label + " value");
        }
        if (n.has("value_float")) {
            return Constant.ofFloats(new long[0], new float[] {n.attrFloat("value_float", 0)});
        }
        if (n.has("value_floats")) {
            float[] f = n.attrFloats("value_floats");
            return Constant.ofFloats(new long[] {f.length}, f);
        }
        if (n.has("value_int")) {
            return Constant.scalar(n.attrInt("value_int", 0));
        }
        if (n.has("value_ints")) {
            long[] v = n.attrInts("value_ints");
            return Constant.ofInts(new long[] {v.length}, v);
        }
        throw n.error("has no value this importer reads (value, value_float(s), value_int(s))");
    }

    private void define(OnnxNode n, int output, Object value) {
        if (output >= n.outputs().size()) {
            return;
        }
        String v = n.outputs().get(output);
        if (v.isEmpty()) {
            return;
        }
        if (value instanceof Constant c) {
            constants.put(v, c);
        } else {
            acts.put(v, (Act) value);
        }
    }

    /** Fails when output i (beyond the first) of the node is used: an optional output we do not compute. */
    private void unusedOutputs(OnnxNode n, String what) {
        for (int i = 1; i < n.outputs().size(); i++) {
            String v = n.outputs().get(i);
            if (!v.isEmpty() && uses.getOrDefault(v, 0) > 0) {
                throw n.error("output " + i + " ('" + v + "', " + what + ") is used, which is not supported");
            }
        }
    }

    private Constant constant(OnnxNode n, Object v, String what) {
        if (v == null) {
            throw n.error("has no " + what);
        }
        if (!(v instanceof Constant c)) {
            throw n.error("its " + what + " must be known at load time (an initializer or a constant), "
                    + "but it is computed from the input");
        }
        return c;
    }

    private static Constant optional(Object[] in, int i) {
        return i < in.length && in[i] instanceof Constant c ? c : null;
    }

    /** The arguments of a node as constants, with its data input left null. */
    private Constant[] constantArguments(OnnxNode n, Object[] in) {
        Constant[] c = new Constant[in.length];
        for (int i = 1; i < in.length; i++) {
            if (in[i] != null) {
                c[i] = constant(n, in[i], "input " + i);
            }
        }
        return c;
    }

    private Act plain(Act x, String what) {
        switch (x.kind()) {
            case PLAIN:
                return x;
            case PADDED:
                throw new OnnxException((current == null ? "" : current.label + ": ") + what
                        + " is the output of a Pad; a Pad is supported only directly before a Conv, AveragePool or "
                        + "MaxPool that it merges into");
            default:
                throw new OnnxException((current == null ? "" : current.label + ": ") + what
                        + " is a Reshape of channels into groups; that is supported only as a channel shuffle "
                        + "(Reshape [N, g, C/g, H, W], Transpose perm [0, 2, 1, 3, 4], Reshape [N, C, H, W])");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // the engine graph

    private String uniqueName(String base) {
        String n = base;
        for (int i = 2; !layerNames.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }

    private String layerName(OnnxNode n) {
        String base = n.proto.getName().isEmpty() ? n.op.toLowerCase(java.util.Locale.ROOT) + "_"
                + (n.outputs().isEmpty() ? layers.size() : n.outputs().get(0)) : n.proto.getName();
        return uniqueName(base);
    }

    private int emit(Layer layer, int... inputs) {
        Shape[] in = new Shape[inputs.length];
        for (int i = 0; i < inputs.length; i++) {
            in[i] = shapes.get(inputs[i]);
            consumers.set(inputs[i], consumers.get(inputs[i]) + 1);
        }
        Shape out;
        try {
            out = layer.outputShape(in);
        } catch (IllegalArgumentException e) {
            throw new OnnxException((current == null ? "" : current.label + ": ") + "shapes do not check: "
                    + e.getMessage(), e);
        }
        layers.add(layer);
        layerInputs.add(inputs.clone());
        shapes.add(out);
        consumers.add(0);
        return layers.size();
    }

    /** How the engine holds per-image dims: [C, H, W] as they are, [C, L] as [C, 1, L], [F] as [F, 1, 1]. */
    private Shape storage(long[] dims) {
        try {
            return switch (dims.length) {
                case 0 -> new Shape(1, 1, 1);
                case 1 -> new Shape(toInt(dims[0]), 1, 1);
                case 2 -> new Shape(toInt(dims[0]), 1, toInt(dims[1]));
                case 3 -> new Shape(toInt(dims[0]), toInt(dims[1]), toInt(dims[2]));
                default -> throw new OnnxException((current == null ? "" : current.label + ": ") + "an activation of rank "
                        + (dims.length + 1) + " (" + Arrays.toString(dims) + " per image) is not supported; the "
                        + "engine holds [N, C, H, W], [N, C, L], [N, F] and [N]");
            };
        } catch (IllegalArgumentException e) {
            throw new OnnxException((current == null ? "" : current.label + ": ") + "an activation with per-image dims "
                    + Arrays.toString(dims) + " is not supported: " + e.getMessage());
        }
    }

    private static int toInt(long v) {
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("dimension " + v);
        }
        return (int) v;
    }

    private Act result(int value) {
        Shape s = shapes.get(value);
        return Act.plain(value, new long[] {s.channels(), s.height(), s.width()});
    }

    /** A value with new per-image dims; it must be held the same way. */
    private Act relabel(OnnxNode n, Act x, long[] dims) {
        if (!storage(dims).equals(shapes.get(x.value()))) {
            throw n.error("changes per-image dims " + Arrays.toString(x.dims()) + " to " + Arrays.toString(dims)
                    + ", which moves data the engine does not move");
        }
        return Act.plain(x.value(), dims);
    }

    // ---------------------------------------------------------------------------------------------------------
    // convolution, normalisation, activations

    private void conv(OnnxNode n, Act x, Object[] in) {
        int spatial = x.dims().length - 1;
        if (spatial != 1 && spatial != 2) {
            throw n.error("only 1-D and 2-D convolutions are supported; the input is " + Arrays.toString(x.dims())
                    + " per image");
        }
        Constant w = constant(n, in.length > 1 ? in[1] : null, "weight");
        Constant b = optional(in, 2);
        if (in.length > 2 && in[2] != null && b == null) {
            constant(n, in[2], "bias");
        }
        Shape s = shapes.get(x.value());
        int cin = s.channels();
        int group = (int) n.attrInt("group", 1);
        if (w.rank() != spatial + 2) {
            throw n.error("weight " + w.describe() + " does not fit a " + spatial + "-D convolution");
        }
        int cout = (int) w.dims[0];
        int kh = spatial == 2 ? (int) w.dims[2] : 1;
        int kw = (int) w.dims[spatial + 1];
        if (group < 1 || w.dims[1] * group != cin || cout % group != 0) {
            throw n.error("weight " + w.describe() + " with group " + group + " does not fit an input of " + cin
                    + " channels");
        }
        checkKernelShape(n, spatial == 2 ? new long[] {kh, kw} : new long[] {kw});
        checkDilations(n, spatial);
        long[] strides = ints(n, "strides", spatial, 1);
        int sh = spatial == 2 ? (int) strides[0] : 1;
        int sw = (int) strides[spatial - 1];
        int[] pads = pads(n, spatial, s, new int[] {kh, kw}, new int[] {sh, sw});
        if (x.kind() == Kind.PADDED) {
            for (int i = 0; i < 4; i++) {
                pads[i] += x.pads()[i];
            }
        } else {
            plain(x, "the input");
        }
        float[] bias = null;
        if (b != null) {
            if (b.size() != cout) {
                throw n.error("bias " + b.describe() + " does not fit " + cout + " output channels");
            }
            bias = b.floatValues(n.label + " bias");
        }
        Conv2d conv = new Conv2d(layerName(n), cin, cout, kh, kw, sh, sw, pads[0], pads[1], pads[2], pads[3], group,
                w.floatValues(n.label + " weight"), bias, false, false);
        Act out = result(emit(conv, x.value()));
        define(n, 0, spatial == 2 ? out : relabel(n, out, new long[] {out.dims()[0], out.dims()[2]}));
    }

    private void checkKernelShape(OnnxNode n, long[] fromWeight) {
        long[] k = n.attrInts("kernel_shape");
        if (k != null && !Arrays.equals(k, fromWeight)) {
            throw n.error("kernel_shape " + Arrays.toString(k) + " differs from the weight's " + Arrays.toString(fromWeight));
        }
    }

    private void checkDilations(OnnxNode n, int spatial) {
        for (long d : ints(n, "dilations", spatial, 1)) {
            if (d != 1) {
                throw n.error("dilations " + Arrays.toString(n.attrInts("dilations")) + " are not supported (only 1)");
            }
        }
    }

    private static long[] ints(OnnxNode n, String attr, int count, long defaultValue) {
        long[] v = n.attrInts(attr);
        if (v == null) {
            v = new long[count];
            Arrays.fill(v, defaultValue);
        }
        if (v.length != count) {
            throw n.error(attr + " " + Arrays.toString(v) + " should have " + count + " values");
        }
        return v;
    }

    /**
     * Explicit or automatic padding as {top, left, bottom, right}; a 1-D operator pads only the left and right.
     */
    private int[] pads(OnnxNode n, int spatial, Shape in, int[] kernel, int[] stride) {
        String auto = n.attrString("auto_pad", "NOTSET");
        int[] p = new int[4];
        if (auto.equals("NOTSET") || auto.isEmpty()) {
            long[] pads = ints(n, "pads", 2 * spatial, 0);
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

    private void batchNorm(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        if (n.attrInt("training_mode", 0) != 0) {
            throw n.error("training_mode 1 is not supported (inference only)");
        }
        if (n.has("spatial") && n.attrInt("spatial", 1) == 0) {
            throw n.error("spatial 0 (per-element statistics) is not supported");
        }
        unusedOutputs(n, "a training statistic");
        int c = shapes.get(x.value()).channels();
        float[][] p = new float[4][];
        String[] what = {"scale", "bias", "mean", "variance"};
        for (int i = 0; i < 4; i++) {
            Constant t = constant(n, in.length > i + 1 ? in[i + 1] : null, what[i]);
            if (t.size() != c) {
                throw n.error(what[i] + " " + t.describe() + " does not fit " + c + " channels");
            }
            p[i] = t.floatValues(n.label + " " + what[i]);
        }
        float eps = n.attrFloat("epsilon", 1e-5f);
        int v = emit(new BatchNorm2d(layerName(n), p[0], p[1], p[2], p[3], eps), x.value());
        define(n, 0, Act.plain(v, x.dims()));
    }

    private void relu(OnnxNode n, Act x) {
        x = plain(x, "the input");
        int v = emit(new Relu(layerName(n)), x.value());
        nonNegative.add(v);
        define(n, 0, Act.plain(v, x.dims()));
    }

    private void clip(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        float min;
        float max;
        if (opset < 11) {
            min = n.attrFloat("min", -Float.MAX_VALUE);
            max = n.attrFloat("max", Float.MAX_VALUE);
        } else {
            Constant lo = in.length > 1 && in[1] != null ? constant(n, in[1], "min") : null;
            Constant hi = in.length > 2 && in[2] != null ? constant(n, in[2], "max") : null;
            min = lo == null ? Float.NEGATIVE_INFINITY : (float) lo.doubleAt(0, n.label + " min");
            max = hi == null ? Float.POSITIVE_INFINITY : (float) hi.doubleAt(0, n.label + " max");
        }
        int v;
        if (min == 0 && max >= Float.MAX_VALUE) {
            v = emit(new Relu(layerName(n)), x.value());
        } else {
            v = emit(new Clip(layerName(n), min, max), x.value());
        }
        if (min >= 0) {
            nonNegative.add(v);
        }
        define(n, 0, Act.plain(v, x.dims()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // pooling

    private void pool(OnnxNode n, Act x) {
        boolean max = n.op.equals("MaxPool");
        if (x.dims().length != 3) {
            throw n.error("only 2-D pooling is supported; the input is " + Arrays.toString(x.dims()) + " per image");
        }
        unusedOutputs(n, "the indices of the maxima");
        long[] k = n.attrInts("kernel_shape");
        if (k == null || k.length != 2 || k[0] != k[1]) {
            throw n.error("kernel_shape " + Arrays.toString(k) + " is not supported; square kernels are");
        }
        long[] strides = ints(n, "strides", 2, 1);
        if (strides[0] != strides[1]) {
            throw n.error("strides " + Arrays.toString(strides) + " are not supported; equal strides are");
        }
        checkDilations(n, 2);
        int kernel = (int) k[0];
        int stride = (int) strides[0];
        Shape s = shapes.get(x.value());
        int[] p = pads(n, 2, s, new int[] {kernel, kernel}, new int[] {stride, stride});
        boolean include = !max && n.attrInt("count_include_pad", 0) != 0;
        if (x.kind() == Kind.PADDED) {
            int[] q = x.pads();
            boolean noOwnPads = p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0;
            if (max) {
                if (!nonNegative.contains(x.value())) {
                    throw n.error("a zero Pad before a MaxPool merges only when the padded values are known to be"
                            + " non-negative (after a Relu)");
                }
            } else if (!noOwnPads && !include) {
                throw n.error("a zero Pad before an AveragePool with its own pads and count_include_pad 0 cannot be"
                        + " merged exactly");
            }
            for (int i = 0; i < 4; i++) {
                p[i] += q[i];
            }
            include = !max; // padded zeros are real values for the pool
        } else {
            plain(x, "the input");
        }
        if (n.attrInt("ceil_mode", 0) != 0) {
            int[] size = {s.height(), s.width()};
            for (int axis = 0; axis < 2; axis++) {
                if (!spatialKnown) {
                    throw n.error("ceil_mode 1 needs the input's height and width, which the model leaves dynamic");
                }
                int span = size[axis] + p[axis] + p[axis + 2];
                int out = Math.floorDiv(span - kernel + stride - 1, stride) + 1;
                if ((out - 1) * stride >= size[axis] + p[axis]) {
                    out--; // the last window must start inside the input or its leading padding
                }
                int extra = (out - 1) * stride + kernel - span;
                if (extra > 0) {
                    if (include) {
                        throw n.error("ceil_mode 1 with count_include_pad 1 is not supported when a window runs past "
                                + "the padding");
                    }
                    p[axis + 2] += extra;
                }
            }
        }
        if (p[0] != p[1]) {
            throw n.error("different top (" + p[0] + ") and left (" + p[1] + ") padding is not supported");
        }
        for (int i = 0; i < 4; i++) {
            if (p[i] >= kernel) {
                throw n.error("padding " + Arrays.toString(p) + " must be smaller than the kernel " + kernel);
            }
        }
        Pool2d layer = new Pool2d(layerName(n), max ? Pool2d.Kind.MAX : Pool2d.Kind.AVERAGE, kernel, stride, p[0], p[2],
                p[3], include, false);
        int v = emit(layer, x.value());
        if (nonNegative.contains(x.value())) {
            nonNegative.add(v);
        }
        define(n, 0, result(v));
    }

    private void globalAveragePool(OnnxNode n, Act x, boolean keepDims) {
        x = plain(x, "the input");
        if (x.dims().length < 2) {
            throw n.error("the input " + Arrays.toString(x.dims()) + " per image has no spatial dims");
        }
        int v = emit(new GlobalAvgPool(layerName(n)), x.value());
        long[] dims = new long[keepDims ? x.dims().length : 1];
        Arrays.fill(dims, 1);
        dims[0] = x.dims()[0];
        if (nonNegative.contains(x.value())) {
            nonNegative.add(v);
        }
        define(n, 0, Act.plain(v, dims));
    }

    private void reduceMean(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        long[] axes = opset >= 18 ? (in.length > 1 && in[1] != null ? constant(n, in[1], "axes").longs(n.label)
                : null) : n.attrInts("axes");
        int rank = x.rank();
        Set<Integer> want = new TreeSet<>();
        for (int a = 2; a < rank; a++) {
            want.add(a);
        }
        Set<Integer> got = new TreeSet<>();
        if (axes != null) {
            for (long a : axes) {
                got.add(Folding.axis(n, a, rank));
            }
        }
        if (want.isEmpty() || !want.equals(got)) {
            throw n.error("ReduceMean over axes " + (axes == null ? "(all)" : Arrays.toString(axes))
                    + " is not supported; over the spatial axes " + want + " it is (a global average pool)");
        }
        globalAveragePool(n, x, n.attrInt("keepdims", 1) != 0);
    }

    private void pad(OnnxNode n, Act x, Object[] in) {
        String mode = n.attrString("mode", "constant");
        if (!mode.equals("constant")) {
            throw n.error("Pad mode " + mode + " is not supported; constant zero padding is");
        }
        long[] pads;
        double value = 0;
        if (opset < 11) {
            pads = n.attrInts(n.has("pads") ? "pads" : "paddings");
            value = n.attrFloat("value", 0);
        } else {
            pads = constant(n, in.length > 1 ? in[1] : null, "pads").longs(n.label + " pads");
            if (in.length > 2 && in[2] != null) {
                value = constant(n, in[2], "constant value").doubleAt(0, n.label + " constant value");
            }
            if (in.length > 3 && in[3] != null) {
                throw n.error("the axes input is not supported");
            }
        }
        if (value != 0) {
            throw n.error("padding with " + value + " is not supported; zero padding is");
        }
        int rank = x.rank();
        if (pads == null || pads.length != 2 * rank || rank != 4) {
            throw n.error("pads " + Arrays.toString(pads) + " do not fit an [N, C, H, W] input");
        }
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0) {
            throw n.error("padding the batch or channel dimension is not supported: pads " + Arrays.toString(pads));
        }
        int[] p = {(int) pads[2], (int) pads[3], (int) pads[6], (int) pads[7]};
        for (int v : p) {
            if (v < 0) {
                throw n.error("negative pads " + Arrays.toString(pads) + " are not supported");
            }
        }
        if (x.kind() == Kind.PADDED) {
            for (int i = 0; i < 4; i++) {
                p[i] += x.pads()[i];
            }
        } else {
            plain(x, "the input");
        }
        define(n, 0, new Act(x.value(), x.dims(), Kind.PADDED, 0, null, p));
    }

    // ---------------------------------------------------------------------------------------------------------
    // reshaping

    private void reshape(OnnxNode n, Act x, Object[] in) {
        Constant target = Folding.reshapeTargetConstant(n, constantArguments(n, in), opset);
        long[] t = perImageTarget(n, x, target);
        switch (x.kind()) {
            case GROUPED, GROUPED_T -> {
                if (!Arrays.equals(t, x.baseDims())) {
                    throw n.error("reshapes grouped channels " + Arrays.toString(x.dims()) + " to " + Arrays.toString(t)
                            + "; only back to " + Arrays.toString(x.baseDims()) + " (a channel shuffle) is supported");
                }
                if (x.kind() == Kind.GROUPED) {
                    define(n, 0, Act.plain(x.value(), t));
                } else {
                    int c = (int) t[0];
                    int v = emit(new ChannelShuffle(layerName(n), c, x.groups()), x.value());
                    if (nonNegative.contains(x.value())) {
                        nonNegative.add(v);
                    }
                    define(n, 0, Act.plain(v, t));
                }
            }
            case PADDED -> plain(x, "the input");
            default -> define(n, 0, reshapePlain(n, x, t));
        }
    }

    private Act reshapePlain(OnnxNode n, Act x, long[] t) {
        long[] d = x.dims();
        if (Arrays.equals(t, d)) {
            return x;
        }
        if (t.length <= 3) {
            Shape held = storage(t);
            if (held.equals(shapes.get(x.value()))) {
                return Act.plain(x.value(), t);
            }
            if (t.length == 1) {
                int v = emit(new Flatten(layerName(n)), x.value());
                if (nonNegative.contains(x.value())) {
                    nonNegative.add(v);
                }
                return Act.plain(v, t);
            }
        }
        // [C, H, W] -> [g, C/g, H, W] or [g, C/g, H*W]: the first half of a channel shuffle.
        if (d.length == 3 && t.length >= 3 && t[0] * t[1] == d[0]) {
            long[] rest = Arrays.copyOfRange(t, 2, t.length);
            if (Arrays.equals(rest, new long[] {d[1], d[2]}) || Arrays.equals(rest, new long[] {d[1] * d[2]})) {
                return new Act(x.value(), t, Kind.GROUPED, (int) t[0], d, null);
            }
        }
        throw n.error("Reshape of " + Arrays.toString(d) + " to " + Arrays.toString(t) + " per image is not supported "
                + "(supported: dropping or adding size-1 dims, flattening, and a channel shuffle)");
    }

    /** A Reshape target without its batch dimension, with 0 and -1 resolved. */
    private long[] perImageTarget(OnnxNode n, Act x, Constant target) {
        if (target.rank() != 1 || target.size() < 1) {
            throw n.error("target shape " + target.describe() + " is not a non-empty 1-D tensor");
        }
        boolean allowZero = n.attrInt("allowzero", 0) != 0;
        long first = target.ints != null ? target.ints[0] : (long) target.floats[0];
        boolean batchSymbol = target.perBatch != null && target.perBatch[0] == 1 && first == 0;
        long[] rest = new long[target.size() - 1];
        for (int i = 0; i < rest.length; i++) {
            rest[i] = target.intAt(i + 1, n.label + " target shape");
        }
        long perImage = Constant.size(x.dims());
        long[] t = rest.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == 0 && !allowZero) {
                if (i >= x.dims().length) {
                    throw n.error("target shape copies dimension " + (i + 1) + " of a rank-" + x.rank() + " input");
                }
                t[i] = x.dims()[i];
            }
            if (t[i] == -1 && infer < 0) {
                infer = i;
            } else if (t[i] < 0) {
                throw n.error("target shape has a bad dimension " + t[i]);
            } else {
                known *= t[i];
            }
        }
        boolean batchOk = batchSymbol || (first == 0 && !allowZero) || (batch > 0 && first == batch)
                || (first == -1 && infer < 0 && known == perImage);
        if (!batchOk || (target.perBatch != null && !batchSymbol)) {
            throw n.error("target shape's first dimension must be the batch; Reshape across images is not supported");
        }
        if (infer >= 0) {
            if (known == 0 || perImage % known != 0) {
                throw n.error("cannot reshape " + Arrays.toString(x.dims()) + " per image to " + Arrays.toString(rest));
            }
            t[infer] = perImage / known;
        } else if (known != perImage) {
            throw n.error("cannot reshape " + Arrays.toString(x.dims()) + " per image (" + perImage + " values) to "
                    + Arrays.toString(t));
        }
        return t;
    }

    private void transpose(OnnxNode n, Act x) {
        long[] perm = n.attrInts("perm");
        int rank = x.rank();
        if (perm == null || perm.length != rank) {
            throw n.error("perm " + Arrays.toString(perm) + " does not fit a rank-" + rank + " activation");
        }
        boolean identity = true;
        for (int i = 0; i < rank; i++) {
            identity &= perm[i] == i;
        }
        if (identity) {
            define(n, 0, x);
            return;
        }
        boolean swapsGroups = perm[0] == 0 && perm[1] == 2 && perm[2] == 1;
        for (int i = 3; i < rank; i++) {
            swapsGroups &= perm[i] == i;
        }
        if (swapsGroups && (x.kind() == Kind.GROUPED || x.kind() == Kind.GROUPED_T)) {
            long[] d = x.dims().clone();
            long a = d[0];
            d[0] = d[1];
            d[1] = a;
            Kind kind = x.kind() == Kind.GROUPED ? Kind.GROUPED_T : Kind.GROUPED;
            define(n, 0, new Act(x.value(), d, kind, x.groups(), x.baseDims(), null));
            return;
        }
        if (x.kind() == Kind.PLAIN && perm[0] == 0) {
            // A transpose that only moves size-1 dims is a relabelling.
            long[] d = new long[rank - 1];
            List<Integer> order = new ArrayList<>();
            for (int i = 1; i < rank; i++) {
                d[i - 1] = x.dims()[(int) perm[i] - 1];
                if (d[i - 1] != 1) {
                    order.add((int) perm[i]);
                }
            }
            boolean sorted = true;
            for (int i = 1; i < order.size(); i++) {
                sorted &= order.get(i - 1) < order.get(i);
            }
            if (sorted && storage(d).equals(shapes.get(x.value()))) {
                define(n, 0, Act.plain(x.value(), d));
                return;
            }
        }
        throw n.error("Transpose perm " + Arrays.toString(perm) + " of " + Arrays.toString(x.dims()) + " per image is "
                + "not supported (only as the middle of a channel shuffle)");
    }

    private void flatten(OnnxNode n, Act x) {
        x = plain(x, "the input");
        long axis = n.attrInt("axis", 1);
        int a = (int) (axis < 0 ? axis + x.rank() : axis);
        if (a != 1) {
            throw n.error("Flatten with axis " + axis + " of a rank-" + x.rank() + " activation mixes images; only "
                    + "axis 1 is supported");
        }
        define(n, 0, reshapePlain(n, x, new long[] {Constant.size(x.dims())}));
    }

    private void squeeze(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        long[] axes = opset >= 13 ? (in.length > 1 && in[1] != null ? constant(n, in[1], "axes").longs(n.label) : null)
                : n.attrInts("axes");
        List<Long> full = new ArrayList<>();
        full.add(-1L); // the batch
        for (long d : x.dims()) {
            full.add(d);
        }
        if (n.op.equals("Squeeze")) {
            Set<Integer> drop = new TreeSet<>();
            if (axes == null) {
                for (int i = 1; i < full.size(); i++) {
                    if (full.get(i) == 1) {
                        drop.add(i);
                    }
                }
            } else {
                for (long a : axes) {
                    int ax = Folding.axis(n, a, full.size());
                    if (ax == 0 || full.get(ax) != 1) {
                        throw n.error("cannot squeeze axis " + a + " of " + Arrays.toString(x.dims()) + " per image");
                    }
                    drop.add(ax);
                }
            }
            List<Long> kept = new ArrayList<>();
            for (int i = 1; i < full.size(); i++) {
                if (!drop.contains(i)) {
                    kept.add(full.get(i));
                }
            }
            define(n, 0, relabel(n, x, toArray(kept)));
        } else {
            if (axes == null) {
                throw n.error("has no axes");
            }
            int outRank = full.size() + axes.length;
            boolean[] inserted = new boolean[outRank];
            for (long a : axes) {
                int ax = Folding.axis(n, a, outRank);
                if (ax == 0) {
                    throw n.error("cannot insert a dimension before the batch");
                }
                inserted[ax] = true;
            }
            List<Long> dims = new ArrayList<>();
            int k = 1;
            for (int i = 1; i < outRank; i++) {
                dims.add(inserted[i] ? 1L : full.get(k++));
            }
            define(n, 0, relabel(n, x, toArray(dims)));
        }
    }

    private static long[] toArray(List<Long> list) {
        long[] a = new long[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }

    private void split(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        int axis = Folding.axis(n, n.attrInt("axis", 0), x.rank());
        if (axis != 1) {
            throw n.error("Split along axis " + axis + " is not supported; along the channels (axis 1) it is");
        }
        int c = (int) x.dims()[0];
        long[] sizes = Folding.splitSizes(n, constantArguments(n, in), opset, c);
        int at = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (sizes[i] == 0) {
                throw n.error("an empty output is not supported");
            }
            String out = n.outputs().get(i);
            if (!out.isEmpty() && uses.getOrDefault(out, 0) > 0) {
                int v = emit(ChannelView.slice(uniqueName(layerName(n) + "." + i), c, at, (int) sizes[i]), x.value());
                long[] dims = x.dims().clone();
                dims[0] = sizes[i];
                if (nonNegative.contains(x.value())) {
                    nonNegative.add(v);
                }
                define(n, i, Act.plain(v, dims));
            }
            at += (int) sizes[i];
        }
    }

    private void slice(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "the input");
        int rank = x.rank();
        long[][] a = Folding.sliceArguments(n, constantArguments(n, in), opset, rank);
        int[] map = null;
        for (int i = 0; i < a[0].length; i++) {
            int axis = (int) a[2][i];
            long start = a[0][i];
            long end = a[1][i];
            long step = a[3][i];
            if (axis == 0) {
                boolean all = start == 0 && step == 1 && (end >= Integer.MAX_VALUE || (batch > 0 && end >= batch));
                if (!all) {
                    throw n.error("Slice along the batch axis is not supported");
                }
                continue;
            }
            long dim = x.dims()[axis - 1];
            long[] r = Folding.sliceRange(dim, start, end, step);
            if (axis == 1) {
                if (r[1] == 0) {
                    throw n.error("an empty slice is not supported");
                }
                map = new int[(int) r[1]];
                for (int j = 0; j < map.length; j++) {
                    map[j] = (int) (r[0] + j * step);
                }
            } else if (!(r[0] == 0 && r[1] == dim && step == 1)) {
                throw n.error("Slice along spatial axis " + axis + " is not supported; along the channels it is");
            }
        }
        if (map == null) {
            define(n, 0, x);
            return;
        }
        int v = emit(new ChannelView(layerName(n), (int) x.dims()[0], map), x.value());
        long[] dims = x.dims().clone();
        dims[0] = map.length;
        if (nonNegative.contains(x.value())) {
            nonNegative.add(v);
        }
        define(n, 0, Act.plain(v, dims));
    }

    private void dropout(OnnxNode n, Act x, Object[] in) {
        if (in.length > 2 && in[2] != null) {
            Constant training = constant(n, in[2], "training_mode");
            if (training.doubleAt(0, n.label) != 0) {
                throw n.error("training_mode true is not supported (inference only)");
            }
        }
        unusedOutputs(n, "the dropout mask");
        define(n, 0, x);
    }

    private void cast(OnnxNode n, Act x) {
        int to = (int) n.attrInt("to", 0);
        if (to != Tensors.FLOAT) {
            throw n.error("casting an activation to " + Tensors.typeName(to) + " is not supported");
        }
        define(n, 0, x);
    }

    private void shapeOf(OnnxNode n, Act x) {
        if (!spatialKnown && x.rank() > 2) {
            throw n.error("the shape of an activation whose height and width are dynamic is not known at load time");
        }
        long[] full = new long[x.rank()];
        full[0] = batch;
        System.arraycopy(x.dims(), 0, full, 1, x.dims().length);
        define(n, 0, Folding.shape(n, full, batch));
    }

    // ---------------------------------------------------------------------------------------------------------
    // joining, adding, fully connected, softmax

    private void concat(OnnxNode n, Object[] in) {
        int[] values = new int[in.length];
        long channels = 0;
        Act first = null;
        boolean allNonNegative = true;
        for (int i = 0; i < in.length; i++) {
            if (!(in[i] instanceof Act a)) {
                throw n.error("concatenating an activation with a value known at load time is not supported");
            }
            a = plain(a, "input " + i);
            if (first == null) {
                first = a;
            }
            if (a.rank() != first.rank()) {
                throw n.error("inputs of different ranks");
            }
            values[i] = a.value();
            channels += a.dims()[0];
            allNonNegative &= nonNegative.contains(a.value());
        }
        if (!n.has("axis")) {
            throw n.error("has no axis attribute");
        }
        int axis = Folding.axis(n, n.attrInt("axis", 1), first.rank());
        if (axis != 1) {
            throw n.error("Concat along axis " + axis + " is not supported; along the channels (axis 1) it is");
        }
        unusedOutputs(n, "split information");
        int v = emit(new Concat(layerName(n), false), values);
        long[] dims = first.dims().clone();
        dims[0] = channels;
        if (allNonNegative) {
            nonNegative.add(v);
        }
        define(n, 0, Act.plain(v, dims));
    }

    private void add(OnnxNode n, Object[] in) {
        if (in.length == 1) {
            define(n, 0, in[0]);
            return;
        }
        if (in.length != 2 && n.op.equals("Add")) {
            throw n.error("Add takes two inputs");
        }
        Object acc = in[0];
        for (int i = 1; i < in.length; i++) {
            acc = add2(n, acc, in[i]);
        }
        define(n, 0, acc);
    }

    private Act add2(OnnxNode n, Object a, Object b) {
        if (a instanceof Act x && b instanceof Act y) {
            x = plain(x, "the first input");
            y = plain(y, "the second input");
            if (!Arrays.equals(x.dims(), y.dims())) {
                throw n.error("adds activations of different shapes " + Arrays.toString(x.dims()) + " and "
                        + Arrays.toString(y.dims()) + "; broadcasting between activations is not supported");
            }
            return Act.plain(emit(new Add(layerName(n), false), x.value(), y.value()), x.dims());
        }
        Act x = a instanceof Act act ? act : (Act) b;
        Constant c = a instanceof Constant k ? k : (Constant) b;
        return addBias(n, plain(x, "the input"), c);
    }

    /** {@code x + c} with a per-channel (or scalar) constant, folded into the bias of the layer producing x. */
    private Act addBias(OnnxNode n, Act x, Constant c) {
        int v = x.value();
        Layer producer = v > 0 ? layers.get(v - 1) : null;
        String why = null;
        long[] full = new long[x.rank()];
        full[0] = 1;
        System.arraycopy(x.dims(), 0, full, 1, x.dims().length);
        long[] b = Folding.broadcast(full, c.dims);
        int channels = (int) x.dims()[0];
        boolean perChannel = b != null && Arrays.equals(b, full) && (c.size() == 1 || c.size() == channels);
        if (perChannel && c.size() == channels && channels > 1) {
            // The channel dim must be the one that varies: it sits at rank - (x.rank() - 1) from the end.
            int at = c.rank() - (x.rank() - 1);
            perChannel = at >= 0 && c.dims[at] == channels;
        }
        if (!perChannel) {
            why = "only a per-channel or scalar constant is supported, got " + c.describe();
        } else if (!(producer instanceof Conv2d conv && !conv.relu() && !conv.residual()) && !(producer instanceof Linear)) {
            why = "the constant must follow a Conv, Gemm or MatMul, whose bias it joins";
        } else if (consumers.get(v) > 0 || acts.values().stream().filter(a -> a.value() == v).count() > 1) {
            why = "the layer before it has other consumers";
        }
        if (why != null) {
            throw n.error("adding a constant to an activation: " + why);
        }
        float[] add = c.floatValues(n.label + " constant");
        float[] bias = producer instanceof Conv2d conv ? conv.bias() : ((Linear) producer).bias();
        float[] sum = new float[channels];
        for (int i = 0; i < channels; i++) {
            sum[i] = (bias == null ? 0f : bias[i]) + add[add.length == 1 ? 0 : i];
        }
        Layer fused = producer instanceof Conv2d conv ? conv.withWeights(conv.weight(), sum)
                : new Linear(producer.name(), ((Linear) producer).inFeatures(), channels, ((Linear) producer).weight(), sum);
        layers.set(v - 1, fused);
        return Act.plain(v, x.dims());
    }

    private void gemm(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "A");
        if (n.attrInt("transA", 0) != 0) {
            throw n.error("transA 1 is not supported (the rows of A are the images)");
        }
        int k = features(n, x);
        Constant bm = constant(n, in.length > 1 ? in[1] : null, "B");
        boolean transB = n.attrInt("transB", 0) != 0;
        if (bm.rank() != 2 || bm.dims[transB ? 1 : 0] != k) {
            throw n.error("B " + bm.describe() + (transB ? " (transposed)" : "") + " does not fit A with " + k
                    + " features");
        }
        int m = (int) bm.dims[transB ? 0 : 1];
        float alpha = n.attrFloat("alpha", 1f);
        float beta = n.attrFloat("beta", 1f);
        float[] bv = bm.floatValues(n.label + " B");
        float[] w = new float[m * k];
        for (int o = 0; o < m; o++) {
            for (int i = 0; i < k; i++) {
                w[o * k + i] = alpha * (transB ? bv[o * k + i] : bv[i * m + o]);
            }
        }
        float[] bias = null;
        Constant cm = optional(in, 2);
        if (in.length > 2 && in[2] != null) {
            cm = constant(n, in[2], "C");
            long rows = cm.rank() == 2 ? cm.dims[0] : 1;
            if (rows != 1 || (cm.size() != m && cm.size() != 1) || cm.rank() > 2) {
                throw n.error("C " + cm.describe() + " is not supported; a bias of shape [" + m + "], [1, " + m
                        + "] or a scalar is");
            }
            float[] cv = cm.floatValues(n.label + " C");
            bias = new float[m];
            for (int o = 0; o < m; o++) {
                bias[o] = beta * cv[cv.length == 1 ? 0 : o];
            }
        }
        int v = emit(new Linear(layerName(n), k, m, w, bias), x.value());
        define(n, 0, Act.plain(v, new long[] {m}));
    }

    private void matMul(OnnxNode n, Act x, Object[] in) {
        x = plain(x, "A");
        int k = features(n, x);
        Constant bm = constant(n, in.length > 1 ? in[1] : null, "B");
        if (bm.rank() != 2 || bm.dims[0] != k) {
            throw n.error("B " + bm.describe() + " does not fit A with " + k + " features");
        }
        int m = (int) bm.dims[1];
        float[] bv = bm.floatValues(n.label + " B");
        float[] w = new float[m * k];
        for (int o = 0; o < m; o++) {
            for (int i = 0; i < k; i++) {
                w[o * k + i] = bv[i * m + o];
            }
        }
        int v = emit(new Linear(layerName(n), k, m, w, null), x.value());
        define(n, 0, Act.plain(v, new long[] {m}));
    }

    /** The feature count of an [N, F] input (also accepted: [N, F, 1, 1], as older converters leave it). */
    private int features(OnnxNode n, Act x) {
        Shape s = shapes.get(x.value());
        if (s.planeSize() != 1 || x.dims().length < 1) {
            throw n.error("A must be [N, F]; got " + Arrays.toString(x.dims()) + " per image");
        }
        return s.channels();
    }

    private void softmax(OnnxNode n, Act x) {
        x = plain(x, "the input");
        int rank = x.rank();
        int axis = Folding.axis(n, n.attrInt("axis", opset < 13 ? 1 : -1), rank);
        if (axis == 0) {
            throw n.error("Softmax across the batch (axis 0) is not supported");
        }
        Shape s = shapes.get(x.value());
        boolean ok = s.planeSize() == 1;
        if (opset >= 13) {
            for (int i = 1; i < rank; i++) {
                ok &= i == axis || x.dims()[i - 1] == 1;
            }
        }
        if (!ok) {
            throw n.error("Softmax over axis " + axis + " of " + Arrays.toString(x.dims()) + " per image is not "
                    + "supported; over the channels of [N, C] (or [N, C, 1, 1]) it is");
        }
        int v = emit(new Softmax(layerName(n)), x.value());
        nonNegative.add(v);
        define(n, 0, Act.plain(v, x.dims()));
    }
}
