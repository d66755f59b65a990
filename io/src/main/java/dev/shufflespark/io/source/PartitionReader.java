package dev.shufflespark.io.source;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.io.decode.DecodeGuard;
import dev.shufflespark.io.decode.DecodeOptions;
import dev.shufflespark.io.decode.DecodedImage;
import dev.shufflespark.io.decode.ImageDecoder;
import dev.shufflespark.io.decode.ImageException;
import dev.shufflespark.io.decode.Reason;
import dev.shufflespark.io.fs.PosixLocalFileSystem;
import dev.shufflespark.io.preprocess.Preprocessor;
import java.io.BufferedInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumFileSystem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.util.functional.FutureIO;

/**
 * Reads the images of one partition on an executor: each input file, or each image member of a tar shard,
 * becomes either a model-ready tensor written into the caller's array (read, decode, preprocess) or a typed
 * failure. A bad input never throws: it is an {@link ImageResult} with a reason code and a message naming it,
 * and the next call goes on with the next image.
 *
 * <pre>{@code
 * try (PartitionReader reader = new PartitionReader(conf, partition.files(), decoder, preprocessor, listing)) {
 *     float[] batch = new float[8 * preprocessor.outputLength()];
 *     int filled = 0;
 *     for (ImageResult r; (r = reader.next(batch, filled * preprocessor.outputLength())) != null; ) {
 *         record(r);
 *         if (r.ok() && ++filled == 8) { infer(batch, filled); filled = 0; }
 *     }
 * }
 * }</pre>
 * One encoded-bytes buffer is reused for every image (and, through {@link ArrayShelf}, by the next reader of
 * the JVM once this one is closed), and our JPEG decoder's planes are reused from one image
 * to the next; nothing per image is allocated beyond what decoding needs. Images are decoded through a {@link DecodeGuard}: a decoder's {@link Error} or a decode past the time
 * limit is the image's failure (DECODE_FAILED, OUT_OF_MEMORY, TIMED_OUT), as is an {@link OutOfMemoryError}
 * while preprocessing. Not thread-safe: one reader per task.
 */
public final class PartitionReader implements AutoCloseable {

    private static final String READ_POLICY = "fs.option.openfile.read.policy";
    private static final String LENGTH = "fs.option.openfile.length";

    private final Configuration conf;
    private final List<InputFile> inputs;
    private final DecodeGuard guard;
    private final boolean ownsGuard;
    private final Preprocessor preprocessor;
    private final ListingOptions listing;
    private FileSystem fs; // the last input's, for inputs of the same scheme and authority
    private String fsScheme;
    private String fsAuthority;
    private byte[] buffer = ArrayShelf.bytes(1 << 16); // back on the shelf at close, unless abandoned
    private int next;
    private InputFile tarFile;
    private InputStream tarStream;
    private TarReader tar;

    /** A reader that decodes with {@code decoder} (the caller closes it) through a guard of its own. */
    public PartitionReader(Configuration conf, List<InputFile> inputs, ImageDecoder decoder,
                           Preprocessor preprocessor, ListingOptions listing) {
        this(conf, inputs, new DecodeGuard(decoder), true, preprocessor, listing);
    }

    /** A reader that decodes through {@code guard}, which the caller closes (one guard serves a whole task). */
    public PartitionReader(Configuration conf, List<InputFile> inputs, DecodeGuard guard, Preprocessor preprocessor,
                           ListingOptions listing) {
        this(conf, inputs, guard, false, preprocessor, listing);
    }

    private PartitionReader(Configuration conf, List<InputFile> inputs, DecodeGuard guard, boolean ownsGuard,
                            Preprocessor preprocessor, ListingOptions listing) {
        this.conf = conf;
        this.inputs = List.copyOf(inputs);
        this.guard = guard;
        this.ownsGuard = ownsGuard;
        this.preprocessor = preprocessor;
        this.listing = listing;
    }

