package dev.shufflespark.job.stats;

import java.io.Serializable;

/**
 * One label row as {@code classify} shows it at the end of a run: the image, its status and its most probable class,
 * or its error. Kept by the tasks that wrote the rows ({@link SampleRows}), so that the driver never reads the labels
 * back to show a few.
 *
 * @param path        the row's {@code path}
 * @param member      its {@code member} (the tar member; null for a plain file)
 * @param status      its {@code status}
 * @param className   {@code class_name[0]}, the most probable class (null unless OK)
 * @param probability {@code probability[0]}, its probability (0 unless OK)
 * @param error       its {@code error} (null when OK)
 */
public record SampleRow(String path, String member, String status, String className, float probability,
                        String error) implements Serializable {

    private static final long serialVersionUID = 1L;
}
