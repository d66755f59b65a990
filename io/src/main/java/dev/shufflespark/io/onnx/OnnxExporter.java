package dev.shufflespark.io.onnx;

import dev.shufflespark.io.onnx.proto.Onnx.AttributeProto;
import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.NodeProto;
import dev.shufflespark.io.onnx.proto.Onnx.OperatorSetIdProto;
import dev.shufflespark.io.onnx.proto.Onnx.StringStringEntryProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorShapeProto;
import dev.shufflespark.io.onnx.proto.Onnx.TypeProto;
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
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes a model as a standard ONNX file (operator set 13, IR version 7) that ONNX Runtime and other tools run.
 * The graph exported is the model's unoptimised graph, layer for layer: Conv, BatchNormalization, Relu,
 * MaxPool / AveragePool, a channel shuffle as Reshape + Transpose + Reshape, Slice for V2's channel split,
 * Concat, Add, GlobalAveragePool, Flatten + Gemm, Softmax. Initializers are named after the layers
 * ({@code stage2.0.conv1.weight}, {@code fc.bias}), which for the built-in models are PyTorch's names.
 *
 * <p>The input is {@code input}, float32 {@code [N, 3, H, W]} with a dynamic batch {@code N} and the height
 * and width given (224 by default; the channel shuffles' Reshapes name them). The output is {@code logits}
 * {@code [N, classes]}, or {@code probabilities} when the model ends in a softmax.
 */
public final class OnnxExporter {
    public static final int OPSET = 13;
    public static final int IR_VERSION = 7;
    public static final int DEFAULT_SIZE = 224;
    public static final String INPUT = "input";

    private final Graph graph;
    private final Shape[] shapes;
    private final String[] names;
    private final boolean[] features; // value is [N, F] rather than [N, C, H, W]
    private final GraphProto.Builder out = GraphProto.newBuilder();

    private OnnxExporter(Graph graph, int height, int width) {
        this.graph = graph;
        this.shapes = graph.shapes(height, width);
        this.names = new String[graph.valueLimit()];
        this.features = new boolean[graph.valueLimit()];
    }

    /** The model as ONNX for {@code height x width} input. */
    public static ModelProto toProto(Model model, int height, int width) {
        OnnxExporter e = new OnnxExporter(model.graph(), height, width);
        GraphProto g = e.export(model.outputsProbabilities() ? "probabilities" : "logits", model.name(), height, width);
        String version = OnnxExporter.class.getPackage().getImplementationVersion();
        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("shufflespark")
                .setProducerVersion(version == null ? "dev" : version)
                .setDocString(model.name() + (model.architecture().isPresent()
                        ? " (built-in architecture; seeded, untrained weights unless trained ones were loaded)" : ""))
                .setGraph(g)
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey("shufflespark.model").setValue(model.name()));
        return m.build();
    }

    public static byte[] toBytes(Model model) {
        return toProto(model, DEFAULT_SIZE, DEFAULT_SIZE).toByteArray();
    }

    /** Writes the model to {@code file} (through a temporary file, so a failed write leaves no partial file). */
    public static void write(Model model, Path file, int height, int width) {
        ModelProto proto = toProto(model, height, width);
        Path dir = file.toAbsolutePath().getParent();
        try {
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            try {
                try (OutputStream o = Files.newOutputStream(tmp)) {
                    proto.writeTo(o);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static void write(Model model, Path file) {
        write(model, file, DEFAULT_SIZE, DEFAULT_SIZE);
    }

    private GraphProto export(String outputName, String graphName, int height, int width) {
        names[Graph.INPUT] = INPUT;
        out.setName(graphName);
        out.addInput(valueInfo(INPUT, dims(shapes[Graph.INPUT], false)));
        for (Graph.Node node : graph.nodes()) {
            node(node);
        }
        int result = graph.output();
        String last = names[result];
        if (!features[result]) {
            last = node("Flatten", names[result] + ".flatten", new String[] {last}, attr("axis", 1));
        }
        // Give the last value its public name.
        for (int i = 0; i < out.getNodeCount(); i++) {
            NodeProto.Builder n = out.getNodeBuilder(i);
            for (int k = 0; k < n.getOutputCount(); k++) {
                if (n.getOutput(k).equals(last)) {
                    n.setOutput(k, outputName);
                }
            }
            for (int k = 0; k < n.getInputCount(); k++) {
                if (n.getInput(k).equals(last)) {
                    n.setInput(k, outputName);
                }
            }
        }
        out.addOutput(valueInfo(outputName, new Object[] {"N", (long) shapes[result].size()}));
        return out.build();
    }

    private void node(Graph.Node node) {
        Layer layer = node.layer();
        int[] in = node.inputs();
        String x = names[in[0]];
        String name = layer.name();
        int v = node.output();
        Shape inShape = shapes[in[0]];
        boolean rank2 = features[in[0]];
        String y;
        if (layer instanceof Conv2d c) {
            requireImage(layer, rank2);
            String w = initializer(name + ".weight", new long[] {c.outChannels(), c.inChannels() / c.groups(),
                c.kernelHeight(), c.kernelWidth()}, c.weight());
            String[] inputs = c.bias() == null ? new String[] {x, w}
                    : new String[] {x, w, initializer(name + ".bias", new long[] {c.outChannels()}, c.bias())};
            y = node("Conv", name, inputs,
                    ints("kernel_shape", c.kernelHeight(), c.kernelWidth()),
                    ints("strides", c.strideHeight(), c.strideWidth()),
                    ints("pads", c.padTop(), c.padLeft(), c.padBottom(), c.padRight()),
                    ints("dilations", 1, 1),
                    attr("group", c.groups()));
            if (c.residual()) {
                y = node("Add", name + ".add", new String[] {y, names[in[1]]});
            }
            if (c.relu()) {
                y = node("Relu", name + ".relu", new String[] {y});
            }
        } else if (layer instanceof BatchNorm2d bn) {
            long[] cdims = {bn.channels()};
            y = node("BatchNormalization", name, new String[] {x,
                initializer(name + ".weight", cdims, bn.gamma()), initializer(name + ".bias", cdims, bn.beta()),
                initializer(name + ".running_mean", cdims, bn.mean()), initializer(name + ".running_var", cdims, bn.var())},
                    floatAttr("epsilon", bn.eps()));
        } else if (layer instanceof Relu) {
            y = node("Relu", name, new String[] {x});
        } else if (layer instanceof Clip c) {
            y = node("Clip", name, new String[] {x,
                initializer(name + ".min", new long[0], new float[] {c.min()}),
                initializer(name + ".max", new long[0], new float[] {c.max()})});
        } else if (layer instanceof Pool2d p) {
            requireImage(layer, rank2);
            boolean max = p.kind() == Pool2d.Kind.MAX;
            AttributeProto[] attrs = {ints("kernel_shape", p.kernel(), p.kernel()), ints("strides", p.stride(), p.stride()),
                ints("pads", p.padding(), p.padding(), p.padBottom(), p.padRight())};
            if (!max) {
                attrs = new AttributeProto[] {attrs[0], attrs[1], attrs[2],
                    attr("count_include_pad", p.countIncludePad() ? 1 : 0)};
            }
            y = node(max ? "MaxPool" : "AveragePool", name, new String[] {x}, attrs);
            if (p.relu()) {
                y = node("Relu", name + ".relu", new String[] {y});
            }
        } else if (layer instanceof GlobalAvgPool) {
            requireImage(layer, rank2);
            y = node("GlobalAveragePool", name, new String[] {x});
        } else if (layer instanceof Linear l) {
            if (!rank2) {
                x = node("Flatten", name + ".flatten", new String[] {x}, attr("axis", 1));
            }
            String w = initializer(name + ".weight", new long[] {l.outFeatures(), l.inFeatures()}, l.weight());
            String[] inputs = l.bias() == null ? new String[] {x, w}
                    : new String[] {x, w, initializer(name + ".bias", new long[] {l.outFeatures()}, l.bias())};
            y = node("Gemm", name, inputs, attr("transB", 1));
            rank2 = true;
        } else if (layer instanceof Add a) {
            String other = names[in[1]];
            if (features[in[1]] != rank2) {
                throw new OnnxException("layer " + name + " adds values of different ranks");
            }
            y = node("Add", name, new String[] {x, other});
            if (a.relu()) {
                y = node("Relu", name + ".relu", new String[] {y});
            }
        } else if (layer instanceof Concat) {
            String[] inputs = new String[in.length];
            for (int i = 0; i < in.length; i++) {
                inputs[i] = names[in[i]];
                if (features[in[i]] != rank2) {
                    throw new OnnxException("layer " + name + " concatenates values of different ranks");
                }
            }
            y = node("Concat", name, inputs, attr("axis", 1));
        } else if (layer instanceof ChannelShuffle s) {
            requireImage(layer, rank2);
            int g = s.groups();
            int c = s.channels();
            String grouped = node("Reshape", name + ".reshape", new String[] {x,
                shapeInitializer(name + ".grouped_shape", 0, g, c / g, inShape.height(), inShape.width())});
            String swapped = node("Transpose", name + ".transpose", new String[] {grouped}, ints("perm", 0, 2, 1, 3, 4));
            y = node("Reshape", name, new String[] {swapped,
                shapeInitializer(name + ".shape", 0, c, inShape.height(), inShape.width())});
        } else if (layer instanceof ChannelView view) {
            int[] map = view.map();
            boolean range = true;
            for (int i = 1; i < map.length; i++) {
                range &= map[i] == map[0] + i;
            }
            if (range) {
                y = node("Slice", name, new String[] {x,
                    shapeInitializer(name + ".starts", map[0]), shapeInitializer(name + ".ends", map[0] + map.length),
                    shapeInitializer(name + ".axes", 1)});
            } else {
                long[] idx = new long[map.length];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = map[i];
                }
                y = node("Gather", name, new String[] {x, shapeInitializer(name + ".indices", idx)}, attr("axis", 1));
            }
        } else if (layer instanceof Softmax) {
            y = node("Softmax", name, new String[] {x}, attr("axis", 1));
        } else if (layer instanceof Flatten) {
            y = rank2 ? x : node("Flatten", name, new String[] {x}, attr("axis", 1));
            rank2 = true;
        } else {
            throw new OnnxException("layer " + name + " (" + layer.getClass().getSimpleName()
                    + ") cannot be exported to ONNX");
        }
        names[v] = y;
        features[v] = rank2;
    }

    private static void requireImage(Layer layer, boolean rank2) {
        if (rank2) {
            throw new OnnxException("layer " + layer.name() + " (" + layer.getClass().getSimpleName()
                    + ") follows a fully connected layer, which the exporter does not support");
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // protobuf building

    private String node(String op, String name, String[] inputs, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addOutput(name);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (AttributeProto a : attrs) {
            n.addAttribute(a);
        }
        out.addNode(n);
        return name;
    }

    private String initializer(String name, long[] dims, float[] values) {
        out.addInitializer(Tensors.floats(name, dims, values));
        return name;
    }

    private String shapeInitializer(String name, long... values) {
        out.addInitializer(Tensors.int64s(name, values));
        return name;
    }

    private static AttributeProto attr(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    private static AttributeProto floatAttr(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    private static AttributeProto ints(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) {
            a.addInts(v);
        }
        return a.build();
    }

    private static Object[] dims(Shape s, boolean rank2) {
        return rank2 ? new Object[] {"N", (long) s.channels()}
                : new Object[] {"N", (long) s.channels(), (long) s.height(), (long) s.width()};
    }

    /** A float32 tensor's value info; a String dim is symbolic. */
    private static ValueInfoProto valueInfo(String name, Object[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof String s) {
                dim.setDimParam(s);
            } else {
                dim.setDimValue((Long) d);
            }
            shape.addDim(dim);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT).setShape(shape))).build();
    }
}