    /**
     * Reads the next image into {@code out[offset, offset + preprocessor.outputLength())} and says what
     * became of it; on failure nothing is written there. Null when the partition has no more images.
     */
    public ImageResult next(float[] out, int offset) {
        while (true) {
            if (tar != null) {
                ImageResult r = nextMember(out, offset);
                if (r != null) {
                    return r;
                }
                continue; // shard done
            }
            if (next >= inputs.size()) {
                return null;
            }
            InputFile f = inputs.get(next++);
            if (f.kind() == InputFile.Kind.TAR) {
                ImageResult failure = openTar(f);
                if (failure != null) {
                    return failure;
                }
                continue;
            }
            return readFile(f, out, offset);
        }
    }

    private ImageResult readFile(InputFile f, float[] out, int offset) {
        long t0 = System.nanoTime();
        if (f.length() == 0) {
            return failure(f.uri(), null, 0, Reason.EMPTY, f.uri() + ": empty file", 0, 0);
        }
        if (f.length() > guard.options().maxBytes()) {
            return tooManyBytes(f.uri(), null, f.length());
        }
        int len;
        try (InputStream in = open(f)) {
            len = readAll(in, f.length());
        } catch (FileNotFoundException e) {
            return notFound(f, e, System.nanoTime() - t0);
        } catch (IOException | RuntimeException e) {
            return failure(f.uri(), null, -1, Reason.READ_ERROR, f.uri() + ": cannot read it: "
                    + Redaction.scrub(String.valueOf(e.getMessage()), conf), System.nanoTime() - t0, 0);
        }
        if (len < 0) {
            return tooManyBytes(f.uri(), null, -len);
        }
        if (len == 0) { // a length the listing did not know
            return failure(f.uri(), null, 0, Reason.EMPTY, f.uri() + ": empty file", System.nanoTime() - t0, 0);
        }
        return decodeAndPreprocess(f.uri(), null, len, out, offset, System.nanoTime() - t0);
    }

    /** An input that is not there: a listed path that names nothing, a file removed since, or a folder. */
    private ImageResult notFound(InputFile f, FileNotFoundException e, long readNanos) {
        return failure(f.uri(), null, -1, Reason.NOT_FOUND, f.uri() + ": no such file ("
                + Redaction.scrub(String.valueOf(e.getMessage()), conf) + ")", readNanos, 0);
    }

    private InputStream open(InputFile f) throws IOException {
        Path p = new Path(f.uri());
        FileSystem system = fileSystem(p);
        if (PosixLocalFileSystem.readsAsHadoopRaw(system)) {
            // A local file opened by the JVM itself: Hadoop's open of one stats it first, keeps the options in a
            // Configuration of their own and wraps it in three streams, 60-140 us a file against about 20 for
            // this (docs/performance.md). Missing files and folders throw FileNotFoundException all the same.
            File file = ((RawLocalFileSystem) system).pathToFile(p);
            InputStream in = new FileInputStream(file);
            return f.kind() == InputFile.Kind.TAR ? new BufferedInputStream(in, 1 << 16) : in;
        }
        // Whole-file reads, and the listed length (when known) so that object stores skip a HEAD request.
        var builder = system.openFile(p).opt(READ_POLICY,
                f.kind() == InputFile.Kind.TAR ? "sequential" : "whole-file");
        if (f.length() >= 0) {
            builder.opt(LENGTH, Long.toString(f.length()));
        }
        return FutureIO.awaitFuture(builder.build());
    }

    /**
     * The file system that reads {@code p}: the one of the input before when it has the same scheme and authority
     * (a partition's inputs nearly always do), so that Hadoop's cache is not asked for every file. Local files
     * have no .crc companions to check: the checksummed local file system's raw one reads them.
     */
    private FileSystem fileSystem(Path p) throws IOException {
        URI u = p.toUri();
        if (fs == null || !Objects.equals(u.getScheme(), fsScheme) || !Objects.equals(u.getAuthority(), fsAuthority)) {
            FileSystem found = p.getFileSystem(conf);
            fs = found instanceof ChecksumFileSystem checksummed ? checksummed.getRawFileSystem() : found;
            fsScheme = u.getScheme();
            fsAuthority = u.getAuthority();
        }
        return fs;
    }

