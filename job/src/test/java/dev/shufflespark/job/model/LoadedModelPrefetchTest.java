package dev.shufflespark.job.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shufflespark.model.ModelException;
import dev.shufflespark.model.format.ModelFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A prefetched model is what the next load of the same spec gets, unless its file changed meanwhile. */
class LoadedModelPrefetchTest {

    private static LoadedModel prefetchAndWait(String spec) throws Exception {
        CompletableFuture<LoadedModel> done = new CompletableFuture<>();
        LoadedModel.prefetch(spec, new Configuration(), done::complete);
        return done.get(120, TimeUnit.SECONDS);
    }

    @Test
    void theNextLoadTakesThePrefetchedModelOnce() throws Exception {
        LoadedModel early = prefetchAndWait("shufflenet_v1_g3_x0_25");
        assertSame(early, LoadedModel.load("shufflenet_v1_g3_x0_25", new Configuration()));
        assertNotSame(early, LoadedModel.load("shufflenet_v1_g3_x0_25", new Configuration()), "taken once");
    }

    @Test
    void anotherSpecOrAChangedFileIsLoadedAgain(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.ssnm");
        LoadedModel builtin = LoadedModel.load("shufflenet_v1_g8_x0_5", new Configuration());
        try (OutputStream out = Files.newOutputStream(file)) {
            ModelFile.write(builtin.model().architecture().orElseThrow(), builtin.model().weights().orElseThrow(), out);
        }
        String spec = file.toUri().toString();

        LoadedModel early = prefetchAndWait(spec);
        LoadedModel other = LoadedModel.load("shufflenet_v1_g8_x0_5", new Configuration());
        assertNotSame(early, other);
        assertSame(early, LoadedModel.load(spec, new Configuration()), "another spec's load left it");

        LoadedModel again = prefetchAndWait(spec);
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() - 60_000));
        LoadedModel fresh = LoadedModel.load(spec, new Configuration());
        assertNotSame(again, fresh, "the file changed after the prefetch");
        assertEquals(again.sha256(), fresh.sha256());
    }

    @Test
    void aFailedPrefetchFailsTheLoadWithTheUsualMessage(@TempDir Path dir) throws Exception {
        String spec = dir.resolve("missing.onnx").toUri().toString();
        LoadedModel.prefetch(spec, new Configuration(), null);
        ModelException e = assertThrows(ModelException.class, () -> LoadedModel.load(spec, new Configuration()));
        assertEquals(true, e.getMessage().contains("neither a built-in model nor an existing file"), e.getMessage());
    }
}
