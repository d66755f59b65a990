package dev.shufflespark.job.model;

import dev.shufflespark.io.Redaction;
import dev.shufflespark.model.Labels;
import dev.shufflespark.model.ModelException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** The class names a job writes beside each class index. */
public final class ClassNames {
    private ClassNames() {
    }

    /**
     * The class names for a model of {@code classes} classes: the file named (any Hadoop file system; one name
     * per line), whose size must match, else the ImageNet names for a 1000-class model, else {@code class N}.
     */
    public static List<String> of(String labelsFile, LoadedModel model, Configuration conf) {
        int classes = model.numClasses();
        if (labelsFile == null || labelsFile.isBlank()) {
            if (classes == Labels.imagenet().size()) {
                return Labels.imagenet().names();
            }
            List<String> names = new ArrayList<>(classes);
            for (int i = 0; i < classes; i++) {
                names.add("class " + i);
            }
            return names;
        }
        Labels labels = read(labelsFile, conf);
        if (labels.size() != classes) {
            throw new ModelException("labels " + Redaction.uri(labelsFile) + ": " + labels.size()
                    + " class names, but model " + model.name() + " has " + classes + " classes");
        }
        return labels.names();
    }

    private static Labels read(String file, Configuration conf) {
        Path path = new Path(file);
        String shown = Redaction.uri(file);
        java.nio.file.Path local = null;
        try {
            FileSystem fs = path.getFileSystem(conf);
            local = Files.createTempFile("shufflespark-labels", ".txt");
            try (InputStream in = fs.open(path)) {
                Files.copy(in, local, StandardCopyOption.REPLACE_EXISTING);
            }
            return Labels.read(local);
        } catch (FileNotFoundException e) {
            throw new ModelException("labels " + shown + ": no such file");
        } catch (IOException | UncheckedIOException e) {
            throw new ModelException("labels " + shown + ": cannot read it: "
                    + Redaction.scrub(String.valueOf(e.getMessage()), conf), e);
        } catch (ModelException e) {
            throw new ModelException(e.getMessage().replace(String.valueOf(local), shown), e);
        } finally {
            if (local != null) {
                try {
                    Files.deleteIfExists(local);
                } catch (IOException ignored) {
                    // a temporary file left behind costs nothing but space
                }
            }
        }
    }
}
