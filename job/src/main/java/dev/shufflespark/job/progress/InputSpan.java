package dev.shufflespark.job.progress;

import dev.shufflespark.io.source.InputFile;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A run of consecutive inputs of the listing, as a unit keeps it: how many, their bytes, the first and last
 * path, and the SHA-256 of their paths in order. Resume recognises a committed unit's inputs in a new listing by
 * its first path and this digest, without keeping a set of every path done.
 *
 * @param count  inputs (a tar shard counts one)
 * @param bytes  their bytes, as listed
 * @param first  the first input's path
 * @param last   the last input's path
 * @param sha256 of the paths, each followed by a line feed, in order
 */
public record InputSpan(int count, long bytes, String first, String last, String sha256) {

    /** The span of {@code inputs[from, to)}. */
    public static InputSpan of(List<InputFile> inputs, int from, int to) {
        if (from >= to) {
            throw new IllegalArgumentException("an empty span " + from + ".." + to);
        }
        MessageDigest d = digest();
        long bytes = 0;
        for (int i = from; i < to; i++) {
            d.update(inputs.get(i).uri().getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
            bytes += inputs.get(i).length();
        }
        return new InputSpan(to - from, bytes, inputs.get(from).uri(), inputs.get(to - 1).uri(),
                HexFormat.of().formatHex(d.digest()));
    }

    /** True when {@code inputs[from, from + count)} are this span's inputs. */
    public boolean matches(List<InputFile> inputs, int from) {
        if (from + count > inputs.size() || !inputs.get(from).uri().equals(first)
                || !inputs.get(from + count - 1).uri().equals(last)) {
            return false;
        }
        MessageDigest d = digest();
        for (int i = from; i < from + count; i++) {
            d.update(inputs.get(i).uri().getBytes(StandardCharsets.UTF_8));
            d.update((byte) '\n');
        }
        return HexFormat.of().formatHex(d.digest()).equals(sha256);
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
