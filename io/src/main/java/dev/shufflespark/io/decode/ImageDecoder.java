package dev.shufflespark.io.decode;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadWarningListener;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;

/**
 * Decodes JPEG, PNG, GIF (first frame), BMP, WebP and TIFF into 8-bit RGB as Pillow's
 * {@code convert("RGB")} would (see {@link PixelConversion}), safely:
 * <ul>
 *   <li>the format is recognised from the bytes, not the name; anything else is NOT_AN_IMAGE or, for known
 *       image formats we do not decode, UNSUPPORTED_FORMAT;</li>
 *   <li>the size is read from the header first; more than {@link DecodeOptions#maxPixels()} fails as
 *       TOO_LARGE before any pixel is decoded;</li>
 *   <li>when the caller says how large the model's input is, a much larger image is decoded with source
 *       subsampling (fewer pixels stored, converted and resized);</li>
 *   <li>a JPEG that ends early is TRUNCATED even though the JDK's decoder returns a partly grey image, and
 *       every other failure is a typed {@link ImageException} naming the input.</li>
 * </ul>
 * JPEGs go through TwelveMonkeys' reader (CMYK, YCCK, broken ICC profiles, lossless JPEG), read as raw
 * components and converted with libjpeg's integer formulas, so colour profiles are ignored as Pillow
 * ignores them. WebP needs TwelveMonkeys' WebP plugin, which this module brings.
 *
 * <p>Not thread-safe: it keeps one {@code ImageReader} per format. Use one decoder per thread (per task).
 */
public final class ImageDecoder implements AutoCloseable {

    static {
        ImageIO.setUseCache(false); // decode in memory: no temporary files on executors
        Plugins.register();
    }

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** Which decoders a call may use: {@link DecodeGuard} runs our JPEG decoder and ImageIO's separately. */
    enum Route {
        /** Our JPEG decoder for a JPEG it decodes, else ImageIO. */
        ANY,
        /** Our JPEG decoder only: no image when the input needs ImageIO. */
        OWN_JPEG,
        /** ImageIO only. */
        IMAGEIO
    }

    private final DecodeOptions options;
    private final Map<Format, ImageReader> readers = new EnumMap<>(Format.class);
    private final List<String> warnings = new ArrayList<>();
    private JpegDecoder builtin;
    private String lastFallback;
    private final IIOReadWarningListener warningListener = (source, warning) -> warnings.add(warning);
    private long lastPixelsNanos;
    private long lastConvertNanos;
    private long lastCpuNanos;
    private Thread lastThread;
    /** The ImageIO reader decoding right now, for {@link #abort()} from another thread. */
    private volatile ImageReader active;

    /**
     * Runs the built-in JPEG decoder's Vector API passes (colour conversion, fancy upsampling, the transform of
     * 1/2-scale decoding) {@code calls} times each on a few synthetic samples, on the calling thread, so that the
     * JIT has compiled them before the first images. Until it has, the Vector API runs its Java fallback, hundreds
     * of times slower; calls on narrow rows reach the compilers' thresholds for a fraction of what rows of photos
     * cost. Stops early once {@code stop} is true (checked every 64 calls). Returns the calls made, 0 where the
     * passes are scalar. Decoded pixels are the same either way: each pass gives the scalar path's bits.
     */
    public static int warmUpVectorPasses(int calls, BooleanSupplier stop) {
        int made = 0;
        if (JpegImage.VECTOR_COLOUR) {
            made += VectorColour.warmUp(calls, stop);
        }
        if (JpegImage.VECTOR_UPSAMPLE) {
            made += VectorUpsample.warmUp(calls, stop);
        }
        if (JpegEntropyDecoder.VECTOR_BOX4) {
            made += VectorIdct.warmUp(calls, stop);
        }
        return made;
    }

    public ImageDecoder(DecodeOptions options) {
        this.options = options;
    }

    public ImageDecoder() {
        this(DecodeOptions.defaults());
    }

    public DecodeOptions options() {
        return options;
    }

    /** Decodes a whole local file at full resolution (no subsampling) and applies its orientation. */
    public static RgbImage read(Path file) throws IOException, ImageException {
        byte[] bytes = Files.readAllBytes(file);
        try (ImageDecoder decoder = new ImageDecoder()) {
            return decoder.decode(bytes, 0, bytes.length, file.toString(), 0).oriented();
        }
    }