    /**
     * Reads to the end into the buffer; the byte count, or minus the count when it exceeds the limit.
     * {@code expected} is the listed length, -1 when not known.
     */
    private int readAll(InputStream in, long expected) throws IOException {
        long max = guard.options().maxBytes();
        ensure((int) Math.min(max, Math.max(expected, 1)) + 1);
        int len = 0;
        while (true) {
            if (len == buffer.length) {
                if (len > max) {
                    return -len;
                }
                // A length not known (or a file grown since listing): double, keeping what was read.
                buffer = java.util.Arrays.copyOf(buffer, (int) Math.min((long) len * 2, max + 1));
            }
            int n = in.read(buffer, len, buffer.length - len);
            if (n < 0) {
                return len > max ? -len : len;
            }
            len += n;
        }
    }

    private ImageResult openTar(InputFile f) {
        long t0 = System.nanoTime();
        try {
            InputStream in = open(f);
            tarStream = ListingOptions.isGzip(f.uri()) ? new GZIPInputStream(in, 1 << 16) : in;
            tar = new TarReader(tarStream);
            tarFile = f;
            return null;
        } catch (FileNotFoundException e) {
            closeTar();
            return notFound(f, e, System.nanoTime() - t0);
        } catch (IOException | RuntimeException e) {
            closeTar();
            return failure(f.uri(), null, -1, Reason.READ_ERROR, f.uri() + ": cannot open the tar shard: "
                    + Redaction.scrub(String.valueOf(e.getMessage()), conf), System.nanoTime() - t0, 0);
        }
    }

    /** The next image member of the open shard, or null (and the shard closed) when it has no more. */
    private ImageResult nextMember(float[] out, int offset) {
        String shard = tarFile.uri();
        while (true) {
            long t0 = System.nanoTime();
            TarReader.Entry e;
            try {
                e = tar.next();
            } catch (IOException | RuntimeException ex) {
                long at = tar.position();
                closeTar();
                Reason reason = ex instanceof java.io.EOFException ? Reason.TRUNCATED
                        : ex instanceof FileNotFoundException ? Reason.NOT_FOUND : Reason.READ_ERROR;
                return failure(shard, null, -1, reason, shard + ": tar shard unreadable after byte " + at + ": "
                        + Redaction.scrub(String.valueOf(ex.getMessage()), conf), System.nanoTime() - t0, 0);
            }
            if (e == null) {
                closeTar();
                return null;
            }
            if (!isImageMember(e.name())) {
                continue;
            }
            String name = shard + "/" + e.name();
            if (e.size() == 0) {
                return failure(shard, e.name(), 0, Reason.EMPTY, name + ": empty file", System.nanoTime() - t0, 0);
            }
            if (e.size() > guard.options().maxBytes()) {
                return tooManyBytes(shard, e.name(), e.size()); // its data is skipped by the next call
            }
            try {
                ensure((int) e.size());
                tar.read(buffer, (int) e.size());
            } catch (IOException | RuntimeException ex) {
                closeTar();
                Reason reason = ex instanceof java.io.EOFException ? Reason.TRUNCATED : Reason.READ_ERROR;
                return failure(shard, e.name(), e.size(), reason, name + ": " + Redaction.scrub(
                        String.valueOf(ex.getMessage()), conf), System.nanoTime() - t0, 0);
            }
            return decodeAndPreprocess(shard, e.name(), (int) e.size(), out, offset, System.nanoTime() - t0);
        }
    }

    private boolean isImageMember(String member) {
        for (String part : member.split("/")) {
            if (!part.isEmpty() && ListingOptions.isSkipped(part)) {
                return false;
            }
        }
        return listing.isImage(member);
    }

