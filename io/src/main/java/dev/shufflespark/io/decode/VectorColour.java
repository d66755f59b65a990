package dev.shufflespark.io.decode;

import dev.shufflespark.model.kernel.Simd;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import java.util.function.BooleanSupplier;

/**
 * The Vector API version of {@link PixelConversion#ycbcrPlanes}, bit for bit: libjpeg's table entries are
 * {@code (factor * (c - 128) + 1/2) >> 16}, computed here in the lanes from the same factors rather than looked
 * up (the sum for G is taken before its shift, as the tables do); the results stay within the range the scalar
 * clip table covers, so a clamp is the same. Loaded only when the Vector API is on at 256 bits or more: the
 * caller checks {@link Simd} first.
 */
final class VectorColour {

    private VectorColour() {
    }

    /** Simd's width in int lanes (8 or 16), and the bytes that widen to them. */
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class,
            VectorShape.forBitSize(Math.min(512, Simd.bits())));
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(I.length() * Byte.SIZE));

    private static final int HALF = 1 << 15;

    /** {@link PixelConversion#ycbcrPlanes}. */
    static void ycbcrPlanes(byte[] ys, int yOff, byte[] cbs, int cbOff, byte[] crs, int crOff, byte[] r, byte[] g,
                            byte[] b, int at, int n) {
        int bound = I.loopBound(n);
        int x = 0;
        for (; x < bound; x += I.length()) {
            IntVector luma = ((IntVector) ByteVector.fromArray(B, ys, yOff + x).castShape(I, 0)).and(0xff);
            IntVector cb = ((IntVector) ByteVector.fromArray(B, cbs, cbOff + x).castShape(I, 0)).and(0xff).sub(128);
            IntVector cr = ((IntVector) ByteVector.fromArray(B, crs, crOff + x).castShape(I, 0)).and(0xff).sub(128);
            IntVector red = luma.add(cr.mul(PixelConversion.CR_R_FACTOR).add(HALF)
                    .lanewise(VectorOperators.ASHR, 16));
            IntVector green = luma.add(cb.mul(-PixelConversion.CB_G_FACTOR).add(HALF)
                    .add(cr.mul(-PixelConversion.CR_G_FACTOR)).lanewise(VectorOperators.ASHR, 16));
            IntVector blue = luma.add(cb.mul(PixelConversion.CB_B_FACTOR).add(HALF)
                    .lanewise(VectorOperators.ASHR, 16));
            ((ByteVector) red.max(0).min(255).castShape(B, 0)).intoArray(r, at + x);
            ((ByteVector) green.max(0).min(255).castShape(B, 0)).intoArray(g, at + x);
            ((ByteVector) blue.max(0).min(255).castShape(B, 0)).intoArray(b, at + x);
        }
        if (x < n) {
            PixelConversion.ycbcrPlanes(ys, yOff + x, cbs, cbOff + x, crs, crOff + x, r, g, b, at + x, n - x);
        }
    }

    /**
     * {@link #ycbcrPlanes} {@code calls} times on two blocks of lanes, with and without a scalar tail, for the
     * JIT warm-up ({@link ImageDecoder#warmUpVectorPasses}); checks {@code stop} every 64 calls. Returns the calls
     * made.
     */
    static int warmUp(int calls, BooleanSupplier stop) {
        int n = 2 * I.length() + 3;
        byte[] y = new byte[n];
        byte[] cb = new byte[n];
        byte[] cr = new byte[n];
        for (int i = 0; i < n; i++) {
            y[i] = (byte) (i * 29);
            cb[i] = (byte) (100 + i * 3);
            cr[i] = (byte) (160 - i * 5);
        }
        byte[] r = new byte[n];
        byte[] g = new byte[n];
        byte[] b = new byte[n];
        int c = 0;
        for (; c < calls && (c % 64 != 0 || !stop.getAsBoolean()); c++) {
            ycbcrPlanes(y, 0, cb, 0, cr, 0, r, g, b, 0, (c & 3) == 3 ? n : n - 3);
        }
        return c;
    }
}
