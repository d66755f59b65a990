package dev.shufflespark.io.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixLocalFileSystemTest {

    @TempDir
    java.nio.file.Path dir;

    @Test
    void everyModeMapsToTheSamePermissionsAsItsOctalString() {
        for (int mode = 0; mode <= 0777; mode++) {
            StringBuilder rwx = new StringBuilder();
            for (int i = 8; i >= 0; i--) {
                rwx.append((mode & (1 << i)) != 0 ? "rwx".charAt((8 - i) % 3) : '-');
            }
            assertEquals(PosixFilePermissions.fromString(rwx.toString()), PosixLocalFileSystem.posix(mode),
                    Integer.toOctalString(mode));
        }
        assertNull(PosixLocalFileSystem.posix(01777), "sticky bit: left to chmod");
        assertNull(PosixLocalFileSystem.posix(04755), "set-user-id: left to chmod");
    }

    @Test
    void writesWithHadoopsPermissionsAndChecksums() throws Exception {
        Configuration conf = new Configuration(false);
        conf.set("fs.file.impl", PosixLocalFileSystem.class.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        conf.set("fs.permissions.umask-mode", "027");
        try (FileSystem fs = FileSystem.get(dir.toUri(), conf)) {
            assertTrue(fs instanceof LocalFileSystem);
            Path folder = new Path(dir.toUri().toString(), "a/b");
            assertTrue(fs.mkdirs(folder));
            Path file = new Path(folder, "rows.txt");
            try (OutputStream out = fs.create(file)) {
                out.write("row\n".getBytes(StandardCharsets.UTF_8));
            }
            java.nio.file.Path b = dir.resolve("a/b");
            assertEquals(PosixFilePermissions.fromString("rwxr-x---"), Files.getPosixFilePermissions(b));
            assertEquals(PosixFilePermissions.fromString("rw-r-----"),
                    Files.getPosixFilePermissions(b.resolve("rows.txt")));
            assertTrue(Files.exists(b.resolve(".rows.txt.crc")), "checksums as LocalFileSystem writes them");

            fs.setPermission(file, new FsPermission((short) 0604));
            assertEquals(PosixFilePermissions.fromString("rw----r--"),
                    Files.getPosixFilePermissions(b.resolve("rows.txt")));
            assertEquals("row\n", new String(fs.open(file).readAllBytes(), StandardCharsets.UTF_8));
            assertEquals(new FsPermission((short) 0604), fs.getFileStatus(file).getPermission());
        }
    }

    @Test
    void readsAsHadoopRawOnlyForHadoopsRawAndOurs() {
        assertTrue(PosixLocalFileSystem.readsAsHadoopRaw(new RawLocalFileSystem()));
        assertTrue(PosixLocalFileSystem.readsAsHadoopRaw(new PosixLocalFileSystem().getRawFileSystem()));
        // The checksummed ones read through their raw file system, and a subclass may read in its own way.
        assertFalse(PosixLocalFileSystem.readsAsHadoopRaw(new PosixLocalFileSystem()));
        assertFalse(PosixLocalFileSystem.readsAsHadoopRaw(new LocalFileSystem()));
        assertFalse(PosixLocalFileSystem.readsAsHadoopRaw(new RawLocalFileSystem() {
        }));
        assertFalse(PosixLocalFileSystem.readsAsHadoopRaw(null));
    }
}
