package dev.shufflespark.io.source;

import java.io.Serializable;

/**
 * One input found on the driver: an image file, or a tar shard whose members are images.
 *
 * @param uri    the fully qualified path ({@code hdfs://nn:8020/a/b.jpg}, {@code s3a://bucket/x.tar},
 *               {@code file:/data/c.png}), without user information
 * @param length bytes, as listed; -1 when not known (a path of a list file, taken without asking the file
 *               system)
 * @param kind   {@link Kind#IMAGE} or {@link Kind#TAR}
 */
public record InputFile(String uri, long length, Kind kind) implements Serializable {

    /** The length of an input whose length is not known. */
    public static final long UNKNOWN_LENGTH = -1;

    /** What the bytes of an input are. */
    public enum Kind {
        /** One encoded image. */
        IMAGE,
        /** A tar archive (optionally gzip-compressed); each regular member with an image extension is one image. */
        TAR
    }

    public InputFile {
        if (uri == null || uri.isEmpty()) {
            throw new IllegalArgumentException("an input needs a path");
        }
        if (length < -1) {
            throw new IllegalArgumentException(uri + ": negative length " + length);
        }
    }
}
