package dev.shufflespark.io.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Writes tar archives for tests: ustar headers, GNU long names and pax path records, as real shards have. */
public final class TarWriter {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public TarWriter file(String name, byte[] data) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 100) {
            header("././@LongLink", utf8.length + 1, 'L');
            pad(Arrays.copyOf(utf8, utf8.length + 1));
            header(name.substring(0, 50), data.length, '0');
        } else {
            header(name, data.length, '0');
        }
        pad(data);
        return this;
    }

    /** A member whose name comes from a pax extended header. */
    public TarWriter paxFile(String name, byte[] data) {
        String record = " path=" + name + "\n";
        int len = record.getBytes(StandardCharsets.UTF_8).length;
        int total = len + Integer.toString(len).length();
        if (Integer.toString(total).length() != Integer.toString(len).length()) {
            total++;
        }
        byte[] pax = (total + record).getBytes(StandardCharsets.UTF_8);
        header("PaxHeaders/x", pax.length, 'x');
        pad(pax);
        header("short-name", data.length, '0');
        pad(data);
        return this;
    }

    public TarWriter folder(String name) {
        header(name.endsWith("/") ? name : name + "/", 0, '5');
        return this;
    }

    /** The archive with its two end blocks. */
    public byte[] bytes() {
        byte[] body = out.toByteArray();
        return Arrays.copyOf(body, body.length + 1024);
    }

    private void header(String name, long size, char type) {
        byte[] h = new byte[512];
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(n, 0, h, 0, Math.min(n.length, 100));
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, String.format("%07o", 0));
        put(h, 116, String.format("%07o", 0));
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 1_700_000_000L));
        h[156] = (byte) type;
        put(h, 257, "ustar");
        h[262] = 0;
        put(h, 263, "00");
        Arrays.fill(h, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        out.writeBytes(h);
    }

    private void pad(byte[] data) {
        out.writeBytes(data);
        int rest = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[rest]);
    }

    private static void put(byte[] h, int at, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, h, at, b.length);
    }
}
