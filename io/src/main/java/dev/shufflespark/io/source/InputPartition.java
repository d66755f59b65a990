package dev.shufflespark.io.source;

import java.io.Serializable;
import java.util.List;

/** The inputs of one task. */
public record InputPartition(int index, List<InputFile> files, long bytes) implements Serializable {

    public InputPartition {
        files = List.copyOf(files);
    }
}
