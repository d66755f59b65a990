package dev.shufflespark.io.onnx;

import dev.shufflespark.io.onnx.proto.Onnx.AttributeProto;
import dev.shufflespark.io.onnx.proto.Onnx.NodeProto;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One ONNX node with typed access to its attributes; errors name the node. */
final class OnnxNode {
    final NodeProto proto;
    final String op;
    final String label;
    private final Map<String, AttributeProto> attributes = new HashMap<>();

    OnnxNode(NodeProto proto, int index) {
        this.proto = proto;
        this.op = proto.getOpType();
        this.label = op + " node " + (proto.getName().isEmpty() ? "#" + index : "'" + proto.getName() + "'");
        for (AttributeProto a : proto.getAttributeList()) {
            if (a.hasRefAttrName()) {
                throw error("attribute '" + a.getName() + "' refers to a function attribute, which is not supported");
            }
            attributes.put(a.getName(), a);
        }
    }

    OnnxException error(String message) {
        return new OnnxException(label + ": " + message);
    }

    int inputCount() {
        return proto.getInputCount();
    }

    /** Input i's name, or "" when it is absent (past the end, or an empty name for an omitted optional input). */
    String input(int i) {
        return i < proto.getInputCount() ? proto.getInput(i) : "";
    }

    boolean hasInput(int i) {
        return !input(i).isEmpty();
    }

    List<String> outputs() {
        return proto.getOutputList();
    }

    boolean has(String name) {
        return attributes.containsKey(name);
    }

    long attrInt(String name, long defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getI();
    }

    float attrFloat(String name, float defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getF();
    }

    String attrString(String name, String defaultValue) {
        AttributeProto a = attributes.get(name);
        return a == null ? defaultValue : a.getS().toString(StandardCharsets.UTF_8);
    }

    /** An INTS attribute, or null when absent. */
    long[] attrInts(String name) {
        AttributeProto a = attributes.get(name);
        if (a == null) {
            return null;
        }
        long[] v = new long[a.getIntsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getInts(i);
        }
        return v;
    }

    /** An INTS attribute that must have {@code count} values; absent, {@code count} times the default. */
    long[] attrInts(String name, int count, long defaultValue) {
        long[] v = attrInts(name);
        if (v == null) {
            v = new long[count];
            Arrays.fill(v, defaultValue);
        }
        if (v.length != count) {
            throw error(name + " " + Arrays.toString(v) + " should have " + count + " values");
        }
        return v;
    }

    float[] attrFloats(String name) {
        AttributeProto a = attributes.get(name);
        if (a == null) {
            return null;
        }
        float[] v = new float[a.getFloatsCount()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.getFloats(i);
        }
        return v;
    }

    AttributeProto attr(String name) {
        return attributes.get(name);
    }
}
