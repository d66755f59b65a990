package dev.shufflespark.io.decode;

/**
 * A JPEG frame component and what decoding it needs: its sampling and tables, its block grid, its decoded plane
 * (which {@link JpegImage} turns into RGB), and, for a progressive file, its coefficients until the last scan.
 */
final class JpegComponent {
    int id;
    int h;
    int v;
    int tq;
    /** Blocks per row and rows of blocks, padded to whole MCUs. */
    int blocksX;
    int blocksY;
    /** Blocks that hold image samples (a non-interleaved scan codes only these). */
    int realBlocksX;
    int realBlocksY;
    /** Output samples per block, per axis, as log2 (3 = 8 samples: unscaled). */
    int bwLog;
    int bhLog;
    /**
     * The blocks that are transformed into the plane, {@code [x0, x1) x [y0, y1)}: those whose samples the
     * region asked for needs, all of them when none was; the others are entropy-decoded and dropped.
     */
    int x0;
    int y0;
    int x1;
    int y1;
    /** The decoded plane: blocksX << bwLog samples per row. */
    byte[] plane;
    int stride;
    /** Samples that hold the image, per axis (libjpeg's downsampled_width and _height, scaled). */
    int width;
    int height;
    /** Progressive: the coefficients (quantised, natural order), per block 64 of them (1 when DC only). */
    short[] coefs;
    int coefsPerBlock;
    int dcPred;
    JpegHuffman dc;
    JpegHuffman ac;
    /**
     * {@link JpegIdct#box2Weights} of the quantisation table {@code box2Source}, and the same spread over
     * the four outputs ({@link JpegIdct#box2Quad}).
     */
    float[] box2Weights;
    float[] box2Quad;
    int[] box2Source;
    /** {@link JpegIdct#box4Weights} of the quantisation table {@code box4Source}. */
    float[] box4Weights;
    int[] box4Source;
}
