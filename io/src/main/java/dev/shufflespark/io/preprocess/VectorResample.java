package dev.shufflespark.io.preprocess;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.function.BooleanSupplier;

/**
 * The Vector API version of {@link Preprocessor}'s vertical pass over one channel plane, with the same result bit
 * for bit: the same 22-bit fixed-point sums of Pillow's weights (integer sums are exact in any order), the same
 * clip to 8 bits, and the normalisation {@code (v / 255 - mean) / std} computed in float32 as the scalar path's
 * table was (IEEE division and subtraction round the same in a lane as in a scalar). Loaded only when
 * the Vector API is on at 256 bits or more (8 int lanes from 8 bytes): the caller checks
 * {@link Simd} first.
 */
final class VectorResample {

    private VectorResample() {
    }

    /** Simd's width in int lanes (8 or 16), and the bytes that widen to them. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class,
            VectorShape.forBitSize(Math.min(512, Simd.bits())));
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, I.vectorShape());
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(I.length() * Byte.SIZE));

    /**
     * {@link Preprocessor}'s vertical pass of one plane: {@code cw} bytes a row, row r at {@code in + (r -
     * rowOrigin) * cw}, to {@code ch} rows of normalised floats at {@code out[outPlane + y * cw]}; the sample v
     * becomes {@code ((unit ? v / 255f : v) - mean) / std}.
     */
    static void verticalPlane(Resampler v, byte[] src, int in, int cw, int ch, float[] out, int outPlane,
                              boolean unit, float mean, float std, int rowOrigin) {
        int bound = I.loopBound(cw);
        for (int y = 0; y < ch; y++) {
            int n = v.count[y];
            int k = y * v.stride;
            int base = in + (v.first[y] - rowOrigin) * cw;
            int o = outPlane + y * cw;
            int x = 0;
            for (; x < bound; x += I.length()) {
                IntVector sum = IntVector.broadcast(I, Resampler.HALF);
                for (int i = 0, row = base + x; i < n; i++, row += cw) {
                    IntVector px = ((IntVector) ByteVector.fromArray(B, src, row).castShape(I, 0)).and(0xff);
                    sum = sum.add(px.mul(v.weights[k + i]));
                }
                FloatVector f = (FloatVector) sum.lanewise(VectorOperators.ASHR, Resampler.PRECISION_BITS)
                        .max(0).min(255).convert(VectorOperators.I2F, 0);
                if (unit) {
                    f = f.div(255f);
                }
                f.sub(mean).div(std).intoArray(out, o + x);
            }
            for (; x < cw; x++) {
                int s = Resampler.HALF;
                for (int i = 0, row = base + x; i < n; i++, row += cw) {
                    s += (src[row] & 0xff) * v.weights[k + i];
                }
                float f = Resampler.clip8(s);
                out[o + x] = ((unit ? f / 255f : f) - mean) / std;
            }
        }
    }

    /** Simd's width in int lanes: outputs per block of {@link #horizontalRow}. */
    static int lanes() {
        return I.length();
    }

    /** {@code packed[i] = red[i] | green[i] << 8 | blue[i] << 16} (unsigned bytes) for i in [from, to). */
    static void pack(byte[] red, byte[] green, byte[] blue, int[] packed, int from, int to) {
        int x = from;
        for (int bound = from + B.loopBound(to - from); x < bound; x += I.length()) {
            IntVector r = ((IntVector) ByteVector.fromArray(B, red, x).castShape(I, 0)).and(0xff);
            IntVector g = ((IntVector) ByteVector.fromArray(B, green, x).castShape(I, 0)).and(0xff);
            IntVector b = ((IntVector) ByteVector.fromArray(B, blue, x).castShape(I, 0)).and(0xff);
            r.or(g.lanewise(VectorOperators.LSHL, 8)).or(b.lanewise(VectorOperators.LSHL, 16)).intoArray(packed, x);
        }
        for (; x < to; x++) {
            packed[x] = (red[x] & 0xff) | (green[x] & 0xff) << 8 | (blue[x] & 0xff) << 16;
        }
    }