    /**
     * Decodes an image held in {@code data[off, off + len)}.
     *
     * @param name              names the input in error messages
     * @param targetShorterSide the shorter side the image will be resized to (the preprocessing's resize),
     *                          which allows subsampled decoding of large images; 0 for a full decode
     */
    public DecodedImage decode(byte[] data, int off, int len, String name, int targetShorterSide)
            throws ImageException {
        return decode(data, off, len, name, targetShorterSide, null, Route.ANY, JpegDecoder.NO_DEADLINE);
    }

    /**
     * {@link #decode(byte[], int, int, String, int)} of which only {@code region} will be read (null: all of it):
     * our JPEG decoder then transforms only the blocks that the region needs, and the image fails when asked
     * for pixels outside it. Other decoders decode everything.
     */
    public DecodedImage decode(byte[] data, int off, int len, String name, int targetShorterSide, ReadRegion region)
            throws ImageException {
        return decode(data, off, len, name, targetShorterSide, region, Route.ANY, JpegDecoder.NO_DEADLINE);
    }

    /**
     * {@link #decode(byte[], int, int, String, int)} by the decoders of {@code route}; null when
     * {@link Route#OWN_JPEG} leaves the input to ImageIO. Our JPEG decoder fails as TIMED_OUT once
     * {@link System#nanoTime} passes {@code deadline} ({@link JpegDecoder#NO_DEADLINE}: never).
     */
    DecodedImage decode(byte[] data, int off, int len, String name, int targetShorterSide, ReadRegion region,
                        Route route, long deadline) throws ImageException {
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        try {
            return decodeImage(data, off, len, name, targetShorterSide, region, route, deadline);
        } finally {
            lastCpuNanos = THREADS.getCurrentThreadCpuTime() - cpu0;
            lastThread = Thread.currentThread();
        }
    }

