package dev.shufflespark.io.source;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Streams the members of a tar archive (POSIX ustar, GNU long names, pax {@code path} and {@code size}
 * records), as WebDataset-style shards are written: one pass, no seeking, only the current member's data
 * in memory.
 */
final class TarReader {

    private static final int BLOCK = 512;

    /** A regular file member: its name and size; its data comes next from {@link #read}. */
    record Entry(String name, long size) {
    }

    private final InputStream in;
    private final byte[] header = new byte[BLOCK];
    private long position;
    private long remaining; // data bytes of the current entry not yet consumed
    private long padding;   // bytes after the current entry's data up to the next block

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next regular file, or null at the end of the archive. */
    Entry next() throws IOException {
        skip(remaining + padding);
        remaining = 0;
        padding = 0;
        String longName = null;
        Long paxSize = null;
        while (true) {
            int n = in.readNBytes(header, 0, BLOCK);
            position += n;
            if (n == 0) {
                return null; // no end-of-archive blocks: accepted, as GNU tar does
            }
            if (n < BLOCK) {
                if (position == n) {
                    throw new IOException("not a tar archive (" + n + " bytes, less than one header)");
                }
                throw new EOFException("tar header cut short at byte " + (position - n));
            }
            if (allZero(header)) {
                return null;
            }
            verifyChecksum();
            long size = size();
            char type = (char) header[156];
            long pad = (BLOCK - size % BLOCK) % BLOCK;
            switch (type) {
                case 'L' -> { // GNU long name: the data is the next entry's name
                    longName = cString(readData(size));
                    skip(pad);
                }
                case 'x' -> { // pax extended header for the next entry
                    byte[] pax = readData(size);
                    skip(pad);
                    String[] overrides = pax(pax);
                    if (overrides[0] != null) {
                        longName = overrides[0];
                    }
                    if (overrides[1] != null) {
                        paxSize = Long.parseLong(overrides[1]);
                    }
                }
                case '0', '\0', '7' -> {
                    if (paxSize != null) {
                        size = paxSize;
                        pad = (BLOCK - size % BLOCK) % BLOCK;
                    }
                    String name = longName != null ? longName : name();
                    remaining = size;
                    padding = pad;
                    return new Entry(name, size);
                }
                default -> { // folders, links, global pax headers, devices: skipped with their data
                    skip(size + pad);
                    longName = null;
                    paxSize = null;
                }
            }
        }
    }

    /** Reads the current member's data into {@code buf} (which must hold it). */
    void read(byte[] buf, int len) throws IOException {
        if (len != remaining) {
            throw new IllegalStateException("member has " + remaining + " bytes, asked for " + len);
        }
        int n = in.readNBytes(buf, 0, len);
        position += n;
        remaining -= n;
        if (n < len) {
            throw new EOFException("tar member cut short: " + n + " of " + len + " bytes");
        }
    }

    /** Where the archive has been read to. */
    long position() {
        return position;
    }

    private byte[] readData(long size) throws IOException {
        if (size > 1 << 20) {
            throw new IOException("tar metadata entry of " + size + " bytes at byte " + position);
        }
        byte[] b = in.readNBytes((int) size);
        position += b.length;
        if (b.length < size) {
            throw new EOFException("tar metadata cut short at byte " + position);
        }
        return b;
    }

    private void skip(long n) throws IOException {
        if (n <= 0) {
            return;
        }
        long left = n;
        while (left > 0) {
            long s = in.skip(left);
            if (s <= 0) {
                if (in.read() < 0) {
                    position += n - left;
                    throw new EOFException("tar member cut short at byte " + position);
                }
                s = 1;
            }
            left -= s;
        }
        position += n;
    }

    private void verifyChecksum() throws IOException {
        long stored;
        try {
            stored = octal(148, 8);
        } catch (NumberFormatException e) {
            throw new IOException("not a tar archive (no header checksum at byte " + (position - BLOCK) + ")");
        }
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) {
            sum += i >= 148 && i < 156 ? ' ' : header[i] & 0xff;
        }
        if (sum != stored) {
            throw new IOException("not a tar archive, or a damaged one (header checksum mismatch at byte "
                    + (position - BLOCK) + ")");
        }
    }

    private String name() {
        String name = cString(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r';
        if (ustar) {
            String prefix = cString(header, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
        }
        return name;
    }

    private long size() throws IOException {
        if ((header[124] & 0x80) != 0) { // GNU base-256 for sizes of 8 GiB and more
            long v = header[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                v = v << 8 | (header[i] & 0xff);
            }
            return v;
        }
        try {
            return octal(124, 12);
        } catch (NumberFormatException e) {
            throw new IOException("damaged tar header (size) at byte " + (position - BLOCK));
        }
    }

    private long octal(int off, int len) {
        long v = 0;
        boolean any = false;
        for (int i = off; i < off + len; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (any) {
                    break;
                }
                continue;
            }
            if (b < '0' || b > '7') {
                throw new NumberFormatException("not octal");
            }
            v = v * 8 + (b - '0');
            any = true;
        }
        if (!any) {
            throw new NumberFormatException("empty");
        }
        return v;
    }

    /** pax records, {@code "<length> <key>=<value>\n"} with the length in bytes: {path, size}. */
    private static String[] pax(byte[] data) {
        String[] out = new String[2];
        int p = 0;
        while (p < data.length) {
            int space = p;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int len;
            try {
                len = Integer.parseInt(new String(data, p, space - p, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                break;
            }
            if (len <= space - p || p + len > data.length) {
                break;
            }
            int eq = space + 1;
            while (eq < p + len && data[eq] != '=') {
                eq++;
            }
            if (eq < p + len) {
                String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
                String value = new String(data, eq + 1, p + len - 1 - (eq + 1), StandardCharsets.UTF_8);
                if (key.equals("path")) {
                    out[0] = value;
                } else if (key.equals("size")) {
                    out[1] = value;
                }
            }
            p += len;
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] b) {
        return cString(b, 0, b.length);
    }

    private static String cString(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
