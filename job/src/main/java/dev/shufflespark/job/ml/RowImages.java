package dev.shufflespark.job.ml;

import dev.shufflespark.io.decode.DecodeGuard;
import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageException;
import dev.shufflespark.io.decode.Reason;
import dev.shufflespark.io.preprocess.Preprocessor;
import dev.shufflespark.io.source.ImageResult;
import dev.shufflespark.io.source.InputFile;
import dev.shufflespark.io.source.ListingOptions;
import dev.shufflespark.io.source.PartitionReader;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Row;

/**
 * The images of a partition of input rows. A binary input column holds encoded images (one per row); a string
 * column holds paths on any Hadoop file system, each an image file or a tar shard whose image members become
 * one output each (the io module's {@link PartitionReader} reads them; a path that names nothing is
 * {@code NOT_FOUND}). A null, empty, missing or undecodable input is an outcome with a reason, never an
 * exception.
 */
final class RowImages implements ImageStream {

    private final Iterator<Row> rows;
    private final int column;
    private final boolean binary;
    private final int lengthColumn; // -1: lengths not known (the file is read to its end, nothing else asked)
    private final Configuration conf;
    private final DecodeGuard guard;
    private final Preprocessor preprocessor;
    private final ListingOptions listing;
    private PartitionReader reader; // the current path row's reader
    private Row current;
    private Row tag;

    RowImages(Iterator<Row> rows, int column, boolean binary, int lengthColumn, Configuration conf,
              DecodeGuard guard, Preprocessor preprocessor, ListingOptions listing) {
        this.rows = rows;
        this.column = column;
        this.binary = binary;
        this.lengthColumn = lengthColumn;
        this.conf = conf;
        this.guard = guard;
        this.preprocessor = preprocessor;
        this.listing = listing;
    }

    @Override
    public ImageResult next(float[] out, int offset) {
        while (true) {
            if (reader != null) {
                ImageResult r = reader.next(out, offset);
                if (r != null) {
                    tag = current;
                    return r;
                }
                reader.close();
                reader = null;
            }
            if (!rows.hasNext()) {
                return null;
            }
            current = rows.next();
            if (binary) {
                tag = current;
                return decodeBytes(current.isNullAt(column) ? null : (byte[]) current.get(column), out, offset);
            }
            if (current.isNullAt(column)) {
                tag = current;
                return failure(null, Reason.READ_ERROR, "null path", 0);
            }
            String path = current.getString(column);
            InputFile.Kind kind = listing.isTar(path) ? InputFile.Kind.TAR : InputFile.Kind.IMAGE;
            long length = lengthColumn >= 0 && !current.isNullAt(lengthColumn) ? current.getLong(lengthColumn)
                    : InputFile.UNKNOWN_LENGTH;
            reader = new PartitionReader(conf, List.of(new InputFile(path, Math.max(length, -1), kind)), guard,
                    preprocessor, listing);
        }
    }

    private ImageResult decodeBytes(byte[] bytes, float[] out, int offset) {
        if (bytes == null) {
            return failure(null, Reason.EMPTY, "null image bytes", 0);
        }
        if (bytes.length == 0) {
            return new ImageResult(null, null, 0, -1, -1, null, Reason.EMPTY, "empty image bytes", 0, 0, 0, 0);
        }
        if (bytes.length > guard.options().maxBytes()) {
            return new ImageResult(null, null, bytes.length, -1, -1, null, Reason.TOO_LARGE, String.format(Locale.ROOT,
                    "%d bytes, more than the limit of %d", bytes.length, guard.options().maxBytes()), 0, 0, 0, 0);
        }
        long t1 = System.nanoTime();
        DecodedImage image;
        try {
            image = guard.decode(bytes, 0, bytes.length, "image bytes", preprocessor.resizeTarget(), preprocessor);
        } catch (ImageException e) {
            return new ImageResult(null, null, bytes.length, -1, -1, null, e.reason(), e.getMessage(), 0, 0,
                    System.nanoTime() - t1, 0);
        }
        long t2 = System.nanoTime();
        try {
            preprocessor.apply(image, out, offset);
        } catch (OutOfMemoryError | RuntimeException | StackOverflowError e) {
            Reason reason = e instanceof OutOfMemoryError ? Reason.OUT_OF_MEMORY : Reason.DECODE_FAILED;
            return new ImageResult(null, null, bytes.length, image.width(), image.height(), image.format().name(),
                    reason, "image bytes: preprocessing failed: " + e + (e instanceof OutOfMemoryError ? "; lower "
                    + DecodeOptions.MAX_PIXELS + " or give the JVM more heap" : ""), image.reduction(), 0, t2 - t1,
                    System.nanoTime() - t2);
        } finally {
            image.release(); // its planes serve the next image
        }
        long t3 = System.nanoTime();
        return new ImageResult(null, null, bytes.length, image.width(), image.height(), image.format().name(), null,
                null, image.reduction(), 0, t2 - t1, t3 - t2);
    }

    private static ImageResult failure(String path, Reason reason, String message, long readNanos) {
        return new ImageResult(path, null, -1, -1, -1, null, reason, message, 0, readNanos, 0, 0);
    }

    @Override
    public Object tag() {
        return tag;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
            reader = null;
        }
    }
}
