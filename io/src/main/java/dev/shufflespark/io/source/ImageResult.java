package dev.shufflespark.io.source;

import dev.shufflespark.io.decode.Reason;
import java.io.Serializable;

/**
 * What became of one input image: OK (its tensor was written where the caller asked) or a {@link Reason}
 * with a message naming it, and how long each stage took.
 *
 * @param path            the file, or the tar shard holding the image
 * @param member          the member name inside a tar shard, else null
 * @param bytes           encoded bytes (-1 when not known: the file could not be read)
 * @param width           full-resolution width as displayed (after the EXIF orientation), -1 when unknown
 * @param height          full-resolution height as displayed, -1 when unknown
 * @param format          the format decoded from ({@code JPEG}, {@code PNG}, ...), null when unknown
 * @param reason          null when OK
 * @param message         null when OK; else one line naming the input (credentials never appear)
 * @param subsampling     the decoder's source subsampling (1: every pixel decoded), 0 when not decoded
 * @param readNanos       time to open and read the bytes (for a tar member: to read its bytes)
 * @param decodeNanos     time to decode to RGB
 * @param preprocessNanos time to resize, crop and normalise into the caller's array
 */
public record ImageResult(String path, String member, long bytes, int width, int height, String format,
                          Reason reason, String message, int subsampling, long readNanos, long decodeNanos,
                          long preprocessNanos) implements Serializable {

    /** The input's display name: the path, or {@code shard.tar/member.jpg} for a tar member. */
    public String name() {
        return member == null ? path : path + "/" + member;
    }

    public boolean ok() {
        return reason == null;
    }

    /** {@code OK} or the reason code. */
    public String status() {
        return reason == null ? "OK" : reason.name();
    }

    public long totalNanos() {
        return readNanos + decodeNanos + preprocessNanos;
    }
}