    private DecodedImage decodeImage(byte[] data, int off, int len, String name, int targetShorterSide,
                                     ReadRegion region, Route route, long deadline) throws ImageException {
        if (len == 0) {
            throw new ImageException(Reason.EMPTY, name + ": empty file");
        }
        Format format = Format.sniff(data, off, len);
        if (format == null) {
            String unsupported = Format.sniffUnsupported(data, off, len);
            if (unsupported != null) {
                throw new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": " + unsupported
                        + " images are not supported (JPEG, PNG, GIF, BMP, WebP and TIFF are)");
            }
            if (Format.isSignaturePrefix(data, off, len)) {
                throw new ImageException(Reason.TRUNCATED, name + ": only the first " + len + " bytes of an image");
            }
            throw new ImageException(Reason.NOT_AN_IMAGE, name + ": not an image (its first bytes match no image"
                    + " format; " + len + " bytes starting " + hex(data, off, len) + ")");
        }
        JpegHeader jpeg = null;
        int orientation = 1;
        switch (format) {
            case JPEG -> {
                jpeg = JpegHeader.parse(data, off, len, name);
                String variant = jpeg.unsupportedVariant();
                if (variant != null) {
                    throw new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": " + variant + " is not supported");
                }
                orientation = jpeg.orientation();
            }
            case PNG -> orientation = Exif.pngOrientation(data, off, len);
            case WEBP -> orientation = Exif.webpOrientation(data, off, len);
            default -> {
            }
        }
        if (!options.exifOrientation()) {
            orientation = 1;
        }
        if (route != Route.IMAGEIO) {
            lastFallback = null; // else it says why the call before this one left the image to ImageIO
            if (jpeg != null && options.jpeg() == DecodeOptions.JpegDecoderChoice.BUILTIN) {
                DecodedImage d = decodeBuiltin(data, off, len, name, jpeg, orientation, targetShorterSide, region,
                        deadline);
                if (d != null) {
                    return d;
                }
            }
            if (route == Route.OWN_JPEG) {
                return null;
            }
        }
        ImageReader reader = reader(format);
        if (reader == null) {
            throw new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": no " + format
                    + " decoder on the class path (an ImageIO plugin is missing)");
        }
        warnings.clear();
        boolean ok = false;
        active = reader;
        try {
            reader.setInput(new ByteArrayImageInputStream(data, off, len), true, true);
            int w = reader.getWidth(0);
            int h = reader.getHeight(0);
            if (w < 1 || h < 1) {
                throw new ImageException(Reason.CORRUPT, name + ": the header gives a size of " + w + "x" + h);
            }
            if ((long) w * h > options.maxPixels()) {
                throw tooLarge(name, w, h);
            }
            int s = subsampling(w, h, targetShorterSide);
            int offX = (s - 1) / 2;
            int offY = (s - 1) / 2;
            ImageReadParam param = reader.getDefaultReadParam();
            if (s > 1) {
                param.setSourceSubsampling(s, s, offX, offY);
            }
            RgbImage rgb = null;
            long t0 = System.nanoTime();
            long t1 = t0;
            if (jpeg != null) {
                JpegHeader.ColourSpace space = jpeg.colourSpace();
                if (space != JpegHeader.ColourSpace.YCCK && space != JpegHeader.ColourSpace.UNKNOWN) {
                    Raster raster = readRaster(reader, param);
                    t1 = System.nanoTime();
                    if (raster != null) {
                        if (raster.getNumBands() != jpeg.components()) {
                            throw new ImageException(Reason.CORRUPT, name + ": decoded " + raster.getNumBands()
                                    + " components, the header says " + jpeg.components());
                        }
                        rgb = PixelConversion.jpegToRgb(raster, space, jpeg.adobe());
                    }
                }
            }
            if (rgb == null) {
                BufferedImage image = reader.read(0, param);
                t1 = System.nanoTime();
                if (image == null) {
                    throw new ImageException(Reason.CORRUPT, name + ": the " + format + " decoder returned no image");
                }
                rgb = PixelConversion.toRgb(image);
            }
            lastPixelsNanos = t1 - t0;
            lastConvertNanos = System.nanoTime() - t1;
            String truncation = truncationWarning();
            if (truncation != null) {
                throw new ImageException(Reason.TRUNCATED, name + ": truncated " + format + " (" + truncation + ")");
            }
            boolean t = DecodedImage.transposed(orientation);
            DecodedImage decoded = new DecodedImage(rgb, orientation, t ? h : w, t ? w : h, s, offX, offY, format);
            ok = true;
            return decoded;
        } catch (ImageException e) {
            throw e;
        } catch (IOException e) {
            throw classify(e, name, format);
        } catch (RuntimeException e) {
            throw new ImageException(Reason.CORRUPT, name + ": " + format + " decoder failed: " + describe(e), e);
        } catch (OutOfMemoryError e) {
            throw new ImageException(Reason.OUT_OF_MEMORY, name + ": out of memory while decoding " + format
                    + " (" + e.getMessage() + "); lower " + DecodeOptions.MAX_PIXELS + " or give the JVM more heap");
        } finally {
            active = null;
            if (ok) {
                reader.setInput(null);
            } else {
                discard(format);
            }
        }
    }

    /**
     * Our own JPEG decoder, scaled in the DCT domain to what the resize needs; null when it leaves the file to
     * ImageIO (a variant it does not decode, or damage that ImageIO may still get through).
     */
    private DecodedImage decodeBuiltin(byte[] data, int off, int len, String name, JpegHeader jpeg, int orientation,
                                       int targetShorterSide, ReadRegion region, long deadline)
            throws ImageException {
        int w = jpeg.width();
        int h = jpeg.height();
        if (w > 0 && h > 0 && (long) w * h > options.maxPixels()) {
            throw tooLarge(name, w, h);
        }
        int shift = scaleShift(w, h, targetShorterSide);
        if (builtin == null) {
            builtin = new JpegDecoder();
        }
        boolean t = DecodedImage.transposed(orientation);
        int[] window = null;
        if (region != null && w > 0 && h > 0) {
            int s = 1 << shift;
            window = region.region(t ? h : w, t ? w : h, orientation, s, (w + s - 1) / s, (h + s - 1) / s);
        }
        try {
            long t0 = System.nanoTime();
            JpegImage image = builtin.decode(data, off, len, name, shift, options.maxPixels(), deadline, window);
            lastPixelsNanos = System.nanoTime() - t0;
            lastConvertNanos = 0; // conversion to RGB happens row by row where the rows are used
            return new DecodedImage(image, orientation, t ? h : w, t ? w : h, image.scale(), Format.JPEG);
        } catch (ImageException e) {
            if (e.reason() == Reason.TRUNCATED || e.reason() == Reason.TOO_LARGE || e.reason() == Reason.TIMED_OUT) {
                throw e;
            }
            lastFallback = e.getMessage();
            return null;
        } catch (ArithmeticException e) {
            throw new ImageException(Reason.TOO_LARGE, name + ": too large to decode JPEG (" + e
                    + "); lower " + DecodeOptions.MAX_PIXELS);
        } catch (OutOfMemoryError e) {
            throw new ImageException(Reason.OUT_OF_MEMORY, name + ": out of memory while decoding JPEG (" + e
                    + "); lower " + DecodeOptions.MAX_PIXELS + " or give the JVM more heap");
        } catch (RuntimeException e) {
            // A defect of ours (the fuzz tests look for these): ImageIO gets the file instead.
            lastFallback = name + ": " + e;
            return null;
        }
    }

    /**
     * The DCT-domain scaling (as a shift: 1 / 2^shift) for a JPEG of {@code w x h} whose shorter side will be
     * resized to {@code target}: the smallest scale that keeps the decoded shorter side at least
     * {@code subsampleHeadroom x target}; 0 when scaling is off or would not help.
     */
    int scaleShift(int w, int h, int target) {
        if (!options.subsample() || target <= 0) {
            return 0;
        }
        int shorter = Math.min(w, h);
        int shift = 0;
        while (shift < 3 && (shorter + (2 << shift) - 1 >> (shift + 1)) >= options.subsampleHeadroom() * target) {
            shift++;
        }
        return shift;
    }

    /**
     * Asks the decode running on another thread to stop: an ImageIO reader is aborted (plugins check between
     * rows or tiles, then return what they have); our JPEG decoder stops when its thread is interrupted. Safe to
     * call from any thread at any time; the decoder is not to be used again after it.
     */
    public void abort() {
        ImageReader r = active;
        if (r != null) {
            try {
                r.abort();
            } catch (RuntimeException ignored) {
                // a plugin that fails to abort is left to the caller's thread handling
            }
        }
    }

    /** Why the last JPEG went to ImageIO rather than our decoder (null when it did not), for tests and benchmarks. */
    public String lastFallback() {
        return lastFallback;
    }

    private ImageException tooLarge(String name, int w, int h) {
        return new ImageException(Reason.TOO_LARGE, String.format(Locale.ROOT,
                "%s: %dx%d is %.1f megapixels, more than the limit of %.1f (%s)", name, w, h,
                (double) w * h / 1e6, options.maxPixels() / 1e6, DecodeOptions.MAX_PIXELS));
    }

    /**
     * For benchmarks: of the last successful decode, the time the ImageIO reader took to deliver the pixels
     * (entropy decoding, IDCT, upsampling, copying into a raster), and the time of the conversion to RGB.
     */
    public long lastPixelsNanos() {
        return lastPixelsNanos;
    }

    /** For benchmarks: see {@link #lastPixelsNanos()}. */
    public long lastConvertNanos() {
        return lastConvertNanos;
    }

    /**
     * For benchmarks: the CPU time that the last decode took on the thread that ran it ({@link #lastThread()},
     * a {@link DecodeGuard}'s worker when one decoded), whether it succeeded or not.
     */
    public long lastCpuNanos() {
        return lastCpuNanos;
    }

    /** For benchmarks: the thread that ran the last decode. */
    public Thread lastThread() {
        return lastThread;
    }

    /** {@link #decode(byte[], int, int, String, int)} of a whole array at full resolution. */
    public DecodedImage decode(byte[] data, String name) throws ImageException {
        return decode(data, 0, data.length, name, 0);
    }

    /**
     * The source subsampling for an image of {@code w x h} whose shorter side will be resized to
     * {@code target}: the largest factor that keeps the decoded shorter side at least
     * {@code subsampleHeadroom x target}; 1 when subsampling is off or would not help.
     */
    int subsampling(int w, int h, int target) {
        if (!options.subsample() || target <= 0) {
            return 1;
        }
        int s = (int) Math.floor(Math.min(w, h) / (options.subsampleHeadroom() * target));
        return Math.max(1, s);
    }

    private static Raster readRaster(ImageReader reader, ImageReadParam param) throws IOException {
        if (!reader.canReadRaster()) {
            return null;
        }
        try {
            return reader.readRaster(0, param);
        } catch (UnsupportedOperationException e) {
            return null; // e.g. lossless JPEG in some reader versions: decode to an image instead
        }
    }

    /** The first decoder warning that means the data ended early, or null. */
    private String truncationWarning() {
        for (String w : warnings) {
            String l = w.toLowerCase(Locale.ROOT);
            if (l.contains("premature end") || l.contains("missing eoi") || l.contains("truncated")
                    || l.contains("unexpected end")) {
                return w;
            }
        }
        return null;
    }

    private static ImageException classify(IOException e, String name, Format format) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof EOFException) {
                return new ImageException(Reason.TRUNCATED, name + ": truncated " + format + " (" + describe(e) + ")", e);
            }
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("premature end") || m.contains("unexpected end") || m.contains("truncated")
                    || m.contains("end of stream") || m.contains("eof")) {
                return new ImageException(Reason.TRUNCATED, name + ": truncated " + format + " (" + describe(e) + ")", e);
            }
            if (m.contains("unsupported")) {
                return new ImageException(Reason.UNSUPPORTED_FORMAT, name + ": unsupported " + format + " variant ("
                        + describe(e) + ")", e);
            }
        }
        return new ImageException(Reason.CORRUPT, name + ": corrupt " + format + " (" + describe(e) + ")", e);
    }

    private static String describe(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null && s.length() < 300; t = t.getCause()) {
            if (s.length() > 0) {
                s.append(": ");
            }
            String m = t.getMessage();
            s.append(m == null || m.isBlank() ? t.getClass().getSimpleName() : m.strip().replace('\n', ' '));
            if (t.getCause() == t) {
                break;
            }
        }
        return s.toString();
    }

    private static String hex(byte[] b, int off, int len) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(len, 8); i++) {
            s.append(String.format(Locale.ROOT, "%02x", b[off + i] & 0xff));
        }
        return s.toString();
    }

    private ImageReader reader(Format format) {
        ImageReader r = readers.get(format);
        if (r == null) {
            r = Plugins.newReader(format);
            if (r != null) {
                r.addIIOReadWarningListener(warningListener);
                readers.put(format, r);
            }
        }
        return r;
    }

    /** Drops a reader after a failure: its state is unknown, the next image gets a fresh one. */
    private void discard(Format format) {
        ImageReader r = readers.remove(format);
        if (r != null) {
            try {
                r.dispose();
            } catch (RuntimeException ignored) {
                // nothing more to release
            }
        }
    }

    @Override
    public void close() {
        for (ImageReader r : readers.values()) {
            r.dispose();
        }
        readers.clear();
    }

    /** Finds the readers, preferring TwelveMonkeys' for JPEG and registering its plugins if needed. */
    static final class Plugins {
        private static final String TWELVEMONKEYS = "com.twelvemonkeys.";

        private Plugins() {
        }

        /**
         * Registers TwelveMonkeys' JPEG and WebP readers with ImageIO when the class path scan has not (a
         * context class loader that ImageIO did not see, as in Spark executors with user jars).
         */
        static synchronized void register() {
            IIORegistry registry = IIORegistry.getDefaultInstance();
            for (ImageReaderSpi spi : new ImageReaderSpi[] {
                    new com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi(),
                    new com.twelvemonkeys.imageio.plugins.webp.WebPImageReaderSpi()}) {
                if (registry.getServiceProviderByClass(spi.getClass()) == null) {
                    registry.registerServiceProvider(spi, ImageReaderSpi.class);
                }
            }
        }

        static ImageReader newReader(Format format) {
            Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format.imageIoName());
            ImageReader first = null;
            while (it.hasNext()) {
                ImageReader r = it.next();
                if (format == Format.JPEG && r.getClass().getName().startsWith(TWELVEMONKEYS)) {
                    if (first != null) {
                        first.dispose();
                    }
                    return r;
                }
                if (first == null) {
                    first = r;
                } else {
                    r.dispose();
                }
            }
            return first;
        }
    }
}
