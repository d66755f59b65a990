package dev.shufflespark.io.decode;

import java.io.IOException;
import javax.imageio.stream.ImageInputStreamImpl;

/**
 * An {@link javax.imageio.stream.ImageInputStream} over a byte range held in memory: no copying and no
 * cache, unlike {@code ImageIO.createImageInputStream} on a {@code ByteArrayInputStream}.
 */
final class ByteArrayImageInputStream extends ImageInputStreamImpl {

    private final byte[] data;
    private final int offset;
    private final int length;

    ByteArrayImageInputStream(byte[] data, int offset, int length) {
        this.data = data;
        this.offset = offset;
        this.length = length;
    }

    @Override
    public int read() {
        bitOffset = 0;
        if (streamPos >= length) {
            return -1;
        }
        return data[offset + (int) streamPos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (off < 0 || len < 0 || off + len > b.length) {
            throw new IndexOutOfBoundsException("off " + off + ", len " + len + ", array " + b.length);
        }
        bitOffset = 0;
        if (len == 0) {
            return 0;
        }
        long left = length - streamPos;
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(left, len);
        System.arraycopy(data, offset + (int) streamPos, b, off, n);
        streamPos += n;
        return n;
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public void seek(long pos) throws IOException {
        super.seek(pos); // checks pos >= flushedPos, resets bitOffset
    }
}
