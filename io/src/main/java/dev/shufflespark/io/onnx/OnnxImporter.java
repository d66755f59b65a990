package dev.shufflespark.io.onnx;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.shufflespark.io.onnx.proto.Onnx.ModelProto;
import dev.shufflespark.model.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads an ONNX model into the engine. The graph becomes the same kind of graph the built-in models have (see
 * {@link GraphImporter}), so the standard load-time passes make it as fast as they are. Weights may be stored
 * inline or as {@code raw_data}; external data files are refused. The input's name and shape, and whether the
 * output is already a softmax, come from the file; the batch may be fixed or dynamic.
 *
 * <p>Anything that cannot be imported fails here, at load time, with an {@link OnnxException} that names the
 * file and, for an unsupported operator, its type, the node's name and the supported operators.
 */
public final class OnnxImporter {
    /** ONNX files larger than this are refused before they are read (protobuf's own limit is 2 GiB). */
    private static final long MAX_BYTES = Integer.MAX_VALUE;

    private OnnxImporter() {
    }

    /** The operators the importer accepts. */
    public static List<String> supportedOperators() {
        return GraphImporter.supportedOperators();
    }

    /** Reads {@code file}; the model is named after the file, without its extension. */
    public static OnnxModel read(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new OnnxException(file + " is larger than 2 GiB, the largest ONNX file without external data");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new OnnxException("no such file: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return read(bytes, dot > 0 ? name.substring(0, dot) : name, file.toString());
    }

    /** Reads a model held in memory; {@code name} names the model and appears in errors. */
    public static OnnxModel read(byte[] bytes, String name) {
        return read(bytes, name, name);
    }

    private static OnnxModel read(byte[] bytes, String name, String where) {
        return fromProto(parse(bytes, where), name, where);
    }

    /** Parses the protobuf of an ONNX file; the error says when it is truncated or not ONNX at all. */
    static ModelProto parse(byte[] bytes, String where) {
        if (bytes.length == 0) {
            throw new OnnxException(where + " is empty, not an ONNX model");
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.setRecursionLimit(200);
            ModelProto model = ModelProto.parseFrom(in);
            in.checkLastTagWas(0);
            return model;
        } catch (InvalidProtocolBufferException e) {
            String reason = e.getMessage() != null && e.getMessage().contains("ended unexpectedly")
                    ? "it is truncated (the data ends in the middle of a message)"
                    : "it is not a valid protocol buffer (" + e.getMessage() + ")";
            throw new OnnxException(where + " is not a readable ONNX model: " + reason, e);
        } catch (IOException e) {
            throw new OnnxException(where + " is not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    /** Imports a parsed model. */
    public static OnnxModel fromProto(ModelProto proto, String name) {
        return fromProto(proto, name, name);
    }

    private static OnnxModel fromProto(ModelProto proto, String name, String where) {
        OnnxModel m;
        try {
            m = GraphImporter.importModel(proto, name);
        } catch (OnnxException e) {
            String msg = e.getMessage();
            throw new OnnxException(msg.startsWith(name + ":") || msg.startsWith(name + " ")
                    ? where + msg.substring(name.length()) : where + ": " + msg, e);
        }
        return m;
    }

    /** Reads {@code file} and returns only the engine model. */
    public static Model readModel(Path file) {
        return read(file).model();
    }
}
