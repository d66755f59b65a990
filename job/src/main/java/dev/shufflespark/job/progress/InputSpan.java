package dev.shufflespark.job.progress;

import dev.shufflespark.io.source.InputList;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A run of consecutive inputs of the listing, as a unit keeps it: how many, their bytes, the first and last
 * path, and the SHA-256 of their paths in order. Resume recognises a committed unit's inputs in a new listing by
 * its first path and this digest, without keeping a set of every path done.
 *
 * @param count  inputs (a tar shard counts one)
 * @param bytes  their bytes, as listed (those whose length the listing knows: paths of list files may have none)
 * @param first  the first input's path
 * @param last   the last input's path
 * @param sha256 of the paths, each followed by a line feed, in order
 */
public record InputSpan(int count, long bytes, String first, String last, String sha256) {

    /** The span of {@code inputs[from, to)}. */
    public static InputSpan of(InputList inputs, int from, int to) {
        if (from >= to) {
            throw new IllegalArgumentException("an empty span " + from + ".." + to);
        }
        MessageDigest d = digest();
        inputs.digest(from, to, d);
        long bytes = 0;
        for (int i = from; i < to; i++) {
            bytes += Math.max(0, inputs.length(i));
        }
        return new InputSpan(to - from, bytes, inputs.uri(from), inputs.uri(to - 1),
                HexFormat.of().formatHex(d.digest()));
    }

    /** True when {@code inputs[from, from + count)} are this span's inputs. */
    public boolean matches(InputList inputs, int from) {
        if (from < 0 || from + count > inputs.size() || !inputs.uriEquals(from, first)
                || !inputs.uriEquals(from + count - 1, last)) {
            return false;
        }
        MessageDigest d = digest();
        inputs.digest(from, from + count, d);
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
