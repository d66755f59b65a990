package dev.shufflespark.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shufflespark.io.onnx.proto.Onnx.AttributeProto;
import dev.shufflespark.io.onnx.proto.Onnx.GraphProto;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.io.onnx.proto.Onnx.NodeProto;
import dev.shufflespark.io.onnx.proto.Onnx.OperatorSetIdProto;
import dev.shufflespark.io.onnx.proto.Onnx.TensorShapeProto;
import dev.shufflespark.io.onnx.proto.Onnx.TypeProto;
import dev.shufflespark.io.onnx.proto.Onnx.ValueInfoProto;
import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.Session;
import dev.shufflespark.model.layer.Clip;
import dev.shufflespark.model.layer.Conv2d;
import dev.shufflespark.model.layer.Linear;
import dev.shufflespark.model.layer.Pool2d;
import dev.shufflespark.model.plan.Graph;
import org.junit.jupiter.api.Test;

/**
 * Small graphs written here node by node, for the operator forms the ShuffleNet files do not all use: Pad merged
 * into a Conv (asymmetric) and into a MaxPool after a ReLU, Clip as ReLU6, Split with sizes as an input (opset
 * 13), Slice and Concat of channels, ReduceMean, MatMul + Add folded into one fully connected layer, Softmax.
 * Each runs in the engine and in ONNX Runtime on the same input.
 */
class OnnxGraphsTest {
    private final GraphProto.Builder g = GraphProto.newBuilder().setName("graph");
    private long seed = 100;

    @Test
    void mixedOperatorsMatchOnnxRuntime() {
        input("x", 6, 9, 9);
        weight("w1", 12, 6, 3, 3);
        node("Pad", "pad1", new String[] {"x", ints("pads1", 0, 0, 1, 0, 0, 0, 0, 1)}, "p1");
        node("Conv", "conv1", new String[] {"p1", "w1"}, "c1", intsAttr("kernel_shape", 3, 3));
        node("Clip", "relu6", new String[] {"c1", scalar("zero", 0), scalar("six", 6)}, "r6");
        node("Split", "split", new String[] {"r6", ints("sizes", 4, 8)}, "s0", "s1", intAttr("axis", 1));
        node("Relu", "relu", new String[] {"s0"}, "a");
        node("Slice", "slice", new String[] {"s1", ints("starts", 2), ints("ends", 8), ints("axes", 1)}, "b");
        node("Concat", "concat", new String[] {"a", "b"}, "cat", intAttr("axis", 1));
        node("Pad", "pad2", new String[] {"cat", ints("pads2", 0, 0, 1, 1, 0, 0, 1, 1)}, "p2");
        node("MaxPool", "pool", new String[] {"p2"}, "mp", intsAttr("kernel_shape", 3, 3), intsAttr("strides", 2, 2));
        node("ReduceMean", "mean", new String[] {"mp"}, "m", intsAttr("axes", 2, 3), intAttr("keepdims", 0));
        weight("fc_w", 10, 7);
        weight("fc_b", 7);
        node("MatMul", "fc", new String[] {"m", "fc_w"}, "mm");
        node("Add", "fc_bias", new String[] {"mm", "fc_b"}, "logits");
        node("Softmax", "softmax", new String[] {"logits"}, "y", intAttr("axis", 1));
        output("y");

        ModelProto model = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
        OnnxModel m = OnnxImporter.fromProto(model, "mixed");
        assertTrue(m.outputsProbabilities());
        Graph graph = m.model().graph();
        Conv2d conv = (Conv2d) graph.nodes().get(0).layer();
        assertEquals("1,0,0,1", conv.padTop() + "," + conv.padLeft() + "," + conv.padBottom() + "," + conv.padRight(),
                "the Pad merged into the Conv");
        assertEquals(1, graph.count(Clip.class), "Clip(0, 6) is a ReLU6");
        assertEquals(1, graph.count(Linear.class), "MatMul + Add are one fully connected layer");
        for (Graph.Node node : graph.nodes()) {
            if (node.layer() instanceof Pool2d p) {
                assertEquals(1, p.padding(), "the Pad after a ReLU merged into the MaxPool");
            }
        }

        int batch = 3;
        float[] x = Compare.gaussian(batch * 6 * 9 * 9, 7);
        for (int i = 0; i < x.length; i++) {
            x[i] *= 3; // so that ReLU6 clips at both ends
        }
        Session s = m.model().engine().newSession(batch, 9, 9);
        float[] ours = s.run(x, batch).clone();
        float[] ort;
        try (OrtRunner r = new OrtRunner(model.toByteArray())) {
            ort = r.run(x, batch, 6, 9, 9);
        }
        assertNull(Compare.mismatch(ort, ours, batch, 7, true), () -> Compare.mismatch(ort, ours, batch, 7, true));
    }

    @Test
    void aClassifierOnAFlattenedMapHasNoPooledFeatures() {
        // Conv, Flatten of the whole 3x3 map, Gemm: a classifier, but nothing is globally pooled before it.
        input("x", 3, 5, 5);
        weight("w", 4, 3, 3, 3);
        node("Conv", "conv", new String[] {"x", "w"}, "c", intsAttr("kernel_shape", 3, 3));
        node("Flatten", "flatten", new String[] {"c"}, "f", intAttr("axis", 1));
        weight("fc_w", 10, 36);
        node("Gemm", "fc", new String[] {"f", "fc_w"}, "y", intAttr("transB", 1));
        output("y");
        ModelProto model = ModelProto.newBuilder().setIrVersion(8)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).setGraph(g).build();
        OnnxModel m = OnnxImporter.fromProto(model, "flat_classifier");
        assertFalse(m.model().featureCount().isPresent());
        ModelException e = assertThrows(ModelException.class, () -> m.model().engine(true));
        assertTrue(e.getMessage().startsWith("model flat_classifier has no globally pooled features"), e.getMessage());
        assertTrue(e.getMessage().contains("GlobalAveragePool") && e.getMessage().contains("Flatten flatten -> Linear fc"),
                e.getMessage());
        m.model().engine().newSession(1, 5, 5); // it still classifies
    }

    // ---------------------------------------------------------------------------------------------------------

    private void input(String name, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder()
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        g.addInput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT).setShape(shape))));
    }

    private void output(String name) {
        g.addOutput(ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(Tensors.FLOAT))));
    }

    private void weight(String name, long... dims) {
        int n = 1;
        for (long d : dims) {
            n *= (int) d;
        }
        float[] v = Compare.gaussian(n, seed++);
        for (int i = 0; i < n; i++) {
            v[i] *= 0.3f;
        }
        g.addInitializer(Tensors.floats(name, dims, v));
    }

    private String ints(String name, long... v) {
        g.addInitializer(Tensors.int64s(name, v));
        return name;
    }

    private String scalar(String name, float v) {
        g.addInitializer(Tensors.floats(name, new long[0], new float[] {v}));
        return name;
    }

    private void node(String op, String name, String[] inputs, Object... rest) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name);
        for (String i : inputs) {
            n.addInput(i);
        }
        for (Object o : rest) {
            if (o instanceof String out) {
                n.addOutput(out);
            } else {
                n.addAttribute((AttributeProto) o);
            }
        }
        g.addNode(n);
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }
}