    /**
     * Decodes and preprocesses an image the caller already holds (a binary column, say) exactly as a file
     * of this partition would be: into {@code out[offset..]}, or a typed failure naming {@code name}.
     */
    public ImageResult fromBytes(String name, byte[] data, int off, int len, float[] out, int offset) {
        return decodeAndPreprocess(name, null, data, off, len, out, offset, 0);
    }

    private ImageResult decodeAndPreprocess(String path, String member, int len, float[] out, int offset,
                                            long readNanos) {
        return decodeAndPreprocess(path, member, buffer, 0, len, out, offset, readNanos);
    }

    private ImageResult decodeAndPreprocess(String path, String member, byte[] data, int off, int len,
                                            float[] out, int offset, long readNanos) {
        String name = member == null ? path : path + "/" + member;
        long t1 = System.nanoTime();
        DecodedImage image;
        try {
            image = guard.decode(data, off, len, name, preprocessor.resizeTarget(), preprocessor);
        } catch (ImageException e) {
            if (e.reason() == Reason.TIMED_OUT && data == buffer) {
                buffer = new byte[1 << 16]; // the timed-out decode's thread may still read the old one: never shelved
            }
            return new ImageResult(path, member, len, -1, -1, null, e.reason(), e.getMessage(), 0, readNanos,
                    System.nanoTime() - t1, 0);
        }
        long t2 = System.nanoTime();
        ImageException failed = preprocess(image, out, offset, name);
        image.release(); // its planes serve the next image
        long t3 = System.nanoTime();
        if (failed != null) {
            return new ImageResult(path, member, len, image.width(), image.height(), image.format().name(),
                    failed.reason(), failed.getMessage(), image.reduction(), readNanos, t2 - t1, t3 - t2);
        }
        return new ImageResult(path, member, len, image.width(), image.height(), image.format().name(), null,
                null, image.reduction(), readNanos, t2 - t1, t3 - t2);
    }

    /**
     * Preprocesses into {@code out}; null, or why it failed: out of memory (orientations that transpose convert
     * the whole image first), or a defect of ours, which fails this image rather than the task. On failure,
     * {@code out} may hold part of the tensor: the caller does not use it.
     */
    private ImageException preprocess(DecodedImage image, float[] out, int offset, String name) {
        try {
            preprocessor.apply(image, out, offset);
            return null;
        } catch (OutOfMemoryError e) {
            return new ImageException(Reason.OUT_OF_MEMORY, name + ": out of memory while preprocessing ("
                    + e.getMessage() + "); lower " + DecodeOptions.MAX_PIXELS + " or give the JVM more heap");
        } catch (RuntimeException | StackOverflowError e) {
            return new ImageException(Reason.DECODE_FAILED, name + ": preprocessing failed: " + e);
        }
    }

    private ImageResult tooManyBytes(String path, String member, long bytes) {
        String name = member == null ? path : path + "/" + member;
        return failure(path, member, bytes, Reason.TOO_LARGE, String.format(Locale.ROOT,
                "%s: %d bytes, more than the limit of %d (%s)", name, bytes, guard.options().maxBytes(),
                DecodeOptions.MAX_BYTES), 0, 0);
    }

    private static ImageResult failure(String path, String member, long bytes, Reason reason, String message,
                                       long readNanos, long decodeNanos) {
        return new ImageResult(path, member, bytes, -1, -1, null, reason, message, 0, readNanos, decodeNanos, 0);
    }

    private void ensure(int capacity) {
        if (buffer.length < capacity) {
            buffer = new byte[Math.max(capacity, buffer.length + (buffer.length >> 1))];
        }
    }

    private void closeTar() {
        if (tarStream != null) {
            try {
                tarStream.close();
            } catch (IOException ignored) {
                // a failed close of a stream we only read loses nothing
            }
        }
        tarStream = null;
        tar = null;
        tarFile = null;
    }

    @Override
    public void close() {
        closeTar();
        if (buffer != null) {
            ArrayShelf.put(buffer);
            buffer = null;
        }
        if (ownsGuard) {
            guard.close();
        }
    }
}