    /**
     * {@link Preprocessor}'s horizontal sums of one row read left to right from pixel 0, bit for bit (integer sums
     * are exact in any order, a tap of weight 0 adds nothing): pixel p's R, G and B packed in {@code packed[p]}
     * ({@link #pack}), each block of lanes outputs gathering its taps as laid out by {@link Resampler#taps}, one
     * gather per tap for the three channels; output x of channel c to {@code temp[c * planeSize + t + x]}.
     * Returns how many outputs it wrote (whole blocks); the caller sums the rest.
     */
    static int horizontalRow(Resampler h, int[] packed, int cw, byte[] temp, int t, int planeSize) {
        int lanes = I.length();
        Resampler.Taps laid = h.taps(lanes);
        int[] index = laid.index();
        int[] weight = laid.weight();
        int taps = laid.maxTaps();
        int blocks = Math.min(cw, h.first.length) / lanes;
        for (int b = 0, g = 0; b < blocks; b++) {
            IntVector s0 = IntVector.broadcast(I, Resampler.HALF);
            IntVector s1 = s0;
            IntVector s2 = s0;
            for (int i = 0; i < taps; i++, g += lanes) {
                IntVector w = IntVector.fromArray(I, weight, g);
                IntVector px = IntVector.fromArray(I, packed, 0, index, g);
                s0 = s0.add(px.and(0xff).mul(w));
                s1 = s1.add(px.lanewise(VectorOperators.LSHR, 8).and(0xff).mul(w));
                s2 = s2.add(px.lanewise(VectorOperators.LSHR, 16).mul(w));
            }
            int x = t + b * lanes;
            clip8(s0).intoArray(temp, x);
            clip8(s1).intoArray(temp, planeSize + x);
            clip8(s2).intoArray(temp, 2 * planeSize + x);
        }
        return blocks * lanes;
    }

    private static ByteVector clip8(IntVector sum) {
        return (ByteVector) sum.lanewise(VectorOperators.ASHR, Resampler.PRECISION_BITS).max(0).min(255)
                .castShape(B, 0);
    }

    /**
     * The three passes {@code calls} times each on a few narrow rows (two blocks of lanes, some with a scalar tail,
     * shrunk about as much as a 375-pixel photo to 256), for the JIT warm-up
     * ({@link Preprocessor#warmUpVectorPasses}); checks {@code stop} every 64 calls. Returns the calls made.
     */
    static int warmUp(int calls, BooleanSupplier stop) {
        int lanes = I.length();
        int cw = 2 * lanes;
        int in = 3 * lanes;
        Resampler across = Resampler.bilinear(in, 0, in, cw + 3, 0, cw + 3);
        Resampler down = Resampler.bilinear(6, 0, 6, 4, 0, 2);
        byte[] red = new byte[in];
        byte[] green = new byte[in];
        byte[] blue = new byte[in];
        for (int i = 0; i < in; i++) {
            red[i] = (byte) (i * 37);
            green[i] = (byte) (i * 11 + 5);
            blue[i] = (byte) (255 - i * 7);
        }
        int[] packed = new int[in];
        int planeSize = 6 * (cw + 3);
        byte[] temp = new byte[3 * planeSize];
        float[] out = new float[2 * (cw + 3)];
        int c = 0;
        for (; c < calls && (c % 64 != 0 || !stop.getAsBoolean()); c++) {
            boolean tail = (c & 3) == 3;
            pack(red, green, blue, packed, 0, tail ? in - 3 : in);
            horizontalRow(across, packed, cw, temp, (c % 6) * cw, planeSize);
            verticalPlane(down, temp, 0, tail ? cw + 3 : cw, 2, out, 0, (c & 1) == 0, 0.45f, 0.22f, 0);
        }
        return c;
    }
}
