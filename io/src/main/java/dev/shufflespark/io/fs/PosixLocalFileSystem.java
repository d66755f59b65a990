package dev.shufflespark.io.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}, checksums included) that sets permissions with {@code java.nio}
 * instead of a {@code chmod} process. Without Hadoop's native library, which neither Spark's jars nor ours ship,
 * {@link RawLocalFileSystem#setPermission} starts a process per call, and Spark's commit protocol calls it for
 * every folder, row file and checksum file it writes: over a hundred processes for a run of three units, each
 * forked from a JVM of a gigabyte or more. Permissions with bits that {@code java.nio} cannot set (sticky,
 * set-id) and JVMs that have the native library keep Hadoop's way. Everything else is Hadoop's.
 *
 * <p>{@code bin/shufflespark classify} uses it for local runs ({@code fs.file.impl}); elsewhere set
 * {@code spark.hadoop.fs.file.impl=dev.shufflespark.io.fs.PosixLocalFileSystem} to use it.
 */
public final class PosixLocalFileSystem extends LocalFileSystem {

    public PosixLocalFileSystem() {
        super(new Raw());
    }

    /**
     * Whether {@code fs} reads a file as Hadoop's raw local file system does, through a {@code FileInputStream} of
     * {@link RawLocalFileSystem#pathToFile}: Hadoop's own or this one's raw file system, not a subclass of
     * Hadoop's with reads of its own.
     */
    public static boolean readsAsHadoopRaw(FileSystem fs) {
        return fs != null && (fs.getClass() == RawLocalFileSystem.class || fs.getClass() == Raw.class);
    }

    /** The raw file system under the checksums. */
    static final class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            Set<PosixFilePermission> posix = posix(permission.toShort());
            if (posix == null || NativeIO.isAvailable()) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), posix);
            } catch (UnsupportedOperationException e) { // not a POSIX file system
                super.setPermission(p, permission);
            }
        }
    }

    private static final PosixFilePermission[] BITS = { // from 0400 down to 0001
        PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE};

    /** The permissions of mode {@code bits} (e.g. 0644), or null when it has bits beyond 0777. */
    static Set<PosixFilePermission> posix(int bits) {
        if ((bits & ~0777) != 0) {
            return null;
        }
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < BITS.length; i++) {
            if ((bits & (0400 >> i)) != 0) {
                set.add(BITS[i]);
            }
        }
        return set;
    }
}
