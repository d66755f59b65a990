package dev.shufflespark.io.onnx;

import com.google.protobuf.ByteString;
import dev.shufflespark.io.onnx.proto.Onnx.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/** Conversions between ONNX's TensorProto and {@link Constant}: inline typed fields and {@code raw_data}. */
final class Tensors {
    static final int FLOAT = 1;
    static final int UINT8 = 2;
    static final int INT8 = 3;
    static final int UINT16 = 4;
    static final int INT16 = 5;
    static final int INT32 = 6;
    static final int INT64 = 7;
    static final int BOOL = 9;
    static final int FLOAT16 = 10;
    static final int DOUBLE = 11;
    static final int UINT32 = 12;
    static final int UINT64 = 13;

    private Tensors() {
    }

    static String typeName(int type) {
        return switch (type) {
            case FLOAT -> "float";
            case UINT8 -> "uint8";
            case INT8 -> "int8";
            case UINT16 -> "uint16";
            case INT16 -> "int16";
            case INT32 -> "int32";
            case INT64 -> "int64";
            case 8 -> "string";
            case BOOL -> "bool";
            case FLOAT16 -> "float16";
            case DOUBLE -> "double";
            case UINT32 -> "uint32";
            case UINT64 -> "uint64";
            case 16 -> "bfloat16";
            default -> "type " + type;
        };
    }

    static boolean isFloat(int type) {
        return type == FLOAT || type == DOUBLE || type == FLOAT16;
    }

    /** Reads a tensor; {@code what} names it in errors (e.g. "initializer 'fc.weight'"). */
    static Constant read(TensorProto t, String what) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL || t.getExternalDataCount() > 0) {
            String location = "";
            for (var e : t.getExternalDataList()) {
                if (e.getKey().equals("location")) {
                    location = " (" + e.getValue() + ")";
                }
            }
            throw new OnnxException(what + " keeps its data in an external file" + location
                    + "; external data is not supported: save the model as one file, e.g. with "
                    + "onnx.save_model(model, path, save_as_external_data=False)");
        }
        if (t.getUnknownFields().hasField(3)) {
            throw new OnnxException(what + " is a segment of a larger tensor, which is not supported");
        }
        long[] dims = new long[t.getDimsCount()];
        long size = 1;
        for (int i = 0; i < dims.length; i++) {
            dims[i] = t.getDims(i);
            if (dims[i] < 0) {
                throw new OnnxException(what + " has a negative dimension: " + t.getDimsList());
            }
            size *= dims[i];
        }
        if (size > Integer.MAX_VALUE - 8) {
            throw new OnnxException(what + " has " + size + " elements, more than an array holds");
        }
        int n = (int) size;
        int type = t.getDataType();
        boolean raw = t.hasRawData();
        ByteBuffer bytes = raw ? t.getRawData().asReadOnlyByteBuffer().slice().order(ByteOrder.LITTLE_ENDIAN) : null;
        int width = switch (type) {
            case FLOAT, INT32, UINT32 -> 4;
            case DOUBLE, INT64, UINT64 -> 8;
            case UINT8, INT8, BOOL -> 1;
            case UINT16, INT16, FLOAT16 -> 2;
            default -> throw new OnnxException(what + " has element type " + typeName(type)
                    + ", which is not supported (float, double, float16 and integer types are)");
        };
        if (raw && bytes.remaining() != (long) n * width) {
            throw new OnnxException(what + " of shape " + Arrays.toString(dims) + " and type " + typeName(type)
                    + " needs " + (long) n * width + " bytes of raw_data, but has " + bytes.remaining());
        }
        if (isFloat(type)) {
            float[] f = new float[n];
            int count = raw ? n : switch (type) {
                case FLOAT -> t.getFloatDataCount();
                case DOUBLE -> t.getDoubleDataCount();
                default -> t.getInt32DataCount();
            };
            checkCount(what, dims, type, count, n);
            for (int i = 0; i < n; i++) {
                f[i] = switch (type) {
                    case FLOAT -> raw ? bytes.getFloat(i * 4) : t.getFloatData(i);
                    case DOUBLE -> (float) (raw ? bytes.getDouble(i * 8) : t.getDoubleData(i));
                    default -> halfToFloat(raw ? bytes.getShort(i * 2) : (short) t.getInt32Data(i));
                };
            }
            return Constant.ofFloats(dims, f);
        }
        long[] v = new long[n];
        int count = raw ? n : switch (type) {
            case INT64 -> t.getInt64DataCount();
            case UINT32, UINT64 -> t.getUint64DataCount();
            default -> t.getInt32DataCount();
        };
        checkCount(what, dims, type, count, n);
        for (int i = 0; i < n; i++) {
            if (raw) {
                v[i] = switch (type) {
                    case INT64, UINT64 -> bytes.getLong(i * 8);
                    case INT32 -> bytes.getInt(i * 4);
                    case UINT32 -> bytes.getInt(i * 4) & 0xffffffffL;
                    case INT16 -> bytes.getShort(i * 2);
                    case UINT16 -> bytes.getShort(i * 2) & 0xffff;
                    case INT8 -> bytes.get(i);
                    default -> bytes.get(i) & 0xff; // UINT8, BOOL
                };
            } else {
                v[i] = switch (type) {
                    case INT64 -> t.getInt64Data(i);
                    case UINT32, UINT64 -> t.getUint64Data(i);
                    default -> t.getInt32Data(i);
                };
            }
        }
        return Constant.ofInts(dims, v, null, type);
    }

    private static void checkCount(String what, long[] dims, int type, int count, int n) {
        if (count != n) {
            throw new OnnxException(what + " of shape " + Arrays.toString(dims) + " and type " + typeName(type)
                    + " holds " + count + " values, expected " + n);
        }
    }

    /** IEEE 754 half precision to float. */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** A float32 tensor stored as little-endian raw_data. */
    static TensorProto floats(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT)
                .setRawData(ByteString.copyFrom(b.array()));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** An int64 tensor (shapes, axes, indices). */
    static TensorProto int64s(String name, long... values) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        return t.build();
    }
}
