package dev.shufflespark.io.onnx;

import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.NodeProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorShapeProto;
import dev.shufflespark.io.onnx.proto.Onnx.ValueInfoProto;
import dev.shufflespark.model.Model;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Flatten;
import dev.shufflespark.model.layer.Shape;
import dev.shufflespark.model.layer.Softmax;
import dev.shufflespark.model.plan.Graph;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns one ONNX graph into an engine {@link Graph} built from the engine's layers, so that the standard passes
 * (BatchNorm folding, fused ReLU, folded shuffles, in-place concatenation) apply as to a built-in model.
 *
 * <p>Every ONNX value is either known at load time (a {@link Constant}) or an {@link Activation} that the engine
 * computes. A node whose inputs are all known is evaluated at load time ({@link Folding}); any other goes to the
 * family of its operator: {@link ConvolutionOperators}, {@link PoolingOperators}, {@link ReshapeOperators} and
 * {@link ArithmeticOperators}, which add layers to the graph of the {@link ImportContext}. Operators that only
 * re-label dims (Reshape to {@code [N, C]} after a pool, Squeeze, Flatten of 1x1 planes, Identity, Dropout)
 * produce no layer.
 */
final class GraphImporter {
    static final int MIN_OPSET = 1;
    static final int MAX_OPSET = 21;
    /** Height and width used to check shapes when the model's are dynamic. */
    private static final int NOMINAL_SIZE = 224;

    private final ModelProto model;
    private final String name;
    private final GraphProto graph;
    private final ImportContext ctx;
    private final Map<String, OperatorFamily> families = new HashMap<>();
    private String inputName;
    private long[] inputShape; // -1 for a dynamic dimension

    private GraphImporter(ModelProto model, String name, long opset) {
        this.model = model;
        this.name = name;
        this.graph = model.getGraph();
        this.ctx = new ImportContext(opset);
        family(ConvolutionOperators.OPERATORS, new ConvolutionOperators(ctx));
        family(PoolingOperators.OPERATORS, new PoolingOperators(ctx));
        family(ReshapeOperators.OPERATORS, new ReshapeOperators(ctx));
        family(ArithmeticOperators.OPERATORS, new ArithmeticOperators(ctx));
    }

    private void family(Set<String> operators, OperatorFamily family) {
        for (String op : operators) {
            families.put(op, family);
        }
    }

    /** Operators that run on activations; with {@link Folding#OPERATORS}, every operator the importer accepts. */
    static Set<String> activationOperators() {
        Set<String> all = new TreeSet<>(ConvolutionOperators.OPERATORS);
        all.addAll(PoolingOperators.OPERATORS);
        all.addAll(ReshapeOperators.OPERATORS);
        all.addAll(ArithmeticOperators.OPERATORS);
        return all;
    }

    static List<String> supportedOperators() {
        TreeSet<String> all = new TreeSet<>(activationOperators());
        all.addAll(Folding.OPERATORS);
        all.add("Constant");
        return new ArrayList<>(all);
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
        Map<String, Constant> out = new LinkedHashMap<>();
        for (ValueInfoProto v : model.getGraph().getOutputList()) {
            Constant c = importer.ctx.constant(v.getName());
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
            ctx.defineConstant(t.getName(), Tensors.read(t, "initializer '" + t.getName() + "'"));
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                ctx.countUse(in);
            }
        }
        for (ValueInfoProto out : graph.getOutputList()) {
            ctx.countUse(out.getName());
        }
    }

    private void nodes() {
        int index = 0;
        for (NodeProto n : graph.getNodeList()) {
            OnnxNode node = new OnnxNode(n, index++);
            ctx.current(node);
            node(node);
        }
        ctx.current(null);
    }

    // ---------------------------------------------------------------------------------------------------------
    // the input and the output

    /** Declares the one graph input that has no initializer. */
    private void declareInput() {
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!ctx.isConstant(v.getName())) {
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
        boolean spatialKnown = true;
        long[] perImage = new long[inputShape.length - 1];
        for (int i = 1; i < inputShape.length; i++) {
            perImage[i - 1] = inputShape[i];
            if (inputShape[i] < 0) {
                spatialKnown = false;
                perImage[i - 1] = NOMINAL_SIZE;
            }
        }
        ctx.declareInput(inputName, perImage, inputShape[0], spatialKnown);
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
        Activation out = ctx.activation(outputName);
        if (out == null) {
            throw new OnnxException("output '" + outputName + "' is " + (ctx.isConstant(outputName)
                    ? "known at load time (it does not depend on the input)" : "not produced by any node"));
        }
        out = ctx.plain(out, "the graph output");
        int value = out.value();
        boolean probabilities = ctx.producer(value) instanceof Softmax;
        if (ctx.shape(value).planeSize() > 1) {
            value = ctx.emit(new Flatten(ctx.uniqueName("output.flatten")), value);
        }
        if (value == 0 || ctx.producer(value).viewMap(new Shape[] {ctx.shape(ctx.producerInputs(value)[0])}) != null) {
            // The output is the input, or a view of it: the session reads the output after the input is gone, so
            // copy it (a clip without bounds is the identity).
            value = ctx.emit(new Clip(ctx.uniqueName("output.copy"), Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY),
                    value);
        }
        Graph engineGraph = ctx.build(value);
        return new OnnxModel(Model.ofGraph(name, engineGraph, ctx.parameterCount(), probabilities), inputName,
                inputShape, outputName, ctx.opset,
                (model.getProducerName() + " " + model.getProducerVersion()).strip());
    }

    // ---------------------------------------------------------------------------------------------------------
    // nodes

    private void node(OnnxNode n) {
        String domain = n.proto.getDomain();
        if (!domain.isEmpty() && !domain.equals("ai.onnx")) {
            throw unsupported(n, domain + ":" + n.op);
        }
        if (n.op.equals("Constant")) {
            ctx.define(n, 0, constantValue(n));
            return;
        }
        OnnxValue[] values = new OnnxValue[n.inputCount()];
        for (int i = 0; i < values.length; i++) {
            String v = n.input(i);
            if (v.isEmpty()) {
                continue;
            }
            values[i] = ctx.value(v);
            if (values[i] == null) {
                throw n.error("input '" + v + "' is not an initializer, the graph input or the output of an earlier "
                        + "node (a missing initializer, or nodes out of order)");
            }
        }
        NodeInputs in = new NodeInputs(n, values);
        OperatorFamily family = families.get(n.op);
        if (!in.anyActivation()) {
            fold(n, in, family != null);
            return;
        }
        if (family == null) {
            throw unsupported(n, n.op);
        }
        if (!(in.get(0) instanceof Activation x)) {
            throw n.error("its first input must be the activation; got a value known at load time");
        }
        family.apply(n, x, in);
    }

    /** A node whose inputs are all known at load time, evaluated now. */
    private void fold(OnnxNode n, NodeInputs in, boolean onActivations) {
        Constant[] out = onActivations || Folding.OPERATORS.contains(n.op)
                ? Folding.fold(n, in.constants(), ctx.opset) : null;
        if (out == null) {
            if (onActivations) {
                throw n.error("runs on values known at load time, which is supported only for "
                        + new TreeSet<>(Folding.OPERATORS));
            }
            throw unsupported(n, n.op);
        }
        for (int i = 0; i < out.length && i < n.outputs().size(); i++) {
            if (out[i] != null) {
                ctx.define(n, i, out[i]);
            }
        }
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
}
