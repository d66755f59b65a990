package dev.shufflespark.io.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.spi.IIORegistry;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Poison for the decoders: an ImageIO plugin, installed in this JVM by a test, that reads BMP files before the
 * JDK's reader does. A BMP that ends with {@code POISON:<kind>} (after its pixels, where BMP readers never look)
 * makes it fail as {@link Poison} says, the way a defective third-party plugin would; any other BMP it hands to the
 * JDK's reader. (The job module's tests use it too, through this module's test-jar.)
 */
public final class PoisonImages {

    /** What the plugin does with a poisoned file. */
    public enum Poison {
        /** Recurses until the thread's stack overflows: a real {@link StackOverflowError}. */
        STACK_OVERFLOW,
        /**
         * Asks for an array longer than any heap allows: a real {@link OutOfMemoryError}, thrown at once ("Requested
         * array size exceeds VM limit"), where one that fills the heap would first wait for full collections.
         */
        OUT_OF_MEMORY,
        /** Throws an {@link InternalError}, as a plugin with a bug might. */
        ERROR,
        /** Waits until the reader is aborted, checking {@code abortRequested()} as plugins do between rows. */
        HANG,
        /** Loops on the CPU ignoring aborts and interrupts, until {@link #release()}: a thread Java cannot stop. */
        SPIN
    }

    private static final String MARK = "POISON:";
    private static final AtomicInteger SPINNING = new AtomicInteger();
    private static volatile boolean released;
    private static volatile Object sink;
    private static Spi installed;

    private PoisonImages() {
    }

    /** A valid 24x16 BMP with the poison mark appended. */
    public static byte[] bmp(Poison poison) {
        return poisoned(goodBmp(24, 16, 7), poison);
    }

    /** {@code bmp} with the mark of {@code poison} appended. */
    public static byte[] poisoned(byte[] bmp, Poison poison) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(bmp);
        out.writeBytes((MARK + poison.name()).getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /** A plain seeded BMP, which the plugin hands to the JDK's reader. */
    public static byte[] goodBmp(int w, int h, int seed) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 37 + y * 11 + seed * 101) * 0x010305 & 0xffffff);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "bmp", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Registers the plugin, ahead of every other BMP reader. Idempotent. */
    public static synchronized void install() {
        if (installed != null) {
            return;
        }
        released = false;
        IIORegistry registry = IIORegistry.getDefaultInstance();
        List<ImageReaderSpi> others = bmpReaders(registry);
        Spi spi = new Spi(others.get(0));
        registry.registerServiceProvider(spi, ImageReaderSpi.class);
        for (ImageReaderSpi other : others) {
            registry.setOrdering(ImageReaderSpi.class, spi, other);
        }
        installed = spi;
    }

    /** Ends every {@link Poison#SPIN} loop and removes the plugin. */
    public static synchronized void uninstall() {
        release();
        if (installed != null) {
            IIORegistry.getDefaultInstance().deregisterServiceProvider(installed, ImageReaderSpi.class);
            installed = null;
        }
    }

    /** Lets every thread in a {@link Poison#SPIN} loop go (it then fails). */
    public static void release() {
        released = true;
    }

    /** Threads looping in {@link Poison#SPIN} right now. */
    public static int spinning() {
        return SPINNING.get();
    }

    private static List<ImageReaderSpi> bmpReaders(IIORegistry registry) {
        List<ImageReaderSpi> out = new ArrayList<>();
        Iterator<ImageReaderSpi> it = registry.getServiceProviders(ImageReaderSpi.class, true);
        while (it.hasNext()) {
            ImageReaderSpi spi = it.next();
            if (!(spi instanceof Spi)) {
                for (String name : spi.getFormatNames()) {
                    if (name.equalsIgnoreCase("bmp")) {
                        out.add(spi);
                        break;
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no BMP reader in this JVM");
        }
        return out;
    }

    private static final class Spi extends ImageReaderSpi {
        private final ImageReaderSpi delegate;

        Spi(ImageReaderSpi delegate) {
            super("shufflespark tests", "1", new String[] {"bmp", "BMP"}, new String[] {"bmp"},
                    new String[] {"image/bmp"}, Reader.class.getName(), new Class<?>[] {ImageInputStream.class},
                    null, false, null, null, null, null, false, null, null, null, null);
            this.delegate = delegate;
        }

        @Override
        public boolean canDecodeInput(Object source) {
            return false; // chosen by format name only, never by content
        }

        @Override
        public ImageReader createReaderInstance(Object extension) throws IOException {
            return new Reader(this, delegate.createReaderInstance(extension));
        }

        @Override
        public String getDescription(Locale locale) {
            return "BMP reader that fails on purpose for files marked " + MARK;
        }
    }

    private static final class Reader extends ImageReader {
        private final ImageReader delegate;
        private byte[] bytes;
        private Poison poison;

        Reader(ImageReaderSpi spi, ImageReader delegate) {
            super(spi);
            this.delegate = delegate;
        }

        @Override
        public void setInput(Object input, boolean seekForwardOnly, boolean ignoreMetadata) {
            super.setInput(input, seekForwardOnly, ignoreMetadata);
            bytes = null;
            poison = null;
        }

        private void load() throws IOException {
            if (bytes != null) {
                return;
            }
            ImageInputStream in = (ImageInputStream) getInput();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                all.write(buf, 0, n);
            }
            bytes = all.toByteArray();
            String tail = new String(bytes, Math.max(0, bytes.length - 32), Math.min(32, bytes.length),
                    StandardCharsets.ISO_8859_1);
            int at = tail.lastIndexOf(MARK);
            poison = at < 0 ? null : Poison.valueOf(tail.substring(at + MARK.length()).strip());
            delegate.setInput(new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes)), true, true);
        }

        @Override
        public int getNumImages(boolean allowSearch) throws IOException {
            load();
            return delegate.getNumImages(allowSearch);
        }

        @Override
        public int getWidth(int imageIndex) throws IOException {
            load();
            return delegate.getWidth(imageIndex);
        }

        @Override
        public int getHeight(int imageIndex) throws IOException {
            load();
            return delegate.getHeight(imageIndex);
        }

        @Override
        public Iterator<ImageTypeSpecifier> getImageTypes(int imageIndex) throws IOException {
            load();
            return delegate.getImageTypes(imageIndex);
        }

        @Override
        public IIOMetadata getStreamMetadata() {
            return null;
        }

        @Override
        public IIOMetadata getImageMetadata(int imageIndex) {
            return null;
        }

        @Override
        public BufferedImage read(int imageIndex, ImageReadParam param) throws IOException {
            load();
            clearAbortRequest();
            if (poison == null) {
                return delegate.read(imageIndex, param);
            }
            switch (poison) {
                case STACK_OVERFLOW -> deeper(0);
                case OUT_OF_MEMORY -> sink = new long[Integer.MAX_VALUE];
                case ERROR -> throw new InternalError("a defect of the plugin");
                case HANG -> {
                    while (!abortRequested()) {
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            // this plugin answers aborts only
                        }
                    }
                    return new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR); // what was decoded so far
                }
                case SPIN -> {
                    SPINNING.incrementAndGet();
                    try {
                        long n = 0;
                        while (!released) {
                            n++;
                        }
                        sink = n;
                    } finally {
                        SPINNING.decrementAndGet();
                    }
                    throw new IOException("released");
                }
                default -> throw new IllegalStateException();
            }
            throw new IllegalStateException("unreachable");
        }

        private static int deeper(int depth) {
            return deeper(depth + 1) + 1;
        }

        @Override
        public void dispose() {
            delegate.dispose();
        }
    }
}
