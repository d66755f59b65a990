package dev.shufflespark.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The session's class loader hides Spark ML's session extension and nothing else. */
class SessionClassLoaderTest {

    @TempDir
    Path dir;

    private URL serviceFile(String folder, String text) throws Exception {
        Path f = dir.resolve(folder).resolve(SessionClassLoader.SERVICE);
        Files.createDirectories(f.getParent());
        Files.writeString(f, text);
        return dir.resolve(folder).toUri().toURL();
    }

    @Test
    void hidesTheServiceFilesThatNameOnlyMlsExtension() throws Exception {
        URL ml = serviceFile("ml", "# ML\n" + SessionClassLoader.ML_EXTENSION + "\n");
        URL other = serviceFile("other", "com.example.Extensions\n");
        URL both = serviceFile("both", SessionClassLoader.ML_EXTENSION + "  # ML\ncom.example.More\n");
        URL empty = serviceFile("empty", "# nothing\n\n");
        try (URLClassLoader parent = new URLClassLoader(new URL[] {ml, other, both, empty}, null)) {
            SessionClassLoader loader = new SessionClassLoader(parent);
            List<URL> found = Collections.list(loader.getResources(SessionClassLoader.SERVICE));
            assertEquals(List.of("other", "both", "empty"), found.stream()
                    .map(u -> u.getPath().replaceAll(".*/(\\w+)/META-INF/.*", "$1")).toList());
            assertEquals(4, Collections.list(parent.getResources(SessionClassLoader.SERVICE)).size());
        }
    }

    @Test
    void onTheJobsClassPathMlsExtensionIsTheOneHiddenAndClassesComeFromTheParent() throws Exception {
        ClassLoader parent = getClass().getClassLoader();
        SessionClassLoader loader = new SessionClassLoader(parent);
        assertEquals(1, Collections.list(parent.getResources(SessionClassLoader.SERVICE)).size(),
                "Spark ML's service file on the class path");
        assertEquals(0, Collections.list(loader.getResources(SessionClassLoader.SERVICE)).size());
        assertSame(parent.loadClass("org.apache.spark.sql.SparkSession"),
                loader.loadClass("org.apache.spark.sql.SparkSession"));
        assertEquals(Collections.list(parent.getResources("META-INF/MANIFEST.MF")),
                Collections.list(loader.getResources("META-INF/MANIFEST.MF")));
    }
}
